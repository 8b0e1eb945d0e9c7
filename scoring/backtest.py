"""Replay the rubric over the observation history to see how noisy it would have been.

For every step date the refresh sees only the observations whose period ended by then,
carries last good values exactly as the nightly run does, and scores AIJRI with the given
function (default `scoring.aijri.score_frame`). The report counts, per role, the zone
crossings the rubric would have caused and how many reversed within `reversal_days`
(the noise rate).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable

import pandas as pd

from core.vocabulary import DIMENSIONS
from scoring.metrics import compute_metrics
from scoring.validation import validate_observations
from scoring.refresh import _roles, assemble_evidence, evidence_totals
from scoring.dimensions import score_dimensions
from scoring.rubric import Rubric, load_rubric


@dataclass
class BacktestResult:
    path: pd.DataFrame      # role_id, as_of, <five dimensions>, evidence_total, refreshed, aijri, zone, sublabel
    summary: pd.DataFrame   # role_id, steps, first_zone, last_zone, crossings, reversals, noise_rate, min/max aijri
    crossings: pd.DataFrame  # role_id, as_of, from_zone, to_zone, aijri, reversed_on
    evidence: pd.DataFrame  # every step's evidence rows (EvidenceScores columns)


def _default_aijri() -> Callable[[pd.DataFrame], pd.DataFrame]:
    from scoring.aijri import score_frame

    return score_frame


def _crossings(path: pd.DataFrame, reversal_days: int) -> pd.DataFrame:
    rows = []
    for role_id, g in path.sort_values(["role_id", "as_of"]).groupby("role_id", sort=True):
        zones, dates, scores = list(g["zone"]), list(g["as_of"]), list(g["aijri"])
        for i in range(1, len(zones)):
            if zones[i] == zones[i - 1]:
                continue
            limit = dates[i] + pd.Timedelta(days=reversal_days)
            back = next((dates[j] for j in range(i + 1, len(zones))
                         if dates[j] <= limit and zones[j] == zones[i - 1]), None)
            rows.append({"role_id": role_id, "as_of": dates[i], "from_zone": zones[i - 1], "to_zone": zones[i],
                         "aijri": scores[i], "reversed_on": back})
    return pd.DataFrame(rows, columns=["role_id", "as_of", "from_zone", "to_zone", "aijri", "reversed_on"])


def backtest(observations_history: pd.DataFrame, roles, rubric: Rubric | None, start: date | str, end: date | str,
             step_days: int = 7, *, aijri: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
             previous: pd.DataFrame | None = None, reversal_days: int = 30, run_id: str = "backtest") -> BacktestResult:
    """Replay the rubric from `start` to `end` every `step_days` over `observations_history`.

    `aijri(frame)` takes role_id, task_resistance, evidence_total, barrier_total, growth,
    pct_time_3plus (+ published_sublabel) and returns them with aijri, zone, sublabel.
    """
    rubric = rubric or load_rubric()
    aijri = aijri or _default_aijri()
    roles = _roles(roles)
    good, _ = validate_observations(observations_history, run_id, per_fetch=False)  # invalid history rows never replay
    dates = pd.date_range(pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize(), freq=f"{step_days}D")
    prev = previous
    path_rows, evidence_frames = [], []
    for as_of in dates:
        metrics = compute_metrics(good, roles, as_of, rubric, validated=True, validate_output=False)
        scores = score_dimensions(metrics, rubric, as_of, validate=False)
        evidence = assemble_evidence(scores, roles, prev, as_of, validate=False)
        totals = evidence_totals(evidence, roles).set_index("role_id")
        wide = evidence.pivot(index="role_id", columns="dimension", values="score")
        for role in roles:
            path_rows.append({"role_id": role.id, "as_of": as_of,
                              **{d: wide.at[role.id, d] for d in DIMENSIONS},
                              "evidence_total": totals.at[role.id, "evidence_total"],
                              "refreshed": bool(totals.at[role.id, "refreshed"]),
                              "n_refreshed": int(totals.at[role.id, "n_refreshed"])})
        evidence_frames.append(evidence)
        prev = evidence
    path = pd.DataFrame(path_rows)
    if path.empty:
        empty = pd.DataFrame(columns=["role_id", "as_of"])
        return BacktestResult(empty, empty, _crossings(pd.DataFrame(columns=["role_id", "as_of", "zone", "aijri"]),
                                                       reversal_days), empty)
    by_id = {r.id: r for r in roles}
    inputs = pd.DataFrame({
        "role_id": path["role_id"],
        "task_resistance": [by_id[r].tr for r in path["role_id"]],
        "evidence_total": path["evidence_total"].astype(float),
        "barrier_total": [by_id[r].barrier_sum for r in path["role_id"]],
        "growth": [float(by_id[r].growth.score) for r in path["role_id"]],
        "pct_time_3plus": [by_id[r].pct_time_3plus for r in path["role_id"]],
        "published_sublabel": [by_id[r].published.sublabel if by_id[r].published else None for r in path["role_id"]],
    })
    inputs["pct_time_3plus"] = pd.to_numeric(inputs["pct_time_3plus"], errors="coerce").astype(float)
    scored = aijri(inputs)
    path = path.assign(aijri=scored["aijri"].to_numpy(), zone=scored["zone"].to_numpy(),
                       sublabel=scored["sublabel"].to_numpy())
    crossings = _crossings(path, reversal_days)
    summary = []
    for role in roles:
        g = path[path["role_id"] == role.id]
        c = crossings[crossings["role_id"] == role.id]
        n, r = len(c), int(c["reversed_on"].notna().sum())
        summary.append({"role_id": role.id, "steps": len(g), "first_zone": g["zone"].iloc[0],
                        "last_zone": g["zone"].iloc[-1], "crossings": n, "reversals": r,
                        "noise_rate": (r / n) if n else float("nan"),
                        "min_aijri": float(g["aijri"].min()), "max_aijri": float(g["aijri"].max()),
                        "steps_refreshed": int(g["refreshed"].sum())})
    return BacktestResult(path=path, summary=pd.DataFrame(summary), crossings=crossings,
                          evidence=pd.concat(evidence_frames, ignore_index=True))
