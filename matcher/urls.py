"""Redirect targets that cannot leave the site, and the bounded number converter of routes."""

from urllib.parse import urlsplit

from werkzeug.routing import IntegerConverter

LARGEST_ID = 2**63 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` in routes: a number no database id can reach matches no route (404)
    instead of overflowing the database driver."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else ``None`` (no scheme, host or ``//``)."""
    if not target or "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
