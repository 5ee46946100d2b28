"""Signed, timestamped tokens for emailed links, on the site's clock and secret key."""

from flask import current_app
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from matcher import clock


class ClockSigner(TimestampSigner):
    """Timestamps from ``matcher.clock``, so link expiry follows the site's clock."""

    def get_timestamp(self) -> int:
        return int(clock.now().timestamp())


def serializer(salt: str) -> URLSafeTimedSerializer:
    """The token maker for one kind of link (``salt`` keeps kinds apart)."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt, signer=ClockSigner)
