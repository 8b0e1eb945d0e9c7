"""Indeed postings: the role's sector indexes (mean of each sector's level change over
`indeed_lag_days`) and, as their fallback, the country's all-jobs index; lineage the two dates'
rows of each series."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.metrics.family import Family, Output
from scoring.metrics.frame import broadcast, constant, frame, iso, lineage_json, pct, row
from scoring.metrics.indeed_levels import NO_KEY, Levels

SECTOR, COUNTRY, UNIT = "postings_yoy_sector", "postings_yoy_country", "fraction"


def compute(obs: pd.DataFrame, roles: pd.DataFrame, as_of: pd.Timestamp, rubric, levels=None) -> pd.DataFrame:
    levels = levels or Levels(obs, rubric)
    keyed = roles["country"].notna()
    roles = roles.assign(_sectors=[(c, s) for c, s in zip(roles["country"], roles["sectors"])],
                         _country=roles["country"])
    sectors = [{"key": k, **_sectors(k[0], k[1], levels, rubric)} for k in pd.unique(roles.loc[keyed, "_sectors"])]
    countries = [{"key": c, **_country(c, levels)} for c in pd.unique(roles.loc[keyed, "_country"])]
    parts = [constant(roles, ~keyed, [row(m, UNIT, "no_lookup_key", NO_KEY) for m in (SECTOR, COUNTRY)]),
             broadcast(roles[keyed], "_sectors", frame(sectors, keyed=True)),
             broadcast(roles[keyed], "_country", frame(countries, keyed=True))]
    return pd.concat([p for p in parts if len(p)], ignore_index=True)


def _sectors(country: str, names: tuple, levels: Levels, rubric) -> dict:
    if not names:
        return row(SECTOR, UNIT, "no_lookup_key", "no Indeed sectors in the catalogue")
    parts, missing, lineage, newest = [], [], [], []
    lag = rubric.matching.indeed_lag_days
    for sector in names:
        res = levels.sector(country, sector)
        if res is None:
            missing.append(f"{sector}: no data")
            continue
        lineage += res["lineage"]
        newest.append(res["date"])
        if "year_earlier" not in res:
            missing.append(f"{sector}: no level {lag} d before {iso(res['date'])}")
            continue
        parts.append({"sector": sector, "date": iso(res["date"]), "now": res["now"],
                      "year_earlier_date": iso(res["prior_date"]), "year_earlier": res["year_earlier"],
                      "yoy": res["now"] / res["year_earlier"] - 1, "_date": res["date"]})
    if not parts:
        status = "insufficient_history" if newest else "no_data"
        return row(SECTOR, UNIT, status, f"{country} Indeed sectors: " + "; ".join(missing),
                   observed_to=max(newest) if newest else None, lineage=lineage_json(lineage))
    value = float(np.mean([p["yoy"] for p in parts]))
    detail = "; ".join(f"{p['sector']} {p['now']:.1f} vs {p['year_earlier']:.1f}" for p in parts)
    observed = min(p.pop("_date") for p in parts)
    return row(SECTOR, UNIT, "ok", f"{country} Indeed sector index {pct(value)} YoY ({detail})", value=value,
               observed_to=observed, inputs={"country": country, "sectors": parts, "missing": missing},
               lineage=lineage_json(lineage))


def _country(country: str, levels: Levels) -> dict:
    res = levels.country("postings_index", country)
    if res is None:
        return row(COUNTRY, UNIT, "no_data", f"no Indeed postings index for {country}")
    if "year_earlier" not in res:
        return row(COUNTRY, UNIT, "insufficient_history",
                   f"{country} Indeed index: no level a year before {iso(res['date'])}", observed_to=res["date"],
                   lineage=lineage_json(res["lineage"]))
    value = res["now"] / res["year_earlier"] - 1
    return row(COUNTRY, UNIT, "ok",
               f"{country} Indeed all-jobs index {res['now']:.1f} vs {res['year_earlier']:.1f} ({pct(value)})",
               value=value, observed_to=res["date"], lineage=lineage_json(res["lineage"]),
               inputs={"country": country, "date": iso(res["date"]), "now": res["now"],
                       "year_earlier_date": iso(res["prior_date"]), "year_earlier": res["year_earlier"]})


FAMILY = Family(name="postings_indeed", key="indeed", comparison="index level vs 364 days earlier",
                outputs={SECTOR: Output(UNIT, "indeed", ("sector_postings_index",), request_kind="sector",
                                        needs="sectors", label="Indeed postings in the role's sectors, year on year"),
                         COUNTRY: Output(UNIT, "indeed", ("postings_index",), request_kind="aggregate",
                                         label="Indeed postings in the role's country (all jobs), year on year")},
                compute=compute, shared=("levels",))
