"""Parse Algolia HN responses: the thread list (``search_by_date``) and one thread (``items/{id}``).

A thread's job posts are its top-level comments; deleted ones (no author, no text) are not
posts. Each role's count lists the comment ids it counted and a digest of the patterns used,
so a re-count from the archived body is reproducible and a changed pattern is visible.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from datetime import date
from typing import Any

import pandas as pd

from scrapers.base import ParseContext, ParseError, month_end, observations_frame
from scrapers.hn import settings as S
from scrapers.text import decode_text

_TAG = re.compile(r"<[^>]+>")
_PARA = re.compile(r"<p>|</p>|\n\s*\n", re.I)


def _json(body: bytes, context: ParseContext, where: str) -> dict:
    try:
        doc = json.loads(decode_text(body, context.encoding))
    except ValueError as exc:
        raise ParseError(f"{where}: not JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise ParseError(f"{where}: expected a JSON object, got {type(doc).__name__}")
    return doc


def thread_month(title: str | None) -> date | None:
    m = re.match(S.THREAD_TITLE, title or "", re.I)
    if not m or m["month"].lower() not in S.MONTHS:
        return None
    return date(int(m["year"]), S.MONTHS[m["month"].lower()], 1)


def plain_text(fragment: str) -> str:
    # HN comment HTML is a small fixed set (<p>, <a>, <i>, <pre><code>): dropping tags and
    # unescaping entities is exact for it, and far cheaper than a parser over 100k posts.
    return html.unescape(_TAG.sub(" ", fragment))


def header_line(fragment: str) -> str:
    """The post's first paragraph: by convention "Company | Role | Location | ..."."""
    for part in _PARA.split(fragment):
        text = plain_text(part).strip()
        if text:
            return text
    return ""


def _end(month: date, context: ParseContext) -> date:
    """The month's end, or the night the count was taken while the month is still running: a
    thread's count covers its posts so far, and a period ending after the night is a future one."""
    night = context.get("night")
    return min(month_end(month), date.fromisoformat(str(night))) if night else month_end(month)


def _threads(doc: dict, context: ParseContext, where: str) -> pd.DataFrame:
    hits = doc.get("hits")
    if not isinstance(hits, list):
        raise ParseError(f"{where}: expected key 'hits' (a list) missing")
    rows, months = [], {}
    for n, hit in enumerate(hits):
        if not isinstance(hit, dict) or "objectID" not in hit or "title" not in hit:
            raise ParseError(f"{where}: hit {n} lacks 'objectID' or 'title'")
        month = thread_month(hit["title"])
        if month is None:
            continue  # "Who wants to be hired?", "Freelancer? Seeking freelancer?"
        if (hit.get("author") or "") != "whoishiring":
            continue
        if month in months:
            context.note(f"hn: two threads for {month:%Y-%m} ({months[month]}, {hit['objectID']}); kept the first")
            continue
        months[month] = hit["objectID"]
        comments = hit.get("num_comments")
        rows.append({"series_key": f"hn:thread:{month:%Y-%m}", "subject": str(hit["objectID"]),
                     "metric": "hn_thread_comments", "period_start": month, "period_end": _end(month, context),
                     "value": None if comments is None else float(comments), "unit": "count",
                     "detail": json.dumps({"title": hit["title"], "created_at": hit.get("created_at"),
                                           "points": hit.get("points"), "counts": "all comments, replies included"},
                                          sort_keys=True)})
    if not rows:
        context.note(f"hn: no 'Who is hiring?' thread on this page ({len(hits)} hits)")
    return observations_frame([{"source": "hn", "geography": "world", **r} for r in rows])


def _compile(patterns: dict[str, Any], context: ParseContext) -> dict[str, tuple[list, list, str]]:
    out = {}
    for role, spec in (patterns or {}).items():
        try:
            include = [re.compile(p, re.I) for p in spec.get("include") or []]
            exclude = [re.compile(p, re.I) for p in spec.get("exclude") or []]
        except re.error as exc:
            context.note(f"hn: role {role}: bad pattern ({exc}); not counted")
            continue
        where = spec.get("where") or "text"
        if where not in S.WHERE or not include:
            context.note(f"hn: role {role}: needs include patterns and where in {S.WHERE}; not counted")
            continue
        out[role] = (include, exclude, where)
    return out


def _digest(spec: Any) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]


def _thread(doc: dict, context: ParseContext, where: str) -> pd.DataFrame:
    for key in ("id", "title", "children"):
        if key not in doc:
            raise ParseError(f"{where}: expected key {key!r} missing from the item")
    if not isinstance(doc["children"], list):
        raise ParseError(f"{where}: 'children' is not a list")
    month = thread_month(doc["title"])
    if month is None:
        raise ParseError(f"{where}: item {doc['id']} title {doc['title']!r} is not a 'Who is hiring?' thread")
    wanted = context.get("thread_id")
    if wanted is not None and int(wanted) != int(doc["id"]):
        raise ParseError(f"{where}: item {doc['id']} returned, {wanted} requested")
    posts, deleted = [], 0
    for child in doc["children"]:
        if not isinstance(child, dict) or "id" not in child:
            raise ParseError(f"{where}: a child of item {doc['id']} has no 'id'")
        if child.get("type", "comment") != "comment":
            continue
        if not child.get("author") and not child.get("text"):
            deleted += 1  # deleted or dead: not a job post
            continue
        posts.append((int(child["id"]), child.get("text") or ""))
    base = {"source": "hn", "geography": "world", "period_start": month, "period_end": _end(month, context)}
    if not posts:
        # a thread minutes old, or an emptied one: no denominator, so nothing is counted (not a 0 %)
        context.note(f"hn: thread {doc['id']} ({month:%Y-%m}) has no top-level posts yet; nothing counted")
        return observations_frame([])
    total = len(posts)
    rows = [{**base, "series_key": "hn:posts", "subject": str(doc["id"]), "metric": "hn_posts",
             "value": float(total), "unit": "count",
             "detail": json.dumps({"thread_id": doc["id"], "deleted": deleted, "comment_ids": [i for i, _ in posts]})}]
    patterns = context.get("patterns") or {}
    for role, (include, exclude, field) in _compile(patterns, context).items():
        matched = []
        for cid, fragment in posts:
            text = header_line(fragment) if field == "header" else plain_text(fragment)
            if any(p.search(text) for p in include) and not any(p.search(text) for p in exclude):
                matched.append(cid)
        shared = {"thread_id": doc["id"], "patterns": _digest(patterns[role]), "of": total}
        rows.append({**base, "series_key": f"hn:role:{role}:posts", "subject": role, "metric": "hn_role_posts",
                     "value": float(len(matched)), "unit": "count",
                     "detail": json.dumps({**shared, "comment_ids": matched})})
        rows.append({**base, "series_key": f"hn:role:{role}:share", "subject": role, "metric": "hn_role_share_pct",
                     "value": round(100.0 * len(matched) / total, 4), "unit": "pct", "detail": json.dumps(shared)})
    return observations_frame(rows)


def parse(body: bytes, context: ParseContext) -> pd.DataFrame:
    where = f"hn: {context.url}"
    doc = _json(body, context, where)
    kind = context.get("kind") or ("threads" if "hits" in doc else "thread" if "children" in doc else None)
    if kind == "threads":
        return _threads(doc, context, where)
    if kind == "thread":
        return _thread(doc, context, where)
    raise ParseError(f"{where}: neither a thread list ('hits') nor a thread ('children')")
