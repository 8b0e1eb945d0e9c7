"""Parse WARN notices (Big Local News processed schema, or a raw state file with aliases)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re

import pandas as pd

from scrapers.base import ParseContext, ParseError, observations_frame, parse_count, parse_date_flexible
from scrapers.warn import settings as S
from scrapers.text import decode_text


def _columns(header: list[str], context: ParseContext) -> dict[str, str]:
    found: dict[str, str] = {}
    for canonical, names in S.COLUMN_ALIASES.items():
        for name in names:
            if name in header:
                found[canonical] = name
                break
    missing = [c for c in S.REQUIRED if c not in found]
    if missing:
        raise ParseError(f"warn: CSV lacks column(s) {missing} (accepted names "
                         f"{[S.COLUMN_ALIASES[c] for c in missing]}, header {header}) in {context.url}")
    if "postal_code" not in found and not context.get("postal_code"):
        raise ParseError(f"warn: no 'postal_code' column and no postal_code in the request context ({context.url})")
    return found


def normalise_company(name: str) -> str:
    """Lower-case words only: "Oracle America, Inc." -> "oracle america inc"."""
    return " ".join(re.findall(r"[a-z0-9]+", name.lower()))


#: words a filing adds to a company's name ("Match Group, LLC", "The Boeing Company")
_LEGAL_WORDS = frozenset({"the", "inc", "incorporated", "llc", "l", "c", "corp", "corporation", "co", "company",
                          "ltd", "limited", "lp", "llp", "plc", "holdings", "pbc"})


def bare_name(name: str) -> str:
    """A company name without legal-form words or a trade name after "dba": "Match Group, LLC" -> "match group"."""
    words = normalise_company(re.split(r"\b(?:d/b/a|dba)\b", name, maxsplit=1, flags=re.IGNORECASE)[0]).split()
    return " ".join(w for w in words if w not in _LEGAL_WORDS)


def _watchlist(context: ParseContext) -> dict[str, str]:
    """Bare name (and each alias's) -> the watch-list company name."""
    out: dict[str, str] = {}
    for names in context.get("watchlist") or []:
        for name in names:
            if bare_name(str(name)):
                out.setdefault(bare_name(str(name)), str(names[0]))
    return out


def _watch(context: ParseContext):
    """A predicate for the company watch-list (word-boundary match); None = keep every notice."""
    names = [normalise_company(str(n)) for n in context.get("companies") or [] if str(n).strip()]
    if not names:
        return None
    pattern = re.compile(r"\b(" + "|".join(re.escape(n) for n in names) + r")\b")
    return lambda company: bool(pattern.search(normalise_company(company)))


def parse(body: bytes, context: ParseContext) -> pd.DataFrame:
    text = io.StringIO(decode_text(body, context.encoding), newline="")
    reader = csv.DictReader(text)
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    col = _columns(header, context)
    watched = _watch(context)
    watchlist = _watchlist(context)
    rows = []
    for n, rec in enumerate(reader, start=2):
        company = " ".join((rec.get(col["company"]) or "").split())
        listed = watchlist.get(bare_name(company)) if company else None
        if not company or (watched is not None and not watched(company) and listed is None):
            continue
        where = f"line {n} of {context.url}"
        try:
            day = parse_date_flexible(rec.get(col["notice_date"]) or "")
        except ValueError as exc:
            raise ParseError(f"warn: {exc} in column {col['notice_date']!r} at {where}") from None
        if day is None:
            continue
        raw_jobs = rec.get(col["jobs"])
        try:
            jobs = parse_count(raw_jobs)  # empty `jobs` = unknown headcount -> null, never 0
        except ValueError:
            raise ParseError(f"warn: bad {col['jobs']!r} value {raw_jobs!r} at {where}") from None
        state = (rec.get(col.get("postal_code", ""), "") or context.get("postal_code") or "").strip().upper()
        hash_id = (rec.get(col.get("hash_id", ""), "") or "").strip() or hashlib.sha1(
            "\x1f".join(str(rec.get(h, "")) for h in header).encode()).hexdigest()
        notice = {"geography": state, "period_start": day, "period_end": day, "value": jobs, "unit": "count"}
        if watched is None or watched(company):
            rows.append({**notice, "source": "warn", "series_key": f"warn:{state}:{hash_id[:16]}", "subject": company,
                         "metric": "layoff_headcount", "detail": state})
        if listed is not None:
            # the same notice under the watch-list's name (the boards' subject), filed-as name kept
            rows.append({**notice, "source": "warn", "series_key": f"warn:watchlist:{state}:{hash_id[:16]}",
                         "subject": listed, "metric": "watchlist_layoff_headcount",
                         "detail": json.dumps({"filed_as": company, "state": state}, sort_keys=True)})
    return observations_frame(rows)
