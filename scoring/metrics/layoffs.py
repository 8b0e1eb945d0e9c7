"""Company actions (layoffs.fyi): events in the role's industries, each weighted by
exp(-age / time constant), summed over the trailing window and compared with the same decayed
sum a window earlier (headcount and events); sample size the events in both windows; lineage
every event of both windows. Worked out once per industry set, given to each of its roles."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from scoring.metrics.family import Family, Output
from scoring.metrics.frame import broadcast, constant, exact_sum, frame, iso, lineage_entries, pct, row, rows_of

HEADCOUNT, EVENTS, UNIT = "layoff_headcount_change", "layoff_events_change", "fraction"


def decay_weight(age_days, time_constant_days: float):
    """exp(-age / time constant): a 90-day-old event weighs e^-1 of a fresh one (tau = 90)."""
    return np.exp(-np.asarray(age_days, dtype=float) / time_constant_days)


def compute(obs: pd.DataFrame, roles: pd.DataFrame, as_of: pd.Timestamp, rubric) -> pd.DataFrame:
    keyed = roles["industries"].map(len) > 0
    parts = [constant(roles, ~keyed, [row(m, UNIT, "no_lookup_key", "no layoff industries in the catalogue")
                                      for m in (HEADCOUNT, EVENTS)])]
    feed = rows_of(obs, "layoffs", "layoff_headcount")
    if keyed.any() and feed.empty:
        parts.append(constant(roles, keyed, [row(m, UNIT, "no_data", "no layoffs observations") for m in (HEADCOUNT, EVENTS)]))
    elif keyed.any():
        per = _per_industry_set(feed, pd.unique(roles.loc[keyed, "industries"]), as_of, rubric)
        parts.append(broadcast(roles[keyed], "industries", per))
    return pd.concat([p for p in parts if len(p)], ignore_index=True)


def _per_industry_set(feed: pd.DataFrame, sets, as_of: pd.Timestamp, rubric) -> pd.DataFrame:
    newest = feed["period_end"].max()
    feed = feed[~feed.duplicated(["series_key", "subject", "period_end", "detail"], keep="last")]
    cfg = rubric.layoffs
    window = pd.Timedelta(days=cfg.window_days)
    ends = feed["period_end"]
    current = ((ends > as_of - window) & (ends <= as_of)).to_numpy()
    prior = ((ends > as_of - 2 * window) & (ends <= as_of - window)).to_numpy()
    # whole days from each event to the end of its window (floored), and its decayed weight
    days = np.where(current, (as_of - ends).dt.days, (as_of - window - ends).dt.days).astype(float)
    weight = decay_weight(days, cfg.time_constant_days)
    headcount = weight * feed["value"].to_numpy(dtype=float)
    industry = feed["detail"].astype(object).where(feed["detail"].notna(), "").astype(str).str.casefold().to_numpy()
    entries = lineage_entries(feed)
    specs = {m: rubric.input(m)[1] for m in (HEADCOUNT, EVENTS)}
    out = []
    for industries in sets:
        mine = np.isin(industry, [i.casefold() for i in industries])
        now, before = mine & current, mine & prior
        head_now, head_prior = exact_sum(headcount[now]), exact_sum(headcount[before])
        events_now, events_prior = exact_sum(weight[now]), exact_sum(weight[before])
        n_now, n_prior = int(now.sum()), int(before.sum())
        n = n_now + n_prior
        inputs = {"industries": list(industries), "time_constant_days": cfg.time_constant_days,
                  "window_days": cfg.window_days,
                  "decayed_headcount_now": round(head_now, 3), "decayed_headcount_year_earlier": round(head_prior, 3),
                  "decayed_events_now": round(events_now, 4), "decayed_events_year_earlier": round(events_prior, 4),
                  "events_now": n_now, "events_year_earlier": n_prior, "headcount_floor": cfg.headcount_floor,
                  "events_floor": cfg.events_floor, "feed_newest_event": iso(newest)}
        lineage = "[" + ", ".join(np.concatenate([entries[before], entries[now]])) + "]"
        label = "/".join(industries)
        common = {"sample_size": n, "observed_to": newest, "inputs": inputs, "lineage": lineage}
        for name, a, b, floor, what in ((HEADCOUNT, head_now, head_prior, cfg.headcount_floor, "decayed headcount"),
                                        (EVENTS, events_now, events_prior, cfg.events_floor, "decayed events")):
            spec = specs[name]
            if spec.min_sample is not None and n < spec.min_sample:
                out.append({"key": industries, **row(name, UNIT, "insufficient_sample",
                            f"{label} layoffs: {n} event(s) in two years, fewer than {spec.min_sample:g}", **common)})
                continue
            value = a / max(b, floor) - 1
            note = (f"{label} layoffs {what} {a:,.1f} vs {b:,.1f} a year earlier ({pct(value)}; "
                    f"{n_now} vs {n_prior} events)")
            out.append({"key": industries, **row(name, UNIT, "ok", note, value=value, **common)})
    return frame(out, keyed=True)


_OUT = Output(UNIT, "layoffs", ("layoff_headcount",))
FAMILY = Family(name="layoffs", key="layoff_industries", comparison="decayed trailing-year sum vs the year before",
                outputs={HEADCOUNT: replace(_OUT, label="people laid off in the role's industries (layoffs.fyi)"),
                         EVENTS: replace(_OUT, label="layoff events in the role's industries (layoffs.fyi)")},
                compute=compute)
