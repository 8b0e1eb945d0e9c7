"""For a metric with no usable value: how many of tonight's quarantined rows it would have read,
counted per lookup key (slug, BLS series, country, role) for every role at once."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.geography import geography_aliases
from scoring.metrics import registry
from scoring.metrics.frame import norm_slug


def _country_rows(q: pd.DataFrame, country: str) -> pd.Series:
    """Rows about a country by their series_key (':GB:' or ending ':GB') or their subject."""
    aliases = geography_aliases(country)
    key = q["series_key"].astype(str).str.upper()
    hit = q["subject"].astype(str).str.upper().isin(aliases)
    for a in aliases:
        hit |= key.str.contains(f":{a}:", regex=False) | key.str.endswith(f":{a}")
    return hit


def counts(quarantine: pd.DataFrame | None, rows: pd.DataFrame, roles: pd.DataFrame) -> np.ndarray:
    """Per metric row in `rows` (role_id, metric): the quarantined rows its metric would have read."""
    out = np.zeros(len(rows), dtype=np.int64)
    if quarantine is None or quarantine.empty or rows.empty:
        return out
    q = quarantine
    by_role = roles.set_index("role_id")
    for metric in pd.unique(rows["metric"]):
        spec, key = registry.output(metric), registry.key_of(metric)
        qm = q[(q["source"] == spec.source)]
        qm = qm[qm["metric"].astype(str).map(lambda m: spec.reads_metric(spec.source, m))]
        at = np.flatnonzero((rows["metric"] == metric).to_numpy())
        if qm.empty:
            continue
        mine = by_role.loc[rows["role_id"].to_numpy()[at]]
        if key == "itjobswatch":
            per = qm["subject"].astype(str).map(norm_slug).value_counts()
            n = [0 if s is None or pd.isna(s) else int(per.get(norm_slug(s), 0)) for s in mine["slug"]]
        elif key == "role":
            per = qm["subject"].astype(str).value_counts()
            n = [int(per.get(r, 0)) for r in mine.index]
        elif key == "bls_series":
            memo: dict = {}
            subject = qm["subject"].astype(str)
            for ids in pd.unique(mine["bls_series"]):
                memo[ids] = int((subject.isin(ids) | qm["series_key"].isin([f"bls:{s}" for s in ids])).sum())
            n = [memo[ids] for ids in mine["bls_series"]]
        elif key == "indeed":
            memo = {c: int(_country_rows(qm, c).sum()) for c in pd.unique(mine["country"].dropna())}
            n = [0 if c is None or pd.isna(c) else memo[c] for c in mine["country"]]
        else:  # a whole feed (layoffs): every quarantined row of it
            n = [len(qm)] * len(at)
        out[at] = n
    return out
