"""Parse Indeed Hiring Lab CSVs, streaming row by row and keeping only the requested keys."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, datetime

import pandas as pd

from scrapers.base import ParseContext, ParseError, month_end, observations_frame
from scrapers.indeed import settings as S
from scrapers.indeed.fetch import country_code
from scrapers.text import text_stream


def _reader(body: bytes, context: ParseContext, kind: str) -> Iterator[dict[str, str]]:
    reader = csv.DictReader(text_stream(body, context.encoding))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in S.COLUMNS[kind] if c not in header]
    if missing:
        raise ParseError(f"indeed: {kind} CSV lacks column(s) {missing} (header {header}) in {context.url}")
    return reader


def _value(text: str | None, where: str) -> float | None:
    text = (text or "").strip()
    if text in S.NULL_CELLS:
        return None  # "NA" means not published, never 0
    try:
        return float(text)
    except ValueError:
        raise ParseError(f"indeed: cannot read a number from {text!r} ({where})") from None


def _day(text: str, where: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ParseError(f"indeed: bad date {text!r} in {where}") from None


def _month(text: str, where: str) -> tuple[date, date]:
    try:
        start = datetime.strptime(text.strip(), S.MONTH_FORMAT).date()  # Apr-26 -> 2026-04-01
    except ValueError:
        raise ParseError(f"indeed: bad month {text!r} (expected Mon-YY) in {where}") from None
    return start, month_end(start)


def _wanted(context: ParseContext, key: str) -> set[str] | None:
    values = context.get(key) or []
    return set(values) if values else None  # None = keep all


def parse(body: bytes, context: ParseContext) -> pd.DataFrame:
    kind = context.get("kind") or _guess_kind(context.url)
    if kind not in S.COLUMNS:
        raise ParseError(f"indeed: unknown file kind {kind!r} for {context.url}")
    countries = _wanted(context, "countries")
    countries = {country_code(c) for c in countries} if countries else None
    sectors = _wanted(context, "sectors")
    cols: dict[str, list] = {c: [] for c in ("series_key", "subject", "geography", "metric", "period_start",
                                             "period_end", "value", "unit", "detail")}

    def emit(series_key, subject, geo, metric, start, end, value, unit, detail=None):
        for name, v in zip(cols, (series_key, subject, geo, metric, start, end, value, unit, detail), strict=True):
            cols[name].append(v)

    for n, row in enumerate(_reader(body, context, kind), start=2):
        cc = country_code(row["jobcountry"])
        if countries is not None and cc not in countries:
            continue
        where = f"{context.url} line {n}"
        if kind == "aggregate":
            metric, suffix = S.AGGREGATE_METRICS.get(row["variable"].strip(), (None, None))
            if metric is None:
                continue
            d = _day(row["date"], where)
            emit(f"indeed:aggregate:{cc}:{suffix}", cc, cc, metric, d, d,
                 _value(row["indeed_job_postings_index_SA"], where), "index", "SA")
        elif kind == "sector":
            sector = row["display_name"].strip()
            if sectors is not None and sector not in sectors:
                continue
            metric, suffix = S.SECTOR_METRICS.get(row["variable"].strip(), (None, None))
            if metric is None:
                continue
            d = _day(row["date"], where)
            emit(f"indeed:sector:{cc}:{sector}:{suffix}", sector, cc, metric, d, d,
                 _value(row["indeed_job_postings_index"], where), "index", None)
        elif kind == "ai_share":
            d = _day(row["date"], where)
            emit(f"indeed:ai_share:{cc}", cc, cc, "ai_share_postings", d, d,
                 _value(row["AI_share_postings"], where), "pct", None)
        else:  # wage_growth
            start, end = _month(row["month"], where)
            emit(f"indeed:wage_growth:{cc}", cc, cc, "posted_wage_growth_yoy", start, end,
                 _value(row["posted_wage_growth_yoy"], where), "fraction", None)
    n_rows = len(cols["series_key"])
    cols_full = {"source": ["indeed"] * n_rows, **cols, "fetch_id": [None] * n_rows}
    return observations_frame(cols_full)


def _guess_kind(url: str) -> str | None:
    for kind, path in S.PATHS.items():
        tail = path.rsplit("/", 1)[-1].split("{", 1)[0]
        if tail and tail in url:
            return kind
    return None
