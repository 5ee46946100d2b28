"""Interest groups: creating them, joining by invite link, approving requests, coordinators."""
