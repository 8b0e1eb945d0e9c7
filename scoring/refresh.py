"""The nightly evidence refresh: observations in, evidence per role × dimension out.

    validate (pandera, lazy) -> plausibility guards -> metrics -> failed requests marked
        -> rubric -> carry / override

A request that failed tonight contributes nothing: the inputs that read it are marked
`request_failed` (`scoring.failed_inputs`) and their dimensions carry whole, never rebuilt from
the inputs left (a sector proxy alone). Rows dated after the night and values off their
series' recent level are held by the guards (`scoring.guards`).

Pure: `as_of` and `run_id` are passed in, nothing reads the clock or the warehouse. The
lead's stages write `RefreshResult.good` to `observations`, `.quarantine` to `quarantine`,
`.metrics` to `metrics` and `.evidence` to `evidence_scores`.

When the data is not enough, a dimension keeps its last good value: the `previous` row
(origin carried, age_days growing), else the catalogue's published baseline. It never
silently becomes 0. A totals-only role (catalogue gives only `evidence_total`) has no
per-dimension value to carry: such a dimension is origin `published` with a null score and
status `not_refreshed`, and the role's published total stands until all five dimensions
are refreshed from data on the same night (`evidence_totals`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import json
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from core.catalogue import ORIGIN_LABELS, Role
from core.vocabulary import DIMENSIONS
from scoring.failed_inputs import Request, failed_inputs, mark_failed
from scoring.guards import plausibility
from scoring.metrics import compute_metrics
from scoring.models import SCORE_MAX, SCORE_MIN, DimensionScores, EvidenceScores, PreviousEvidence
from scoring.validation import (by_source, coerce_observations, empty_observations, empty_quarantine,
                                validate_observations)
from scoring.dimensions import score_dimensions
from scoring.rubric import Rubric, fmt_score, load_rubric

#: what a carried baseline was, in the words of its rationale (the card's own figure, a split
#: of its published total, or jobzone's assessment)
_BASELINE_WORDS = {**{o: f"the catalogue's baseline, {label}" for o, label in ORIGIN_LABELS.items()},
                   "published": "the published card", None: "the published card"}

EVIDENCE_COLUMNS = list(EvidenceScores.to_schema().columns)


@dataclass
class RefreshResult:
    evidence: pd.DataFrame       # EvidenceScores: one row per role × dimension
    metrics: pd.DataFrame        # Metrics: one row per role × metric
    quarantine: pd.DataFrame     # Quarantine: schema, plausibility and history failures
    good: pd.DataFrame = field(default_factory=empty_observations)  # tonight's rows that passed
    scores: pd.DataFrame | None = None  # DimensionScores: what the rubric made of tonight's metrics


def _roles(roles) -> list[Role]:
    if hasattr(roles, "roles") and isinstance(getattr(roles, "roles"), dict):
        roles = roles.roles
    items = list(roles.values()) if isinstance(roles, dict) else list(roles)
    if not all(isinstance(r, Role) for r in items):
        raise TypeError("refresh needs catalogue Role objects (baseline evidence and overrides)")
    return items


def _none(x):
    return None if x is None or x is pd.NA or (not isinstance(x, str) and pd.isna(x)) else x


def empty_evidence() -> pd.DataFrame:
    return EvidenceScores.validate(pd.DataFrame({c: pd.Series(dtype=object) for c in EVIDENCE_COLUMNS}))


def _previous_index(previous: pd.DataFrame | None, as_of: pd.Timestamp,
                    validate: bool = True) -> dict[tuple[str, str], dict]:
    if previous is None or len(previous) == 0:
        return {}
    prev = PreviousEvidence.validate(previous, lazy=True) if validate else previous
    prev = prev[prev["as_of"] <= as_of].sort_values("as_of", kind="stable")
    prev = prev[~prev.duplicated(["role_id", "dimension"], keep="last")]
    return {(r["role_id"], r["dimension"]): r for r in _records(prev)}


def _records(frame: pd.DataFrame) -> list[dict]:
    """`frame.to_dict("records")` (the same Python scalars, NA as pd.NA), from whole columns."""
    cols = list(frame.columns)
    return [dict(zip(cols, row)) for row in zip(*(frame[c].tolist() for c in cols))]


def _carry_value(prev: dict) -> int | None:
    """The last good value a previous row holds (an override's pre-override score, not the override)."""
    if prev.get("origin") == "override":
        base = _none(prev.get("rubric_score"))
    else:
        base = _none(prev.get("score"))
    return None if base is None else int(base)


def _active_overrides(role: Role, day: date) -> dict:
    """dimension -> the override in force on `day` (the last listed of several)."""
    # Same convention as scoring.results: an override is in force up to and including `expires`.
    return {o.target: o for o in role.overrides if day <= o.expires}


def assemble_evidence(scores: pd.DataFrame, roles, previous: pd.DataFrame | None,
                      as_of: date | str | pd.Timestamp, *, validate: bool = True) -> pd.DataFrame:
    """Tonight's rubric scores + last good values + overrides -> the evidence in force."""
    as_of = pd.Timestamp(as_of).normalize()
    prev_index = _previous_index(previous, as_of, validate)
    by_key = {(r["role_id"], r["dimension"]): r for r in _records(scores)} if len(scores) else {}
    rows = []
    day = as_of.date()
    for role in _roles(roles):
        overrides = _active_overrides(role, day) if role.overrides else {}
        for dim in DIMENSIONS:
            s = by_key.get((role.id, dim))
            status = "no_data" if s is None else s["status"]
            if s is not None and s["status"] == "ok":
                row = {"score": int(s["score"]), "origin": "refreshed", "status": "ok",
                       "confidence": float(s["confidence"]), "age_days": 0, "inputs": s["inputs"],
                       "rationale": s["rationale"], "rubric_version": s["rubric_version"]}
            else:
                reason = "no metrics" if s is None else s["rationale"]
                tonight = None if s is None else json.loads(s["inputs"])
                prev = prev_index.get((role.id, dim))
                carried = None if prev is None else _carry_value(prev)
                if carried is not None:
                    prev_date = pd.Timestamp(prev["as_of"]).normalize()
                    prev_age = _none(prev.get("age_days"))
                    age = int(prev_age or 0) + int((as_of - prev_date).days)
                    since = (prev_date - pd.Timedelta(days=int(prev_age or 0))).date().isoformat()
                    row = {"score": carried, "origin": "carried", "status": status,
                           "confidence": _none(prev.get("confidence")), "age_days": age,
                           "inputs": json.dumps({"carried_from": {"as_of": prev_date.date().isoformat(),
                                                                  "origin": prev.get("origin"), "since": since,
                                                                  "rationale": prev.get("rationale")},
                                                 "tonight": tonight}, sort_keys=True, default=str),
                           "rationale": f"carried {fmt_score(carried)} (held since {since}, {age} d) - {reason}",
                           "rubric_version": _none(prev.get("rubric_version"))}
                elif role.evidence:
                    base = role.evidence[dim]
                    age = int((as_of - pd.Timestamp(base.as_of)).days)
                    row = {"score": base.score, "origin": "carried", "status": status, "confidence": None,
                           "age_days": max(age, 0),
                           "inputs": json.dumps({"carried_from": {"catalogue": base.basis,
                                                                  "as_of": base.as_of.isoformat()},
                                                 "tonight": tonight}, sort_keys=True, default=str),
                           "rationale": (f"carried {fmt_score(base.score)} from {_BASELINE_WORDS[base.origin]} "
                                         f"({base.as_of.isoformat()}, {max(age, 0)} d) - {reason}"),
                           "rubric_version": None}
                else:
                    total = role.evidence_total
                    row = {"score": None, "origin": "published", "status": "not_refreshed", "confidence": None,
                           "age_days": None,
                           "inputs": json.dumps({"published_total": total.value, "citation": total.citation,
                                                 "reason": status, "tonight": tonight},
                                                sort_keys=True, default=str),
                           "rationale": (f"not refreshed ({status}); the published evidence total "
                                         f"{total.value:+g} stands - {reason}"),
                           "rubric_version": None}
            row["rubric_score"] = row["score"]
            override = overrides.get(dim)
            if override is not None:
                value = max(SCORE_MIN, min(SCORE_MAX, int(round(override.value))))
                before = row["score"]
                inputs = json.loads(row["inputs"])
                inputs = {"override": {"value": override.value, "who": override.who, "why": override.why,
                                       "expires": override.expires.isoformat()},
                          "before_override": {"origin": row["origin"], "score": before, "inputs": inputs}}
                row.update(score=value, origin="override", inputs=json.dumps(inputs, sort_keys=True, default=str),
                           rationale=(f"assessor override {fmt_score(value)} by {override.who} until "
                                      f"{override.expires.isoformat()}: {override.why} (rubric/pre-override "
                                      f"score {'none' if before is None else fmt_score(before)})"))
            rows.append({"role_id": role.id, "dimension": dim, "as_of": as_of, **row})
    frame = pd.DataFrame(rows, columns=EVIDENCE_COLUMNS)
    for col in ("score", "age_days", "rubric_score"):
        frame[col] = pd.array([_none(x) for x in frame[col]], dtype="Int64")
    frame["confidence"] = pd.to_numeric(frame["confidence"], errors="coerce").astype("float64")
    return EvidenceScores.validate(frame, lazy=True) if validate else frame


def _from_data(row: dict) -> bool:
    """Refreshed from tonight's data (an override on top of a refreshed score still counts)."""
    return row["origin"] == "refreshed" or (row["origin"] == "override" and row["status"] == "ok")


def evidence_totals(evidence: pd.DataFrame, roles) -> pd.DataFrame:
    """Per role: evidence_total, refreshed (bool), n_refreshed, basis (one line).

    The one evidence-totals rule (`scoring.results.evidence_totals` and the backtest call it):
    a per-dimension role sums its five dimensions, its published score filling any dimension
    not held; a totals-only role keeps its published total (`Role.baseline_evidence_total`)
    until all five dimensions are refreshed from data on the same night.
    """
    n_dims = len(DIMENSIONS)
    by_role: dict[str, dict[str, dict]] = {}
    for r in _records(evidence):
        by_role.setdefault(r["role_id"], {})[r["dimension"]] = r
    out = []
    for role in _roles(roles):
        held = by_role.get(role.id, {})
        refreshed = [d for d in DIMENSIONS if d in held and _from_data(held[d])]
        versions = sorted({str(held[d]["rubric_version"]) for d in refreshed if _none(held[d]["rubric_version"])})
        under = f" under {', '.join(versions)}" if versions else ""
        if role.evidence:
            scores = {d: (_none(held[d]["score"]) if d in held else None) for d in DIMENSIONS}
            total = sum(int(scores[d]) if scores[d] is not None else role.evidence[d].score for d in DIMENSIONS)
            # Counter.most_common orders exactly as pandas' value_counts did (count, then first
            # seen; checked over every combination), at a fraction of a Series per role.
            origins = Counter(held[d]["origin"] if d in held else "published" for d in DIMENSIONS).most_common()
            counts = ", ".join(f"{n} {o}" for o, n in origins)
            basis = f"sum of {n_dims} dimensions ({counts}){under}"
            is_refreshed = bool(refreshed)
        elif len(refreshed) == n_dims:
            total = sum(int(held[d]["score"]) for d in DIMENSIONS)
            basis = f"all {n_dims} dimensions refreshed from data{under}"
            is_refreshed = True
        else:
            total = role.baseline_evidence_total
            basis = (f"published total ({role.evidence_total.citation}); {len(refreshed)}/{n_dims} dimensions "
                     f"refreshed tonight, a refreshed total needs all {n_dims}")
            is_refreshed = False
        out.append({"role_id": role.id, "evidence_total": float(total), "refreshed": is_refreshed,
                    "n_refreshed": len(refreshed), "basis": basis})
    return pd.DataFrame(out, columns=["role_id", "evidence_total", "refreshed", "n_refreshed", "basis"])


def _held_observations(history: pd.DataFrame | None, run_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The history as (good rows, quarantine).

    Held rows come from the warehouse's `observations` table, which only ever receives rows
    that passed validation, so they only need their dtypes back; checking them again every
    night cost a pandera pass per source. A frame that does not even coerce (not what the
    warehouse hands over) is validated in full, its bad rows quarantined at stage `history`.
    """
    try:
        return coerce_observations(history), empty_quarantine()
    except ValueError:
        return validate_observations(history, run_id, stage="history", per_fetch=False)


def refresh_evidence(observations: pd.DataFrame, history: pd.DataFrame | None, roles, previous: pd.DataFrame | None,
                     as_of: date | str | pd.Timestamp, run_id: str, rubric: Rubric | None = None, *,
                     requests: Sequence[Request | Mapping] | None = None,
                     held_back: pd.DataFrame | None = None, fetched_on=None,
                     tonight_quarantine: pd.DataFrame | None = None) -> RefreshResult:
    """One night's refresh.

    observations: tonight's parsed rows (any dtypes; validated here).
    history: observations already held (the warehouse), used for metrics and the guards;
    validated when they were stored, so only coerced here (see `_held_observations`).
    roles: the catalogue (or its Roles). previous: the evidence in force before tonight
    (EvidenceScores columns; may be empty). requests: tonight's requests with their outcomes
    (`scoring.failed_inputs.Request`): an input reading a failed one is `request_failed` and its
    dimension carries. held_back: values the jump guard held on earlier nights (a new level
    they confirm is accepted). fetched_on: the day tonight's rows were fetched; nothing may be
    dated (beyond a small tolerance) after it or the night, whichever is later - a night run for
    a past date (the demo, a backfill) reads rows that exist but postdate it. tonight_quarantine:
    given, tonight's rows were validated already (as their bodies arrived:
    `scrapers.gather.collect`) and these were held back; the rows are then only coerced. Returns evidence, metrics,
    quarantine, good rows and the rubric's dimension scores.
    """
    rubric = rubric or load_rubric()
    as_of = pd.Timestamp(as_of).normalize()
    if tonight_quarantine is not None:
        good, quarantine = coerce_observations(observations), by_source(tonight_quarantine)
    else:
        good, quarantine = validate_observations(observations, run_id, stage="schema")
    held, held_q = _held_observations(history, run_id)
    observed_by = max(as_of, pd.Timestamp(fetched_on).normalize()) if fetched_on is not None else as_of
    good, implausible = plausibility(good, held, rubric, run_id, as_of=observed_by, held_back=held_back)
    parts = [q for q in (quarantine, held_q, implausible) if len(q)]
    quarantine = pd.concat(parts, ignore_index=True) if parts else empty_quarantine()
    combined = pd.concat([held, good], ignore_index=True) if len(held) else good
    metrics = compute_metrics(combined, _roles(roles), as_of, rubric, quarantine=quarantine, validated=True)
    # Left out of the history, a failed request reads as "no data" and the rubric would rebuild
    # its dimensions from what is left (proxies): mark what it fed, so they carry instead.
    metrics = mark_failed(metrics, failed_inputs(requests, _roles(roles), rubric))
    # `metrics` was validated as it was built: validate only what the rubric makes of it
    scores = DimensionScores.validate(score_dimensions(metrics, rubric, as_of, validate=False), lazy=True)
    evidence = assemble_evidence(scores, roles, previous, as_of)
    return RefreshResult(evidence=evidence, metrics=metrics, quarantine=quarantine, good=good, scores=scores)
