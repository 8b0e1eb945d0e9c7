"""Indeed Hiring Lab CSVs (the github host): postings indices per country and per sector, the
AI share of postings and posted-wage growth, laid out like the tracker repositories' files.

Content faults: ``layout`` (the index columns renamed), ``implausible`` (the last 30 days of the
aggregate index x50), ``xss`` (a payload in every sector's display name).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sim.hosts import XSS_PAYLOADS
from sim.numbers import MONTHS, between, months_back, unit
from sim.world import SimWorld

_COUNTRY_NAMES = {"GB": "United Kingdom", "US": "United States"}


def _days(world: SimWorld, lag: int = 3) -> list[date]:
    last = world.as_of - timedelta(days=lag)
    return [last - timedelta(days=k) for k in range(world.history_days, -1, -1)]


def _index(world: SimWorld, d: date, *key: Any) -> float:
    t = (d.toordinal() - world.as_of.toordinal()) / 365.0
    trend = between(-0.25, 0.25, world.seed, *key, "trend")
    season = 0.04 * math.sin(2 * math.pi * d.timetuple().tm_yday / 365.0 + 6.28 * unit(world.seed, *key, "ph"))
    return 100.0 * (1 + trend * t) * (1 + season) + world.global_epoch * 0.01


def aggregate(world: SimWorld, cc: str, faults: Mapping[str, Any] = {}) -> bytes:
    sa = "index_sa" if "layout" in faults else "indeed_job_postings_index_SA"
    lines = [f"date,jobcountry,{sa},indeed_job_postings_index_NSA,variable"]
    days = _days(world)
    for variable, scale in (("total postings", 1.0), ("new postings", 0.9)):
        for d in days:
            v = _index(world, d, "agg", cc, variable) * scale
            if "implausible" in faults and (world.as_of - d).days < 30:
                v *= 50
            lines.append(f"{d.isoformat()},{cc},{v:.2f},{v * 1.02:.2f},{variable}")
    return ("\n".join(lines) + "\n").encode()


def sector(world: SimWorld, cc: str, faults: Mapping[str, Any] = {}) -> bytes:
    col = "index" if "layout" in faults else "indeed_job_postings_index"
    lines = [f"date,jobcountry,{col},variable,display_name"]
    days = _days(world)
    for sector in world.sectors:
        label = f"{sector} {XSS_PAYLOADS[1]}" if "xss" in faults else sector
        quoted = f'"{label}"' if "," in label or '"' in label else label
        for d in days:
            lines.append(f"{d.isoformat()},{cc},{_index(world, d, 'sector', cc, sector):.2f},total postings,{quoted}")
    return ("\n".join(lines) + "\n").encode()


def ai_share(world: SimWorld, faults: Mapping[str, Any] = {}) -> bytes:
    lines = ["date,jobcountry,AI_share_postings"]
    for d in _days(world):
        for cc in world.countries:
            t = (d.toordinal() - world.as_of.toordinal()) / 365.0
            v = 3.0 + between(0.2, 1.5, world.seed, "ai", cc) * t + 0.05 * math.sin(d.toordinal() / 11.0)
            lines.append(f"{d.isoformat()},{cc},{v:.6f}")
    return ("\n".join(lines) + "\n").encode()


def wage_growth(world: SimWorld, faults: Mapping[str, Any] = {}) -> bytes:
    lines = ["jobcountry,country,month,n_obs,posted_wage_growth_yoy,posted_wage_growth_yoy_3moavg"]
    newest = months_back(world.as_of, 2)
    months = [months_back(newest, k) for k in range(world.history_days // 30, -1, -1)]
    for cc in world.countries:
        for m in months:
            v = 0.03 + 0.015 * math.sin(m.toordinal() / 200.0 + 6.28 * unit(world.seed, "wage", cc))
            lines.append(f"{cc},{_COUNTRY_NAMES.get(cc, cc)},{MONTHS[m.month - 1]}-{m.year % 100:02d},"
                         f"{int(80000 + 10000 * unit(world.seed, 'nobs', cc, m))},{v:.9f},{v:.9f}")
    return ("\n".join(lines) + "\n").encode()
