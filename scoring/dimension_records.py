"""The per-metric-row pieces a dimension score is written from: band, score, freshness and sample
factor for every metric row at once (`MetricRows`), and each row's JSON record and rationale text,
encoded once per distinct content (roles sharing a lookup key share them).

`scoring.dimensions` combines them per role × dimension; the rules are rubric.toml's.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd

from scoring.rubric import Rubric, band_label, fmt_score

#: what a metric record is made of: rows equal in these encode to the same JSON
#: a lineage entry's source (entries are `json.dumps(entry, sort_keys=True)`: `"source": "<name>"`)
_SOURCE_KEY = re.compile(r'"source": "([^"\\]*)"')
_CONTENT = ("metric", "value", "unit", "status", "note", "sample_size", "observed_to", "inputs", "lineage")


def _py(x):
    """A Python scalar, None for a missing one (json.dumps must see what the per-row engine saw)."""
    if x is None or x is pd.NA or x is pd.NaT:
        return None
    if isinstance(x, float) and x != x:
        return None
    return x


def _dumps(obj) -> str:
    return json.dumps(obj, sort_keys=True, default=str)


class MetricRows:
    """Tonight's metric rows (one per role × metric) with what the rubric makes of each, as arrays."""

    def __init__(self, m: pd.DataFrame, rubric: Rubric, as_of: pd.Timestamp) -> None:
        self.rubric = rubric
        n = self.n = len(m)
        self.metric = m["metric"].to_numpy(dtype=object)
        self.status = m["status"].to_numpy(dtype=object)
        self.ok = self.status == "ok"
        self.note = m["note"].tolist()
        self.value = pd.to_numeric(m["value"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        sample = (pd.to_numeric(m["sample_size"], errors="coerce") if "sample_size" in m
                  else pd.Series(np.nan, index=m.index))
        sample = sample.to_numpy(dtype="float64", na_value=np.nan)
        observed = pd.to_datetime(m["observed_to"]) if "observed_to" in m else pd.Series(pd.NaT, index=m.index)
        age = (as_of - observed).dt.days.to_numpy(dtype="float64", na_value=np.nan)
        self.age = age
        self.raw = np.zeros(n, dtype=np.int64)
        self.score = np.zeros(n, dtype=np.int64)
        fresh = np.ones(n)
        factor = np.ones(n)
        conf = rubric.confidence
        for name in np.unique(self.metric):
            try:
                _, spec = rubric.input(name)
            except KeyError:
                continue
            at = np.flatnonzero((self.metric == name) & self.ok)
            # Python's round (correctly rounded), not numpy's: a value on an edge must land as it did
            v9 = np.array([round(float(x), 9) for x in self.value[at]], dtype="float64")
            raw = sum((v9 >= round(t, 9)).astype(np.int64) for t in spec.thresholds) - 2
            signed = -raw if spec.direction == "lower_is_better" else raw
            self.raw[at] = raw
            self.score[at] = np.clip(signed, *spec.clamp)
            full = conf.fresh_fraction * spec.max_age_days
            span = max(spec.max_age_days - full, 1e-9)
            a = age[at]
            falling = np.maximum(conf.stale_floor, 1.0 - (1.0 - conf.stale_floor) * (a - full) / span)
            fresh[at] = np.where(np.isnan(a) | (a <= full), 1.0, falling)
            if spec.full_sample is not None:
                s = sample[at]
                factor[at] = np.where(np.isnan(s), 1.0, np.minimum(1.0, s / spec.full_sample))
        self.fresh = np.array([round(float(x), 4) for x in fresh])
        self.factor = np.array([round(float(x), 4) for x in factor])
        # content groups: a record's JSON and text are made once per group
        # factorized in their own dtypes (an object copy of the lineage text cost three times as much)
        codes = [pd.factorize(m[c], use_na_sentinel=False)[0] if c in m else np.zeros(n, dtype=np.int64)
                 for c in _CONTENT]
        self.group = (pd.DataFrame(dict(enumerate(codes))).groupby(list(range(len(codes))), sort=False).ngroup()
                      .to_numpy() if n else np.zeros(0, dtype=np.int64))
        # plain per-column lists: a record is built from them (a frame row lookup per record cost
        # more than all the rest of the rubric)
        self._cols = {c: (m[c].tolist() if c in m else [None] * n)
                      for c in ("unit", "sample_size", "observed_to", "inputs", "lineage")}
        self._record: dict[int, dict] = {}
        self._unused: dict[int, str] = {}
        self._used: dict[tuple, str] = {}
        self._inputs: dict[str, object] = {}
        self._sources: dict[str, list[str]] = {}
        self._pieces: dict[tuple, tuple[str, str]] = {}
        self._bands: dict[tuple[str, int], str] = {}

    def band(self, pos: int) -> str:
        key = (self.metric[pos], int(self.raw[pos]))
        if key not in self._bands:
            self._bands[key] = band_label(key[1], self.rubric.input(key[0])[1])
        return self._bands[key]

    # --- records ----------------------------------------------------------------------------
    def record(self, pos: int) -> dict:
        """The metric row as the dimension's inputs JSON lists it (shared: copy before changing)."""
        g = int(self.group[pos])
        if g not in self._record:
            col = self._cols
            observed = _py(col["observed_to"][pos])
            text = col["inputs"][pos]
            if text not in self._inputs:
                self._inputs[text] = json.loads(text)
            status = self.status[pos]
            self._record[g] = {
                "metric": self.metric[pos], "value": _py(float(self.value[pos])), "unit": col["unit"][pos],
                "status": status, "note": self.note[pos], "sample_size": _py(col["sample_size"][pos]),
                "observed_to": None if observed is None else pd.Timestamp(observed).date().isoformat(),
                "inputs": self._inputs[text],
                # Attribution travels with the score: the sources of the observations a usable metric rests on.
                "sources": self._sources_of(col["lineage"][pos]) if status == "ok" else [],
            }
        return self._record[g]

    def _sources_of(self, lineage) -> list[str]:
        text = _py(lineage) or "[]"
        if text not in self._sources:
            # A key, never a value: inside a JSON string a quote is escaped. Parsing the lineage
            # (80 MB of it at 1,000 roles, the layoffs entries ~70 KB an industry set) for
            # one field cost more than the rest of a record.
            self._sources[text] = sorted(set(_SOURCE_KEY.findall(text)) - {""})
        return list(self._sources[text])

    def unused_json(self, pos: int) -> str:
        g = int(self.group[pos])
        if g not in self._unused:
            self._unused[g] = _dumps(self.record(pos))
        return self._unused[g]

    def used_json(self, pos: int, weight: float, primary: str | None, primary_note: str | None) -> str:
        key = (int(self.group[pos]), weight, primary, primary_note)
        if key not in self._used:
            _, spec = self.rubric.input(self.metric[pos])
            age = self.age[pos]
            rec = dict(self.record(pos))
            rec.update({
                "score": int(self.score[pos]), "band": self.band(pos),
                "band_score": int(self.raw[pos]), "weight": weight, "direction": spec.direction,
                "clamp": list(spec.clamp), "age_days": None if age != age else int(age),
                "freshness": float(self.fresh[pos]), "sample_factor": float(self.factor[pos]),
                "fallback_for": primary,
            })
            if primary is not None:
                rec["primary_note"] = primary_note
            self._used[key] = _dumps(rec)
        return self._used[key]

    # --- text -------------------------------------------------------------------------------
    def piece(self, pos: int, fallback_for: str | None, primary_note: str | None) -> tuple[str, str]:
        """(the value's text → its score, the band it fell in and what moved it)."""
        key = (int(self.group[pos]), fallback_for, primary_note)
        if key not in self._pieces:
            self._pieces[key] = self._piece(pos, fallback_for, primary_note)
        return self._pieces[key]

    def _piece(self, pos: int, fallback_for: str | None, primary_note: str | None) -> tuple[str, str]:
        _, spec = self.rubric.input(self.metric[pos])
        score, raw = int(self.score[pos]), int(self.raw[pos])
        extra = ""
        if spec.direction == "lower_is_better":
            extra += ", inverted"
        if raw != (score if spec.direction == "higher_is_better" else -score):
            extra += f", clamped to {fmt_score(score)}"
        if fallback_for:
            extra += f"; fallback for {fallback_for}: {primary_note}"
        return f"{self.note[pos]} → {fmt_score(score)}", f"band {self.band(pos)}{extra}"


def missing_json(metric: str) -> str:
    return _dumps(missing(metric))


def missing(metric: str) -> dict:
    return {"metric": metric, "status": "no_data", "note": "no metric row"}


def join_json(**parts: str) -> str:
    """An object from already-encoded values, keys sorted (exactly what json.dumps(sort_keys) writes)."""
    return "{" + ", ".join(f"{json.dumps(k)}: {parts[k]}" for k in sorted(parts)) + "}"
