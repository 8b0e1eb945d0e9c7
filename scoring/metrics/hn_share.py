"""Job Posting Trends from HN "Who is hiring?" (US-heavy tech hiring): the share of a thread's
job posts that are the role, over the newest `MONTHS` settled threads, against the same months
a year earlier; sample size the role's posts in both windows; lineage each month's share and
post-count rows (their comment ids are in the archived bodies).

A share, not a count: the threads' size swings with the whole market (900 posts in 2022, 300 in
2024), and the question is whether the role gains ground in tech hiring."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.metrics.family import Family, Output
from scoring.metrics.frame import frame, lineage_entries, lineage_json, pct, row, rows_of

NAME, UNIT = "hn_share_yoy", "fraction"
#: three threads a window: one thread's share of a niche role rests on a handful of posts
MONTHS = 3


def compute(obs: pd.DataFrame, roles: pd.DataFrame, as_of: pd.Timestamp, rubric) -> pd.DataFrame:
    _, spec = rubric.input(NAME)
    rows = rows_of(obs, "hn", ("hn_role_share_pct", "hn_role_posts"))
    # a thread still collecting posts is counted again later; only a month counted to its end is settled
    settled = rows["period_end"] == rows["period_start"] + pd.offsets.MonthEnd(0)
    rows = rows[settled & rows["subject"].isin(roles["role_id"])]
    rows = rows.assign(_month=rows["period_start"].dt.to_period("M"))
    rows = rows[~rows.duplicated(["subject", "metric", "_month"], keep="last")]
    rows = rows.assign(_entry=lineage_entries(rows))
    groups = dict(tuple(rows.groupby("subject", sort=False)))
    out = []
    for role_id, has_key in zip(roles["role_id"], roles["hn"].notna()):
        if not has_key:
            out.append({"role_id": role_id, **row(NAME, UNIT, "no_lookup_key", "no HN patterns in the catalogue")})
            continue
        out.append({"role_id": role_id, **_one(groups.get(role_id), spec)})
    return frame(out)


def _one(g: pd.DataFrame | None, spec) -> dict:
    if g is None or g.empty:
        return row(NAME, UNIT, "no_data", "no settled Who is hiring? thread counted for the role")
    share = g[g["metric"] == "hn_role_share_pct"].set_index("_month")
    posts = g[g["metric"] == "hn_role_posts"].set_index("_month")
    now = sorted(share.index)[-MONTHS:]
    before = [m - 12 for m in now]
    missing = [str(m) for m in before if m not in share.index]
    newest = share["period_end"].max()
    if missing:
        return row(NAME, UNIT, "insufficient_history", f"no thread counted for {', '.join(missing)} (a year before "
                   f"{', '.join(map(str, now))})", observed_to=newest,
                   lineage=lineage_json(share.loc[now, "_entry"]))
    a, b = float(share.loc[now, "value"].mean()), float(share.loc[before, "value"].mean())
    n_now = float(posts.reindex(now)["value"].sum())
    n_before = float(posts.reindex(before)["value"].sum())
    months = [*before, *now]
    lineage = lineage_json([*share.loc[months, "_entry"], *posts.reindex(months)["_entry"].dropna()])
    inputs = {"months_now": [str(m) for m in now], "months_year_earlier": [str(m) for m in before],
              "share_pct_now": round(a, 4), "share_pct_year_earlier": round(b, 4),
              "posts_now": n_now, "posts_year_earlier": n_before}
    n = n_now + n_before
    common = {"sample_size": n, "observed_to": newest, "inputs": inputs, "lineage": lineage}
    if b <= 0 or (spec.min_sample is not None and n < spec.min_sample):
        return row(NAME, UNIT, "insufficient_sample", f"{n:g} matching HN posts in both windows, fewer than "
                   f"{spec.min_sample or 1:g}", **common)
    value = a / b - 1
    note = (f"HN Who is hiring? share {a:.2f} % ({now[0]}..{now[-1]}) vs {b:.2f} % a year earlier "
            f"({pct(value)}; {n_now:g} vs {n_before:g} posts)")
    return row(NAME, UNIT, "ok", note, value=float(np.round(value, 12)), **common)


FAMILY = Family(name="hn_share", key="hn", comparison="3-thread share of posts vs the same threads a year earlier",
                outputs={NAME: Output(UNIT, "hn", ("hn_role_share_pct", "hn_role_posts"),
                                      label="HN Who is hiring? share of posts, year on year")}, compute=compute)
