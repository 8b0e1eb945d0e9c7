"""Parse a FRED CSV (``observation_date,<ID>``, older ``DATE,<ID>``, or ``date,value``)."""

from __future__ import annotations

import csv
import io
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pandas as pd

from scrapers.base import ParseContext, ParseError, month_end, observations_frame
from scrapers.fred import settings as S
from scrapers.text import decode_text


def _series_id(header: list[str], context: ParseContext) -> str:
    from_context = context.get("series_id") or (parse_qs(urlsplit(context.url).query).get("id") or [None])[0]
    value_col = header[1]
    if value_col.lower() != "value":
        if from_context and value_col.upper() != str(from_context).upper():
            raise ParseError(f"fred: file holds series {value_col!r} but {from_context!r} was requested "
                             f"({context.url})")
        return value_col.upper()
    if not from_context:
        raise ParseError(f"fred: 'date,value' file without a series id in the request context ({context.url})")
    return str(from_context).upper()


def parse(body: bytes, context: ParseContext) -> pd.DataFrame:
    text = io.StringIO(decode_text(body, context.encoding), newline="")
    reader = csv.reader(text)
    header = [h.strip() for h in next(reader, [])]
    if len(header) < 2 or header[0] not in S.DATE_COLUMNS:
        raise ParseError(f"fred: expected header '{S.DATE_COLUMNS[0]},<SERIES_ID>' (or 'date,value'), "
                         f"got {header} in {context.url}")
    sid = _series_id(header, context)
    metric, unit, geo, freq, scale = S.SERIES.get(sid, S.UNKNOWN_SERIES)
    rows = []
    for n, rec in enumerate(reader, start=2):
        if not rec or not rec[0].strip():
            continue
        try:
            day = date.fromisoformat(rec[0].strip())
        except ValueError:
            raise ParseError(f"fred: bad date {rec[0]!r} at line {n} of {context.url}") from None
        raw = rec[1].strip() if len(rec) > 1 else ""
        if raw in S.NULL_CELLS:
            value = None  # "." = missing in FRED; a month that is simply absent is not invented either
        else:
            try:
                value = float(raw) * scale
            except ValueError:
                raise ParseError(f"fred: cannot read a number from {raw!r} at line {n} of {context.url}") from None
        end = month_end(day) if freq == "monthly" else day
        rows.append({"source": "fred", "series_key": f"fred:{sid}", "subject": sid, "geography": geo,
                     "metric": metric, "period_start": day, "period_end": end, "value": value, "unit": unit,
                     "detail": "source unit: thousands" if scale == 1000.0 else None})
    return observations_frame(rows)
