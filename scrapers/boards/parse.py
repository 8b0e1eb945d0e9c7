"""Parse a Greenhouse, Lever or Ashby job-board response into postings (pure).

One `board_open_postings` row for the board (null when it lists nothing: an empty or moved board
is an outcome, never a zero), one `board_posting` row per listed posting (its id in the series
key, its title in `detail`), and the posted pay range where the ATS carries one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime, timezone
from typing import Any
from urllib.parse import unquote, urlsplit

import pandas as pd

from scrapers.base import ParseContext, ParseError, observations_frame
from scrapers.text import decode_text

#: the board token in each ATS's API path and public job URLs
_TOKEN_IN_PATH = (
    ("greenhouse", re.compile(r"/v1/boards/([^/?#]+)/jobs")),
    ("lever", re.compile(r"/v0/postings/([^/?#]+)")),
    ("ashby", re.compile(r"/posting-api/job-board/([^/?#]+)")),
)
_TOKEN_IN_JOB_URL = {
    "greenhouse": re.compile(r"greenhouse\.io/([^/?#]+)/jobs/"),
    "lever": re.compile(r"jobs(?:\.eu)?\.lever\.co/([^/?#]+)/"),
    "ashby": re.compile(r"jobs\.ashbyhq\.com/([^/?#]+)/"),
}
_TOKEN_IN_FILENAME = re.compile(r"^(greenhouse|lever|ashby)_([a-z0-9.-]+)_")
#: Ashby's pay intervals -> our unit suffix (equity and "NONE" are not pay)
_ASHBY_INTERVAL = {"1 YEAR": "year", "1 HOUR": "hour"}
_LEVER_INTERVAL = {"per-year-salary": "year", "per-hour-wage": "hour"}


def detect_ats(document: Any) -> str | None:
    """What the JSON's shape says: a bare list is Lever; `apiVersion` is Ashby; `meta` is Greenhouse."""
    if isinstance(document, list):
        return "lever"
    if isinstance(document, Mapping) and "jobs" in document:
        if "apiVersion" in document:
            return "ashby"
        if "meta" in document or any(isinstance(j, Mapping) and "absolute_url" in j for j in document["jobs"] or []):
            return "greenhouse"
    return None


def sniff(body: bytes, filename: str) -> dict[str, Any]:
    """The ATS and board token a saved file implies (its shape, then its job URLs)."""
    try:
        document = json.loads(decode_text(body))
    except ValueError:
        return {}
    ats = detect_ats(document)
    if ats is None:
        return {}
    out: dict[str, Any] = {"ats": ats}
    jobs = document if isinstance(document, list) else document.get("jobs") or []
    for job in jobs:  # the job URLs name the board...
        link = (job.get("absolute_url") or job.get("hostedUrl") or job.get("jobUrl") or "") if isinstance(job, Mapping) else ""
        found = _TOKEN_IN_JOB_URL[ats].search(link)
        if found:
            out["token"] = unquote(found.group(1))
            return out
    named = _TOKEN_IN_FILENAME.match(filename)  # ...else a saved file's name: <ats>_<token>_<date>...
    if named and named.group(1) == ats:
        out["token"] = named.group(2)
    return out


def _token(context: ParseContext, ats: str) -> str:
    if context.get("token"):
        return str(context.get("token"))
    path = urlsplit(context.url).path
    for name, pattern in _TOKEN_IN_PATH:
        found = pattern.search(path)
        if found and name == ats:
            return unquote(found.group(1))
    raise ParseError(f"boards: no board token in the request context or the URL ({context.url})")


def _day(value: Any, field: str, where: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):  # Lever: epoch milliseconds
            return datetime.fromtimestamp(value / 1000, tz=timezone.utc).date()
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()
    except (ValueError, OverflowError, OSError):
        raise ParseError(f"boards: unreadable {field} {value!r} at {where}") from None


def _need(job: Any, field: str, where: str) -> Any:
    if not isinstance(job, Mapping):
        raise ParseError(f"boards: a posting is {type(job).__name__}, not an object, at {where}")
    value = job.get(field)
    if value in (None, ""):
        raise ParseError(f"boards: posting lacks {field!r} at {where}")
    return value


def _greenhouse(document: Any, url: str) -> list[dict[str, Any]]:
    if not isinstance(document, Mapping) or not isinstance(document.get("jobs"), list):
        raise ParseError(f"boards: Greenhouse answer lacks its 'jobs' list ({url})")
    out = []
    for i, job in enumerate(document["jobs"]):
        where = f"jobs[{i}] of {url}"
        departments = [d.get("name") for d in job.get("departments") or [] if isinstance(d, Mapping)] \
            if isinstance(job, Mapping) else []
        out.append({"id": str(_need(job, "id", where)), "title": str(_need(job, "title", where)),
                    "published": _day(job.get("first_published") or job.get("updated_at"), "first_published", where),
                    "location": (job.get("location") or {}).get("name") if isinstance(job.get("location"), Mapping) else None,
                    "department": departments[0] if departments else None, "country": None, "pay": []})
    return out


def _lever(document: Any, url: str) -> list[dict[str, Any]]:
    if not isinstance(document, list):
        raise ParseError(f"boards: Lever answer is not a list of postings ({url})")
    out = []
    for i, job in enumerate(document):
        where = f"[{i}] of {url}"
        categories = job.get("categories") if isinstance(job, Mapping) and isinstance(job.get("categories"), Mapping) else {}
        pay = []
        salary = job.get("salaryRange") if isinstance(job, Mapping) else None
        if isinstance(salary, Mapping) and _LEVER_INTERVAL.get(salary.get("interval")) and salary.get("currency"):
            pay.append((salary["currency"], _LEVER_INTERVAL[salary["interval"]], salary.get("min"), salary.get("max")))
        out.append({"id": str(_need(job, "id", where)), "title": str(_need(job, "text", where)),
                    "published": _day(job.get("createdAt"), "createdAt", where), "location": categories.get("location"),
                    "department": categories.get("team") or categories.get("department"),
                    "country": job.get("country"), "pay": pay})
    return out


def _ashby(document: Any, url: str) -> list[dict[str, Any]]:
    if not isinstance(document, Mapping) or not isinstance(document.get("jobs"), list):
        raise ParseError(f"boards: Ashby answer lacks its 'jobs' list ({url})")
    out = []
    for i, job in enumerate(document["jobs"]):
        where = f"jobs[{i}] of {url}"
        if isinstance(job, Mapping) and job.get("isListed") is False:
            continue  # unlisted postings are not open to applicants
        pay = []
        compensation = job.get("compensation") if isinstance(job, Mapping) else None
        for tier in (compensation or {}).get("compensationTiers") or []:
            for part in tier.get("components") or []:
                unit = _ASHBY_INTERVAL.get(part.get("interval"))
                if part.get("compensationType") == "Salary" and unit and part.get("currencyCode"):
                    pay.append((part["currencyCode"], unit, part.get("minValue"), part.get("maxValue")))
        out.append({"id": str(_need(job, "id", where)), "title": str(_need(job, "title", where)),
                    "published": _day(job.get("publishedAt"), "publishedAt", where), "location": job.get("location"),
                    "department": job.get("department"), "country": None, "pay": pay})
    return out


READERS: dict[str, Callable[[Any, str], list[dict[str, Any]]]] = {
    "greenhouse": _greenhouse, "lever": _lever, "ashby": _ashby}


def parse(body: bytes, context: ParseContext) -> pd.DataFrame:
    try:
        document = json.loads(decode_text(body, context.encoding))
    except ValueError as exc:
        raise ParseError(f"boards: not JSON ({exc}) in {context.url}") from None
    ats = context.get("ats") or detect_ats(document)
    if ats not in READERS:
        raise ParseError(f"boards: cannot tell which ATS answered (no 'ats' in the context, shape "
                         f"{type(document).__name__}) in {context.url}")
    postings = READERS[ats](document, context.url)
    token = _token(context, ats)
    company = str(context.get("company") or token)
    geography = str(context.get("country") or "global")
    # the night the board was read for (an as-of night is not the wall-clock day of the fetch)
    try:
        night = date.fromisoformat(str(context.get("night"))) if context.get("night") else context.fetched_at.date()
    except ValueError:
        raise ParseError(f"boards: bad 'night' {context.get('night')!r} in the request context ({context.url})") from None
    board_key = f"boards:{ats}:{token.lower()}"
    rows: list[dict[str, Any]] = []
    total: float | None = float(len(postings)) if postings else None
    detail = None
    if not postings:
        detail = "empty list: the board lists nothing (empty or moved)"
        context.note(f"{company} ({ats}:{token}): {detail}")
    elif ats == "greenhouse" and isinstance((document.get("meta") or {}).get("total"), int) \
            and document["meta"]["total"] != len(postings):
        detail = f"meta.total {document['meta']['total']} but {len(postings)} jobs listed"
        context.note(f"{company}: {detail}")
    rows.append({"series_key": board_key, "metric": "board_open_postings", "period_start": night,
                 "period_end": night, "value": total, "unit": "count", "detail": detail})
    for p in postings:
        start = min(p["published"], night) if p["published"] else night
        info = {k: p[k] for k in ("title", "location", "department", "country") if p[k]}
        if p["published"]:
            info["published"] = p["published"].isoformat()
        rows.append({"series_key": f"{board_key}:{p['id']}", "metric": "board_posting", "period_start": start,
                     "geography": p["country"] or geography,
                     "period_end": night, "value": 1.0, "unit": "count",
                     "detail": json.dumps(info, ensure_ascii=False, sort_keys=True)})
        for currency, per, low, high in p["pay"]:
            for metric, amount in (("posting_salary_min", low), ("posting_salary_max", high)):
                if amount is not None:  # a tier without a number publishes nothing: no row, no zero
                    rows.append({"series_key": f"{board_key}:{p['id']}:{metric}", "metric": metric,
                                 "period_start": night, "period_end": night, "value": float(amount),
                                 "unit": f"{currency.upper()}/{per}", "detail": p["title"]})
    for row in rows:
        row.update(source="boards", subject=company)
        row.setdefault("geography", geography)
    return observations_frame(rows)
