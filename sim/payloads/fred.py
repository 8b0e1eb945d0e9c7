"""FRED fredgraph CSVs: monthly CPIAUCSL, AHETPI and JTSJOL up to two months before the world date.

Content faults: ``layout`` (the date column renamed), ``future_dated`` (one more row, for the
month of ``end``: 2030-01 by default).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date
from typing import Any

from sim.numbers import months_back
from sim.world import SimWorld


def series_csv(world: SimWorld, series: str, faults: Mapping[str, Any] = {}) -> bytes:
    newest = months_back(world.as_of, 2)
    months = [months_back(newest, k) for k in range(world.history_days // 30 + 14, -1, -1)]
    if series == "CPIAUCSL":
        header = "when,CPIAUCSL" if "layout" in faults else "observation_date,CPIAUCSL"
        fmt = "{:.3f}"
    else:
        header = "when,value" if "layout" in faults else "date,value"
        fmt = "{:.2f}" if series == "AHETPI" else "{:.1f}"
    base = {"CPIAUCSL": 320.0, "AHETPI": 31.0, "JTSJOL": 7500.0}[series]
    if "future_dated" in faults:
        months.append(months_back(date.fromisoformat(faults["future_dated"].params.get("end", "2030-01-01")), 0))
    lines = [header]
    for m in months:
        t = (m.toordinal() - world.as_of.toordinal()) / 365.0
        v = base * (1 + 0.03 * t) * (1 + 0.003 * math.sin(m.month))
        lines.append(f"{m.isoformat()}," + fmt.format(v))
    return ("\n".join(lines) + "\n").encode()
