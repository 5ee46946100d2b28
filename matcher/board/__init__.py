"""The student's board of advisors: the page, the home page's part and the publish email."""
