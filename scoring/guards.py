"""Plausibility checks that sit beside the schema checks.

A row can be well-formed and still wrong: a count fifty times last night's, a salary of £5,
a median resting on a handful of quoted salaries, a payload whose dates run backwards.
Such rows are quarantined and reported (check_name `plausibility:<check>`, the numbers in
`failure`); they never reach the metrics, so they can never flip a zone.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from scoring.models import empty_observations, empty_quarantine, quarantine_rows
from scoring.rubric import Rubric

def _with_pos(df: pd.DataFrame) -> pd.DataFrame:
    return df.reset_index(drop=True).assign(_pos=lambda d: np.arange(len(d)))


def _length_bucket(df: pd.DataFrame) -> pd.Series:
    days = (df["period_end"] - df["period_start"]).dt.days
    return (days / 30).round().fillna(-1).astype(int)


def salary_band(obs: pd.DataFrame, rubric: Rubric) -> dict[int, dict]:
    g = rubric.guards
    out = {}
    rows = obs[obs["metric"].isin(g.salary_band_metrics) & obs["unit"].isin(list(g.salary_band)) & obs["value"].notna()]
    for pos, unit, value in zip(rows["_pos"], rows["unit"], rows["value"]):
        lo, hi = g.salary_band[unit]
        if not lo <= value <= hi:
            out[int(pos)] = {"check": "salary_band", "value": float(value), "band": [lo, hi], "unit": unit}
    return out


def salaries_quoted(obs: pd.DataFrame, history: pd.DataFrame, rubric: Rubric) -> dict[int, dict]:
    """IT Jobs Watch salary figures resting on fewer quoted salaries than the configured minimum."""
    g = rubric.guards
    rows = obs[(obs["source"] == "itjobswatch") & obs["metric"].isin(g.salary_quoted_metrics) & obs["value"].notna()]
    if rows.empty:
        return {}
    key = ["series_key", "period_start", "period_end"]
    counts = pd.concat([history, obs]) if len(history) else obs
    counts = counts[(counts["source"] == "itjobswatch") & (counts["metric"] == "salaries_quoted") & counts["value"].notna()]
    counts = counts[~counts.duplicated(key, keep="last")][key + ["value"]].rename(columns={"value": "_n"})
    merged = rows.merge(counts, on=key, how="left")
    low = merged[merged["_n"].notna() & (merged["_n"] < g.min_salaries_quoted)]
    return {int(p): {"check": "min_salaries_quoted", "salaries_quoted": float(n), "minimum": g.min_salaries_quoted}
            for p, n in zip(low["_pos"], low["_n"])}


def overnight_jump(obs: pd.DataFrame, history: pd.DataFrame, rubric: Rubric) -> dict[int, dict]:
    """A value beyond jump_factor × (or below 1/jump_factor of) its own history."""
    g = rubric.guards
    new = obs[obs["metric"].isin(g.jump_metrics) & obs["value"].notna()]
    if new.empty or history is None or history.empty:
        return {}
    held = history[history["metric"].isin(g.jump_metrics) & history["value"].notna()]
    if held.empty:
        return {}
    held = held.assign(_start=held["period_start"].fillna(pd.Timestamp(0)))
    new = new.assign(_start=new["period_start"].fillna(pd.Timestamp(0)))
    # 1. the value held for exactly the same series, metric and period
    exact = held[~held.duplicated(["series_key", "metric", "_start", "period_end"], keep="last")]
    exact = exact[["series_key", "metric", "_start", "period_end", "value"]].rename(columns={"value": "_ref"})
    merged = new.merge(exact, on=["series_key", "metric", "_start", "period_end"], how="left")
    merged["_ref_end"] = merged["period_end"].where(merged["_ref"].notna())
    # 2. else the nearest earlier period of the same length within jump_max_gap_days
    missing = merged[merged["_ref"].isna()].drop(columns=["_ref", "_ref_end"])
    if not missing.empty:
        left = missing.assign(_len=_length_bucket(missing)).sort_values("period_end")
        right = held.assign(_len=_length_bucket(held), _ref_end=held["period_end"])
        right = right[["series_key", "metric", "_len", "period_end", "_ref_end", "value"]]
        right = right.rename(columns={"value": "_ref"}).sort_values("period_end")
        right = right[~right.duplicated(["series_key", "metric", "_len", "period_end"], keep="last")]
        near = pd.merge_asof(left, right, on="period_end", by=["series_key", "metric", "_len"], direction="backward",
                             tolerance=pd.Timedelta(days=g.jump_max_gap_days))
        merged = pd.concat([merged[merged["_ref"].notna()], near.drop(columns=["_len"])], ignore_index=True)
    m = merged[merged["_ref"].notna()]
    value, ref = m["value"].to_numpy(float), m["_ref"].to_numpy(float)
    big = np.maximum(value, ref) >= g.jump_min_base
    with np.errstate(divide="ignore", invalid="ignore"):
        bad = big & ((value > ref * g.jump_factor) | (value < ref / g.jump_factor))
    out = {}
    for pos, v, r, end in zip(m["_pos"][bad], value[bad], ref[bad], m["_ref_end"][bad]):
        ratio = None if r == 0 else round(float(v / r), 4)
        out[int(pos)] = {"check": "overnight_jump", "value": float(v), "reference": float(r),
                         "reference_period_end": None if pd.isna(end) else pd.Timestamp(end).date().isoformat(),
                         "ratio": ratio, "factor": g.jump_factor}
    return out


def dates_backwards(obs: pd.DataFrame, history: pd.DataFrame, rubric: Rubric) -> dict[int, dict]:
    """Series whose newest period_end tonight is earlier than the newest already held for it."""
    if history is None or history.empty:
        return {}
    exempt = set(rubric.guards.backwards_exempt_sources)
    new = obs[~obs["source"].isin(exempt)]
    if new.empty:
        return {}
    # Per series, across its metrics: a page whose newest figure was quarantined by the schema
    # still carries its header date on its other rows, so only a genuinely older payload trips.
    key = ["series_key"]
    newest_new = new.groupby(key, sort=False)["period_end"].max().rename("_new_max")
    newest_held = history[~history["source"].isin(exempt)].groupby(key, sort=False)["period_end"].max().rename("_held_max")
    both = pd.concat([newest_new, newest_held], axis=1, join="inner")
    back = both[both["_new_max"] < both["_held_max"]]
    if back.empty:
        return {}
    flagged = new.merge(back.reset_index(), on=key, how="inner")
    return {int(p): {"check": "period_end_backwards", "newest_tonight": pd.Timestamp(a).date().isoformat(),
                     "newest_held": pd.Timestamp(b).date().isoformat()}
            for p, a, b in zip(flagged["_pos"], flagged["_new_max"], flagged["_held_max"])}


CHECKS = (salary_band, salaries_quoted, overnight_jump, dates_backwards)


def plausibility(obs_new: pd.DataFrame, obs_history: pd.DataFrame | None, rubric: Rubric,
                 run_id: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split schema-valid observations into (plausible, quarantine) against the held history.

    Both frames must already be validated (`scoring.models.validate_observations`).
    """
    if obs_new is None or obs_new.empty:
        return (empty_observations() if obs_new is None else obs_new), empty_quarantine()
    obs = _with_pos(obs_new)
    history = obs_history if obs_history is not None and len(obs_history) else obs.iloc[0:0]
    findings: dict[int, list[dict]] = {}
    for check in CHECKS:
        found = check(obs, history, rubric) if check is not salary_band else check(obs, rubric)
        for pos, finding in found.items():
            findings.setdefault(pos, []).append(finding)
    if not findings:
        return obs.drop(columns=["_pos"]), empty_quarantine()
    bad = sorted(findings)
    rows = obs.iloc[bad].drop(columns=["_pos"])
    quarantine = quarantine_rows(rows, run_id, "plausibility",
                                 [";".join(f["check"] for f in findings[p]) for p in bad],
                                 [json.loads(json.dumps(findings[p], default=str)) for p in bad])
    good = obs.drop(index=bad).drop(columns=["_pos"]).reset_index(drop=True)
    return good, quarantine
