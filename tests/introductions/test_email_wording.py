"""The default request emails tell mentors what their links do: each opens a page where they
confirm with one more click (never "one click is enough")."""

import pytest

from matcher.introductions import emails

REQUEST_EMAILS = (
    "ask",
    "ask_several",
    "request",
    "reminder",
    "request_reminder",
    "reminder_several",
)


@pytest.mark.parametrize("key", REQUEST_EMAILS)
def test_each_request_email_says_the_links_open_a_page_to_confirm(app, key):
    with app.app_context():
        text = emails.default_text(key)
        filled = emails.render(text, emails.SAMPLE)
    body = " ".join(filled.body.split())
    assert "one click is enough" not in body.lower()
    assert "opens a page where you confirm your answer with one more click" in body
    assert "nothing changes until you do" in body


def test_the_placeholder_list_describes_the_links_truly(app):
    for key in ("ask", "reminder"):
        fields = emails.EMAILS[key].fields
        assert "one-click" not in fields["accept_link"]
        assert "confirms" in fields["accept_link"]
