"""Company Actions at the watch-list (roles/watchlists/boards.yaml): the role's open postings on
the watched companies' job boards, and WARN layoff notices those companies filed.

Openings: the postings whose title is the role (`lookup.boards`, matched as
`scrapers.boards.match` does) listed on the newest night against a night a year earlier; until a
year of nights is held, against a night 90 days earlier (net openings over 90 days: opened minus
closed). Only boards read on both nights count, so adding a company to the watch-list is not a
wave of openings. Lineage every counted posting row of both nights.

Layoffs: WARN notices filed by the watched companies that list the role (a matching posting in
the last year), each weighted exp(-age / time constant) as `layoffs` does, trailing year against
the year before; lineage every notice of both windows."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd

from scoring.metrics.family import Family, Output
from scoring.metrics.frame import exact_sum, frame, iso, lineage_entries, lineage_json, pct, row, rows_of
from scoring.metrics.layoffs import decay_weight
from scrapers.boards.match import posting_titles, title_mask

OPENINGS, LAYOFFS, UNIT = "board_openings_change", "watchlist_layoff_change", "fraction"
#: the comparisons, longest first: a year (YoY) once held, else 90 days (net openings)
LAGS_DAYS = (364, 90)
#: a night within this many days of the lag stands in for it (a board failing for a few nights)
LAG_TOLERANCE_DAYS = 7
#: the earlier count is floored here: 0 -> 2 postings is not "+inf %" (a board lists few of a role)
OPENINGS_FLOOR = 3.0


def compute(obs: pd.DataFrame, roles: pd.DataFrame, as_of: pd.Timestamp, rubric) -> pd.DataFrame:
    postings = posting_titles(rows_of(obs, "boards", "board_posting"))
    read = rows_of(obs, "boards", "board_open_postings")
    nights = read.groupby("subject")["period_end"].agg(lambda s: set(s)).to_dict()
    warn = rows_of(obs, "warn", "watchlist_layoff_headcount")
    warn = warn[~warn.duplicated(["series_key", "period_end"], keep="last")]
    warn = warn.assign(_entry=lineage_entries(warn))
    postings = postings.assign(_entry=lineage_entries(postings))
    distinct = pd.Series(postings["title"].dropna().unique(), dtype=object)
    memo: dict[str, tuple[dict, dict]] = {}
    out = []
    for role_id, key in zip(roles["role_id"], roles["boards"]):
        if not isinstance(key, str):  # no patterns: None, or NaN once a str column holds other roles' keys
            out += [{"role_id": role_id, **row(m, UNIT, "no_lookup_key", "no hiring-board title patterns in the "
                                                "catalogue")} for m in (OPENINGS, LAYOFFS)]
            continue
        if key not in memo:
            with warnings.catch_warnings():
                # a role's patterns group alternatives ("ml (platform|infrastructure)"); pandas warns
                # that groups are not extracted, which is the point of a match
                warnings.filterwarnings("ignore", "This pattern is interpreted as a regular expression", UserWarning)
                hits = set(distinct[title_mask(distinct, json.loads(key)).to_numpy()]) if len(distinct) else set()
            mine = postings[postings["title"].isin(hits)]
            memo[key] = (_openings(mine, nights, rubric), _layoffs(mine, warn, as_of, rubric))
        out += [{"role_id": role_id, **r} for r in memo[key]]
    return frame(out)


def _openings(mine: pd.DataFrame, nights: dict[str, set], rubric) -> dict:
    every = sorted({n for s in nights.values() for n in s})
    if not every:
        return row(OPENINGS, UNIT, "no_data", "no watched job board read yet")
    newest = every[-1]
    for lag in LAGS_DAYS:
        target = newest - pd.Timedelta(days=lag)
        near = [n for n in every if abs((n - target).days) <= LAG_TOLERANCE_DAYS]
        if near:
            then = min(near, key=lambda n: (abs((n - target).days), n))
            break
    else:
        return row(OPENINGS, UNIT, "insufficient_history", f"boards read on {len(every)} night(s) from "
                   f"{iso(every[0])}; a comparison needs a night 90 days before {iso(newest)}", observed_to=newest)
    both = sorted(c for c, s in nights.items() if newest in s and then in s)
    kept = mine[mine["subject"].isin(both)]
    now, before = kept[kept["period_end"] == newest], kept[kept["period_end"] == then]
    a, b = float(len(now)), float(len(before))
    value = a / max(b, OPENINGS_FLOOR) - 1 if lag == 364 else (a - b) / max(b, OPENINGS_FLOOR)
    what = "open postings a year earlier" if lag == 364 else "net openings over 90 days"
    inputs = {"comparison": what, "night": iso(newest), "earlier_night": iso(then), "open_now": a,
              "open_earlier": b, "companies": both, "floor": OPENINGS_FLOOR,
              "by_company_now": now.groupby("subject").size().to_dict()}
    note = (f"{a:g} matching openings at {len(both)} watched companies on {iso(newest)} vs {b:g} on {iso(then)} "
            f"({what}: {pct(value)})")
    return row(OPENINGS, UNIT, "ok", note, value=value, sample_size=a + b, observed_to=newest, inputs=inputs,
               lineage=lineage_json([*before["_entry"], *now["_entry"]]))


def _layoffs(mine: pd.DataFrame, warn: pd.DataFrame, as_of: pd.Timestamp, rubric) -> dict:
    cfg = rubric.layoffs
    window = pd.Timedelta(days=cfg.window_days)
    recent = mine[mine["period_end"] > as_of - window]
    companies = sorted(set(recent["subject"].astype(str)))
    if not companies:
        return row(LAYOFFS, UNIT, "no_data", "no watched company listed the role in the last year")
    ends = warn["period_end"]
    ours = warn["subject"].astype(str).isin(companies).to_numpy()
    current = ours & ((ends > as_of - window) & (ends <= as_of)).to_numpy()
    prior = ours & ((ends > as_of - 2 * window) & (ends <= as_of - window)).to_numpy()
    days = np.where(current, (as_of - ends).dt.days, (as_of - window - ends).dt.days).astype(float)
    head = decay_weight(days, cfg.time_constant_days) * warn["value"].to_numpy(dtype=float)
    a, b = exact_sum(head[current]), exact_sum(head[prior])
    value = a / max(b, cfg.headcount_floor) - 1
    inputs = {"companies": companies, "notices_now": int(current.sum()), "notices_year_earlier": int(prior.sum()),
              "decayed_headcount_now": round(a, 3), "decayed_headcount_year_earlier": round(b, 3),
              "headcount_floor": cfg.headcount_floor}
    note = (f"WARN notices at {len(companies)} watched companies hiring the role: decayed headcount {a:,.1f} vs "
            f"{b:,.1f} a year earlier ({pct(value)}; {int(current.sum())} vs {int(prior.sum())} notices)")
    entries = warn["_entry"].to_numpy()
    return row(LAYOFFS, UNIT, "ok", note, value=value, sample_size=int(current.sum() + prior.sum()),
               observed_to=as_of, inputs=inputs, lineage=lineage_json([*entries[prior], *entries[current]]))


FAMILY = Family(name="hiring", key="boards", comparison="role openings a year (else 90 days) earlier; watched "
                "companies' WARN notices, decayed trailing year vs the year before",
                outputs={OPENINGS: Output(UNIT, "boards", ("board_posting", "board_open_postings"),
                                                   label="openings for the role on watched companies' job boards"),
                         LAYOFFS: Output(UNIT, "warn", ("watchlist_layoff_headcount",),
                                                  label="WARN layoff notices at watched companies hiring the role")},
                compute=compute)
