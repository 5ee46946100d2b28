"""Plain-text rules: which characters are control characters, one-line text and shortening."""

import sys
import unicodedata

from matcher.text import CONTROLS, has_controls, is_control, one_line, shorten


def test_the_control_pattern_is_exactly_the_control_characters():
    differ = [
        code
        for code in range(sys.maxunicode + 1)
        if bool(CONTROLS.fullmatch(chr(code))) != is_control(chr(code))
    ]
    assert differ == []
    assert is_control("\u2028")
    assert unicodedata.category("\u2028") == "Zl"


def test_one_line_folds_breaks_controls_and_runs_of_space():
    assert one_line("  Dr.\tAda\r\n Lovelace\x00\x85\u2029MD  ") == "Dr. Ada Lovelace MD"
    assert one_line("plain") == "plain"


def test_has_controls_allows_only_what_it_is_told():
    assert has_controls("line one\nline two")
    assert not has_controls("line one\nline two", allowed=frozenset("\n"))
    assert has_controls("line one\r\nline two", allowed=frozenset("\n"))
    assert not has_controls("Ünïcödé — fine")


def test_shorten_cuts_at_a_word_with_an_ellipsis():
    assert shorten("Westbrook School of Medicine", 100) == "Westbrook School of Medicine"
    assert shorten("Westbrook School of Medicine", 20) == "Westbrook School…"
