"""Tabular payloads as rows of cells, whatever they came as: an xlsx workbook, a zip holding one,
or a CSV (read through `scrapers.text`, so a BOM never glues itself to the first column name).

Statistical agencies publish the same table as a workbook and as a CSV excerpt of it; a parser
written against rows of cells reads both, and `jobzone source parse` works on either.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from typing import Any

from scrapers.base import ParseError
from scrapers.text import text_stream

Row = tuple[Any, ...]
ZIP_MAGIC = b"PK\x03\x04"
#: a workbook of the kind we read has a few thousand rows; a sheet past this is not one of ours
MAX_ROWS = 200_000


def is_zip(body: bytes) -> bool:
    return body.startswith(ZIP_MAGIC)


def is_workbook(body: bytes) -> bool:
    """An xlsx is a zip with ``xl/workbook.xml`` in it."""
    if not is_zip(body):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as zf:
            return "xl/workbook.xml" in zf.namelist()
    except zipfile.BadZipFile:
        return False


def workbook_in_zip(body: bytes, member: Callable[[str], bool], where: str) -> tuple[str, bytes]:
    """(name, bytes) of the one member of a zip archive that `member` accepts (an xlsx inside a
    release archive); a ParseError naming what the archive holds otherwise."""
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as zf:
            names = [n for n in zf.namelist() if member(n)]
            if len(names) != 1:
                raise ParseError(f"{where}: expected one matching workbook in the archive, found {names or 'none'} "
                                 f"(archive holds {zf.namelist()[:10]})")
            return names[0], zf.read(names[0])
    except zipfile.BadZipFile as exc:
        raise ParseError(f"{where}: not a readable zip archive ({exc})") from None


def workbook_sheets(body: bytes, where: str) -> dict[str, list[Row]]:
    """Every sheet of an xlsx as its rows of cell values (formulas' cached values, not formulas)."""
    from openpyxl import load_workbook  # the import costs ~0.3 s: only parsers that meet a workbook pay it

    try:
        book = load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError and its own errors for a damaged file
        raise ParseError(f"{where}: not a readable xlsx workbook ({type(exc).__name__}: {exc})") from None
    try:
        sheets: dict[str, list[Row]] = {}
        for sheet in book.worksheets:
            rows: list[Row] = []
            for row in sheet.iter_rows(values_only=True):
                rows.append(row)
                if len(rows) > MAX_ROWS:
                    raise ParseError(f"{where}: sheet {sheet.title!r} has more than {MAX_ROWS} rows")
            sheets[sheet.title] = rows
        return sheets
    finally:
        book.close()


def sheet_named(sheets: dict[str, list[Row]], pattern: str, where: str) -> tuple[str, list[Row]]:
    """The one sheet whose name matches `pattern` (a regex, case-insensitive, whole name)."""
    hits = [name for name in sheets if re.fullmatch(pattern, name.strip(), re.I)]
    if not hits:
        raise ParseError(f"{where}: no sheet matching {pattern!r} (sheets: {list(sheets)})")
    return hits[0], sheets[hits[0]]


def csv_rows(body: bytes, encoding: str | None, where: str) -> list[Row]:
    try:
        rows = [tuple(r) for r in csv.reader(text_stream(body, encoding))]
    except csv.Error as exc:
        raise ParseError(f"{where}: not a readable CSV ({exc})") from None
    if len(rows) > MAX_ROWS:
        raise ParseError(f"{where}: more than {MAX_ROWS} rows")
    return rows


def norm(cell: Any) -> str:
    """A header or label cell as comparable text: stripped, inner whitespace collapsed, dashes plain.

    BLS headers use en dashes (``2024–34``) and footnote marks (``[1]``); both are kept out of
    the comparison so a header that changes its dash or its footnote number still matches.
    """
    text = "" if cell is None else str(cell)
    text = text.replace("\u2013", "-").replace("\u2014", "-").replace("\xa0", " ")
    text = re.sub(r"\[\d+\]", "", text)
    return re.sub(r"\s+", " ", text).strip()


def find_header(rows: Sequence[Row], required: Sequence[str], where: str, search: int = 30) -> int:
    """Index of the first of the top `search` rows holding a cell matching each regex of `required`.

    A missing column is named in the error, with the row that came closest.
    """
    best: tuple[int, int, list[str]] = (-1, -1, list(required))
    for i, row in enumerate(rows[:search]):
        cells = [norm(c) for c in row]
        missing = [p for p in required if not any(re.fullmatch(p, c, re.I) for c in cells)]
        if not missing:
            return i
        found = len(required) - len(missing)
        if found > best[1]:
            best = (i, found, missing)
    near = f"; closest is row {best[0] + 1}: {[norm(c) for c in rows[best[0]]]}" if best[0] >= 0 and best[1] else ""
    raise ParseError(f"{where}: no header row with column(s) {best[2]}{near}")


def column(header: Row, pattern: str, where: str) -> int:
    """Position of the one header cell matching `pattern` (regex, whole cell, case-insensitive)."""
    hits = [i for i, c in enumerate(header) if re.fullmatch(pattern, norm(c), re.I)]
    if not hits:
        raise ParseError(f"{where}: column matching {pattern!r} is missing (header {[norm(c) for c in header]})")
    if len(hits) > 1:
        raise ParseError(f"{where}: {len(hits)} columns match {pattern!r} "
                         f"({[norm(header[i]) for i in hits]}); cannot tell which to read")
    return hits[0]


def cell(row: Row, index: int) -> Any:
    return row[index] if index < len(row) else None


def number(value: Any, nulls: frozenset[str], where: str) -> float | None:
    """A cell as a float; a published placeholder for "no value" (``—``, ``*``, ``#``) -> None.

    A cell that is neither a number nor a known placeholder is a ParseError naming it: guessing a
    zero would move a score.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise ParseError(f"{where}: boolean {value!r} where a number was expected")
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().replace(",", "")
    if text in nulls or text == "":
        return None
    try:
        return float(text)
    except ValueError:
        raise ParseError(f"{where}: cannot read a number from {value!r}") from None
