"""The HN double for the simulator (`sim/`): the Algolia search list of monthly "Who is hiring?"
threads (April 2011 to the world's month, newest first) and each thread's item with its posts.

Posts lead with "Company | Title | Place", the titles drawn from the synthetic roles' HN
patterns (and a few that are no role), so each role's count is known from the seed. Content
faults: ``layout`` (the list's ``hits`` or the item's ``children`` renamed), ``implausible``
(every thread's comment total and every post x50, beyond the declared bands).
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

from scrapers.base import SimRequest
from scrapers.hn import settings as S

HOST = "hn.algolia.com"
_MONTH_NAMES = {v: k.title() for k, v in S.MONTHS.items()}
_OTHER_TITLES = ("Account Executive", "Office Manager", "Customer Success Lead", "Hardware Designer")
_PLACES = ("London", "Remote (EU)", "New York, NY", "Berlin", "San Francisco, CA | ONSITE")
#: thread ids: one per month, far below real item ids (a test can tell the two apart)
_ID_BASE = 1_000_000


def _rng(*parts: Any) -> random.Random:
    return random.Random("|".join(str(p) for p in parts))


def lookup(index: int, title: str, rng: random.Random) -> dict[str, Any]:
    return {S.LOOKUP_KEY: {"include": [rf"\b{re.escape(title.lower())}\b"], "exclude": ["recruit"],
                           "where": "header"}}


def months(as_of: date) -> list[date]:
    """Every thread's month, oldest first (a thread is posted on the month's first day)."""
    out, month = [], S.FIRST_MONTH
    while month <= as_of:
        out.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return out


def thread_id(month: date) -> int:
    return _ID_BASE + month.year * 12 + month.month


def _month_of(thread: int, as_of: date) -> date | None:
    year, month = divmod(thread - _ID_BASE - 1, 12)
    try:
        found = date(year, month + 1, 1)
    except ValueError:
        return None
    return found if S.FIRST_MONTH <= found <= as_of else None


def paths(lookups: Sequence[Mapping[str, Any]], seed: int) -> dict[str, list[str]]:
    # the thread lists; the items depend on the world date, which the simulator does not pass here
    return {HOST: [S.SEARCH_PATH.format(hits=n) for n in (S.BACKFILL_HITS, S.NIGHTLY_HITS)]}


def _titles(lookups: Sequence[Mapping[str, Any]]) -> list[str]:
    out = []
    for keys in lookups:
        include = ((keys.get(S.LOOKUP_KEY) or {}).get("include") or [None])[0]
        if include:  # the synthetic pattern is \b<escaped lower-case title>\b: undo it
            out.append(re.sub(r"\\(.)", r"\1", include.removeprefix(r"\b").removesuffix(r"\b")).title())
    return out or ["Software Engineer"]


def _created(month: date) -> str:
    return datetime.combine(month, time(15, 0), tzinfo=timezone.utc).isoformat().replace("+00:00", "Z")


def _posts(req: SimRequest, month: date) -> list[dict[str, Any]]:
    r = _rng(req.seed, "hn", month, req.epoch)
    titles = _titles(req.lookups)
    posts = []
    # the newest thread is still filling up: its size grows with the days since the 1st
    full = 40 + r.randrange(80)
    count = full if (req.as_of - month).days >= 30 else max(1, full * ((req.as_of - month).days + 1) // 31)
    for j in range(count):
        title = r.choice(titles) if r.random() < 0.85 else r.choice(_OTHER_TITLES)
        text = (f"<p>Simco {r.randrange(300):03d} | {title} | {r.choice(_PLACES)}</p>"
                f"<p>We build synthetic things. Apply via the careers page (post {j}).</p>")
        posts.append({"id": thread_id(month) * 1000 + j, "type": "comment", "author": f"simuser{j}",
                      "text": text, "created_at": _created(month), "parent_id": thread_id(month), "children": []})
    return posts


def _search(req: SimRequest, query: str) -> dict[str, Any]:
    hits_wanted = int((parse_qs(query).get("hitsPerPage") or ["20"])[0])
    hits = []
    for month in reversed(months(req.as_of)):
        comments = 3 * len(_posts(req, month)) * (50 if "implausible" in req.faults else 1)
        hits.append({"created_at": _created(month), "author": "whoishiring", "points": 300, "num_comments": comments,
                     "title": f"Ask HN: Who is hiring? ({_MONTH_NAMES[month.month]} {month.year})",
                     "objectID": str(thread_id(month)), "_tags": ["story", "author_whoishiring", "ask_hn"]})
    hits = hits[:hits_wanted]
    key = "results" if "layout" in req.faults else "hits"
    return {key: hits, "nbHits": len(months(req.as_of)), "page": 0, "hitsPerPage": hits_wanted, "query": "hiring"}


def respond(req: SimRequest) -> tuple[bytes, str] | None:
    parts = urlsplit(req.path)
    path = parts.path.removeprefix("/hn")  # the loopback convention: a source prefix may lead
    if path == urlsplit(S.SEARCH_PATH).path:
        return json.dumps(_search(req, parts.query)).encode(), "application/json; charset=utf-8"
    m = re.fullmatch(r"/api/v1/items/(\d+)", path)
    month = _month_of(int(m[1]), req.as_of) if m else None
    if month is None:
        return None
    posts = _posts(req, month)
    if "implausible" in req.faults:
        posts = [{**p, "id": p["id"] * 100 + k} for k in range(50) for p in posts]
    item = {"id": thread_id(month), "type": "story", "author": "whoishiring", "created_at": _created(month),
            "title": f"Ask HN: Who is hiring? ({_MONTH_NAMES[month.month]} {month.year})",
            "text": "<p>Please lead with the location of the position.</p>", "points": 300,
            ("kids" if "layout" in req.faults else "children"): posts}
    return json.dumps(item).encode(), "application/json; charset=utf-8"
