"""Plain-text rules shared by forms, imports, redirects and mail: control characters, one line,
shortening."""

import re
import unicodedata

LINE_BREAKS = frozenset("\u2028\u2029")
ELLIPSIS = "…"
CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
"""Every character :func:`is_control` accepts: Unicode's "Cc" category is exactly the C0 and
C1 ranges."""


def is_control(ch: str) -> bool:
    """A C0 or C1 control character (CR, LF and tab among them) or a Unicode line break."""
    return unicodedata.category(ch) == "Cc" or ch in LINE_BREAKS


def has_controls(text: str, allowed: frozenset[str] = frozenset()) -> bool:
    """Whether ``text`` holds a control character other than those ``allowed``."""
    return any(ch not in allowed for ch in CONTROLS.findall(text))


def one_line(text: str) -> str:
    """``text`` with every control character and line break turned into a space, and runs of
    white space folded to one."""
    return re.sub(r"\s+", " ", CONTROLS.sub(" ", text)).strip()


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a word boundary where one is near, with
    an ellipsis to show the cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ELLIPSIS)]
    space = cut.rfind(" ")
    if space >= limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-–—") + ELLIPSIS
