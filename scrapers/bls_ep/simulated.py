"""The Employment Projections double for the simulator (`sim/`): Table 1.2 of the release in
force at the world date (BLS publishes each vintage in early September), in the real table's
columns (served as its CSV form), one row per synthetic role's SOC plus the total.

Content faults: ``layout`` ("Occupation type" renamed), ``implausible`` (every percent change x50).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from scrapers.base import SimRequest
from scrapers.bls_ep import settings as S
from scrapers.occupations import role_socs

HOST = "www.bls.gov"


def vintage(as_of: date) -> tuple[int, int]:
    """(base, projected year) of the release in force: 2024-34 from September 2025."""
    base = as_of.year - 1 if as_of.month >= 9 else as_of.year - 2
    return base, base + 10


def paths(lookups: Sequence[Mapping[str, Any]], seed: int) -> dict[str, list[str]]:
    return {HOST: [S.CURRENT_PATH]}


def _line(title: str, soc: str, kind: str, base_emp: float, pct: float, wage: int, faults: Mapping[str, Any]) -> str:
    projected = base_emp * (1 + pct / 100)
    shown = pct * 50 if "implausible" in faults else pct
    return ",".join(str(v) for v in (
        f'"{title}"', soc, kind, f"{base_emp:.1f}", f"{projected:.1f}", "0.1", "0.1", f"{projected - base_emp:.1f}",
        f"{shown:.1f}", "2.0", f"{base_emp * 0.09:.1f}", wage, "Bachelor's degree", "None", "None"))


def respond(req: SimRequest) -> tuple[bytes, str] | None:
    if req.path.split("?")[0].removeprefix("/bls_ep") != S.CURRENT_PATH:
        return None
    base, proj = vintage(req.as_of)
    span = f"{base}–{str(proj)[-2:]}"
    kind = "Type" if "layout" in req.faults else "Occupation type"
    lines = [f'"Table 1.2 Occupational projections, {base}–{proj}, and worker characteristics, {base} '
             f'(Employment in thousands)"',
             f'{base} National Employment Matrix title,{base} National Employment Matrix code,{kind},'
             f'"Employment, {base}","Employment, {proj}","Employment distribution, percent, {base}",'
             f'"Employment distribution, percent, {proj}","Employment change, numeric, {span}",'
             f'"Employment change, percent, {span}","Percent self employed, {base}",'
             f'"Occupational openings, {span} annual average","Median annual wage, dollars, {base}[1]",'
             'Typical education needed for entry,Work experience in a related occupation,'
             'Typical on-the-job training needed to attain competency in the occupation',
             _line("Total, all occupations", "00-0000", "Summary", 170_000.0, 3.1, 49_500, req.faults)]
    for soc in role_socs(req.lookups):
        r = random.Random(f"{req.seed}|bls_ep|{soc}|{base}|{req.epoch}")
        lines.append(_line(f"Sim occupation {soc}", soc, "Line item", 5.0 + r.randrange(900), round(r.uniform(-15, 25), 1),
                           50_000 + r.randrange(100_000), req.faults))
    lines.append('"[1] Data are from the Occupational Employment and Wage Statistics program."')
    return ("\n".join(lines) + "\n").encode(), "text/csv; charset=utf-8"
