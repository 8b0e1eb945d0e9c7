"""The hiring boards' double for the simulator (`sim/`): a synthetic watch-list, role title
patterns, and Greenhouse / Lever / Ashby answers in the real samples' shapes.

Each watched board has slots; a slot's posting lives 20-90 days, then a new one takes its place,
so openings and closings happen night after night. Titles are the synthetic roles' titles (with
seniority words) and a few that are no role. Content faults: ``layout`` (the jobs list renamed;
``variant="empty"``: an empty board), ``implausible`` (every posting listed 50 times).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import yaml

from scrapers.base import SimRequest
from scrapers.boards import settings as S

ATS_HOSTS = {"greenhouse": "boards-api.greenhouse.io", "lever": "api.lever.co", "ashby": "api.ashbyhq.com"}
_SECTORS = ("Software Development", "IT Operations & Helpdesk", "Banking & Finance", "Media & Communications")
_OTHER_TITLES = ("Account Executive", "Office Manager", "Senior Recruiter", "Customer Success Lead")
_SENIORITY = ("", "Senior ", "Staff ", "Lead ", "Junior ")


def _rng(*parts: Any) -> random.Random:
    return random.Random("|".join(str(p) for p in parts))


def companies(n_roles: int, seed: int) -> list[dict[str, Any]]:
    """About one watched company per three roles (6..300: the size of a reviewed real list)."""
    out = []
    for k in range(min(300, max(6, n_roles // 3))):
        share = k * 13 % 20  # 60 % Greenhouse, 25 % Ashby, 15 % Lever (the midat seed list), mixed early
        ats = "greenhouse" if share < 12 else ("ashby" if share < 17 else "lever")
        out.append({"company": f"Simco {k:03d}", "ats": ats, "token": f"simco{k:03d}",
                    "sector": _SECTORS[_rng(seed, "sector", k).randrange(len(_SECTORS))],
                    "country": "GB" if k % 3 else "US", "aliases": [f"Simco {k:03d} Ltd"]})
    return out


def lookup(index: int, title: str, rng: random.Random) -> dict[str, Any]:
    return {"boards": {"include": [re.escape(title.lower())], "exclude": ["recruit"], "seniority": []}}


def files(lookups: Sequence[Mapping[str, Any]], seed: int) -> dict[str, str]:
    doc = {"version": 1, "companies": companies(len(lookups), seed)}
    return {S.WATCHLIST_FILE: "# Synthetic watch-list (scrapers.boards.simulated).\n"
                              + yaml.safe_dump(doc, sort_keys=False, width=120)}


def _path(ats: str, token: str) -> str:
    return S.ATS[ats][1].format(token=token)


def paths(lookups: Sequence[Mapping[str, Any]], seed: int) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {h: [] for h in ATS_HOSTS.values()}
    for c in companies(len(lookups), seed):
        out[ATS_HOSTS[c["ats"]]].append(_path(c["ats"], c["token"]))
    return out


def options(host_urls: Mapping[str, str]) -> dict[str, Any]:
    return {"bases": {ats: host_urls[host] for ats, host in ATS_HOSTS.items() if host in host_urls}}


def _titles(lookups: Sequence[Mapping[str, Any]]) -> list[str]:
    out = []
    for keys in lookups:
        include = ((keys.get("boards") or {}).get("include") or [None])[0]
        if include:  # the synthetic pattern is the escaped lower-case title: undo both
            out.append(re.sub(r"\\(.)", r"\1", include).title())
    return out or ["Software Engineer"]


def _postings(req: SimRequest, company: Mapping[str, Any]) -> list[dict[str, Any]]:
    r = _rng(req.seed, "board", company["token"])
    slots = 3 + r.randrange(40)
    titles = _titles(req.lookups)
    day = req.as_of.toordinal()
    out = []
    for j in range(slots):
        life = 20 + _rng(req.seed, company["token"], j, "life").randrange(71)
        phase = _rng(req.seed, company["token"], j, "phase").randrange(life)
        generation = (day + phase) // life + req.epoch
        pick = _rng(req.seed, company["token"], j, generation)
        title = (pick.choice(_SENIORITY) + pick.choice(titles)) if pick.random() < 0.8 else pick.choice(_OTHER_TITLES)
        opened = date.fromordinal(generation * life - phase) if generation * life - phase > 0 else req.as_of
        digest = hashlib.sha256(f"{company['token']}|{j}|{generation}".encode()).hexdigest()
        out.append({"id": digest[:12], "num": int(digest[:8], 16), "title": title, "opened": min(opened, req.as_of),
                    "country": company["country"]})
    return out


def _iso(day: date) -> str:
    return datetime.combine(day, time(9, 30), tzinfo=timezone.utc).isoformat()


def _render(ats: str, token: str, postings: list[dict[str, Any]]) -> Any:
    if ats == "greenhouse":
        jobs = [{"id": p["num"], "title": p["title"], "first_published": _iso(p["opened"]),
                 "updated_at": _iso(p["opened"]), "location": {"name": p["country"]},
                 "absolute_url": f"https://job-boards.greenhouse.io/{token}/jobs/{p['num']}",
                 "departments": [{"id": 1, "name": "Engineering", "child_ids": [], "parent_id": None}]}
                for p in postings]
        return {"jobs": jobs, "meta": {"total": len(jobs)}}
    if ats == "lever":
        return [{"id": p["id"], "text": p["title"],
                 "createdAt": int(datetime.combine(p["opened"], time(9, 30), tzinfo=timezone.utc).timestamp() * 1000),
                 "categories": {"commitment": "Full-time", "team": "Engineering", "location": p["country"]},
                 "country": p["country"], "hostedUrl": f"https://jobs.lever.co/{token}/{p['id']}"} for p in postings]
    return {"jobs": [{"id": p["id"], "title": p["title"], "publishedAt": _iso(p["opened"]), "isListed": True,
                      "location": p["country"], "department": "Engineering",
                      "jobUrl": f"https://jobs.ashbyhq.com/{token}/{p['id']}",
                      "compensation": {"compensationTiers": [{"components": [
                          {"compensationType": "Salary", "interval": "1 YEAR", "currencyCode": "USD",
                           "minValue": 90000 + p["num"] % 50 * 1000, "maxValue": 140000 + p["num"] % 50 * 1000}]}]}}
                     for p in postings], "apiVersion": "1"}


def respond(req: SimRequest) -> tuple[bytes, str] | None:
    path = req.path
    for ats in ATS_HOSTS:  # the loopback convention: one base URL, `/<ats>` in front of the real path
        if path.startswith(f"/{ats}/"):
            path = path[len(ats) + 1:]
    for company in companies(len(req.lookups), req.seed):
        if _path(company["ats"], company["token"]) == path:
            break
    else:
        return None  # a board the watch-list does not hold: 404, as a moved board answers
    ats, token = company["ats"], company["token"]
    postings = _postings(req, company)
    if "implausible" in req.faults:
        postings = postings * 50
    if "layout" in req.faults and req.faults["layout"].get("variant") == "empty":
        postings = []
    document = _render(ats, token, postings)
    if "layout" in req.faults and req.faults["layout"].get("variant") != "empty":
        document = {"postings": document} if ats == "lever" else {"positions": document["jobs"]}
    return json.dumps(document).encode(), "application/json"
