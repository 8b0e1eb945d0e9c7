"""Plausibility checks that sit beside the schema checks.

A row can be well-formed and still wrong: a count far off its series' recent level, a salary of
£5, a median resting on a handful of quoted salaries, a payload whose dates run backwards or
that is dated after the night itself.
Such rows are quarantined and reported (check_name `plausibility:<check>`, the numbers in
`failure`); they never reach the metrics, so they can never flip a zone.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd

from scoring.validation import empty_observations, empty_quarantine, quarantine_rows
from scoring.rubric import Rubric

def _with_pos(df: pd.DataFrame) -> pd.DataFrame:
    return df.reset_index(drop=True).assign(_pos=lambda d: np.arange(len(d)))


def _length_bucket(df: pd.DataFrame) -> pd.Series:
    days = (df["period_end"] - df["period_start"]).dt.days
    return (days / 30).round().fillna(-1).astype(int)


def salary_band(obs: pd.DataFrame, rubric: Rubric) -> dict[int, dict]:
    g = rubric.guards
    out = {}
    rows = obs[obs["metric"].isin(g.salary_band_metrics) & obs["unit"].isin(list(g.salary_band)) & obs["value"].notna()]
    for pos, unit, value in zip(rows["_pos"], rows["unit"], rows["value"]):
        lo, hi = g.salary_band[unit]
        if not lo <= value <= hi:
            out[int(pos)] = {"check": "salary_band", "value": float(value), "band": [lo, hi], "unit": unit}
    return out


def salaries_quoted(obs: pd.DataFrame, history: pd.DataFrame, rubric: Rubric) -> dict[int, dict]:
    """IT Jobs Watch salary figures resting on fewer quoted salaries than the configured minimum."""
    g = rubric.guards
    rows = obs[(obs["source"] == "itjobswatch") & obs["metric"].isin(g.salary_quoted_metrics) & obs["value"].notna()]
    if rows.empty:
        return {}
    key = ["series_key", "period_start", "period_end"]
    counts = pd.concat([history, obs]) if len(history) else obs
    counts = counts[(counts["source"] == "itjobswatch") & (counts["metric"] == "salaries_quoted") & counts["value"].notna()]
    counts = counts[~counts.duplicated(key, keep="last")][key + ["value"]].rename(columns={"value": "_n"})
    merged = rows.merge(counts, on=key, how="left")
    low = merged[merged["_n"].notna() & (merged["_n"] < g.min_salaries_quoted)]
    return {int(p): {"check": "min_salaries_quoted", "salaries_quoted": float(n), "minimum": g.min_salaries_quoted}
            for p, n in zip(low["_pos"], low["_n"])}


_DAY = np.timedelta64(1, "D")
#: a group id and a day number packed into one sortable int64 (any date within 5,000 years of
#: 1970 is under 2^21 days from it, so groups never overlap)
_SHIFT = np.int64(1 << 22)


def _packed(gid: np.ndarray, ends: pd.Series) -> np.ndarray:
    days = (ends.to_numpy("datetime64[ns]").astype("datetime64[D]") - np.datetime64(0, "D")) // _DAY
    return gid.astype(np.int64) * _SHIFT + days.astype(np.int64)


def _last_values(keys: np.ndarray, values: np.ndarray, probe: np.ndarray, window: int, n: int,
                 inclusive: bool) -> np.ndarray:
    """For each probe (group, day): the up to `n` newest `values` of its group dated within `window`
    days before it (the probe's own day too when `inclusive`), newest first, NaN-padded.

    `keys` are `_packed` and sorted; the answer is one (probes x n) matrix, never a per-row loop.
    """
    hi = np.searchsorted(keys, probe, side="right" if inclusive else "left")
    lo = np.searchsorted(keys, probe - window, side="left")
    count = np.minimum(hi - lo, n)
    idx = hi[:, None] - 1 - np.arange(n)[None, :]
    ok = np.arange(n)[None, :] < count[:, None]
    return np.where(ok, values[np.clip(idx, 0, max(len(values) - 1, 0))] if len(values) else np.nan, np.nan)


def _near(rows: pd.DataFrame, new: pd.DataFrame, window: int) -> pd.DataFrame:
    """The rows of tonight's series dated within `window` days before one of tonight's periods.

    Years of held history hold millions of guarded rows; tonight's periods end on a handful of
    distinct days, so this keeps a few nights' worth before anything is grouped or sorted.
    """
    rows = rows[rows["series_key"].isin(new["series_key"].unique())]
    ends = np.unique(new["period_end"].to_numpy("datetime64[ns]"))
    at = rows["period_end"].to_numpy("datetime64[ns]")
    i = np.searchsorted(ends, at, side="left")  # the first of tonight's ends on or after the row
    ok = i < len(ends)
    ok[ok] = (ends[i[ok]] - at[ok]) <= np.timedelta64(window, "D")
    return rows[ok]


def overnight_jump(obs: pd.DataFrame, history: pd.DataFrame, rubric: Rubric,
                   held_back: pd.DataFrame | None = None) -> dict[int, dict]:
    """A value beyond jump_factor x (or below 1/jump_factor of) its series' recent accepted level.

    The reference is the median of the last `jump_reference_values` accepted values of the same
    series, metric and period length within `jump_max_gap_days` before (and including) the
    value's period: not last night alone, so x4.9 a night cannot compound and one bad night
    cannot become the next night's reference. A value beyond the band is held (quarantined) until
    the new level is confirmed: it passes when the `jump_confirm_nights - 1` periods just before
    it, recorded on earlier nights (accepted, or held by this check: `held_back`), sit beyond the
    band on the same side and the lot agree within the band. The rule reads only stored rows, so
    a rerun of the night decides the same way.
    """
    g = rubric.guards
    new = obs[obs["metric"].isin(g.jump_metrics) & obs["value"].notna()]
    if new.empty or history is None or history.empty:
        return {}
    window, n = int(g.jump_max_gap_days), int(g.jump_reference_values)
    held = _near(history[history["metric"].isin(g.jump_metrics) & history["value"].notna()], new, window)
    if held.empty:
        return {}
    # 1. the robust reference: median of the recent accepted values (same length bucket)
    cols = ["series_key", "metric", "_len"]
    both = pd.concat([held.assign(_len=_length_bucket(held))[cols], new.assign(_len=_length_bucket(new))[cols]])
    gid = both.groupby(cols, sort=False).ngroup().to_numpy()
    held_key, new_key = _packed(gid[:len(held)], held["period_end"]), _packed(gid[len(held):], new["period_end"])
    order = np.argsort(held_key, kind="stable")
    held_key, held_value = held_key[order], held["value"].to_numpy(float)[order]
    held_end = held["period_end"].to_numpy("datetime64[ns]")[order]
    last = _last_values(held_key, held_value, new_key, window, n, inclusive=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: no reference, nothing to say
        ref = np.nanmedian(last, axis=1)
    count = (~np.isnan(last)).sum(axis=1)
    newest = np.searchsorted(held_key, new_key, side="right") - 1
    value = new["value"].to_numpy(float)
    big = np.maximum(value, np.nan_to_num(ref)) >= g.jump_min_base
    with np.errstate(divide="ignore", invalid="ignore"):
        up, down = value > ref * g.jump_factor, value < ref / g.jump_factor
    beyond = (count > 0) & big & (up | down)
    if not beyond.any():
        return {}
    # 2. confirmation: the periods just before, from earlier nights, at the same new level
    need = int(g.jump_confirm_nights) - 1  # >= 1 (rubric.GuardSpec)
    seen = [held[["series_key", "metric", "period_end", "value"]].assign(_held=0)]
    if held_back is not None and len(held_back):
        hb = _near(held_back[held_back["metric"].isin(g.jump_metrics) & held_back["value"].notna()], new, window)
        seen.append(hb[["series_key", "metric", "period_end", "value"]].assign(_held=1))
    seen = pd.concat(seen, ignore_index=True)
    # one value per period, an accepted one before a held one: a bad night re-publishing periods
    # already held (a CSV's last 30 days x50) confirms nothing
    seen = seen.sort_values(["series_key", "metric", "period_end", "_held"], kind="stable")
    seen = seen[~seen.duplicated(["series_key", "metric", "period_end"], keep="first")]
    keyed = pd.concat([seen[["series_key", "metric"]], new[["series_key", "metric"]]])
    sid = keyed.groupby(["series_key", "metric"], sort=False).ngroup().to_numpy()
    seen_key = _packed(sid[:len(seen)], seen["period_end"])
    o = np.argsort(seen_key, kind="stable")
    prior = _last_values(seen_key[o], seen["value"].to_numpy(float)[o], _packed(sid[len(seen):], new["period_end"]),
                         window, need, inclusive=False)
    with np.errstate(divide="ignore", invalid="ignore"):
        same_side = np.where(up[:, None], prior > ref[:, None] * g.jump_factor, prior < ref[:, None] / g.jump_factor)
        level = np.concatenate([prior, value[:, None]], axis=1)
        agree = np.nanmax(level, axis=1) <= np.nanmin(level, axis=1) * g.jump_factor
    confirmed = (~np.isnan(prior)).all(axis=1) & same_side.all(axis=1) & agree
    bad = beyond & ~confirmed
    out = {}
    for i in np.flatnonzero(bad):
        r = float(ref[i])
        at = newest[i]
        out[int(new["_pos"].iloc[i])] = {
            "check": "overnight_jump", "value": float(value[i]), "reference": r,
            "reference_period_end": pd.Timestamp(held_end[at]).date().isoformat(),
            "reference_values": int(count[i]), "ratio": None if r == 0 else round(float(value[i] / r), 4),
            "factor": g.jump_factor, "confirm_nights": int(g.jump_confirm_nights),
            "agreeing_nights_before": int(same_side[i].sum())}
    return out


def future_period(obs: pd.DataFrame, as_of: pd.Timestamp, rubric: Rubric) -> dict[int, dict]:
    """Observations of a period that ends after the night (beyond future_tolerance_days)."""
    limit = as_of + pd.Timedelta(days=rubric.guards.future_tolerance_days)
    ahead = obs[obs["period_end"] > limit]
    return {int(p): {"check": "future_period", "period_end": pd.Timestamp(e).date().isoformat(),
                     "night": as_of.date().isoformat(), "tolerance_days": rubric.guards.future_tolerance_days}
            for p, e in zip(ahead["_pos"], ahead["period_end"])}


def dates_backwards(obs: pd.DataFrame, history: pd.DataFrame, rubric: Rubric) -> dict[int, dict]:
    """Series whose newest period_end tonight is earlier than the newest already held for it."""
    if history is None or history.empty:
        return {}
    exempt = set(rubric.guards.backwards_exempt_sources)
    new = obs[~obs["source"].isin(exempt)]
    if new.empty:
        return {}
    # Per series, across its metrics: a page whose newest figure was quarantined by the schema
    # still carries its header date on its other rows, so only a genuinely older payload trips.
    key = ["series_key"]
    newest_new = new.groupby(key, sort=False)["period_end"].max().rename("_new_max")
    newest_held = history[~history["source"].isin(exempt)].groupby(key, sort=False)["period_end"].max().rename("_held_max")
    both = pd.concat([newest_new, newest_held], axis=1, join="inner")
    back = both[both["_new_max"] < both["_held_max"]]
    if back.empty:
        return {}
    flagged = new.merge(back.reset_index(), on=key, how="inner")
    return {int(p): {"check": "period_end_backwards", "newest_tonight": pd.Timestamp(a).date().isoformat(),
                     "newest_held": pd.Timestamp(b).date().isoformat()}
            for p, a, b in zip(flagged["_pos"], flagged["_new_max"], flagged["_held_max"])}


CHECKS = (salary_band, salaries_quoted, overnight_jump, dates_backwards)


def plausibility(obs_new: pd.DataFrame, obs_history: pd.DataFrame | None, rubric: Rubric,
                 run_id: str | None = None, *, as_of=None,
                 held_back: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split schema-valid observations into (plausible, quarantine) against the held history.

    Both frames must already be validated (`scoring.validation.validate_observations`). With
    `as_of` (the night), rows dated beyond it are rejected (`future_period`) and held rows
    dated beyond it are no reference for anything: a future-dated row stored before this check
    existed must not make every correct row of its series look like dates running backwards.
    `held_back`: rows the jump guard held on earlier nights (series_key, metric, period_end,
    value), which may confirm a new level (see `overnight_jump`).
    """
    if obs_new is None or obs_new.empty:
        return (empty_observations() if obs_new is None else obs_new), empty_quarantine()
    obs = _with_pos(obs_new)
    history = obs_history if obs_history is not None and len(obs_history) else obs.iloc[0:0]
    findings: dict[int, list[dict]] = {}
    checked = obs
    if as_of is not None:
        as_of = pd.Timestamp(as_of).normalize()
        limit = as_of + pd.Timedelta(days=rubric.guards.future_tolerance_days)
        history = history[history["period_end"] <= limit]
        for pos, finding in future_period(obs, as_of, rubric).items():
            findings.setdefault(pos, []).append(finding)
        # the other checks see tonight without its future rows (they would hide a stale payload)
        checked = obs[~obs["_pos"].isin(list(findings))]
    for check in CHECKS:
        if check is salary_band:
            found = check(checked, rubric)
        elif check is overnight_jump:
            found = check(checked, history, rubric, held_back)
        else:
            found = check(checked, history, rubric)
        for pos, finding in found.items():
            findings.setdefault(pos, []).append(finding)
    if not findings:
        return obs.drop(columns=["_pos"]), empty_quarantine()
    bad = sorted(findings)
    rows = obs.iloc[bad].drop(columns=["_pos"])
    quarantine = quarantine_rows(rows, run_id, "plausibility",
                                 [";".join(f["check"] for f in findings[p]) for p in bad],
                                 [json.loads(json.dumps(findings[p], default=str)) for p in bad])
    good = obs.drop(index=bad).drop(columns=["_pos"]).reset_index(drop=True)
    return good, quarantine
