"""US occupational pay per SOC (BLS OEWS national files): each of the role's SOCs' annual median
in its newest May reference year against the year before, averaged over the SOCs, nominal and
deflated by US CPI over the same month; lineage the two years' rows and the CPI rows.

Unlike `pay_oews` (the BLS API series a role names), this reads the `oews` source's per-SOC rows,
so every role with a 2018 SOC has US pay without naming a series."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.metrics import cpi
from scoring.metrics.family import Family, Output
from scoring.metrics.frame import lineage_entries, lineage_json, pct, row, rows_of
from scoring.metrics.occupation_keys import per_code_set

NOMINAL, REAL, UNIT = "salary_yoy_nominal_soc", "salary_yoy_real_soc", "fraction"
_MEDIAN = "oews_annual_median"


def per_soc(obs: pd.DataFrame) -> dict[str, dict]:
    """Per SOC: the newest year's row, the year before's (None unless consecutive), the years held."""
    rows = rows_of(obs, "oews", _MEDIAN)
    if rows.empty:
        return {}
    rows = rows.assign(_soc=rows["subject"].astype(str), _year=rows["period_end"].dt.year)
    rows = rows[~rows.duplicated(["_soc", "_year"], keep="last")].sort_values(["_soc", "_year"], kind="stable")
    rows = rows.assign(_entry=lineage_entries(rows))
    by_soc: dict[str, list[dict]] = {}
    # whole columns converted once, then bucketed (a frame per SOC cost ~1 ms each, 800 of them)
    keys = ("period_start", "period_end", "value", "_entry", "_year")
    for soc, *values in zip(rows["_soc"].tolist(), *(rows[k].tolist() for k in keys)):
        by_soc.setdefault(soc, []).append(dict(zip(keys, values)))
    out = {}
    for soc, recs in by_soc.items():
        latest, prior = recs[-1], recs[-2] if len(recs) > 1 else None
        out[soc] = {"years": [r["_year"] for r in recs], "latest": latest,
                    "prior": prior if prior is not None and prior["_year"] == latest["_year"] - 1 else None}
    return out


def compute(obs: pd.DataFrame, roles: pd.DataFrame, as_of: pd.Timestamp, rubric, deflator=None) -> pd.DataFrame:
    deflator = deflator or cpi.Deflator(obs, rubric)
    socs = per_soc(obs)
    tried = cpi.candidates(None, "US", "US", rubric)

    def one(codes: tuple[str, ...]) -> list[dict]:
        nominal, windows = _nominal([c for c in codes if "." not in c], socs)
        return [nominal, deflator.real(nominal, REAL, tried, "US", windows)]

    return per_code_set(roles, (NOMINAL, REAL), UNIT, one)


def _nominal(codes: list[str], socs: dict[str, dict]) -> tuple[dict, list]:
    per, problems, lineage, ends, windows = [], [], [], [], []
    for soc in codes:
        s = socs.get(soc)
        if s is None:
            problems.append(("no_data", f"SOC {soc}: no OEWS median held"))
            continue
        latest, prior = s["latest"], s["prior"]
        lineage.append(latest["_entry"])
        ends.append(latest["period_end"])
        if prior is None:
            problems.append(("insufficient_history", f"SOC {soc}: OEWS year(s) {', '.join(map(str, s['years']))} "
                                                     "held; YoY needs two consecutive years"))
            continue
        lineage.insert(-1, prior["_entry"])
        if pd.isna(latest["value"]) or pd.isna(prior["value"]):
            problems.append(("not_published", f"SOC {soc}: OEWS median not published (top-coded or withheld)"))
            continue
        now, before = float(latest["value"]), float(prior["value"])
        per.append({"soc": soc, "year": int(latest["_year"]), "now": now, "year_earlier": before,
                    "yoy": now / before - 1, "observed_to": latest["period_end"]})
        windows.append((latest["period_start"], latest["period_end"]))
    if not per:
        status = next((s for s in ("not_published", "insufficient_history", "no_data")
                       if s in [p[0] for p in problems]), "no_data")
        note = "; ".join(p[1] for p in problems) or "no SOC code in the catalogue"
        return row(NOMINAL, UNIT, status, note, observed_to=max(ends, default=None), inputs={"soc": codes},
                   lineage=lineage_json(lineage)), []
    value = float(np.mean([p["yoy"] for p in per]))
    parts = [f"{p['soc']} ${p['now']:,.0f} vs ${p['year_earlier']:,.0f} ({pct(p['yoy'])})" for p in per]
    note = f"US OEWS median pay {per[0]['year']} vs a year earlier: " + "; ".join(parts)
    if len(per) > 1:
        note += f"; mean {pct(value)}"
    inputs = {"soc": [{k: v for k, v in p.items() if k != "observed_to"} for p in per],
              "per_series_nominal": [p["yoy"] for p in per], "problems": [p[1] for p in problems]}
    return row(NOMINAL, UNIT, "ok", note, value=value, observed_to=min(p["observed_to"] for p in per),
               inputs=inputs, lineage=lineage_json(lineage)), windows


FAMILY = Family(name="pay_soc", key="soc", comparison="OEWS annual median per SOC vs the year before, US CPI",
                outputs={NOMINAL: Output(UNIT, "oews", (_MEDIAN,),
                                         label="US median pay of the role's occupations (nominal)"),
                         REAL: Output(UNIT, "oews", (_MEDIAN,), deflated=True, cpi_geography="US",
                                      label="US median pay of the role's occupations, after inflation")},
                compute=compute, shared=("deflator",))
