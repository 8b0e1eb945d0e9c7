"""Role-level pay (IT Jobs Watch): the median salary (day rate for contract pages) of the newest
6 months against a year earlier, nominal and deflated by the role's CPI; sample size the fewer
salaries quoted; lineage the two periods' rows, their salaries-quoted rows and the CPI rows."""

from __future__ import annotations

import pandas as pd

from scoring.metrics import cpi
from scoring.metrics.family import Family, Output
from scoring.metrics.frame import frame, iso, lineage_entries, lineage_json, num, pct, row, rows_of
from scoring.metrics.itjw_pages import NO_KEY, pairs_for, period, role_rows

NOMINAL, REAL, UNIT = "salary_yoy_nominal_itjw", "salary_yoy_real_itjw", "fraction"
_PAY = {"permanent": "median_salary", "contract": "median_daily_rate"}


def compute(obs: pd.DataFrame, roles: pd.DataFrame, as_of: pd.Timestamp, rubric, deflator=None) -> pd.DataFrame:
    deflator = deflator or cpi.Deflator(obs, rubric)
    # the sample rule of whichever of the two the rubric scores (rubric-v2 scores only the real one)
    _, spec = rubric.input(NOMINAL if NOMINAL in rubric.metrics() else REAL)
    tol = rubric.matching.year_tolerance_days
    parts = [pairs_for(obs, roles[roles["kind"] == kind], metric, tol) for kind, metric in _PAY.items()]
    keyed = pd.concat(parts)
    quoted, shared = _quoted(obs, roles, keyed)
    everyone = pd.concat([keyed, roles[roles["slug"].isna()]]).sort_index()
    out = []
    for r in everyone.itertuples():
        if not isinstance(r.slug, str):
            out += [{"role_id": r.role_id, **row(m, UNIT, "no_lookup_key", NO_KEY)} for m in (NOMINAL, REAL)]
            continue
        nominal, window = _nominal(r, spec, quoted, shared)
        tried = cpi.candidates(r.cpi_series, r.geography, r.geography, rubric)
        out += [{"role_id": r.role_id, **nominal},
                {"role_id": r.role_id, **deflator.real(nominal, REAL, tried, r.geography, [window])}]
    return frame(out)


def _quoted(obs: pd.DataFrame, roles: pd.DataFrame, keyed: pd.DataFrame) -> tuple[dict, dict]:
    """Per (role, series_key, period_end): the salaries quoted (the last count given, from the
    role's own rows); per (series_key, period_end): every salaries-quoted row's lineage entry."""
    if keyed.empty:
        return {}, {}
    own = role_rows(obs, roles, "salaries_quoted")
    own = own[own["value"].notna()]
    # keyed by (role, series_key, period_end in ns): plain tuples, built without pandas per row
    counts = dict(zip(zip(own["_role"].tolist(), own["series_key"].tolist(), _ns(own["period_end"])),
                      own["value"].astype(float).tolist()))  # the last count given wins
    every = rows_of(obs, "itjobswatch", "salaries_quoted")
    wanted = set(keyed["now_series_key"].dropna()) | set(keyed["prior_series_key"].dropna())
    every = every[every["series_key"].isin(wanted)]
    shared: dict[tuple, list[str]] = {}
    for key, end, entry in zip(every["series_key"].tolist(), _ns(every["period_end"]), lineage_entries(every)):
        shared.setdefault((key, end), []).append(entry)
    return counts, shared


def _ns(column: pd.Series) -> list[int]:
    return column.to_numpy("datetime64[ns]").astype("int64").tolist()


def _nominal(r, spec, quoted: dict, shared: dict) -> tuple[dict, tuple]:
    what = _PAY[r.kind]
    window = (None, None)
    if not r.has_rows:
        return row(NOMINAL, UNIT, "no_data", f"no IT Jobs Watch {what} for {r.slug!r}"), window
    observed = r.now_period_end
    if pd.isna(r.prior_period_end):
        return row(NOMINAL, UNIT, "insufficient_history", f"no salary period a year before {iso(observed)}",
                   observed_to=observed, lineage=lineage_json([r.now_entry])), window
    now_end, prior_end = r.now_period_end.value, r.prior_period_end.value
    n_now = quoted.get((r.Index, r.now_series_key, now_end))
    n_prior = quoted.get((r.Index, r.prior_series_key, prior_end))
    # every salaries-quoted row of the two periods' series (any slug)
    sq = [e for k in dict.fromkeys([r.now_series_key, r.prior_series_key])
          for end in (now_end, prior_end) for e in shared.get((k, end), [])]
    lineage = lineage_json([r.now_entry, r.prior_entry, *sq])
    a, b = r.now_value, r.prior_value
    known = [n for n in (n_now, n_prior) if n is not None]
    n = min(known) if known else None
    inputs = {"slug": r.slug, "kind": r.kind, "metric": what, "now": num(a), "year_earlier": num(b),
              "salaries_quoted_now": n_now, "salaries_quoted_year_earlier": n_prior,
              "period_now": period(r, "now"), "period_year_earlier": period(r, "prior")}
    window = (r.now_period_start, r.now_period_end)
    common = {"observed_to": observed, "inputs": inputs, "lineage": lineage}
    if pd.isna(a) or pd.isna(b):
        return row(NOMINAL, UNIT, "not_published", f"IT Jobs Watch {what} not published", **common), window
    if n is not None and spec.min_sample is not None and n < spec.min_sample:
        return row(NOMINAL, UNIT, "insufficient_sample",
                   f"median rests on {n:g} salaries, fewer than {spec.min_sample:g}", sample_size=n, **common), window
    value = a / b - 1
    money = "£{:,.0f}/day" if what == "median_daily_rate" else "£{:,.0f}"
    label = "median day rate" if what == "median_daily_rate" else "median salary"
    n_text = f", n={n_now:g}/{n_prior:g}" if n_now is not None and n_prior is not None else ""
    note = f"{r.geography} {label} {money.format(a)} vs {money.format(b)} ({pct(value)}{n_text})"
    return row(NOMINAL, UNIT, "ok", note, value=value, sample_size=n, **common), window


_READS = ("median_salary", "median_daily_rate")
FAMILY = Family(name="pay_itjw", key="itjobswatch", comparison="6-month median pay vs a year earlier, deflated by CPI",
                outputs={NOMINAL: Output(UNIT, "itjobswatch", _READS,
                                         label="IT Jobs Watch median pay for the role (nominal)"),
                         REAL: Output(UNIT, "itjobswatch", _READS, deflated=True,
                                      label="IT Jobs Watch median pay for the role, after inflation")}, compute=compute,
                shared=("deflator",))
