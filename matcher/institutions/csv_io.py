"""The institution list as CSV text: its columns, reading a file into rows, writing rows.

Reading checks the file's shape (encoding, header, size); what the cells mean is checked by
``services.import_csv``. Cells are written safe for spreadsheets and read back exactly.
"""

import csv
import io

from matcher.spreadsheet import escape_formula, unescape_formula

COLUMNS = ("name", "kind", "aliases", "region", "home", "departments", "confirmed")
REQUIRED = ("name",)
LIST_SEPARATOR = ";"
MAX_ROWS = 10_000
YES = frozenset({"yes", "y", "true", "1", "confirmed"})
NO = frozenset({"no", "n", "false", "0", "waiting", "pending"})

Row = tuple[int, dict[str, str]]


class CSVFileError(ValueError):
    """The file cannot be read as an institution list; ``errors`` says why."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(" ".join(errors))
        self.errors = errors


def decode(data: bytes) -> str:
    """An uploaded file as text (UTF-8, with or without a byte-order mark)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CSVFileError(
            [
                f"The file is not UTF-8 text (the first unreadable byte is on line {line}). "
                "Save it as “CSV UTF-8 (comma delimited)” and upload it again."
            ]
        ) from None


def read(text: str) -> list[Row]:
    """The non-blank rows as (line number, {column: cell}), cells trimmed and un-escaped."""
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise CSVFileError(["The file is empty. Start from an exported list."])
    if "\x00" in text:
        raise CSVFileError(["The file is not a CSV text file (it contains NUL bytes)."])
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[Row] = []
    try:
        names = _header(next(reader))
        for cells in reader:
            values = [unescape_formula(cell.strip()) for cell in cells]
            if not any(values):
                continue
            if len(values) > len(names) and any(values[len(names) :]):
                raise CSVFileError(
                    [f"Line {reader.line_num} has more cells than the header has columns."]
                )
            if len(rows) == MAX_ROWS:
                raise CSVFileError(
                    [f"The file has more than {MAX_ROWS:,} rows. Split it into smaller files."]
                )
            row = dict.fromkeys(names, "")
            row.update(zip(names, values, strict=False))
            row.pop("", None)
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise CSVFileError(
            [f"Line {reader.line_num} could not be read as CSV ({exc}). Check its quotes."]
        ) from None
    if not rows:
        raise CSVFileError(["The file has a header row but no institutions in it."])
    return rows


def _header(cells: list[str]) -> list[str]:
    names = [cell.strip().lower() for cell in cells]
    named = [name for name in names if name]
    if len(named) == 1 and ";" in named[0]:
        raise CSVFileError(
            [
                "The columns seem to be separated by semicolons. Save the file as "
                "“CSV UTF-8 (comma delimited)” so columns are separated by commas."
            ]
        )
    errors = []
    repeated = sorted({name for name in named if named.count(name) > 1})
    if repeated:
        errors.append(f"These columns appear more than once: {', '.join(repeated)}.")
    unknown = [name for name in dict.fromkeys(named) if name not in COLUMNS]
    if unknown:
        errors.append(
            f"Unknown columns: {', '.join(repr(n[:40]) for n in unknown)}. "
            f"The columns are: {', '.join(COLUMNS)}."
        )
    missing = [name for name in REQUIRED if name not in named]
    if missing:
        errors.append(f"Missing required columns: {', '.join(missing)}.")
    if errors:
        raise CSVFileError(errors)
    return names


def split_list(cell: str) -> list[str]:
    """A cell of several values separated by semicolons."""
    return [part.strip() for part in cell.split(LIST_SEPARATOR) if part.strip()]


def join_list(values: list[str]) -> str:
    return f"{LIST_SEPARATOR} ".join(values)


def write(rows: list[dict[str, str]]) -> str:
    """CSV text with the header and one line per row (keys of ``COLUMNS``)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([escape_formula(row.get(column, "")) for column in COLUMNS])
    return out.getvalue()
