"""Parse the layoffs.fyi (Kaggle mirror) CSV: one ``layoff_headcount`` observation per event."""

from __future__ import annotations

import csv
import hashlib
import io

import pandas as pd

from scrapers.base import ParseContext, ParseError, observations_frame, parse_count, parse_date_flexible
from scrapers.layoffs import settings as S
from scrapers.text import decode_text


def event_id(*parts: str) -> str:
    """Stable short id of an event; the mirror has no id and repeats (company, location, date)."""
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:12]


def parse(body: bytes, context: ParseContext) -> pd.DataFrame:
    text = io.StringIO(decode_text(body, context.encoding), newline="")
    reader = csv.DictReader(text)
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in S.REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ParseError(f"layoffs: CSV lacks column(s) {missing} (header {header}) in {context.url}")
    rows = []
    for n, rec in enumerate(reader, start=2):
        company = (rec.get("company") or "").strip()
        if not company:
            continue
        where = f"line {n} of {context.url}"
        try:
            day = parse_date_flexible(rec.get("date") or "")
        except ValueError as exc:
            raise ParseError(f"layoffs: {exc} in column 'date' at {where}") from None
        if day is None:
            continue  # an event without a date cannot be placed in time
        try:
            value = parse_count(rec.get("total_laid_off"))
        except ValueError:
            raise ParseError(f"layoffs: bad total_laid_off {rec.get('total_laid_off')!r} at {where}") from None
        country = (rec.get("country") or "").strip()
        location = (rec.get("location") or "").strip()
        rows.append({
            "source": "layoffs",
            "series_key": f"layoffs:{company}:{event_id(company, location, day.isoformat(), rec.get('source') or '')}",
            "subject": company,
            "geography": S.COUNTRY_CODES.get(country, country or S.UNKNOWN_GEOGRAPHY),
            "metric": "layoff_headcount", "period_start": day, "period_end": day, "value": value,
            "unit": "count", "detail": (rec.get("industry") or "").strip() or None,
        })
    frame = observations_frame(rows)
    # The mirror sometimes lists one event twice (same company, place, date and source link,
    # e.g. Terminus 5/27/2022): keep the later entry so keys stay unique.
    return frame.drop_duplicates(["series_key", "metric", "period_start"], keep="last").reset_index(drop=True)
