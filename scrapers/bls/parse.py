"""Parse a BLS API v2 JSON response (OEWS wages, CPI with 12-month % change) into observations."""

from __future__ import annotations

import json
import logging
from datetime import date

import pandas as pd

from scrapers.base import ParseContext, ParseError, QuotaError, month_end, observations_frame
from scrapers.bls import settings as S
from scrapers.text import decode_text

log = logging.getLogger(__name__)


def _period(year: int, period: str, oews: bool, where: str) -> tuple[date, date, str | None]:
    """BLS period codes -> (start, end, note). M01..M12 months, M13 annual average, A01 annual."""
    code, num = period[:1], period[1:]
    if not num.isdigit():
        raise ParseError(f"bls: unknown period code {period!r} in {where}")
    n = int(num)
    if code == "M" and 1 <= n <= 12:
        start = date(year, n, 1)
        return start, month_end(start), None
    if (code == "M" and n == 13) or code == "A":
        if oews:
            # OEWS "annual" estimates describe May of the year
            start = date(year, S.OEWS_REFERENCE_MONTH, 1)
            return start, month_end(start), f"{period} (May reference)"
        return date(year, 1, 1), date(year, 12, 31), f"{period} annual average"
    if code == "Q" and 1 <= n <= 4:
        start = date(year, 3 * n - 2, 1)
        return start, month_end(date(year, 3 * n, 1)), None
    if code == "S" and n in (1, 2):
        return date(year, 6 * n - 5, 1), month_end(date(year, 6 * n, 1)), None
    raise ParseError(f"bls: unknown period code {period!r} in {where}")


def _footnotes(item: dict) -> tuple[list[str], str | None]:
    codes, texts = [], []
    for note in item.get("footnotes") or []:
        if not note:
            continue
        code = str(note.get("code") or "").strip()
        text = str(note.get("text") or "").strip()
        if code:
            codes.append(code)
        if code or text:
            texts.append(f"footnote {code}: {text}".strip().rstrip(":"))
    return codes, "; ".join(texts) or None


def _number(text, where: str) -> float | None:
    if text is None:
        return None
    text = str(text).strip().replace(",", "")
    if text in S.NULL_VALUES:
        return None
    try:
        return float(text)
    except ValueError:
        raise ParseError(f"bls: cannot read a number from {text!r} ({where})") from None


def _describe(series_id: str) -> tuple[str, str, str | None, str, bool] | None:
    """series id -> (metric, unit, yoy metric, geography, is_oews); None if unknown."""
    m = S.OEWS_ID.match(series_id)
    if m:
        metric_unit = S.OEWS_DATATYPES.get(m["datatype"])
        if metric_unit is None:
            return None
        area_type, area = m["area_type"], m["area"]
        geo = "US" if area_type == "N" else S.STATE_FIPS.get(area[:2], f"FIPS{area[:2]}") if area_type == "S" \
            else f"MSA{area}"
        return metric_unit[0], metric_unit[1], None, geo, True
    fam = S.PREFIX_METRICS.get(series_id[:3])
    if fam is None:
        return None
    return fam[0], fam[1], fam[2], "US", False


def parse(body: bytes, context: ParseContext) -> pd.DataFrame:
    where = context.url
    try:
        doc = json.loads(decode_text(body, context.encoding))
    except ValueError as exc:
        raise ParseError(f"bls: response is not JSON ({exc}) from {where}") from None
    if not isinstance(doc, dict) or "status" not in doc:
        raise ParseError(f"bls: expected key 'status' missing in the response from {where}")
    messages = "; ".join(str(m) for m in doc.get("message") or [])
    if doc["status"] == S.QUOTA_STATUS:
        raise QuotaError(f"bls: {S.QUOTA_STATUS} (quota or throttling) from {where}: {messages}")
    if doc["status"] != S.OK_STATUS:
        raise ParseError(f"bls: status {doc['status']!r} from {where}: {messages}")
    if messages:
        log.info("bls: messages from %s: %s", where, messages)  # e.g. "No Data Available for Series ..."
    try:
        series_list = doc["Results"]["series"]
    except (KeyError, TypeError):
        raise ParseError(f"bls: expected 'Results.series' missing in the response from {where}") from None
    rows: list[dict] = []
    for series in series_list:
        sid = str(series.get("seriesID") or "").strip()
        if not sid:
            raise ParseError(f"bls: a series without 'seriesID' in {where}")
        described = _describe(sid)
        if described is None:
            log.warning("bls: no metric mapping for series %s (%s); skipped", sid, where)
            continue
        metric, unit, yoy_metric, geo, oews = described
        for item in series.get("data") or []:
            at = f"series {sid} {item.get('year')} {item.get('period')} in {where}"
            try:
                year = int(item["year"])
                period = str(item["period"])
            except (KeyError, ValueError):
                raise ParseError(f"bls: data point without 'year'/'period' ({at})") from None
            start, end, note = _period(year, period, oews, at)
            codes, foot = _footnotes(item)
            value = _number(item.get("value"), at)
            if value is None and S.TOP_CODED_FOOTNOTE in codes:
                foot = foot or f"footnote {S.TOP_CODED_FOOTNOTE}: top-coded"
            detail = "; ".join(x for x in (note, foot) if x) or None
            base = {"source": "bls", "subject": sid, "geography": geo, "period_start": start, "period_end": end}
            rows.append({**base, "series_key": f"bls:{sid}", "metric": metric, "value": value, "unit": unit,
                         "detail": detail})
            pct12 = ((item.get("calculations") or {}).get("pct_changes") or {}).get("12")
            if yoy_metric and pct12 is not None:
                rows.append({**base, "series_key": f"bls:{sid}:pct12", "metric": yoy_metric,
                             "value": _number(pct12, at + " pct_changes[12]"), "unit": "pct",
                             "detail": "calculations.pct_changes[12]"})
    return observations_frame(rows)
