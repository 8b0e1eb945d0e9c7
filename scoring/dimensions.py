"""Metrics -> dimension scores: the rubric (`scoring.rubric`) applied to a night's metrics frame.

`score_dimensions` is a pure function: the metrics frame and an as-of date in, one row per
role × dimension out (score, confidence, inputs JSON, rationale, rubric_version, status). How
bands, weights and confidence work is documented at the top of rubric.toml; this module
implements exactly that.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from core.vocabulary import DIMENSIONS
from scoring.dimension_records import MetricRows, join_json, missing, missing_json
from scoring.models import DimensionScores, Metrics
from scoring.rubric import DimensionSpec, Rubric, fmt_score

# --- metrics -> dimension scores ----------------------------------------------------------------
STATUS_PRIORITY = ("request_failed", "quarantined", "stale", "insufficient_history", "insufficient_sample", "no_cpi",
                   "not_published", "no_data", "no_lookup_key")
COLUMNS = ["role_id", "dimension", "score", "confidence", "inputs", "rationale", "rubric_version", "status"]


class _Slot:
    """One primary input of a dimension, over every role: where its (and its fallback's) row is,
    which is usable, which request failed."""

    def __init__(self, rows: MetricRows, pos: dict[str, np.ndarray], spec: DimensionSpec, primary: str,
                 n_roles: int) -> None:
        none = np.full(n_roles, -1)
        self.primary, self.fallback = primary, spec.fallback(primary)
        self.weight = spec.inputs[primary].weight
        self.p = pos.get(primary, none)
        self.f = pos.get(self.fallback, none) if self.fallback else none
        status = np.append(rows.status, None)  # index -1 = no row
        ok = np.append(rows.ok, False)
        self.p_ok = ok[self.p]
        self.f_ok = ok[self.f] & ~self.p_ok
        self.used = self.p_ok | self.f_ok
        self.chosen = np.where(self.p_ok, self.p, np.where(self.f_ok, self.f, -1))
        self.p_failed = status[self.p] == "request_failed"
        self.f_failed = (status[self.f] == "request_failed") & ~self.p_ok


def _failed_row(rows: MetricRows, slots: list[_Slot], r: int, rubric: Rubric) -> tuple:
    # Not rebuilt from what is left: without its failed input a dimension falls back on proxies
    # (a sector index alone moved a role across the Green line), so it carries, whole.
    failed = [x for s in slots for x in ((s.p[r], s.primary), (s.f[r], s.fallback))
              if (x[1] == s.primary and s.p_failed[r]) or (x[1] == s.fallback and s.f_failed[r])]
    names = [m for _, m in failed]
    inputs = join_json(rubric_version=f'"{rubric.version}"', used="[]", request_failed=_list(f'"{m}"' for m in names),
                       unused=_list(rows.unused_json(p) for p, _ in failed))
    reasons = "; ".join(f"{m}: {rows.note[p]}" for p, m in failed)
    return (None, None, inputs, f"not recomputed under {rubric.version}: a request it reads failed tonight ({reasons})",
            "request_failed:" + ",".join(names))


def _list(items) -> str:
    return "[" + ", ".join(items) + "]"


def _unused(rows: MetricRows, slots: list[_Slot], r: int) -> list[tuple]:
    """(json, metric, status, note) of the inputs not used, in rubric order."""
    out = []
    for s in slots:
        if s.p_ok[r]:
            continue
        for p, m in ((s.p[r], s.primary), (s.f[r], s.fallback)):
            if m is None or (m == s.fallback and s.f_ok[r]):
                continue
            if p < 0:
                d = missing(m)
                out.append((missing_json(m), m, d["status"], d["note"]))
            else:
                out.append((rows.unused_json(p), m, rows.status[p], rows.note[p]))
    return out


def _primary_note(rows: MetricRows, s: _Slot, r: int) -> str:
    return rows.note[s.p[r]] if s.p[r] >= 0 else "no metric row"


def _dimension(rows: MetricRows, pos: dict[str, np.ndarray], dim: str, rubric: Rubric, n_roles: int) -> list[tuple]:
    """(score, confidence, inputs, rationale, status) for every role, one dimension."""
    spec = rubric.dimensions[dim]
    slots = [_Slot(rows, pos, spec, p, n_roles) for p in spec.primaries()]
    total = sum(spec.inputs[m].weight for m in spec.primaries())
    discount = rubric.confidence.fallback_discount
    # Sums in rubric order, unused inputs adding an exact 0.0: the floats the per-role sums gave.
    used_w = np.zeros(n_roles)
    num = np.zeros(n_roles)
    cov = np.zeros(n_roles)
    qual = np.zeros(n_roles)
    n_used = np.zeros(n_roles, dtype=np.int64)
    score_of = np.append(rows.score.astype("float64"), 0.0)
    fresh = np.append(rows.fresh, 0.0)
    factor = np.append(rows.factor, 0.0)
    for s in slots:
        w = np.where(s.used, s.weight, 0.0)
        used_w = used_w + w
        num = num + np.where(s.used, s.weight * score_of[s.chosen], 0.0)
        cov = cov + np.where(s.used, s.weight * np.where(s.f_ok, discount, 1.0), 0.0)
        qual = qual + np.where(s.used, s.weight * fresh[s.chosen] * factor[s.chosen], 0.0)
        n_used += s.used
    failed = np.logical_or.reduce([s.p_failed | s.f_failed for s in slots])
    with np.errstate(divide="ignore", invalid="ignore"):
        combined = num / used_w
        quality = qual / used_w
        short = (n_used == 0) | (used_w / total < spec.min_coverage - 1e-12)
    coverage = cov / total
    rounded = np.copysign(np.floor(np.abs(combined) + 0.5 + 1e-12), combined)
    score = np.clip(np.nan_to_num(rounded), -2, 2).astype(np.int64)
    conf = np.clip(coverage * np.nan_to_num(quality), 0.0, 1.0)
    version = rubric.version
    out = []
    for r in range(n_roles):
        if failed[r]:
            out.append(_failed_row(rows, slots, r, rubric))
            continue
        used = [(s, s.chosen[r]) for s in slots if s.used[r]]
        unused = _unused(rows, slots, r)
        used_json = [rows.used_json(p, s.weight, s.primary if s.f_ok[r] else None,
                                    _primary_note(rows, s, r) if s.f_ok[r] else None) for s, p in used]
        if short[r]:
            statuses = [u[2] for u in unused]
            if used:
                status = "insufficient_coverage"
            else:
                status = next((x for x in STATUS_PRIORITY if x in statuses), statuses[0] if statuses else "no_data")
            reasons = "; ".join(f"{m} {st}" + (f" ({note})" if note else "") for _, m, st, note in unused)
            if used:
                reasons = (f"only {', '.join(rows.metric[p] for _, p in used)} usable (weight {float(used_w[r]):g} "
                           f"of {total:g} < min_coverage {spec.min_coverage:g}); " + reasons)
            inputs = join_json(rubric_version=f'"{version}"', used=_list(used_json),
                               unused=_list(u[0] for u in unused))
            out.append((None, None, inputs, f"no usable signal under {version}: {reasons}", status))
            continue
        c = float(combined[r])
        pieces = [rows.piece(p, s.primary if s.f_ok[r] else None,
                             _primary_note(rows, s, r) if s.f_ok[r] else None) for s, p in used]
        if len(used) == 1:
            rationale = f"{pieces[0][0]} under {version} {pieces[0][1]}"
        else:
            weights = "/".join(f"{s.weight:g}" for s, _ in used)
            rationale = (f"{'; '.join(' '.join(x) for x in pieces)}; weighted {weights} = {c:+.2f} → "
                         f"{fmt_score(int(score[r]))} under {version}")
        inputs = join_json(rubric_version=f'"{version}"', combined=repr(round(c, 6)),
                           coverage=repr(round(float(coverage[r]), 4)), quality=repr(round(float(quality[r]), 4)),
                           used=_list(used_json), unused=_list(u[0] for u in unused))
        out.append((int(score[r]), round(float(conf[r]), 3), inputs, rationale, "ok"))
    return out


def score_dimensions(metrics: pd.DataFrame, rubric: Rubric, as_of: date | str | pd.Timestamp, *,
                     validate: bool = True) -> pd.DataFrame:
    """One row per role × dimension from the metrics computed for `as_of`.

    Columns: role_id, dimension, score (Int64, null = no usable signal), confidence,
    inputs (JSON), rationale, rubric_version, status (ok or the reason there is no score).
    """
    as_of = pd.Timestamp(as_of).normalize()
    if validate:
        metrics = Metrics.validate(metrics, lazy=True)
    m = metrics[(metrics["as_of"] == as_of) & metrics["role_id"].notna()]
    m = m[~m.duplicated(["role_id", "metric"], keep="last")].reset_index(drop=True)
    roles = sorted(m["role_id"].unique())
    n_roles = len(roles)
    rows = MetricRows(m, rubric, as_of)
    role_at = pd.Index(roles).get_indexer(m["role_id"])
    pos: dict[str, np.ndarray] = {}
    for name in rubric.metrics():
        at = np.flatnonzero(rows.metric == name)
        pos[name] = np.full(n_roles, -1)
        pos[name][role_at[at]] = at
    per_dim = [_dimension(rows, pos, dim, rubric, n_roles) for dim in DIMENSIONS]
    frame = pd.DataFrame({
        "role_id": np.repeat(np.array([str(r) for r in roles], dtype=object), len(DIMENSIONS)),
        "dimension": np.tile(np.array(DIMENSIONS, dtype=object), n_roles),
    })
    cells = [per_dim[d][r] for r in range(n_roles) for d in range(len(DIMENSIONS))]
    for i, col in enumerate(("score", "confidence", "inputs", "rationale", "status")):
        frame[col] = [c[i] for c in cells]
    frame["rubric_version"] = rubric.version
    frame = frame[COLUMNS]
    frame["score"] = frame["score"].astype("Int64")
    frame["confidence"] = frame["confidence"].astype("float64")
    return DimensionScores.validate(frame, lazy=True) if validate else frame
