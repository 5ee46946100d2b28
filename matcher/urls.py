"""Redirect targets that cannot leave the site, and numbers read from requests within what the
database holds: the bounded number converter of routes and the parser of numbers.

Every id and count is an ``Integer`` column: 32-bit signed in PostgreSQL, which also casts each
compared value to ``integer``, so a number beyond ``LARGEST_ID`` fails the query there (SQLite
fails beyond 64 bits). Such a number is refused before it reaches a query."""

import re
from urllib.parse import urlsplit

from werkzeug.routing import IntegerConverter

from matcher.text import has_controls

LARGEST_ID = 2**31 - 1
SMALLEST_INT = -(2**31)
WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")


class IdConverter(IntegerConverter):
    """``<int:...>`` in routes: a number no database id can reach matches no route (404)
    instead of overflowing the database driver."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


def whole_number(text: str | None, low: int = SMALLEST_INT, high: int = LARGEST_ID) -> int | None:
    """``text`` as an integer an ``Integer`` column holds (from ``low`` to ``high``), written
    with the ASCII digits 0-9 and an optional sign; else ``None``. ``int()`` alone also reads
    other scripts' digits, underscores and numbers of any size."""
    if not isinstance(text, str):
        return None
    text = text.strip()
    if not WHOLE_NUMBER.fullmatch(text) or len(text) > 21:
        return None
    value = int(text)
    return value if low <= value <= high else None


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else ``None``: no scheme, host, ``//`` or
    backslash, and no control character or line separator (a header cannot carry one).
    Every redirect to a place named by a request (``next=``, ``back=``) goes through here."""
    if not isinstance(target, str) or not target or "\\" in target:
        return None
    if has_controls(target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
