"""US occupational pay (BLS OEWS, level-only): each of the role's SOC series' annual median (else
mean) in its newest year against the year before, averaged over the series, nominal and
deflated by US CPI; lineage the two years' rows and the CPI rows.

The year-over-year of a series does not depend on the role, so it is worked out once per series
for the whole catalogue (`per_series`), then each role averages its own series."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.metrics import cpi
from scoring.metrics.family import Family, Output
from scoring.metrics.frame import frame, lineage_entries, lineage_json, pct, row

NOMINAL, REAL, UNIT = "salary_yoy_nominal_oews", "salary_yoy_real_oews", "fraction"


def per_series(obs: pd.DataFrame) -> dict[str, dict]:
    """Per BLS series id: the metric used, the newest and the prior year's rows, the years held."""
    oews = obs[(obs["source"] == "bls") & obs["metric"].astype(str).str.startswith("oews_")]
    if oews.empty:
        return {}
    # metrics in order of first appearance (the order the old index held them in: it decides
    # which metric a series without a median or mean uses)
    rank = {m: i for i, m in enumerate(pd.unique(oews["metric"]))}
    oews = oews.assign(_rank=oews["metric"].map(rank)).sort_values(["_rank", "period_end", "_pos"], kind="stable")
    key = oews["series_key"].astype(str)
    own_id = key.str.startswith("bls:") & (key.str[4:] != oews["subject"].astype(str))
    by_id = pd.concat([oews.assign(_sid=oews["subject"].astype(str)),
                       oews[own_id].assign(_sid=key[own_id].str[4:])])
    by_id = by_id.sort_values(["_sid", "_rank", "period_end", "_pos"], kind="stable")
    held = by_id.groupby("_sid", sort=False)["metric"].agg(lambda s: set(s))
    first = by_id.groupby("_sid", sort=False)["metric"].first()
    chosen = {sid: ("oews_annual_median" if "oews_annual_median" in ms else
                    "oews_annual_mean" if "oews_annual_mean" in ms else first[sid]) for sid, ms in held.items()}
    used = by_id[by_id["metric"] == by_id["_sid"].map(chosen)]
    used = used.assign(_year=used["period_end"].dt.year)
    used = used[~used.duplicated(["_sid", "_year"], keep="last")]  # the last row of each year wins
    used = used.assign(_entry=lineage_entries(used))
    groups = used.groupby("_sid", sort=False)
    years = groups["_year"].agg(list)
    latest, before = groups.tail(1).set_index("_sid"), groups.nth(-2).set_index("_sid")
    cols = ["period_start", "period_end", "value", "_entry", "_year"]
    prior = {sid: r for sid, r in zip(before.index, before[cols].to_dict("records"))}
    out = {}
    for sid, r in zip(latest.index, latest[cols].to_dict("records")):
        p = prior.get(sid)
        out[sid] = {"metric": chosen[sid], "years": years[sid], "latest": r,
                    "prior": p if p is not None and p["_year"] == r["_year"] - 1 else None}
    return out


def compute(obs: pd.DataFrame, roles: pd.DataFrame, as_of: pd.Timestamp, rubric, deflator=None) -> pd.DataFrame:
    deflator = deflator or cpi.Deflator(obs, rubric)
    series = per_series(obs) if roles["bls_series"].map(len).any() else {}
    out = []
    for r in roles.itertuples():
        if not r.bls_series:
            note = "no BLS OEWS series in the catalogue"
            out += [{"role_id": r.role_id, **row(m, UNIT, "no_lookup_key", note)} for m in (NOMINAL, REAL)]
            continue
        nominal, windows = _nominal(list(r.bls_series), series)
        tried = cpi.candidates(r.cpi_series, r.geography, "US", rubric)
        out += [{"role_id": r.role_id, **nominal},
                {"role_id": r.role_id, **deflator.real(nominal, REAL, tried, "US", windows)}]
    return frame(out)


def _nominal(ids: list[str], series: dict[str, dict]) -> tuple[dict, list]:
    per, problems, lineage, ends, windows = [], [], [], [], []
    for sid in ids:
        s = series.get(sid)
        if s is None:
            problems.append(("no_data", f"{sid}: no OEWS observations"))
            continue
        latest, prior, metric = s["latest"], s["prior"], s["metric"]
        if prior is None:
            problems.append(("insufficient_history",
                             f"{sid}: {len(s['years'])} annual period(s) held ({', '.join(map(str, s['years']))}); "
                             "YoY needs two consecutive years"))
            lineage.append(latest["_entry"])
            ends.append(latest["period_end"])
            continue
        lineage += [prior["_entry"], latest["_entry"]]
        ends += [prior["period_end"], latest["period_end"]]
        if pd.isna(latest["value"]) or pd.isna(prior["value"]):
            problems.append(("not_published", f"{sid}: {metric} not published (top-coded or withheld)"))
            continue
        per.append({"series": sid, "metric": metric, "year": int(s["years"][-1]), "now": float(latest["value"]),
                    "year_earlier": float(prior["value"]),
                    "yoy": float(latest["value"]) / float(prior["value"]) - 1, "observed_to": latest["period_end"]})
        windows.append((latest["period_start"], latest["period_end"]))
    if not per:
        status = next(s for s in ("not_published", "insufficient_history", "no_data") if s in [p[0] for p in problems])
        return row(NOMINAL, UNIT, status, "; ".join(p[1] for p in problems), observed_to=max(ends, default=None),
                   inputs={"series": ids}, lineage=lineage_json(lineage)), []
    value = float(np.mean([p["yoy"] for p in per]))
    first = per[0]
    note = (f"US OEWS {first['metric'].removeprefix('oews_').replace('_', ' ')} ${first['now']:,.0f} ({first['year']}) "
            f"vs ${first['year_earlier']:,.0f} ({pct(first['yoy'])})")
    if len(per) > 1:
        note = f"US OEWS mean of {len(per)} series {pct(value)} ({note.removeprefix('US OEWS ')} ...)"
    inputs = {"series": [{k: v for k, v in p.items() if k != "observed_to"} for p in per],
              "per_series_nominal": [p["yoy"] for p in per], "problems": [p[1] for p in problems]}
    return row(NOMINAL, UNIT, "ok", note, value=value, observed_to=min(p["observed_to"] for p in per),
               inputs=inputs, lineage=lineage_json(lineage)), windows


FAMILY = Family(name="pay_oews", key="bls_series", comparison="annual level vs the year before, deflated by US CPI",
                outputs={NOMINAL: Output(UNIT, "bls", ("oews_*",), label="BLS OEWS pay series the role names (nominal)"),
                         REAL: Output(UNIT, "bls", ("oews_*",), deflated=True, cpi_geography="US",
                                      label="BLS OEWS pay series the role names, after inflation")}, compute=compute,
                shared=("deflator",))
