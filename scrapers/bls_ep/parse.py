"""Parse the BLS occupation workbook (or a CSV of its Table 1.2 / 1.12) into per-SOC observations.

The vintage comes from the file itself (the ``Employment, 2024`` / ``Employment, 2034`` headers),
so the same series key holds one point per release and the release-over-release change of a
projection is the difference of two consecutive points.
"""

from __future__ import annotations

import json
import re
from datetime import date

import pandas as pd

from scrapers.base import ParseContext, ParseError, observations_frame
from scrapers.bls_ep import settings as S
from scrapers.sheets import (Row, cell, column, csv_rows, find_header, is_zip, norm, number, sheet_named,
                             workbook_sheets)


def _vintage(header: Row, where: str) -> tuple[int, int, int, int]:
    """(base year, projected year, base column, projected column) from the two employment headers."""
    years = [(int(m.group(1)), i) for i, c in enumerate(header) if (m := re.fullmatch(S.EMPLOYMENT, norm(c), re.I))]
    if len(years) != 2:
        raise ParseError(f"{where}: expected two 'Employment, <year>' columns (base and projected), "
                         f"found {[norm(header[i]) for _, i in years]}")
    (base, base_col), (proj, proj_col) = sorted(years)
    if not 1 <= proj - base <= 15:
        raise ParseError(f"{where}: projection span {base}-{proj} is not a BLS vintage")
    return base, proj, base_col, proj_col


def _periods(base: int, proj: int) -> dict[str, tuple[date, date]]:
    # Every figure of a vintage is dated by its base year, the year the projection is made from:
    # a projection is a statement of that release, and dated by its target year (2034) it would
    # be a future period, which the plausibility guards rightly refuse. The projected year is in
    # the detail ("vintage 2024-34"); consecutive vintages are consecutive points of one series,
    # so the release-over-release change is a change of the series.
    year = (date(base, 1, 1), date(base, 12, 31))
    return {"base": year, "projected": year, "span": year}


def _projections(rows: list[Row], where: str) -> tuple[list[dict], tuple[int, int]]:
    h = find_header(rows, [S.CODE, S.OCC_TYPE, S.EMPLOYMENT, S.CHANGE_PCT], where)
    header = rows[h]
    base, proj, base_col, proj_col = _vintage(header, where)
    cols = {"employment_base": base_col, "employment_projected": proj_col,
            "change_count": column(header, S.CHANGE_COUNT, where), "change_pct": column(header, S.CHANGE_PCT, where),
            "openings": column(header, S.OPENINGS, where), "median_wage": column(header, S.MEDIAN_WAGE, where)}
    code_col, type_col, title_col = column(header, S.CODE, where), column(header, S.OCC_TYPE, where), \
        column(header, S.TITLE, where)
    periods, vintage = _periods(base, proj), f"{base}-{str(proj)[-2:]}"
    out: list[dict] = []
    seen: set[str] = set()
    for n, row in enumerate(rows[h + 1:], start=h + 2):
        soc = norm(cell(row, code_col))
        if not re.fullmatch(S.SOC, soc):
            continue  # footnotes, notes and the source line carry no code
        if soc in seen:
            raise ParseError(f"{where}: SOC {soc} appears twice (row {n}); cannot tell which to keep")
        seen.add(soc)
        detail = f"vintage {vintage}; {norm(cell(row, type_col))}; {norm(cell(row, title_col))}"
        for measure, metric, unit, period, scale in S.MEASURES:
            raw, note = cell(row, cols[measure]), ""
            if isinstance(raw, str) and re.fullmatch(S.TOP_CODED, raw.strip()):
                value, note = None, f"; top-coded: {raw.strip()}"  # a floor, not the value: stays null
            else:
                value = number(raw, S.NULL_CELLS, f"{where} row {n} {measure}")
            start, end = periods[period]
            out.append({"series_key": f"bls_ep:{soc}:{measure}", "subject": soc, "metric": metric,
                        "period_start": start, "period_end": end, "unit": unit,
                        "value": None if value is None else round(value * scale, 6),
                        "detail": detail + ("; source unit: thousands" if scale != 1.0 else "") + note})
    if not seen:
        raise ParseError(f"{where}: projections table has a header but no occupation rows")
    return out, (base, proj)


def _direction(text: str) -> float | None:
    if re.search(S.SHARE_UP, text, re.I):
        return 1.0
    if re.search(S.SHARE_DOWN, text, re.I):
        return -1.0
    return None  # a factor that names no direction is kept as text, never read as "no change"


def _factors(rows: list[Row], where: str, vintage: tuple[int, int] | None) -> list[dict]:
    h = find_header(rows, [S.CODE, S.INDUSTRY_CODE, S.FACTORS], where)
    header = rows[h]
    code_col, ind_col = column(header, S.CODE, where), column(header, S.INDUSTRY_CODE, where)
    ind_title_col, text_col = column(header, S.INDUSTRY, where), column(header, S.FACTORS, where)
    if vintage is None:  # a CSV of Table 1.12 alone: the vintage is in its title row
        m = re.search(r"(\d{4})-(\d{2,4})", norm(rows[0][0]) if rows and rows[0] else "")
        if not m:
            raise ParseError(f"{where}: Table 1.12 without a vintage in its title row")
        base = int(m.group(1))
        vintage = (base, int(m.group(2)) if len(m.group(2)) == 4 else base // 100 * 100 + int(m.group(2)))
    start, end = _periods(*vintage)["span"]
    out: list[dict] = []
    for n, row in enumerate(rows[h + 1:], start=h + 2):
        soc, text = norm(cell(row, code_col)), norm(cell(row, text_col))
        if not re.fullmatch(S.SOC, soc):
            continue
        if not text:
            raise ParseError(f"{where}: row {n} (SOC {soc}) has no factor text")
        industry_code = norm(cell(row, ind_col))
        claim = {"vintage": f"{vintage[0]}-{str(vintage[1])[-2:]}", "industry": norm(cell(row, ind_title_col)),
                 "industry_code": industry_code, "text": text,
                 "mentions_ai": bool(re.search(S.AI_WORDS, text, re.I))}
        out.append({"series_key": f"bls_ep:{soc}:factor:{industry_code}", "subject": soc,
                    "metric": "ep_utilization_factor", "period_start": start, "period_end": end,
                    "unit": "direction", "value": _direction(text),
                    "detail": json.dumps(claim, ensure_ascii=False, sort_keys=True)})
    if not out:
        raise ParseError(f"{where}: factors table has a header but no occupation rows")
    return out


def parse(body: bytes, context: ParseContext) -> pd.DataFrame:
    where = f"bls_ep: {context.url}"
    if is_zip(body):  # an xlsx, or a damaged one: either way not a CSV
        sheets = workbook_sheets(body, where)
        name, table = sheet_named(sheets, S.PROJECTIONS_SHEET, where)
        rows, vintage = _projections(table, f"{where} sheet {name!r}")
        try:
            fname, factors = sheet_named(sheets, S.FACTORS_SHEET, where)
        except ParseError:
            context.note(f"bls_ep: no {S.FACTORS_SHEET} sheet in {context.url}; factors not read")
        else:
            try:
                rows += _factors(factors, f"{where} sheet {fname!r}", vintage)
            except ParseError as exc:  # the projections stand on their own: keep them, name the loss
                context.note(f"bls_ep: factors not read: {exc}")
    else:
        table = csv_rows(body, context.encoding, where)
        heads = {norm(c) for r in table[:30] for c in r}
        if any(re.fullmatch(S.FACTORS, h, re.I) for h in heads):
            rows = _factors(table, where, None)
        else:
            rows, _ = _projections(table, where)
    return observations_frame([{"source": "bls_ep", "geography": "US", **r} for r in rows])
