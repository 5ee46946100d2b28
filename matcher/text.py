"""Plain-text rules shared by forms, imports, redirects and mail: control characters, one line,
shortening."""

import re
import unicodedata

LINE_BREAKS = frozenset("\u2028\u2029")
ELLIPSIS = "…"


def is_control(ch: str) -> bool:
    """A C0 or C1 control character (CR, LF and tab among them) or a Unicode line break."""
    return unicodedata.category(ch) == "Cc" or ch in LINE_BREAKS


def has_controls(text: str, allowed: frozenset[str] = frozenset()) -> bool:
    """Whether ``text`` holds a control character other than those ``allowed``."""
    return any(is_control(ch) and ch not in allowed for ch in text)


def one_line(text: str) -> str:
    """``text`` with every control character and line break turned into a space, and runs of
    white space folded to one."""
    return re.sub(r"\s+", " ", "".join(" " if is_control(ch) else ch for ch in text)).strip()


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
