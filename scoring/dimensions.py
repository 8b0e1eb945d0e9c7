"""Metrics -> dimension scores: the rubric (`scoring.rubric`) applied to a night's metrics frame.

`score_dimensions` is a pure function: the metrics frame and an as-of date in, one row per
role × dimension out (score, confidence, inputs JSON, rationale, rubric_version, status). How
bands, weights and confidence work is documented at the top of rubric.toml; this module
implements exactly that.
"""

from __future__ import annotations

import json
import math
from datetime import date

import pandas as pd

from core.vocabulary import DIMENSIONS
from scoring.models import DimensionScores, Metrics
from scoring.rubric import InputSpec, ConfidenceSpec, DimensionSpec, Rubric, input_score, band_label, fmt_score, round_half_away

# --- metrics -> dimension scores ----------------------------------------------------------------
STATUS_PRIORITY = ("request_failed", "quarantined", "stale", "insufficient_history", "insufficient_sample", "no_cpi",
                   "not_published", "no_data", "no_lookup_key")


def _freshness(age_days: int | None, spec: InputSpec, conf: ConfidenceSpec) -> float:
    if age_days is None:
        return 1.0
    full = conf.fresh_fraction * spec.max_age_days
    if age_days <= full:
        return 1.0
    span = max(spec.max_age_days - full, 1e-9)
    return max(conf.stale_floor, 1.0 - (1.0 - conf.stale_floor) * (age_days - full) / span)


def _sample_factor(sample_size: float | None, spec: InputSpec) -> float:
    if sample_size is None or spec.full_sample is None:
        return 1.0
    return min(1.0, float(sample_size) / spec.full_sample)


def _nan_to_none(x):
    if x is None or x is pd.NA or x is pd.NaT:
        return None
    if isinstance(x, float) and math.isnan(x):
        return None
    return x


class _Parsed:
    """json.loads per distinct string, for one scoring pass.

    Roles sharing a lookup key share their metrics' inputs and lineage strings (a layoffs
    lineage is ~70 KB); each is parsed once. The parsed objects are shared: never mutate them.
    """

    def __init__(self) -> None:
        self._inputs: dict[str, object] = {}
        self._sources: dict[str, list[str]] = {}

    def inputs(self, text: str):
        if text not in self._inputs:
            self._inputs[text] = json.loads(text)
        return self._inputs[text]

    def sources(self, lineage: str | None) -> list[str]:
        """The sources a lineage names, sorted (a new list each call)."""
        text = lineage or "[]"
        if text not in self._sources:
            self._sources[text] = sorted({o["source"] for o in json.loads(text) if o.get("source")})
        return list(self._sources[text])


def _is_null(x) -> bool:
    return _nan_to_none(x) is None


def _metric_record(row: pd.Series | dict | None, parsed: _Parsed | None = None) -> dict | None:
    if row is None:
        return None
    parsed = parsed or _Parsed()
    observed = _nan_to_none(row["observed_to"])
    return {
        "metric": row["metric"], "value": _nan_to_none(row["value"]), "unit": row["unit"], "status": row["status"],
        "note": row["note"], "sample_size": _nan_to_none(row["sample_size"]),
        "observed_to": None if observed is None else pd.Timestamp(observed).date().isoformat(),
        "inputs": parsed.inputs(row["inputs"]),
        # Attribution travels with the score: the sources of the observations a usable metric rests on.
        "sources": parsed.sources(row.get("lineage")) if row["status"] == "ok" else [],
    }


def _missing(metric: str) -> dict:
    return {"metric": metric, "status": "no_data", "note": "no metric row"}


def _failed_tonight(spec: DimensionSpec, rows: dict[str, pd.Series | dict]) -> list[str]:
    """The inputs the dimension would have used tonight whose request failed, in rubric order: a
    failed primary always; a failed fallback only when its primary is not usable."""
    def failed(metric: str | None) -> bool:
        return metric is not None and rows.get(metric) is not None and rows[metric]["status"] == "request_failed"

    return [m for p in spec.primaries() for m in (p, spec.fallback(p))
            if failed(m) and (m == p or rows.get(p) is None or rows[p]["status"] != "ok")]


def _carried_for_failure(role_id: str, dim: str, failed: list[str], rows: dict[str, pd.Series | dict],
                         rubric: Rubric, parsed: _Parsed) -> dict:
    # Not rebuilt from what is left: without its failed input a dimension falls back on proxies
    # (a sector index alone moved a role across the Green line), so it carries, whole.
    records = [_metric_record(rows[m], parsed) for m in failed]
    inputs = {"rubric_version": rubric.version, "used": [], "unused": records, "request_failed": failed}
    reasons = "; ".join(f"{r['metric']}: {r['note']}" for r in records)
    return {"role_id": role_id, "dimension": dim, "rubric_version": rubric.version, "score": None,
            "confidence": None, "status": "request_failed:" + ",".join(failed),
            "inputs": json.dumps(inputs, sort_keys=True, default=str),
            "rationale": f"not recomputed under {rubric.version}: a request it reads failed tonight ({reasons})"}


def _score_one(role_id: str, dim: str, spec: DimensionSpec, rows: dict[str, pd.Series | dict],
               rubric: Rubric, as_of: pd.Timestamp, parsed: _Parsed | None = None) -> dict:
    parsed = parsed or _Parsed()
    failed = _failed_tonight(spec, rows)
    if failed:
        return _carried_for_failure(role_id, dim, failed, rows, rubric, parsed)
    used, unused = [], []
    total_weight = sum(spec.inputs[m].weight for m in spec.primaries())
    for primary in spec.primaries():
        chosen, fallback_used = primary, False
        row = rows.get(primary)
        if row is None or row["status"] != "ok":
            unused.append(_metric_record(row, parsed) or _missing(primary))
            fb = spec.fallback(primary)
            fb_row = rows.get(fb) if fb else None
            if fb_row is None or fb_row["status"] != "ok":
                if fb:
                    unused.append(_metric_record(fb_row, parsed) or _missing(fb))
                continue
            chosen, row, fallback_used = fb, fb_row, True
        ispec = spec.inputs[chosen]
        weight = spec.inputs[primary].weight
        value = float(row["value"])
        score, raw = input_score(value, ispec)
        observed = _nan_to_none(row["observed_to"])
        age = None if observed is None else int((as_of - pd.Timestamp(observed)).days)
        fresh = _freshness(age, ispec, rubric.confidence)
        sample = _sample_factor(_nan_to_none(row["sample_size"]), ispec)
        rec = _metric_record(row, parsed)
        rec.update({
            "score": score, "band": band_label(raw, ispec), "band_score": raw, "weight": weight,
            "direction": ispec.direction, "clamp": list(ispec.clamp), "age_days": age,
            "freshness": round(fresh, 4), "sample_factor": round(sample, 4),
            "fallback_for": primary if fallback_used else None,
        })
        if fallback_used:
            rec["primary_note"] = rows[primary]["note"] if rows.get(primary) is not None else "no metric row"
        used.append(rec)

    base = {"role_id": role_id, "dimension": dim, "rubric_version": rubric.version}
    used_weight = sum(u["weight"] for u in used)
    if not used or used_weight / total_weight < spec.min_coverage - 1e-12:
        statuses = [u["status"] for u in unused]
        if used:
            status = "insufficient_coverage"
        else:
            status = next((s for s in STATUS_PRIORITY if s in statuses), statuses[0] if statuses else "no_data")
        reasons = "; ".join(f"{u['metric']} {u['status']}" + (f" ({u['note']})" if u.get("note") else "")
                            for u in unused)
        if used:
            reasons = (f"only {', '.join(u['metric'] for u in used)} usable (weight {used_weight:g} of "
                       f"{total_weight:g} < min_coverage {spec.min_coverage:g}); " + reasons)
        inputs = {"rubric_version": rubric.version, "used": used, "unused": unused}
        return {**base, "score": None, "confidence": None, "status": status,
                "inputs": json.dumps(inputs, sort_keys=True, default=str),
                "rationale": f"no usable signal under {rubric.version}: {reasons}"}

    combined = sum(u["weight"] * u["score"] for u in used) / used_weight
    score = max(-2, min(2, round_half_away(combined)))
    coverage = sum(u["weight"] * (rubric.confidence.fallback_discount if u["fallback_for"] else 1.0)
                   for u in used) / total_weight
    quality = sum(u["weight"] * u["freshness"] * u["sample_factor"] for u in used) / used_weight
    confidence = round(max(0.0, min(1.0, coverage * quality)), 3)

    def piece(u: dict) -> tuple[str, str]:
        extra = ""
        if u["direction"] == "lower_is_better":
            extra += ", inverted"
        if u["band_score"] != (u["score"] if u["direction"] == "higher_is_better" else -u["score"]):
            extra += f", clamped to {fmt_score(u['score'])}"
        if u["fallback_for"]:
            extra += f"; fallback for {u['fallback_for']}: {u['primary_note']}"
        return f"{u['note']} → {fmt_score(u['score'])}", f"band {u['band']}{extra}"

    if len(used) == 1:
        text, band = piece(used[0])
        rationale = f"{text} under {rubric.version} {band}"
    else:
        parts = [" ".join(piece(u)) for u in used]
        weights = "/".join(f"{u['weight']:g}" for u in used)
        rationale = (f"{'; '.join(parts)}; weighted {weights} = {combined:+.2f} → {fmt_score(score)} "
                     f"under {rubric.version}")
    inputs = {"rubric_version": rubric.version, "combined": round(combined, 6), "coverage": round(coverage, 4),
              "quality": round(quality, 4), "used": used, "unused": unused}
    return {**base, "score": score, "confidence": confidence, "status": "ok",
            "inputs": json.dumps(inputs, sort_keys=True, default=str), "rationale": rationale}


_SCORED_COLUMNS = ("role_id", "metric", "value", "unit", "status", "note", "sample_size", "observed_to", "inputs",
                   "lineage")


def score_dimensions(metrics: pd.DataFrame, rubric: Rubric, as_of: date | str | pd.Timestamp, *,
                     validate: bool = True) -> pd.DataFrame:
    """One row per role × dimension from the metrics computed for `as_of`.

    Columns: role_id, dimension, score (Int64, null = no usable signal), confidence,
    inputs (JSON), rationale, rubric_version, status (ok or the reason there is no score).
    """
    as_of = pd.Timestamp(as_of).normalize()
    if validate:
        metrics = Metrics.validate(metrics, lazy=True)
    metrics = metrics[metrics["as_of"] == as_of]
    # Plain dicts per role (as a groupby over role_id, sorted, without null keys): iterrows
    # over every metric row cost more than the scoring itself.
    by_role: dict[object, dict[str, dict]] = {}
    # only the columns _score_one reads; tolist boxes as to_dict("records") does, faster
    names = [c for c in _SCORED_COLUMNS if c in metrics.columns]
    columns = [metrics[c].tolist() for c in names]
    for r in (dict(zip(names, values)) for values in zip(*columns)):
        if not _is_null(r["role_id"]):
            by_role.setdefault(r["role_id"], {})[r["metric"]] = r
    parsed = _Parsed()
    out = []
    for role_id in sorted(by_role):
        rows = by_role[role_id]
        for dim in DIMENSIONS:
            out.append(_score_one(str(role_id), dim, rubric.dimensions[dim], rows, rubric, as_of, parsed))
    frame = pd.DataFrame(out, columns=["role_id", "dimension", "score", "confidence", "inputs", "rationale",
                                       "rubric_version", "status"])
    frame["score"] = frame["score"].astype("Int64")
    frame["confidence"] = frame["confidence"].astype("float64")
    return DimensionScores.validate(frame, lazy=True) if validate else frame
