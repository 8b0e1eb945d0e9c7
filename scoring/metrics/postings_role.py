"""Role-level postings (IT Jobs Watch): ads in the newest 6 months against the same 6 months a
year earlier; sample size the smaller count; lineage the two periods' rows."""

from __future__ import annotations

import pandas as pd

from scoring.metrics.family import Family, Output
from scoring.metrics.frame import frame, iso, lineage_json, num, pct, row
from scoring.metrics.itjw_pages import NO_KEY, pairs_for, period

NAME, UNIT = "postings_yoy_role", "fraction"


def compute(obs: pd.DataFrame, roles: pd.DataFrame, as_of: pd.Timestamp, rubric) -> pd.DataFrame:
    _, spec = rubric.input(NAME)
    roles = pairs_for(obs, roles, "postings", rubric.matching.year_tolerance_days)
    return frame([{"role_id": r.role_id, **_one(r, spec)} for r in roles.itertuples()])


def _one(r, spec) -> dict:
    if not isinstance(r.slug, str):
        return row(NAME, UNIT, "no_lookup_key", NO_KEY)
    if not r.has_rows:
        return row(NAME, UNIT, "no_data", f"no IT Jobs Watch postings for {r.slug!r}")
    observed = r.now_period_end
    if pd.isna(r.prior_period_end):
        return row(NAME, UNIT, "insufficient_history", f"no period a year before {iso(observed)}",
                   observed_to=observed, lineage=lineage_json([r.now_entry]))
    lineage = lineage_json([r.now_entry, r.prior_entry])
    a, b = r.now_value, r.prior_value
    inputs = {"slug": r.slug, "kind": r.kind, "now": num(a), "year_earlier": num(b),
              "period_now": period(r, "now"), "period_year_earlier": period(r, "prior")}
    if pd.isna(a) or pd.isna(b):
        return row(NAME, UNIT, "not_published", "IT Jobs Watch count not published", observed_to=observed,
                   inputs=inputs, lineage=lineage)
    n = min(a, b)
    if n <= 0 or (spec.min_sample is not None and n < spec.min_sample):
        return row(NAME, UNIT, "insufficient_sample", f"{a:,.0f} vs {b:,.0f} ads, fewer than {spec.min_sample or 1:g}",
                   sample_size=n, observed_to=observed, inputs=inputs, lineage=lineage)
    value = a / b - 1
    return row(NAME, UNIT, "ok", f"{r.geography} postings {a:,.0f} vs {b:,.0f} ({pct(value)})", value=value,
               sample_size=n, observed_to=observed, inputs=inputs, lineage=lineage)


FAMILY = Family(name="postings_role", key="itjobswatch", comparison="6-month count vs a year earlier",
                outputs={NAME: Output(UNIT, "itjobswatch", ("postings",),
                                      label="IT Jobs Watch ads citing the role, year on year")}, compute=compute)
