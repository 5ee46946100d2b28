"""CSV for spreadsheets: cells that cannot run as formulas, and files to download."""

from flask import Response

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value: str) -> str:
    """Prefix an apostrophe so spreadsheets show the cell as text, not run it as a formula.

    Values that already start with apostrophes before a trigger get one more, so that
    ``unescape_formula`` gives back exactly the original.
    """
    return "'" + value if value.lstrip("'").startswith(FORMULA_TRIGGERS) else value


def unescape_formula(value: str) -> str:
    """The cell ``escape_formula`` was given."""
    if value.startswith("'") and value[1:].lstrip("'").startswith(FORMULA_TRIGGERS):
        return value[1:]
    return value


def download(text: str, filename: str, *, byte_order_mark: bool) -> Response:
    """``text`` as a CSV attachment; with a byte-order mark, spreadsheets open accented names
    as UTF-8."""
    return Response(
        ("\ufeff" if byte_order_mark else "") + text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
