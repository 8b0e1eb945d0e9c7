"""HN "Ask HN: Who is hiring?" through the Algolia HN Search API: URLs, title pattern, backfill."""

from __future__ import annotations

from datetime import date
from pathlib import Path

BASE_URL = "https://hn.algolia.com"
#: the monthly threads are posted by the `whoishiring` account; search_by_date lists newest first
SEARCH_PATH = "/api/v1/search_by_date?tags=story,author_whoishiring&query=hiring&hitsPerPage={hits}&page=0"
#: one thread with its whole comment tree
ITEM_PATH = "/api/v1/items/{id}"
ALLOWED_CONTENT_TYPES = ("application/json", "text/json", "text/plain")
#: the real Algolia payloads bundled with the package (`Source.samples`, the pattern check)
SAMPLES = Path(__file__).resolve().parent / "samples"
#: Algolia answers at most 1,000 hits a query; every "Who is hiring?" thread since 2011 fits
BACKFILL_HITS = 1000
#: nightly, the newest threads only (a page covers the last half-year or so)
NIGHTLY_HITS = 20
#: a thread with 900 posts and their replies is a few MB of JSON
MAX_BYTES = 40_000_000

FIRST_MONTH = date(2011, 4, 1)
#: a thread keeps collecting posts for weeks: it is re-counted every night while it is the
#: newest, and after that until one count was taken this many days past its month's start
SETTLE_DAYS = 35
#: "Ask HN: Who is hiring? (September 2023)"; April 2011 spelled it "Who is Hiring?"
THREAD_TITLE = r"^\s*Ask HN:\s*Who is hiring\?\s*\((?P<month>[A-Za-z]+)\.?\s+(?P<year>\d{4})\)\s*$"
MONTHS = {m: i for i, m in enumerate(("january", "february", "march", "april", "may", "june", "july", "august",
                                      "september", "october", "november", "december"), start=1)}
#: the role lookup key carrying a role's HN patterns: {include: [regex], exclude: [regex], where}
LOOKUP_KEY = "hn"
#: where a pattern is matched: the whole post, or its first line ("Company | Role | Location")
WHERE = ("text", "header")
