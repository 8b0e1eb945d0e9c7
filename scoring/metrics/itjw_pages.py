"""IT Jobs Watch pages, for every role at once: each role's rows of a metric, and the newest
6-month period paired with the one ending a year earlier."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.metrics.frame import iso, itjw_kind, lineage_entries, norm_slug, norm_slugs, rows_of

NO_KEY = "no IT Jobs Watch slug in the catalogue"
_PERIOD = ["series_key", "period_start", "period_end"]
_PAIR = ["series_key", "period_start", "period_end", "value", "fetch_id", "entry"]


def role_rows(obs: pd.DataFrame, roles: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Every role's rows of one metric: its slug (normalised), its kind or none named; one row per
    (role, observation), `_role` the role's position in `roles`, in index order per role."""
    rows = rows_of(obs, "itjobswatch", metric)
    keyed = roles[roles["slug"].notna()]
    if rows.empty or keyed.empty:
        return rows.iloc[0:0].assign(_role=pd.Series(dtype="int64"))
    rows = rows.assign(_nslug=norm_slugs(rows["subject"]), _kind=itjw_kind(rows["series_key"]),
                       _seq=np.arange(len(rows)))
    wanted = pd.DataFrame({"_role": keyed.index.to_numpy(), "_nslug": keyed["slug"].map(norm_slug).to_numpy(),
                           "_want": keyed["kind"].to_numpy()})
    out = rows.merge(wanted, on="_nslug", how="inner")
    out = out[out["_kind"].isna() | (out["_kind"] == out["_want"])]
    return out.sort_values(["_role", "_seq"], kind="stable").reset_index(drop=True)


def year_pairs(rows: pd.DataFrame, tolerance_days: int) -> pd.DataFrame:
    """Per role (index `_role`): its newest period, `now_*`, and the one ending a year earlier,
    `prior_*` (within the tolerance and of about the same length; the same fetch preferred, then
    the nearest, the first of equally near ones; null where there is none). `*_entry` is the
    row's lineage entry."""
    rows = rows.drop_duplicates(["_role", *_PERIOD], keep="last").reset_index(drop=True)
    rows["_seq"] = np.arange(len(rows))
    rows["entry"] = lineage_entries(rows)
    now = rows.groupby("_role", sort=False).tail(1).set_index("_role")
    at = rows["_role"]
    now_end, now_start, now_fetch = at.map(now["period_end"]), at.map(now["period_start"]), at.map(now["fetch_id"])
    target = now_end - pd.Timedelta(days=365)
    tol = pd.Timedelta(days=tolerance_days)
    cand = (rows["period_end"] >= target - tol) & (rows["period_end"] <= target + tol)
    length = (now_end - now_start).dt.days
    own = (rows["period_end"] - rows["period_start"]).dt.days
    cand &= now_start.isna() | rows["period_start"].isna() | ((own - length).abs() <= 10)
    same = cand & now_fetch.notna() & (rows["fetch_id"] == now_fetch)
    pool = same.where(same.groupby(at).transform("any"), cand).astype(bool)
    prior = rows[pool].assign(_gap=(rows["period_end"] - target).abs()[pool])
    prior = prior.sort_values(["_role", "_gap", "_seq"], kind="stable").groupby("_role", sort=False).head(1)
    prior = prior.set_index("_role")
    return now[_PAIR].add_prefix("now_").join(prior[_PAIR].add_prefix("prior_"), how="left")


def pairs_for(obs: pd.DataFrame, roles: pd.DataFrame, metric: str, tolerance_days: int) -> pd.DataFrame:
    """`roles` with their `year_pairs` columns (null for a role with no rows) and `has_rows`."""
    rows = role_rows(obs, roles, metric)
    cols = [f"{w}_{c}" for w in ("now", "prior") for c in _PAIR]
    pairs = year_pairs(rows, tolerance_days) if len(rows) else pd.DataFrame(columns=cols)
    out = roles.join(pairs, how="left")
    out["has_rows"] = out.index.isin(pairs.index)
    return out


def period(r, which: str) -> list:
    return [iso(getattr(r, f"{which}_period_start")), iso(getattr(r, f"{which}_period_end"))]
