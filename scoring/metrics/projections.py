"""Expert consensus from BLS Employment Projections: the role's SOCs' projected 10-year
employment change against the all-occupations projection of the same vintage (percentage
points), and how the SOCs' projection was revised from the previous vintage (pp); means over the
role's SOCs with a projection; lineage the SOC rows and the all-occupations row (or both vintages).

A vintage is the base year of the projection (2024-34 is dated 2024): one row per SOC per release."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from scoring.metrics.family import Family, Output
from scoring.metrics.frame import lineage_entries, lineage_json, row, rows_of
from scoring.metrics.occupation_keys import per_code_set

GROWTH, REVISION, UNIT = "projected_growth_vs_all", "projection_revision", "pp"
_CHANGE = "ep_change_pct"
#: BLS's "Total, all occupations" line
ALL_OCCUPATIONS = "00-0000"


def per_vintage(obs: pd.DataFrame) -> dict[str, list[dict]]:
    """Per SOC: its projections, oldest vintage first ({vintage, value, period_end, entry})."""
    rows = rows_of(obs, "bls_ep", _CHANGE)
    rows = rows.assign(_soc=rows["subject"].astype(str), _vintage=rows["period_end"].dt.year)
    rows = rows[~rows.duplicated(["_soc", "_vintage"], keep="last")].sort_values(["_soc", "_vintage"], kind="stable")
    rows = rows.assign(_entry=lineage_entries(rows))
    out: dict[str, list[dict]] = {}
    for soc, v, x, e, n in zip(rows["_soc"], rows["_vintage"], rows["value"], rows["period_end"], rows["_entry"]):
        out.setdefault(soc, []).append({"vintage": int(v), "value": x, "period_end": e, "entry": n})
    return out


def compute(obs: pd.DataFrame, roles: pd.DataFrame, as_of: pd.Timestamp, rubric) -> pd.DataFrame:
    socs = per_vintage(obs)
    total = {p["vintage"]: p for p in socs.get(ALL_OCCUPATIONS, [])}

    def one(codes: tuple[str, ...]) -> list[dict]:
        held = [(c, socs[c]) for c in codes if "." not in c and c in socs]
        return [_growth(codes, held, total), _revision(codes, held)]

    return per_code_set(roles, (GROWTH, REVISION), UNIT, one)


def _growth(codes, held, total: dict[int, dict]) -> dict:
    if not held:
        return row(GROWTH, UNIT, "no_data", f"no BLS projection for SOC {', '.join(codes)}")
    newest = [(c, ps[-1]) for c, ps in held if pd.notna(ps[-1]["value"])]
    if not newest:
        return row(GROWTH, UNIT, "not_published", "BLS projected change not published for the role's SOCs")
    vintage = max(p["vintage"] for _, p in newest)
    mine = [(c, p) for c, p in newest if p["vintage"] == vintage]
    base = total.get(vintage)
    lineage = [p["entry"] for _, p in mine]
    if base is None or pd.isna(base["value"]):
        return row(GROWTH, UNIT, "no_data", f"no all-occupations projection for vintage {vintage}",
                   observed_to=mine[0][1]["period_end"], lineage=lineage_json(lineage))
    own = float(np.mean([p["value"] for _, p in mine]))
    value = own - float(base["value"])
    span = f"{vintage}-{(vintage + 10) % 100:02d}"
    parts = ", ".join(f"{c} {p['value']:+.1f} %" for c, p in mine)
    note = f"BLS projects {parts} employment {span} vs {base['value']:+.1f} % for all occupations ({value:+.1f} pp)"
    inputs = {"vintage": span, "soc": {c: p["value"] for c, p in mine}, "all_occupations": base["value"]}
    return row(GROWTH, UNIT, "ok", note, value=value, observed_to=base["period_end"], inputs=inputs,
               lineage=lineage_json([*lineage, base["entry"]]))


def _revision(codes, held) -> dict:
    if not held:
        return row(REVISION, UNIT, "no_data", f"no BLS projection for SOC {', '.join(codes)}")
    pairs, single = [], []
    for c, ps in held:
        if len(ps) < 2:
            single.append(f"{c}: vintage {ps[-1]['vintage']} only")
            continue
        pairs.append((c, ps[-2], ps[-1]))
    if not pairs:
        return row(REVISION, UNIT, "insufficient_history", "; ".join(single) + "; a revision needs two vintages",
                   observed_to=max(ps[-1]["period_end"] for _, ps in held),
                   lineage=lineage_json([ps[-1]["entry"] for _, ps in held]))
    usable = [(c, a, b) for c, a, b in pairs if pd.notna(a["value"]) and pd.notna(b["value"])]
    lineage = lineage_json([e for _, a, b in pairs for e in (a["entry"], b["entry"])])
    if not usable:
        return row(REVISION, UNIT, "not_published", "BLS projected change not published in one of two vintages",
                   lineage=lineage)
    value = float(np.mean([b["value"] - a["value"] for _, a, b in usable]))
    parts = "; ".join(f"{c} {a['value']:+.1f} % ({a['vintage']}) → {b['value']:+.1f} % ({b['vintage']})"
                      for c, a, b in usable)
    inputs = {"soc": [{"soc": c, "before": a["value"], "vintage_before": a["vintage"], "after": b["value"],
                       "vintage_after": b["vintage"]} for c, a, b in usable]}
    return row(REVISION, UNIT, "ok", f"BLS projection revised {value:+.1f} pp ({parts})", value=value,
               observed_to=min(b["period_end"] for _, _, b in usable), inputs=inputs, lineage=lineage)


_OUT = Output(UNIT, "bls_ep", (_CHANGE,))
FAMILY = Family(name="projections", key="soc",
                comparison="projected 10-year change vs all occupations; change between vintages",
                outputs={GROWTH: replace(_OUT, label="BLS projected 10-year job growth against all occupations"),
                         REVISION: replace(_OUT, label="revision of that BLS projection since the previous release")},
                compute=compute)
