"""CPI deflation for the real-terms pay metrics: the CPI change over a pay period against the
same months a year earlier, from the first candidate series with data.

Roles share a handful of periods and candidate lists, so each (candidates, period) is worked out
once per night (`Deflator.yoy`) and every role's real value is (1 + nominal) / (1 + CPI) - 1."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from core.geography import geography_aliases
from scoring.metrics.frame import lineage_entries, lineage_json, ordered, pct, row


def candidates(cpi_series: str | None, role_geography: str, geography: str, rubric) -> list[str]:
    """The CPI series tried for a role, in order: its own (when it covers `geography`), then the rubric's."""
    out = []
    if isinstance(cpi_series, str) and cpi_series and geography_aliases(geography) & geography_aliases(role_geography):
        out.append(cpi_series if ":" in cpi_series else f"fred:{cpi_series}")
    out += [s for s in rubric.cpi.series_for(geography) if s not in out]
    return out


class Deflator:
    """The CPI rows known tonight and every CPI change already worked out."""

    def __init__(self, obs: pd.DataFrame, rubric) -> None:
        self.rubric = rubric
        self._cpi = ordered(obs[obs["metric"].isin(("cpi_index", "cpi_yoy_pct"))])
        self._rows: dict[str, pd.DataFrame] = {}
        self._memo: dict[tuple, dict | None] = {}

    def _series_rows(self, series: str) -> pd.DataFrame:
        if series not in self._rows:
            source, _, ident = series.partition(":")
            c = self._cpi[self._cpi["source"] == source]
            both = pd.concat([c[c["metric"] == "cpi_index"], c[c["metric"] == "cpi_yoy_pct"]])
            self._rows[series] = both[(both["series_key"] == series) | (both["subject"] == ident)]
        return self._rows[series]

    def yoy(self, tried: list[str], start, end: pd.Timestamp) -> dict | None:
        """{"yoy", "series", "basis", "months", "lineage" (entries)} or None; do not mutate it."""
        start = end if start is None or pd.isna(start) else start
        key = (tuple(tried), start, end)
        if key not in self._memo:
            self._memo[key] = self._yoy(tried, start, end, self.rubric.cpi.max_lag_days)
        return self._memo[key]

    def _yoy(self, tried: list[str], start: pd.Timestamp, end: pd.Timestamp, max_lag_days: int) -> dict | None:
        lo, hi = start.to_period("M"), end.to_period("M")
        for series in tried:
            rows = self._series_rows(series)
            if rows.empty:
                continue
            for metric in ("cpi_index", "cpi_yoy_pct"):
                r = rows[(rows["metric"] == metric) & rows["value"].notna()]
                if r.empty:
                    continue
                when = r["period_start"].fillna(r["period_end"])
                r = r.assign(_month=when.dt.to_period("M")).sort_values("_month", kind="stable")
                r = r[~r.duplicated(["_month"], keep="last")]
                by_month = pd.Series(r["value"].to_numpy(dtype=float), index=r["_month"])
                in_window = [m for m in by_month.index if lo <= m <= hi]
                recent = [m for m in by_month.index if m <= hi
                          and (end - m.to_timestamp(how="end").normalize()).days <= max_lag_days]
                if metric == "cpi_index":
                    pairs = [m for m in in_window if (m - 12) in by_month.index]
                    if pairs:
                        before = [m - 12 for m in pairs]
                        return {"yoy": by_month[pairs].mean() / by_month[before].mean() - 1, "series": series,
                                "months": [str(m) for m in pairs],
                                "basis": f"mean index {len(pairs)} month(s) in the period vs a year earlier",
                                "lineage": lineage_entries(r[r["_month"].isin(pairs + before)])}
                    latest = [m for m in recent if (m - 12) in by_month.index]
                    if latest:
                        m = max(latest)
                        return {"yoy": by_month[m] / by_month[m - 12] - 1, "series": series, "months": [str(m)],
                                "basis": f"12-month change to {m} (newest within {max_lag_days} d of the period end)",
                                "lineage": lineage_entries(r[r["_month"].isin([m, m - 12])])}
                else:
                    if in_window:
                        return {"yoy": float(by_month[in_window].mean()) / 100, "series": series,
                                "months": [str(m) for m in in_window],
                                "basis": f"mean published 12-month change over {len(in_window)} month(s)",
                                "lineage": lineage_entries(r[r["_month"].isin(in_window)])}
                    if recent:
                        m = max(recent)
                        return {"yoy": float(by_month[m]) / 100, "series": series, "months": [str(m)],
                                "basis": f"published 12-month change to {m}",
                                "lineage": lineage_entries(r[r["_month"] == m])}
        return None

    def real(self, nominal: dict, real_name: str, tried: list[str], geography: str,
             windows: list[tuple]) -> dict:
        """The real counterpart of a nominal YoY row (`frame.row` columns)."""
        unit = "fraction"
        if nominal["status"] != "ok":
            return dict(nominal, metric=real_name)
        cpis = [self.yoy(tried, s, e) for s, e in windows]
        inputs = dict(json.loads(nominal["inputs"]), nominal_yoy=nominal["value"], cpi_candidates=tried)
        common = {"sample_size": nominal["sample_size"], "observed_to": nominal["observed_to"], "inputs": inputs}
        if not tried or any(c is None for c in cpis):
            text = ", ".join(tried) if tried else "none configured"
            return row(real_name, unit, "no_cpi", f"no CPI for {geography} available (tried {text})", **common,
                       lineage=nominal["lineage"])
        values = inputs.get("per_series_nominal") or [nominal["value"]]
        reals = [(1 + n) / (1 + c["yoy"]) - 1 for n, c in zip(values, cpis)] if len(values) == len(cpis) \
            else [(1 + nominal["value"]) / (1 + cpis[0]["yoy"]) - 1]
        value = float(np.mean(reals))
        inputs["cpi"] = [{k: v for k, v in c.items() if k != "lineage"} for c in cpis]
        held = nominal["lineage"][1:-1]
        lineage = lineage_json(([held] if held else []) + [e for c in cpis for e in c["lineage"]])
        note = f"{nominal['note']}, CPI {pct(float(np.mean([c['yoy'] for c in cpis])))} ({cpis[0]['series']}) " \
               f"→ real {pct(value)}"
        return row(real_name, unit, "ok", note, value=value, lineage=lineage, **common)
