"""Company actions (the github host): the layoffs.fyi mirror CSV and the WARN consolidated CSV.

Layoff events are generated per industry over the world's history, WARN notices per company.
Content faults: ``layout`` (the head-count column renamed), ``xss`` and ``non_utf8`` (in the
first layoff companies' names; the latter makes the CSV Latin-1).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sim.hosts import XSS_PAYLOADS
from sim.numbers import csv_field, unit
from sim.world import SimWorld

_STATES = ("CA", "WA", "NY", "TX", "MA", "IL", "GA", "NC", "CO", "OR")


def layoff_events(world: SimWorld) -> list[dict[str, Any]]:
    events = []
    first = world.as_of - timedelta(days=world.history_days)
    for industry in world.industries:
        months = world.history_days // 30
        for k in range(months * 3):
            day = first + timedelta(days=int(unit(world.seed, "lay", industry, k) * world.history_days))
            if day > world.as_of - timedelta(days=2):
                continue
            size = unit(world.seed, "laysize", industry, k)
            events.append({
                "company": f"Simlay {industry} {k:03d}",
                "location": "SF Bay Area" if size < 0.5 else "London",
                "total_laid_off": "" if size < 0.1 else f"{int(10 + size * 1500)}.0",
                "date": day, "industry": industry,
                "country": "United States" if size < 0.6 else "United Kingdom",
            })
    return sorted(events, key=lambda e: (e["date"], e["company"]), reverse=True)


def layoffs_csv(world: SimWorld, faults: Mapping[str, Any] = {}) -> bytes:
    laid_off = "laid_off" if "layout" in faults else "total_laid_off"
    lines = [f"company,location,{laid_off},date,percentage_laid_off,industry,source,stage,funds_raised,country,"
             "date_added"]
    for j, e in enumerate(layoff_events(world)):
        company = e["company"]
        if "xss" in faults and j < 3:
            company = f"{company} {XSS_PAYLOADS[j % 2]}"
        if "non_utf8" in faults and j < 3:
            company = f"{company} Caf\xe9"
        d = e["date"]
        when = f"{d.month}/{d.day}/{d.year}"
        lines.append(",".join(csv_field(x) for x in (
            company, e["location"], e["total_laid_off"], when, "", e["industry"],
            f"https://example.org/layoffs/{j}", "Post-IPO", "100", e["country"], when)))
    text = "\n".join(lines) + "\n"
    return text.encode("latin-1" if "non_utf8" in faults else "utf-8", errors="xmlcharrefreplace")


def warn_csv(world: SimWorld, faults: Mapping[str, Any] = {}) -> bytes:
    jobs = "workers" if "layout" in faults else "jobs"
    lines = [f"hash_id,postal_code,company,location,notice_date,effective_date,{jobs},is_temporary,is_closure,"
             "is_amendment"]
    companies = world.companies or ["Simco 000 Ltd"]
    for company in companies:
        for k in range(6):
            u = unit(world.seed, "warn", company, k)
            notice = world.as_of - timedelta(days=int(u * world.history_days) + 3)
            digest = hashlib.sha224(f"{company}|{k}".encode()).hexdigest()
            lines.append(",".join(csv_field(x) for x in (
                digest, _STATES[int(u * len(_STATES))], company, "Springfield", notice.isoformat(),
                (notice + timedelta(days=60)).isoformat(), str(20 + int(u * 400)), "", "False", "False")))
    return ("\n".join(lines) + "\n").encode()
