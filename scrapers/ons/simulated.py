"""The ONS double for the simulator (`sim/`): generator CSVs in the real file's layout (metadata
rows, then annual, quarterly and monthly rows), months up to the one before the world date.

Content faults: ``layout`` (the CDID row renamed), ``implausible`` (the latest month x50).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from scrapers.base import SimRequest
from scrapers.ons import settings as S

HOST = "www.ons.gov.uk"
_MONTHS = {v: k for k, v in S.MONTHS.items()}
_TITLES = {"cpi_index": "CPI INDEX 00: ALL ITEMS 2015=100", "cpih_index": "CPIH INDEX 00: ALL ITEMS 2015=100",
           "cpi_yoy_pct": "CPI ANNUAL RATE 00: ALL ITEMS 2015=100", "cpih_yoy_pct": "CPIH ANNUAL RATE 00: ALL ITEMS 2015=100"}


def paths(lookups: Sequence[Mapping[str, Any]], seed: int) -> dict[str, list[str]]:
    return {HOST: [S.PATH.format(cdid=c.lower(), dataset=S.SERIES[c][0]) for c in S.DEFAULT_SERIES]}


def _index(seed: int, cdid: str, epoch: int, last: date) -> list[tuple[date, float]]:
    r = random.Random(f"{seed}|ons|{cdid}|{epoch}")
    level, out = 48.4, []
    for year in range(1988, last.year + 1):
        for month in range(1, 13):
            if (year, month) > (last.year, last.month):
                return out
            level *= 1 + 0.0022 + r.uniform(-0.002, 0.002)
            out.append((date(year, month, 1), round(level, 1)))
    return out


def respond(req: SimRequest) -> tuple[bytes, str] | None:
    parts = urlsplit(req.path)
    if parts.path != "/generator":
        return None
    uri = unquote((parse_qs(parts.query).get("uri") or [""])[0]).rstrip("/").split("/")
    cdid = uri[-2].upper() if len(uri) >= 2 else ""
    if cdid not in S.SERIES:
        return None
    dataset, metric, unit = S.SERIES[cdid]
    last = date(req.as_of.year, req.as_of.month, 1)
    months = _index(req.seed, cdid, req.epoch, date.fromordinal(last.toordinal() - 1))
    if unit == "pct":  # a rate: the year-on-year change of the index
        months = [(d, round((v / months[i - 12][1] - 1) * 100, 1)) for i, (d, v) in enumerate(months) if i >= 12]
    if "implausible" in req.faults and months:
        months[-1] = (months[-1][0], months[-1][1] * 50)
    cdid_label = "Series ID" if "layout" in req.faults else "CDID"
    lines = [f'"Title","{_TITLES[metric]}"', f'"{cdid_label}","{cdid}"', f'"Source dataset ID","{dataset.upper()}"',
             '"PreUnit",""', '"Unit","%"' if unit == "pct" else '"Unit","Index, base year = 100"',
             f'"Release date","{req.as_of.strftime("%d-%m-%Y")}"', '"Next release",""', '"Important notes",']
    years: dict[int, list[float]] = {}
    for d, v in months:
        years.setdefault(d.year, []).append(v)
    lines += [f'"{y}","{sum(v) / len(v):.1f}"' for y, v in years.items() if len(v) == 12]
    lines += [f'"{d.year} {_MONTHS[d.month]}","{v}"' for d, v in months]
    return ("\n".join(lines) + "\n").encode(), "text/csv; charset=utf-8"
