"""Parse an ONS generator CSV: metadata rows, then annual, quarterly and monthly rows in one column.

Only the monthly rows become observations (the annual and quarterly figures are averages of them);
the CDID row must name the series that was asked for, and the unit row must fit its metric.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from urllib.parse import unquote

import pandas as pd

from scrapers.base import ParseContext, ParseError, month_end, observations_frame
from scrapers.ons import settings as S
from scrapers.text import decode_text

_MONTH = re.compile(r"^(\d{4}) ([A-Z]{3})$")
_QUARTER = re.compile(r"^\d{4} Q[1-4]$")
_YEAR = re.compile(r"^\d{4}$")


def _cdid_in_url(url: str) -> str | None:
    found = re.search(r"/timeseries/([a-z0-9]{4})/", unquote(url), re.IGNORECASE)
    return found.group(1).upper() if found else None


def read_meta(rows: list[list[str]]) -> dict[str, str]:
    return {r[0].strip(): (r[1].strip() if len(r) > 1 else "") for r in rows if r and r[0].strip() in S.META_ROWS}


def sniff(body: bytes, filename: str) -> dict[str, str]:
    """The series a saved generator file holds (its CDID row)."""
    try:
        rows = list(csv.reader(io.StringIO(decode_text(body), newline="")))[:len(S.META_ROWS) + 2]
    except (csv.Error, ValueError):
        return {}
    cdid = read_meta(rows).get("CDID")
    return {"cdid": cdid.upper()} if cdid else {}


def parse(body: bytes, context: ParseContext) -> pd.DataFrame:
    try:
        rows = list(csv.reader(io.StringIO(decode_text(body, context.encoding), newline="")))
    except csv.Error as exc:
        raise ParseError(f"ons: unreadable CSV ({exc}) in {context.url}") from None
    meta = read_meta(rows)
    cdid = meta.get("CDID", "").upper()
    if not cdid:
        raise ParseError(f"ons: no 'CDID' row in the file's header (got {[r[0] for r in rows[:8] if r]}) "
                         f"in {context.url}")
    asked = str(context.get("cdid") or _cdid_in_url(context.url) or cdid).upper()
    if cdid != asked:
        raise ParseError(f"ons: file holds series {cdid!r} but {asked!r} was requested ({context.url})")
    if cdid not in S.SERIES:
        raise ParseError(f"ons: series {cdid!r} has no metric mapping (known: {sorted(S.SERIES)}) in {context.url}")
    _, metric, unit = S.SERIES[cdid]
    stated = meta.get("Unit", "")
    if (unit == "index") != stated.lower().startswith("index") or (unit == "pct" and "%" not in stated):
        raise ParseError(f"ons: {cdid} 'Unit' row says {stated!r}, which does not fit {metric} ({unit}) "
                         f"in {context.url}")
    released = meta.get("Release date", "")
    try:
        release = datetime.strptime(released, "%d-%m-%Y").date().isoformat() if released else None
    except ValueError:
        raise ParseError(f"ons: unreadable 'Release date' {released!r} in {context.url}") from None
    out, skipped = [], 0
    for n, row in enumerate(rows, start=1):
        if not row or row[0].strip() in S.META_ROWS:
            continue
        label = row[0].strip()
        month = _MONTH.match(label)
        if not month:
            if _QUARTER.match(label) or _YEAR.match(label):
                skipped += 1
                continue
            raise ParseError(f"ons: unrecognised period {label!r} at line {n} of {context.url}")
        if month.group(2) not in S.MONTHS:
            raise ParseError(f"ons: unrecognised month {label!r} at line {n} of {context.url}")
        start = date(int(month.group(1)), S.MONTHS[month.group(2)], 1)
        raw = row[1].strip() if len(row) > 1 else ""
        if raw in S.NULL_CELLS:
            value = None  # not published: null, never 0
        else:
            try:
                value = float(raw)
            except ValueError:
                raise ParseError(f"ons: cannot read a number from {raw!r} at line {n} of {context.url}") from None
        out.append({"source": "ons", "series_key": f"ons:{cdid}", "subject": cdid, "geography": "GB",
                    "metric": metric, "period_start": start, "period_end": month_end(start), "value": value,
                    "unit": unit, "detail": f"release {release}" if release else None})
    if not out:
        raise ParseError(f"ons: {cdid}: no monthly rows in {context.url}")
    if skipped:
        context.note(f"ons {cdid}: {skipped} annual/quarterly averages left out (the months are kept)")
    return observations_frame(out)
