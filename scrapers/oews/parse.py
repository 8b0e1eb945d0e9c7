"""Parse an OEWS national file (the release zip, its xlsx, or a CSV of it) into per-SOC observations.

The file has no year column: the year comes from the request (``year``), else the workbook's
name inside the zip (``national_M2024_dl.xlsx``), else the URL / file name. Placeholders (``*``,
``**``, ``#``, ``~``) stay null with the code named in ``detail``: a top-coded wage is a floor,
not a value.
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd

from scrapers.base import ParseContext, ParseError, month_end, observations_frame
from scrapers.oews import settings as S
from scrapers.sheets import Row, cell, csv_rows, find_header, is_workbook, is_zip, norm, number, \
    workbook_in_zip, workbook_sheets


def _year_from_name(name: str) -> int | None:
    for pattern in S.YEAR_IN_NAME:
        m = re.search(pattern, name, re.I)
        if m:
            digits = m.group(1)
            return int(digits) if len(digits) == 4 else 2000 + int(digits)
    return None


def sniff(body: bytes, filename: str) -> dict:
    """The parse context a saved file's name implies: its May reference year."""
    year = _year_from_name(filename)
    return {"year": year} if year else {}


def _table(body: bytes, context: ParseContext, where: str) -> tuple[list[Row], int | None]:
    """The rows of the national table and the year its container names (None if it names none)."""
    if is_zip(body) and not is_workbook(body):
        name, body = workbook_in_zip(body, lambda n: bool(re.fullmatch(S.WORKBOOK_MEMBER, n, re.I)), where)
        named = _year_from_name(name)
    else:
        named = None
    if is_workbook(body):
        sheets = workbook_sheets(body, where)
        if len(sheets) != 1:  # the national workbook has one sheet; a second would be a guess
            hits = [n for n in sheets if _year_from_name(n)]
            if len(hits) != 1:
                raise ParseError(f"{where}: cannot tell which sheet holds the national table ({list(sheets)})")
            sheet = hits[0]
        else:
            sheet = next(iter(sheets))
        return sheets[sheet], named or _year_from_name(sheet)
    return csv_rows(body, context.encoding, where), named


def _year(context: ParseContext, named: int | None, where: str) -> int:
    given = context.get("year")
    from_url = _year_from_name(context.url)
    year = int(given) if given not in (None, "") else (named or from_url)
    if year is None:
        raise ParseError(f"{where}: the reference year is not named (request context 'year', a "
                         "'national_M<YYYY>_dl' workbook or an 'oesm<YY>nat' URL)")
    for other in (named, from_url):
        if other is not None and other != year:
            raise ParseError(f"{where}: the file is for {other}, but {year} was requested")
    return year


def parse(body: bytes, context: ParseContext) -> pd.DataFrame:
    where = f"oews: {context.url}"
    rows, named = _table(body, context, where)
    year = _year(context, named, where)
    h = find_header(rows, list(S.REQUIRED), where)
    header = [norm(c).upper() for c in rows[h]]
    pos = {name: header.index(name) for name in header if name}
    absent = [c for c in S.MEASURES if c not in pos]
    if "A_MEDIAN" in absent or "TOT_EMP" in absent:
        raise ParseError(f"{where}: column(s) {absent} missing (header {header})")
    start = date(year, S.REFERENCE_MONTH, 1)
    end = month_end(start)
    out: list[dict] = []
    seen: set[str] = set()
    skipped = 0
    for n, row in enumerate(rows[h + 1:], start=h + 2):
        soc = norm(cell(row, pos["OCC_CODE"]))
        if not soc:
            continue
        if not re.fullmatch(S.SOC, soc):
            raise ParseError(f"{where}: row {n} has OCC_CODE {soc!r}, not a SOC code")
        naics = norm(cell(row, pos["NAICS"])) if "NAICS" in pos else S.CROSS_INDUSTRY
        if naics and naics != S.CROSS_INDUSTRY:
            skipped += 1  # an industry-specific row of a combined file: not the national figure
            continue
        if soc in seen:
            raise ParseError(f"{where}: OCC_CODE {soc} appears twice (row {n}); cannot tell which to keep")
        seen.add(soc)
        group, title = norm(cell(row, pos["O_GROUP"])), norm(cell(row, pos["OCC_TITLE"]))
        api = f"OEUN0000000000000{soc.replace('-', '')}"
        for column, (metric, unit) in S.MEASURES.items():
            if column not in pos:
                continue
            raw = cell(row, pos[column])
            text = str(raw).strip() if isinstance(raw, str) else None
            detail = f"{title}; {group}; May {year} reference; BLS series {api}{S.API_DATATYPES[column]}"
            if text in S.PLACEHOLDERS:
                value, detail = None, f"{detail}; {text!r} = {S.PLACEHOLDERS[text]}"
            else:
                value = number(raw, frozenset(), f"{where} row {n} {column}")
            out.append({"series_key": f"oews:US:{soc}:{metric.removeprefix('oews_')}", "subject": soc,
                        "metric": metric, "unit": unit, "value": value, "detail": detail})
    if not out:
        raise ParseError(f"{where}: the table has a header but no occupation rows")
    if skipped:
        context.note(f"oews: {skipped} industry-specific row(s) left out of the national figures")
    return observations_frame([{"source": "oews", "geography": "US", "period_start": start, "period_end": end, **r}
                               for r in out])
