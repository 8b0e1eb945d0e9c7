"""Hiring boards (Greenhouse, Lever, Ashby public job-board JSON): URLs, hosts, the watch-list default."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
#: the reviewed company watch-list, part of the catalogue (a sub-directory: not a role file)
WATCHLIST_FILE = "watchlists/boards.yaml"
DEFAULT_WATCHLIST = REPO_ROOT / "roles" / WATCHLIST_FILE
ALLOWED_CONTENT_TYPES = ("application/json", "text/json", "text/plain")
#: the real board payloads bundled with the package (`Source.samples`, the pattern check)
SAMPLES = Path(__file__).resolve().parent / "samples"

#: ATS -> (real base URL, path below it). Keyless public GETs: "Job Board data is publicly
#: available, so authentication is not required" (Greenhouse); Lever limits only application POSTs.
#: Greenhouse `content=true` is what carries departments and offices; Ashby `includeCompensation`
#: carries the salary tiers.
ATS = {
    "greenhouse": ("https://boards-api.greenhouse.io", "/v1/boards/{token}/jobs?content=true"),
    "lever": ("https://api.lever.co", "/v0/postings/{token}?mode=json"),
    "ashby": ("https://api.ashbyhq.com", "/posting-api/job-board/{token}?includeCompensation=true"),
}
#: Lever hosts EU customers on a separate API host (watch-list `region: eu`)
LEVER_EU_BASE = "https://api.eu.lever.co"

#: One request per board per night; none of the three publishes a GET limit, so each host gets
#: the project's default pace, and a board list changes within the day (recheck after 12 h).
HOSTS = {
    "boards-api.greenhouse.io": (1.0, 43200.0),
    "api.lever.co": (1.0, 43200.0),
    "api.eu.lever.co": (1.0, 43200.0),
    "api.ashbyhq.com": (1.0, 43200.0),
}
