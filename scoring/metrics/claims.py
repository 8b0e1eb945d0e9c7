"""Expert consensus: the role's dated expert claims (direction -1/0/+1), each weighted by
0.5 ** (age / half-life), as a net direction shrunk towards 0 by a neutral prior weight;
sample size the claims; lineage every claim."""

from __future__ import annotations

import pandas as pd

from scoring.metrics.family import Family, Output
from scoring.metrics.frame import exact_sum, frame, iso, lineage_entries, lineage_json, row, rows_of

NAME, UNIT = "expert_net_direction", "direction"


def compute(obs: pd.DataFrame, roles: pd.DataFrame, as_of: pd.Timestamp, rubric) -> pd.DataFrame:
    cfg = rubric.claims
    _, spec = rubric.input(NAME)
    rows = rows_of(obs, "claims", "expert_claim")
    rows = rows[rows["value"].notna() & rows["subject"].isin(roles["role_id"])]
    rows = rows[~rows.duplicated(["subject", "series_key", "period_end", "detail"], keep="last")]
    rows = rows.assign(_age=(as_of - rows["period_end"]).dt.days.astype(float), _entry=lineage_entries(rows))
    rows["_weight"] = 0.5 ** (rows["_age"] / cfg.half_life_days)
    groups = dict(tuple(rows.groupby("subject", sort=False)))
    out = []
    for role_id in roles["role_id"]:
        g = groups.get(role_id)
        if g is None:
            out.append({"role_id": role_id, **row(NAME, UNIT, "no_data", f"no dated expert claims for {role_id}")})
            continue
        weights, directions = g["_weight"].to_numpy(), g["value"].to_numpy(dtype=float)
        value = exact_sum(weights * directions) / (exact_sum(weights) + cfg.neutral_prior_weight)
        claims = [{"date": iso(d), "direction": float(v), "weight": round(float(w), 4),
                   "detail": None if pd.isna(x) else x}
                  for d, v, w, x in zip(g["period_end"], directions, weights, g["detail"])]
        inputs = {"half_life_days": cfg.half_life_days, "neutral_prior_weight": cfg.neutral_prior_weight,
                  "claims": claims}
        newest = g["period_end"].max()
        status = "ok" if spec.min_sample is None or len(g) >= spec.min_sample else "insufficient_sample"
        counts = {d: int((directions == d).sum()) for d in (1.0, 0.0, -1.0)}
        note = (f"{len(g)} expert claim(s) (+{counts[1.0]}/={counts[0.0]}/-{counts[-1.0]}, newest {iso(newest)}): "
                f"net {value:+.2f} (half-life {cfg.half_life_days:g} d)")
        out.append({"role_id": role_id, **row(NAME, UNIT, status, note, value=value, sample_size=len(g),
                                              observed_to=newest, inputs=inputs,
                                              lineage=lineage_json(g["_entry"]))})
    return frame(out)


FAMILY = Family(name="claims", key="role", comparison="recency-weighted net direction",
                outputs={NAME: Output(UNIT, "claims", ("expert_claim",),
                                      label="expert claims about the role, net direction")}, compute=compute)
