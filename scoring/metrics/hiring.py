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
from collections import Counter

import numpy as np
import pandas as pd

from scoring.metrics.family import Family, Output
from scoring.metrics.frame import exact_sum, frame, iso, lineage_entries, lineage_json, pct, row, rows_of
from scoring.metrics.layoffs import decay_weight
from scrapers.boards.match import Titles, posting_titles

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
    warn = rows_of(obs, "warn", "watchlist_layoff_headcount")
    warn = warn[~warn.duplicated(["series_key", "period_end"], keep="last")]
    warn = warn.assign(_entry=lineage_entries(warn))
    posts = _Postings(postings.assign(_entry=lineage_entries(postings)).reset_index(drop=True))
    nights = _Nights(read.groupby("subject")["period_end"].agg(lambda s: set(s)).to_dict())
    notices = _Notices(warn, as_of, rubric)
    cutoff = as_of - pd.Timedelta(days=rubric.layoffs.window_days)
    memo: dict[str, tuple[dict, dict]] = {}
    layoffs: dict[tuple[str, ...], dict] = {}  # roles listed by the same companies share their notices
    out = []
    for role_id, key in zip(roles["role_id"], roles["boards"]):
        if not isinstance(key, str):  # no patterns: None, or NaN once a str column holds other roles' keys
            out += [{"role_id": role_id, **row(m, UNIT, "no_lookup_key", "no hiring-board title patterns in the "
                                                "catalogue")} for m in (OPENINGS, LAYOFFS)]
            continue
        if key not in memo:
            at = posts.matching(json.loads(key))
            companies = posts.listing(at, cutoff)
            if companies not in layoffs:
                layoffs[companies] = notices.layoffs(companies)
            memo[key] = (nights.openings(posts, at), layoffs[companies])
        out += [{"role_id": role_id, **r} for r in memo[key]]
    return frame(out)


class _Postings:
    """Every stored posting row as arrays, and which of them carry a title that is the role."""

    def __init__(self, postings: pd.DataFrame) -> None:
        self.titles = Titles(pd.Series(postings["title"].dropna().unique(), dtype=object))
        self.rows_by_title = postings.groupby("title", sort=False).indices
        self.subject = postings["subject"].to_numpy(dtype=object)
        self.subject_text = postings["subject"].astype(str).to_numpy(dtype=object)
        self.end = postings["period_end"].to_numpy()
        self.entry = postings["_entry"].to_numpy(dtype=object)

    def matching(self, key: dict) -> np.ndarray:
        """The positions (in row order) of the postings whose title is the role."""
        hits = self.titles.matching(key) if len(self.titles.text) else set()
        if not hits:
            return np.empty(0, dtype=np.int64)
        return np.sort(np.concatenate([self.rows_by_title[t] for t in hits]))

    def listing(self, at: np.ndarray, cutoff: pd.Timestamp) -> tuple[str, ...]:
        """The watched companies with a posting of the role (`at`) after `cutoff`."""
        return tuple(sorted(set(self.subject_text[at[self.end[at] > cutoff.to_datetime64()]])))


class _Nights:
    """The nights each board was read, and the pair of nights every role's openings compare."""

    def __init__(self, nights: dict[str, set]) -> None:
        every = sorted({n for s in nights.values() for n in s})
        self.every, self.lag, self.then = every, None, None
        if not every:
            return
        self.newest = newest = every[-1]
        for lag in LAGS_DAYS:
            target = newest - pd.Timedelta(days=lag)
            near = [n for n in every if abs((n - target).days) <= LAG_TOLERANCE_DAYS]
            if near:
                self.lag, self.then = lag, min(near, key=lambda n: (abs((n - target).days), n))
                break
        else:
            return
        self.both = sorted(c for c, s in nights.items() if newest in s and self.then in s)

    def openings(self, posts: _Postings, at: np.ndarray) -> dict:
        every = self.every
        if not every:
            return row(OPENINGS, UNIT, "no_data", "no watched job board read yet")
        newest, then, lag = self.newest, self.then, self.lag
        if lag is None:
            return row(OPENINGS, UNIT, "insufficient_history", f"boards read on {len(every)} night(s) from "
                       f"{iso(every[0])}; a comparison needs a night 90 days before {iso(newest)}", observed_to=newest)
        both = self.both
        kept = at[np.isin(posts.subject[at], both)] if len(at) else at
        ends = posts.end[kept]
        now, before = kept[ends == newest.to_datetime64()], kept[ends == then.to_datetime64()]
        a, b = float(len(now)), float(len(before))
        value = a / max(b, OPENINGS_FLOOR) - 1 if lag == 364 else (a - b) / max(b, OPENINGS_FLOOR)
        what = "open postings a year earlier" if lag == 364 else "net openings over 90 days"
        inputs = {"comparison": what, "night": iso(newest), "earlier_night": iso(then), "open_now": a,
                  "open_earlier": b, "companies": both, "floor": OPENINGS_FLOOR,
                  "by_company_now": dict(sorted(Counter(posts.subject[now].tolist()).items()))}
        note = (f"{a:g} matching openings at {len(both)} watched companies on {iso(newest)} vs {b:g} on {iso(then)} "
                f"({what}: {pct(value)})")
        return row(OPENINGS, UNIT, "ok", note, value=value, sample_size=a + b, observed_to=newest, inputs=inputs,
                   lineage=lineage_json([*posts.entry[before], *posts.entry[now]]))


class _Notices:
    """The watched companies' WARN notices, each decayed and placed in its window once; a role's
    layoffs are then a selection by the companies that list it."""

    def __init__(self, warn: pd.DataFrame, as_of: pd.Timestamp, rubric) -> None:
        cfg = rubric.layoffs
        window = pd.Timedelta(days=cfg.window_days)
        ends = warn["period_end"]
        self.current = ((ends > as_of - window) & (ends <= as_of)).to_numpy()
        self.prior = ((ends > as_of - 2 * window) & (ends <= as_of - window)).to_numpy()
        days = np.where(self.current, (as_of - ends).dt.days, (as_of - window - ends).dt.days).astype(float)
        self.head = decay_weight(days, cfg.time_constant_days) * warn["value"].to_numpy(dtype=float)
        self.subject = warn["subject"].astype(str).to_numpy(dtype=object)
        self.entries = warn["_entry"].to_numpy()
        self.as_of, self.cfg = as_of, cfg

    def layoffs(self, companies: tuple[str, ...]) -> dict:
        if not companies:
            return row(LAYOFFS, UNIT, "no_data", "no watched company listed the role in the last year")
        cfg = self.cfg
        ours = np.isin(self.subject, companies)
        current, prior = ours & self.current, ours & self.prior
        a, b = exact_sum(self.head[current]), exact_sum(self.head[prior])
        value = a / max(b, cfg.headcount_floor) - 1
        inputs = {"companies": list(companies), "notices_now": int(current.sum()),
                  "notices_year_earlier": int(prior.sum()), "decayed_headcount_now": round(a, 3),
                  "decayed_headcount_year_earlier": round(b, 3), "headcount_floor": cfg.headcount_floor}
        note = (f"WARN notices at {len(companies)} watched companies hiring the role: decayed headcount {a:,.1f} vs "
                f"{b:,.1f} a year earlier ({pct(value)}; {int(current.sum())} vs {int(prior.sum())} notices)")
        return row(LAYOFFS, UNIT, "ok", note, value=value, sample_size=int(current.sum() + prior.sum()),
                   observed_to=self.as_of, inputs=inputs,
                   lineage=lineage_json([*self.entries[prior], *self.entries[current]]))


FAMILY = Family(name="hiring", key="boards", comparison="role openings a year (else 90 days) earlier; watched "
                "companies' WARN notices, decayed trailing year vs the year before",
                outputs={OPENINGS: Output(UNIT, "boards", ("board_posting", "board_open_postings"),
                                                   label="openings for the role on watched companies' job boards"),
                         LAYOFFS: Output(UNIT, "warn", ("watchlist_layoff_headcount",),
                                                  label="WARN layoff notices at watched companies hiring the role")},
                compute=compute)
