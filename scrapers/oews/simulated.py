"""The OEWS double for the simulator (`sim/`): a national file per May year, in the real
workbook's columns (served as its CSV form, which the parser reads like the workbook), one
cross-industry row per synthetic role's SOC plus the all-occupations total.

Content faults: ``layout`` (OCC_CODE renamed), ``implausible`` (every annual median x50).
A year not yet released by the world date is a 404, as on bls.gov.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from scrapers.base import SimRequest
from scrapers.occupations import role_socs
from scrapers.oews import settings as S
from scrapers.oews.fetch import latest_year

HOST = "www.bls.gov"
HEADER = ("AREA,AREA_TITLE,AREA_TYPE,PRIM_STATE,NAICS,NAICS_TITLE,I_GROUP,OWN_CODE,OCC_CODE,OCC_TITLE,O_GROUP,TOT_EMP,"
          "EMP_PRSE,H_MEAN,A_MEAN,MEAN_PRSE,H_PCT10,H_PCT25,H_MEDIAN,H_PCT75,H_PCT90,A_PCT10,A_PCT25,A_MEDIAN,"
          "A_PCT75,A_PCT90,ANNUAL,HOURLY")


def paths(lookups: Sequence[Mapping[str, Any]], seed: int) -> dict[str, list[str]]:
    last = latest_year(date.today())
    return {HOST: [S.PATH.format(yy=f"{y % 100:02d}") for y in range(S.FIRST_YEAR, last + 1)]}


def _row(soc: str, title: str, group: str, emp: int, median: float, faults: Mapping[str, Any]) -> str:
    if "implausible" in faults:
        median *= 50
    pct = [round(median * f) for f in (0.55, 0.75, 1.0, 1.3, 1.6)]
    hourly = [round(v / 2080, 2) for v in pct]
    mean = round(median * 1.08)
    return ",".join(str(v) for v in (
        99, "U.S.", 1, "US", "000000", "Cross-industry", "cross-industry", 1235, soc, f'"{title}"', group, emp, 1.1,
        round(mean / 2080, 2), mean, 0.5, *hourly, *pct, "", ""))


def respond(req: SimRequest) -> tuple[bytes, str] | None:
    m = re.search(r"/oes/special-requests/oesm(\d{2})nat\.zip$", req.path.split("?")[0])
    if not m:
        return None
    year = 2000 + int(m[1])
    if year < S.FIRST_YEAR - 1 or year > latest_year(req.as_of):
        return None
    header = HEADER.replace("OCC_CODE", "OCCUPATION_CODE") if "layout" in req.faults else HEADER
    lines = [header, _row("00-0000", "All Occupations", "total", 151_000_000 + 1_000_000 * (year - 2020),
                          45_000 + 1_500 * (year - 2020), req.faults)]
    for soc in role_socs(req.lookups):
        r = random.Random(f"{req.seed}|oews|{soc}")
        base, growth = 50_000 + r.randrange(100_000), 0.01 + r.random() * 0.05
        median = round(base * (1 + growth) ** (year - 2020 + req.epoch) / 10) * 10
        lines.append(_row(soc, f"Sim occupation {soc}", "detailed", 5_000 + r.randrange(500_000), median, req.faults))
    return ("\n".join(lines) + "\n").encode(), "text/csv; charset=utf-8"
