"""Every registered metric for every role on one night, as one validated `Metrics` frame.

Each family computes all roles at once over the observations known on `as_of`; then, over the
whole frame: the rubric's staleness limits (an ok value whose newest observation is older than
`max_age_days` is `stale`) and tonight's quarantine (a metric with no usable value whose rows
were kept out tonight is `quarantined`)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from scoring.metrics import quarantined, registry
from scoring.metrics.cpi import Deflator
from scoring.metrics.frame import ROW_COLUMNS, role_keys
from scoring.metrics.indeed_levels import Levels
from scoring.models import Metrics
from scoring.observations import Observations
from scoring.rubric import Rubric

#: the `Metrics` columns in order
METRICS_COLUMNS = list(Metrics.to_schema().columns)
WAREHOUSE_METRIC_COLUMNS = ["role_id", "metric", "as_of", "value", "unit", "status", "inputs", "lineage",
                            "rubric_version"]
#: statuses a quarantined input turns into `quarantined` (a value it would have had was kept out)
_QUARANTINABLE = ["no_data", "insufficient_history", "not_published", "stale", "insufficient_sample"]


def known_on(observations: pd.DataFrame, as_of) -> pd.DataFrame:
    """The observations whose period ended on or before `as_of`."""
    return observations[observations["period_end"] <= pd.Timestamp(as_of).normalize()]


def compute_metrics(observations: pd.DataFrame, roles, as_of: date | str | pd.Timestamp, rubric: Rubric,
                    quarantine: pd.DataFrame | None = None, *, validated: bool = False,
                    validate_output: bool = True) -> pd.DataFrame:
    """Every rubric metric for every role on `as_of`.

    `observations`: good (validated) rows, history first and tonight's batch last (the last of
    duplicate rows wins). `roles`: a Catalogue, Roles or lookup dicts (`frame.role_keys`).
    `quarantine`, when given, turns "no data" into "quarantined" for metrics whose rows were kept
    out tonight."""
    as_of = pd.Timestamp(as_of).normalize()
    obs = observations if validated else Observations.validate(observations, lazy=True)
    obs = known_on(obs, as_of)
    obs = obs.assign(_pos=np.arange(len(obs)))
    roles = role_keys(roles).reset_index(drop=True)
    shared = {"deflator": Deflator(obs, rubric), "levels": Levels(obs, rubric)}
    wanted = set(rubric.metrics())
    frames = []
    for rank, family in enumerate(registry.FAMILIES):
        if not wanted & set(family.outputs):
            continue
        rows = family.compute(obs, roles, as_of, rubric, **{k: shared[k] for k in family.shared})
        frames.append(rows.assign(_family=rank))
    frame = pd.concat([f for f in frames if len(f)], ignore_index=True) if frames else pd.DataFrame(columns=ROW_COLUMNS)
    frame = frame[frame["metric"].isin(wanted)]
    position = pd.Series(np.arange(len(roles)), index=roles["role_id"])
    frame = frame.assign(_role=frame["role_id"].map(position)).sort_values(["_role", "_family"], kind="stable")
    frame = frame.reset_index(drop=True)[ROW_COLUMNS]
    frame = _stale(frame, as_of, rubric)
    frame = _quarantined(frame, quarantine, roles)
    frame["as_of"] = as_of
    frame["rubric_version"] = rubric.version
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype("float64")
    frame["sample_size"] = pd.to_numeric(frame["sample_size"], errors="coerce").astype("float64")
    frame["observed_to"] = pd.to_datetime(frame["observed_to"])
    frame = frame[METRICS_COLUMNS]
    return Metrics.validate(frame, lazy=True) if validate_output else frame


def _stale(frame: pd.DataFrame, as_of: pd.Timestamp, rubric: Rubric) -> pd.DataFrame:
    observed = pd.to_datetime(frame["observed_to"])
    age = (as_of - observed).dt.days
    limit = frame["metric"].map({m: rubric.input(m)[1].max_age_days for m in pd.unique(frame["metric"])})
    stale = (frame["status"] == "ok") & observed.notna() & (age > limit)
    if stale.any():
        frame.loc[stale, "note"] = [f"{n}; newest {o.date().isoformat()} is {int(a)} d old > {int(m)} d" for n, o, a, m in
                                    zip(frame.loc[stale, "note"], observed[stale], age[stale], limit[stale])]
        frame.loc[stale, "status"] = "stale"
    return frame


def _quarantined(frame: pd.DataFrame, quarantine: pd.DataFrame | None, roles: pd.DataFrame) -> pd.DataFrame:
    maybe = frame["status"].isin(_QUARANTINABLE)
    if quarantine is None or quarantine.empty or not maybe.any():
        return frame
    n = quarantined.counts(quarantine, frame[maybe], roles)
    hit = np.flatnonzero(maybe.to_numpy())[n > 0]
    if len(hit):
        was = frame["status"].iloc[hit].tolist()
        notes = frame["note"].iloc[hit].tolist()
        frame.loc[frame.index[hit], "note"] = [f"{t}; {k} observation(s) quarantined tonight (was {w})"
                                               for t, k, w in zip(notes, n[n > 0], was)]
        frame.loc[frame.index[hit], "status"] = "quarantined"
    return frame
