"""Indeed Hiring Lab series by country: the level on the newest date against the level
`indeed_lag_days` earlier (the nearest date within the tolerance), once per series."""

from __future__ import annotations

import numpy as np
import pandas as pd

from scoring.metrics.frame import cc, country_codes, lineage_entries, rows_of

NO_KEY = "no Indeed country in the catalogue"


class Levels:
    """Tonight's Indeed rows by (metric, country) and each series' level change, worked out once."""

    def __init__(self, obs: pd.DataFrame, rubric) -> None:
        self.obs, self.rubric = obs, rubric
        self._by: dict[tuple, pd.DataFrame] = {}
        self._memo: dict[tuple, dict | None] = {}

    def rows(self, metric: str, country: str) -> pd.DataFrame:
        """The metric's rows about one country (ISO-2; UK is GB), in index order."""
        if metric not in self._by:
            rows = rows_of(self.obs, "indeed", metric)
            self._by[metric] = rows.assign(_cc=country_codes(rows))
        rows = self._by[metric]
        return rows[rows["_cc"] == cc(country)]

    def country(self, metric: str, country: str) -> dict | None:
        key = (metric, cc(country))
        if key not in self._memo:
            rows = self.rows(metric, country)
            self._memo[key] = level_yoy(rows, self.rubric) if not rows.empty else None
        return self._memo[key]

    def sector(self, country: str, sector: str) -> dict | None:
        key = ("sector", cc(country))
        if key not in self._by:
            rows = self.rows("sector_postings_index", country)
            folded = rows["subject"].astype(str).str.casefold()
            self._by[key] = {str(k): g for k, g in rows.groupby(folded, sort=False)}
        mkey = ("sector", cc(country), sector.casefold())
        if mkey not in self._memo:
            rows = self._by[key].get(sector.casefold())
            self._memo[mkey] = level_yoy(rows, self.rubric) if rows is not None else None
        return self._memo[mkey]


def level_yoy(rows: pd.DataFrame, rubric) -> dict | None:
    """{"date", "now", "lineage" (entries)[, "prior_date", "year_earlier"]} or None without values."""
    rows = rows[rows["value"].notna()]
    if rows.empty:
        return None
    ends = rows["period_end"].to_numpy("datetime64[ns]")
    order = np.argsort(ends, kind="stable")
    ends, values = ends[order], rows["value"].to_numpy(float)[order]
    last = len(ends) - 1  # the last row of the newest date wins
    out = {"date": pd.Timestamp(ends[last]), "now": float(values[last]), "lineage": [order[last]]}
    target = ends[last] - np.timedelta64(rubric.matching.indeed_lag_days, "D")
    gaps = np.abs((ends - target).astype("timedelta64[D]").astype(np.int64))
    i = int(np.argmin(gaps))
    if gaps[i] <= rubric.matching.indeed_tolerance_days:
        j = int(np.flatnonzero(ends == ends[i])[-1])
        out.update(prior_date=pd.Timestamp(ends[j]), year_earlier=float(values[j]), lineage=[order[j], order[last]])
    out["lineage"] = list(lineage_entries(rows.iloc[out["lineage"]]))
    return out
