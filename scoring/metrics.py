"""Derived metrics per role: pure functions from validated observations to `Metrics` rows.

One small function per metric family; each takes the observations known on `as_of`
(period_end <= as_of), one role's lookup keys and the rubric, and returns metric rows.
Every row carries the value, its unit, a status (ok, or why there is no usable value), a
one-line note for the rationale, the exact inputs (JSON) and the lineage: the observation
keys and fetch ids the value rests on, so a published number traces back to raw bytes.

`compute_metrics` runs every family for every role and applies the rubric's staleness limits.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from jobzone.catalogue import Lookup, Role
from scoring.models import Metrics, Observations
from scoring.rubric import Rubric, geography_aliases


# --- roles -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RoleSpec:
    role_id: str
    geography: str
    lookup: Lookup


def role_specs(roles) -> list[RoleSpec]:
    """Accepts a Catalogue, Roles (iterable or dict), or lookup dicts ({role_id: lookup} / role.lookup_keys())."""
    if hasattr(roles, "roles") and isinstance(getattr(roles, "roles"), dict):
        roles = roles.roles
    items: Iterable = roles.items() if isinstance(roles, dict) else [(None, r) for r in roles]
    out = []
    for key, r in items:
        if isinstance(r, Role):
            out.append(RoleSpec(r.id, r.geography, r.lookup))
        elif isinstance(r, RoleSpec):
            out.append(r)
        elif isinstance(r, dict):
            d = dict(r)
            role_id = d.pop("role_id", None) or key
            geography = d.pop("geography", None) or "UK"
            lookup = d.pop("lookup", None) or {k: v for k, v in d.items() if k in Lookup.model_fields}
            out.append(RoleSpec(str(role_id), geography, Lookup.model_validate(lookup)))
        else:
            raise TypeError(f"cannot read role lookup keys from {type(r).__name__}")
    return out


# --- small helpers -------------------------------------------------------------------------------------
def _ts(x) -> pd.Timestamp:
    return pd.Timestamp(x).normalize()


def _iso(x) -> str | None:
    return None if x is None or pd.isna(x) else pd.Timestamp(x).date().isoformat()


def _lineage(rows: pd.DataFrame) -> list[dict]:
    """The observation keys (and fetch ids) behind a value."""
    if rows is None or len(rows) == 0:
        return []
    def text(col):
        return [None if (v is None or (isinstance(v, float) and math.isnan(v))) else str(v)
                for v in rows[col].astype(object).tolist()]
    def day(col):
        values = pd.to_datetime(rows[col]).to_numpy("datetime64[D]")
        return [None if np.isnat(v) else str(v) for v in values]
    cols = {"source": text("source"), "series_key": text("series_key"), "subject": text("subject"),
            "metric": text("metric"), "period_start": day("period_start"), "period_end": day("period_end"),
            "fetch_id": text("fetch_id")}
    return [dict(zip(cols, vals)) for vals in zip(*cols.values())]


def _metric(role_id: str, metric: str, unit: str, status: str, note: str, *, value: float | None = None,
            sample_size: float | None = None, observed_to=None, inputs: dict | None = None,
            lineage: list[dict] | None = None) -> dict:
    return {"role_id": role_id, "metric": metric, "value": value, "unit": unit, "status": status, "note": note,
            "sample_size": sample_size, "observed_to": observed_to,
            "inputs": json.dumps(inputs or {}, sort_keys=True, default=str),
            "lineage": json.dumps(lineage or [], sort_keys=True, default=str)}


def _pct(x: float) -> str:
    return f"{x * 100:+.1f} %"


def _norm_slug(s: str) -> str:
    return " ".join(str(s).lower().replace("%20", " ").replace("+", " ").split())


def _latest_unique(rows: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """One row per `by` key: the last one given (history first, tonight's batch last)."""
    return rows[~rows.duplicated(by, keep="last")]


def _country_mask(obs: pd.DataFrame, country: str) -> pd.Series:
    aliases = geography_aliases(country)
    geo = obs["geography"].astype(object).where(obs["geography"].notna(), "").astype(str).str.upper()
    key = obs["series_key"].astype(str).str.upper()
    in_key = pd.Series(False, index=obs.index)
    for a in aliases:
        in_key |= key.str.contains(f":{a}:", regex=False) | key.str.endswith(f":{a}")
    return geo.isin(aliases) | in_key


class ObservationIndex:
    """Validated observations grouped by (source, metric), each group sorted by period_end.

    Built once; `upto(as_of)` is a cheap view of the rows known on a date (binary search on
    access), so a backtest replays hundreds of dates without re-scanning the history. Rows
    with the same period_end keep their given order (history first, tonight last: the last
    one wins where duplicates are resolved).
    """

    def __init__(self, observations: pd.DataFrame | None):
        self._limit: np.datetime64 | None = None
        self._cache: dict = {}
        if observations is None:
            return
        obs = observations.reset_index(drop=True)
        obs = obs.assign(_cc=_country_codes(obs), _order=np.arange(len(obs)),
                         _detail_cf=obs["detail"].astype(object).where(obs["detail"].notna(), "").astype(str).str.casefold())
        self._groups: dict[tuple[str, str], tuple[pd.DataFrame, np.ndarray]] = {}
        for key, group in obs.groupby(["source", "metric"], sort=False):
            group = group.sort_values(["period_end", "_order"], kind="stable").drop(columns=["_order"])
            self._groups[(str(key[0]), str(key[1]))] = (group, group["period_end"].to_numpy("datetime64[ns]"))
        self._empty = obs.iloc[0:0].drop(columns=["_order"])
        self._by_cc: dict[tuple[str, str, str], tuple[pd.DataFrame, np.ndarray]] = {}

    @classmethod
    def of(cls, obs: "pd.DataFrame | ObservationIndex") -> "ObservationIndex":
        return obs if isinstance(obs, ObservationIndex) else cls(obs)

    def upto(self, as_of) -> "ObservationIndex":
        limit = np.datetime64(pd.Timestamp(as_of), "ns")
        if self._limit is not None and limit >= self._limit:
            return self
        view = ObservationIndex(None)
        view._groups, view._empty, view._limit, view._by_cc = self._groups, self._empty, limit, self._by_cc
        return view

    def _cut(self, entry: tuple[pd.DataFrame, np.ndarray] | None) -> pd.DataFrame:
        if entry is None:
            return self._empty
        frame, ends = entry
        n = len(ends) if self._limit is None else int(np.searchsorted(ends, self._limit, side="right"))
        return frame if n == len(ends) else frame.iloc[:n]

    def country(self, source: str, metric: str, country: str) -> pd.DataFrame:
        """The (source, metric) rows about one country (ISO-2; UK is GB)."""
        key = (source, metric, _cc(country))
        if key not in self._cache:
            if key not in self._by_cc:  # split once per base index, shared by every view
                entry = self._groups.get((source, metric))
                if entry is None:
                    self._by_cc[key] = None
                else:
                    frame = entry[0][entry[0]["_cc"] == key[2]]
                    self._by_cc[key] = (frame, frame["period_end"].to_numpy("datetime64[ns]"))
            self._cache[key] = self._cut(self._by_cc[key])
        return self._cache[key]

    def get(self, source: str, metric: str) -> pd.DataFrame:
        key = (source, metric)
        if key not in self._cache:
            self._cache[key] = self._cut(self._groups.get(key))
        return self._cache[key]

    def prefixed(self, source: str, prefix: str) -> pd.DataFrame:
        parts = [self.get(s, m) for (s, m) in self._groups if s == source and m.startswith(prefix)]
        return pd.concat(parts) if parts else self._empty


def _country_codes(obs: pd.DataFrame) -> pd.Series:
    """The ISO-2 country a row is about (UK -> GB), from geography, else from a ':CC:' in series_key."""
    geo = obs["geography"].astype(object).where(obs["geography"].notna(), "").astype(str).str.upper()
    geo = geo.replace({"UK": "GB"})
    from_key = obs["series_key"].astype(str).str.extract(r":([A-Z]{2})(?::|$)", expand=False)
    return geo.where(geo != "", from_key.fillna("").replace({"UK": "GB"}))


def _cc(country: str) -> str:
    c = (country or "").upper()
    return "GB" if c == "UK" else c


# --- IT Jobs Watch -------------------------------------------------------------------------------------
def _itjw_rows(obs: ObservationIndex, role: RoleSpec, metric: str) -> pd.DataFrame:
    key = role.lookup.itjobswatch
    rows = obs.get("itjobswatch", metric)
    if rows.empty:
        return rows
    rows = rows[rows["subject"].map(_norm_slug) == _norm_slug(key.slug)]
    parts = rows["series_key"].astype(str).str.split(":")
    kind = parts.map(lambda p: p[1] if len(p) >= 3 and p[1] in ("permanent", "contract") else key.kind)
    return rows[kind == key.kind]


def _year_pair(rows: pd.DataFrame, tolerance_days: int) -> tuple[pd.Series | None, pd.Series | None]:
    """The newest period and the one ending a year earlier (same fetch preferred, then nearest)."""
    rows = _latest_unique(rows.sort_values("period_end", kind="stable"), ["series_key", "period_start", "period_end"])
    if rows.empty:
        return None, None
    now = rows.iloc[-1]
    length = (now["period_end"] - now["period_start"]).days if pd.notna(now["period_start"]) else None
    target = now["period_end"] - pd.Timedelta(days=365)
    cand = rows[(rows["period_end"] - target).abs() <= pd.Timedelta(days=tolerance_days)]
    if length is not None and not cand.empty:
        lengths = (cand["period_end"] - cand["period_start"]).dt.days
        cand = cand[lengths.isna() | ((lengths - length).abs() <= 10)]
    if cand.empty:
        return now, None
    same_fetch = cand[cand["fetch_id"] == now["fetch_id"]] if pd.notna(now["fetch_id"]) else cand.iloc[0:0]
    pool = same_fetch if not same_fetch.empty else cand
    prior = pool.iloc[int(np.argmin((pool["period_end"] - target).abs().to_numpy()))]
    return now, prior


def _salaries_quoted(obs: ObservationIndex, role: RoleSpec, period_row: pd.Series) -> float | None:
    n = _itjw_rows(obs, role, "salaries_quoted")
    n = n[(n["series_key"] == period_row["series_key"]) & (n["period_end"] == period_row["period_end"])]
    n = n[n["value"].notna()]
    return None if n.empty else float(n["value"].iloc[-1])


def itjobswatch_postings_yoy(obs, role: RoleSpec, as_of: pd.Timestamp, rubric: Rubric) -> list[dict]:
    """Role-level postings: current 6 months vs the same 6 months a year earlier (fraction)."""
    obs = ObservationIndex.of(obs).upto(as_of)
    name, unit = "postings_yoy_role", "fraction"
    key = role.lookup.itjobswatch
    if key is None:
        return [_metric(role.role_id, name, unit, "no_lookup_key", "no IT Jobs Watch slug in the catalogue")]
    rows = _itjw_rows(obs, role, "postings")
    if rows.empty:
        return [_metric(role.role_id, name, unit, "no_data", f"no IT Jobs Watch postings for {key.slug!r}")]
    now, prior = _year_pair(rows, rubric.matching.year_tolerance_days)
    lineage = _lineage(pd.DataFrame([r for r in (now, prior) if r is not None]))
    if prior is None:
        return [_metric(role.role_id, name, unit, "insufficient_history",
                        f"no period a year before {_iso(now['period_end'])}", observed_to=now["period_end"],
                        lineage=lineage)]
    a, b = now["value"], prior["value"]
    inputs = {"slug": key.slug, "kind": key.kind, "now": None if pd.isna(a) else float(a),
              "year_earlier": None if pd.isna(b) else float(b),
              "period_now": [_iso(now["period_start"]), _iso(now["period_end"])],
              "period_year_earlier": [_iso(prior["period_start"]), _iso(prior["period_end"])]}
    if pd.isna(a) or pd.isna(b):
        return [_metric(role.role_id, name, unit, "not_published", "IT Jobs Watch count not published",
                        observed_to=now["period_end"], inputs=inputs, lineage=lineage)]
    _, spec = rubric.input(name)
    n = min(a, b)
    if n <= 0 or (spec.min_sample is not None and n < spec.min_sample):
        return [_metric(role.role_id, name, unit, "insufficient_sample",
                        f"{a:,.0f} vs {b:,.0f} ads, fewer than {spec.min_sample or 1:g}", sample_size=n,
                        observed_to=now["period_end"], inputs=inputs, lineage=lineage)]
    value = a / b - 1
    note = f"{role.geography} postings {a:,.0f} vs {b:,.0f} ({_pct(value)})"
    return [_metric(role.role_id, name, unit, "ok", note, value=value, sample_size=n,
                    observed_to=now["period_end"], inputs=inputs, lineage=lineage)]


# --- CPI ---------------------------------------------------------------------------------------------------
def _cpi_rows(obs: ObservationIndex, series: str) -> pd.DataFrame:
    source, _, ident = series.partition(":")
    rows = pd.concat([obs.get(source, "cpi_index"), obs.get(source, "cpi_yoy_pct")])
    return rows[(rows["series_key"] == series) | (rows["subject"] == ident)]


def cpi_yoy(obs, candidates: list[str], start: pd.Timestamp | None, end: pd.Timestamp,
            max_lag_days: int) -> dict | None:
    """CPI change over [start, end] vs the same months a year earlier, from the first candidate with data.

    Returns {"yoy", "series", "basis", "months", "lineage"} or None.
    """
    obs = ObservationIndex.of(obs)
    start = end if start is None or pd.isna(start) else start
    lo, hi = start.to_period("M"), end.to_period("M")
    for series in candidates:
        rows = _cpi_rows(obs, series)
        if rows.empty:
            continue
        for metric in ("cpi_index", "cpi_yoy_pct"):
            r = rows[(rows["metric"] == metric) & rows["value"].notna()]
            if r.empty:
                continue
            when = r["period_start"].fillna(r["period_end"])
            r = r.assign(_month=when.dt.to_period("M"))
            r = _latest_unique(r.sort_values("_month", kind="stable"), ["_month"])
            by_month = pd.Series(r["value"].to_numpy(dtype=float), index=r["_month"])
            in_window = [m for m in by_month.index if lo <= m <= hi]
            if metric == "cpi_index":
                pairs = [m for m in in_window if (m - 12) in by_month.index]
                if pairs:
                    now = by_month[pairs].mean()
                    before = by_month[[m - 12 for m in pairs]].mean()
                    used = r[r["_month"].isin(pairs + [m - 12 for m in pairs])]
                    return {"yoy": now / before - 1, "series": series, "months": [str(m) for m in pairs],
                            "basis": f"mean index {len(pairs)} month(s) in the period vs a year earlier",
                            "lineage": _lineage(used)}
                latest = [m for m in by_month.index if m <= hi and (m - 12) in by_month.index
                          and (end - m.to_timestamp(how="end").normalize()).days <= max_lag_days]
                if latest:
                    m = max(latest)
                    used = r[r["_month"].isin([m, m - 12])]
                    return {"yoy": by_month[m] / by_month[m - 12] - 1, "series": series, "months": [str(m)],
                            "basis": f"12-month change to {m} (newest within {max_lag_days} d of the period end)",
                            "lineage": _lineage(used)}
            else:
                if in_window:
                    used = r[r["_month"].isin(in_window)]
                    return {"yoy": float(by_month[in_window].mean()) / 100, "series": series,
                            "months": [str(m) for m in in_window],
                            "basis": f"mean published 12-month change over {len(in_window)} month(s)",
                            "lineage": _lineage(used)}
                latest = [m for m in by_month.index if m <= hi
                          and (end - m.to_timestamp(how="end").normalize()).days <= max_lag_days]
                if latest:
                    m = max(latest)
                    return {"yoy": float(by_month[m]) / 100, "series": series, "months": [str(m)],
                            "basis": f"published 12-month change to {m}", "lineage": _lineage(r[r["_month"] == m])}
    return None


def _cpi_candidates(role: RoleSpec, geography: str, rubric: Rubric) -> list[str]:
    out = []
    if role.lookup.cpi_series and geography_aliases(geography) & geography_aliases(role.geography):
        s = role.lookup.cpi_series
        out.append(s if ":" in s else f"fred:{s}")
    out += [s for s in rubric.cpi.series_for(geography) if s not in out]
    return out


def _real_from_nominal(nominal: dict, obs: ObservationIndex, role: RoleSpec, geography: str, real_name: str,
                       windows: list[tuple[pd.Timestamp | None, pd.Timestamp]], rubric: Rubric) -> dict:
    """The real counterpart of an ok nominal YoY row: (1 + nominal) / (1 + CPI YoY) - 1."""
    unit = "fraction"
    if nominal["status"] != "ok":
        return _metric(role.role_id, real_name, unit, nominal["status"], nominal["note"], sample_size=nominal["sample_size"],
                       observed_to=nominal["observed_to"], inputs=json.loads(nominal["inputs"]),
                       lineage=json.loads(nominal["lineage"]))
    candidates = _cpi_candidates(role, geography, rubric)
    cpis = [cpi_yoy(obs, candidates, s, e, rubric.cpi.max_lag_days) for s, e in windows]
    inputs = dict(json.loads(nominal["inputs"]), nominal_yoy=nominal["value"], cpi_candidates=candidates)
    if not candidates or any(c is None for c in cpis):
        tried = ", ".join(candidates) if candidates else "none configured"
        return _metric(role.role_id, real_name, unit, "no_cpi",
                       f"no CPI for {geography} available (tried {tried})", sample_size=nominal["sample_size"],
                       observed_to=nominal["observed_to"], inputs=inputs, lineage=json.loads(nominal["lineage"]))
    nominal_values = inputs.get("per_series_nominal") or [nominal["value"]]
    reals = [(1 + n) / (1 + c["yoy"]) - 1 for n, c in zip(nominal_values, cpis)] if len(nominal_values) == len(cpis) \
        else [(1 + nominal["value"]) / (1 + cpis[0]["yoy"]) - 1]
    value = float(np.mean(reals))
    cpi_mean = float(np.mean([c["yoy"] for c in cpis]))
    inputs["cpi"] = [{k: v for k, v in c.items() if k != "lineage"} for c in cpis]
    lineage = json.loads(nominal["lineage"]) + [x for c in cpis for x in c["lineage"]]
    note = f"{nominal['note']}, CPI {_pct(cpi_mean)} ({cpis[0]['series']}) → real {_pct(value)}"
    return _metric(role.role_id, real_name, unit, "ok", note, value=value, sample_size=nominal["sample_size"],
                   observed_to=nominal["observed_to"], inputs=inputs, lineage=lineage)


def itjobswatch_salary_yoy(obs, role: RoleSpec, as_of: pd.Timestamp, rubric: Rubric) -> list[dict]:
    """Median salary (day rate for contract pages) now vs a year earlier: nominal and real."""
    obs = ObservationIndex.of(obs).upto(as_of)
    unit = "fraction"
    nominal_name, real_name = "salary_yoy_nominal_itjw", "salary_yoy_real_itjw"
    key = role.lookup.itjobswatch
    if key is None:
        note = "no IT Jobs Watch slug in the catalogue"
        return [_metric(role.role_id, m, unit, "no_lookup_key", note) for m in (nominal_name, real_name)]
    what = "median_daily_rate" if key.kind == "contract" else "median_salary"
    rows = _itjw_rows(obs, role, what)
    window: tuple = (None, as_of)
    if rows.empty:
        nominal = _metric(role.role_id, nominal_name, unit, "no_data", f"no IT Jobs Watch {what} for {key.slug!r}")
    else:
        now, prior = _year_pair(rows, rubric.matching.year_tolerance_days)
        lineage_rows = [r for r in (now, prior) if r is not None]
        if prior is None:
            nominal = _metric(role.role_id, nominal_name, unit, "insufficient_history",
                              f"no salary period a year before {_iso(now['period_end'])}",
                              observed_to=now["period_end"], lineage=_lineage(pd.DataFrame(lineage_rows)))
        else:
            n_now, n_prior = _salaries_quoted(obs, role, now), _salaries_quoted(obs, role, prior)
            sq = obs.get("itjobswatch", "salaries_quoted")
            sq = sq[sq["series_key"].isin([now["series_key"], prior["series_key"]])
                    & sq["period_end"].isin([now["period_end"], prior["period_end"]])]
            lineage = _lineage(pd.concat([pd.DataFrame(lineage_rows), sq]))
            a, b = now["value"], prior["value"]
            known = [n for n in (n_now, n_prior) if n is not None]
            n = min(known) if known else None
            inputs = {"slug": key.slug, "kind": key.kind, "metric": what,
                      "now": None if pd.isna(a) else float(a), "year_earlier": None if pd.isna(b) else float(b),
                      "salaries_quoted_now": n_now, "salaries_quoted_year_earlier": n_prior,
                      "period_now": [_iso(now["period_start"]), _iso(now["period_end"])],
                      "period_year_earlier": [_iso(prior["period_start"]), _iso(prior["period_end"])]}
            _, spec = rubric.input(nominal_name)
            window = (now["period_start"], now["period_end"])
            if pd.isna(a) or pd.isna(b):
                nominal = _metric(role.role_id, nominal_name, unit, "not_published", f"IT Jobs Watch {what} not published",
                                  observed_to=now["period_end"], inputs=inputs, lineage=lineage)
            elif n is not None and spec.min_sample is not None and n < spec.min_sample:
                nominal = _metric(role.role_id, nominal_name, unit, "insufficient_sample",
                                  f"median rests on {n:g} salaries, fewer than {spec.min_sample:g}", sample_size=n,
                                  observed_to=now["period_end"], inputs=inputs, lineage=lineage)
            else:
                value = a / b - 1
                money = "£{:,.0f}/day" if what == "median_daily_rate" else "£{:,.0f}"
                label = "median day rate" if what == "median_daily_rate" else "median salary"
                n_text = f", n={n_now:g}/{n_prior:g}" if n_now is not None and n_prior is not None else ""
                note = f"{role.geography} {label} {money.format(a)} vs {money.format(b)} ({_pct(value)}{n_text})"
                nominal = _metric(role.role_id, nominal_name, unit, "ok", note, value=value, sample_size=n,
                                  observed_to=now["period_end"], inputs=inputs, lineage=lineage)
    return [nominal, _real_from_nominal(nominal, obs, role, role.geography, real_name, [window], rubric)]


# --- BLS OEWS (level-only: YoY needs two archived years) -------------------------------------------------------
def bls_oews_yoy(obs, role: RoleSpec, as_of: pd.Timestamp, rubric: Rubric) -> list[dict]:
    obs = ObservationIndex.of(obs).upto(as_of)
    unit = "fraction"
    nominal_name, real_name = "salary_yoy_nominal_oews", "salary_yoy_real_oews"
    ids = role.lookup.bls_series
    if not ids:
        note = "no BLS OEWS series in the catalogue"
        return [_metric(role.role_id, m, unit, "no_lookup_key", note) for m in (nominal_name, real_name)]
    bls = obs.prefixed("bls", "oews_")
    per_series, problems, lineage_rows, windows = [], [], [], []
    for sid in ids:
        rows = bls[(bls["series_key"] == f"bls:{sid}") | (bls["subject"] == sid)]
        if rows.empty:
            problems.append(("no_data", f"{sid}: no OEWS observations"))
            continue
        metrics_held = list(dict.fromkeys(rows["metric"]))
        metric = next((m for m in ("oews_annual_median", "oews_annual_mean") if m in metrics_held), metrics_held[0])
        rows = rows[rows["metric"] == metric].assign(_year=lambda d: d["period_end"].dt.year)
        rows = _latest_unique(rows.sort_values("period_end", kind="stable"), ["_year"])
        years = list(rows["_year"])
        latest = rows.iloc[-1]
        prev = rows[rows["_year"] == latest["_year"] - 1]
        if prev.empty:
            problems.append(("insufficient_history",
                             f"{sid}: {len(years)} annual period(s) held ({', '.join(map(str, years))}); "
                             "YoY needs two consecutive years"))
            lineage_rows.append(latest)
            continue
        prior = prev.iloc[-1]
        lineage_rows += [prior, latest]
        if pd.isna(latest["value"]) or pd.isna(prior["value"]):
            problems.append(("not_published", f"{sid}: {metric} not published (top-coded or withheld)"))
            continue
        per_series.append({"series": sid, "metric": metric, "year": int(latest["_year"]),
                           "now": float(latest["value"]), "year_earlier": float(prior["value"]),
                           "yoy": float(latest["value"]) / float(prior["value"]) - 1,
                           "observed_to": latest["period_end"]})
        windows.append((latest["period_start"], latest["period_end"]))
    lineage = _lineage(pd.DataFrame(lineage_rows)) if lineage_rows else []
    if not per_series:
        status = next(s for s in ("not_published", "insufficient_history", "no_data") if s in [p[0] for p in problems])
        note = "; ".join(p[1] for p in problems)
        observed = max((r["period_end"] for r in lineage_rows), default=None)
        nominal = _metric(role.role_id, nominal_name, unit, status, note, observed_to=observed,
                          inputs={"series": ids}, lineage=lineage)
        return [nominal, _real_from_nominal(nominal, obs, role, "US", real_name, [], rubric)]
    value = float(np.mean([p["yoy"] for p in per_series]))
    first = per_series[0]
    note = (f"US OEWS {first['metric'].removeprefix('oews_').replace('_', ' ')} ${first['now']:,.0f} ({first['year']}) "
            f"vs ${first['year_earlier']:,.0f} ({_pct(first['yoy'])})")
    if len(per_series) > 1:
        note = f"US OEWS mean of {len(per_series)} series {_pct(value)} ({note.removeprefix('US OEWS ')} ...)"
    observed = min(p["observed_to"] for p in per_series)
    inputs = {"series": [{k: v for k, v in p.items() if k != "observed_to"} for p in per_series],
              "per_series_nominal": [p["yoy"] for p in per_series], "problems": [p[1] for p in problems]}
    nominal = _metric(role.role_id, nominal_name, unit, "ok", note, value=value, observed_to=observed,
                      inputs=inputs, lineage=lineage)
    return [nominal, _real_from_nominal(nominal, obs, role, "US", real_name, windows, rubric)]


# --- Indeed Hiring Lab ------------------------------------------------------------------------------------------
def _indeed_series(obs: ObservationIndex, metric: str, country: str) -> pd.DataFrame:
    return obs.country("indeed", metric, country)


def _level_yoy(rows: pd.DataFrame, rubric: Rubric) -> dict | None:
    """Level at the newest date vs `indeed_lag_days` earlier (nearest within tolerance)."""
    rows = rows[rows["value"].notna()]
    if rows.empty:
        return None
    ends = rows["period_end"].to_numpy("datetime64[ns]")
    order = np.argsort(ends, kind="stable")
    ends, values = ends[order], rows["value"].to_numpy(float)[order]
    last = len(ends) - 1  # the last row of the newest date wins
    out = {"date": pd.Timestamp(ends[last]), "now": float(values[last]),
           "lineage_rows": rows.iloc[[order[last]]]}
    target = ends[last] - np.timedelta64(rubric.matching.indeed_lag_days, "D")
    gaps = np.abs((ends - target).astype("timedelta64[D]").astype(np.int64))
    i = int(np.argmin(gaps))
    if gaps[i] <= rubric.matching.indeed_tolerance_days:
        same = np.flatnonzero(ends == ends[i])
        j = int(same[-1])
        out.update(prior_date=pd.Timestamp(ends[j]), year_earlier=float(values[j]),
                   lineage_rows=rows.iloc[[order[j], order[last]]])
    return out


def indeed_postings_yoy(obs, role: RoleSpec, as_of: pd.Timestamp, rubric: Rubric) -> list[dict]:
    """Sector-level (mean over the role's sectors) and country-level index YoY."""
    obs = ObservationIndex.of(obs).upto(as_of)
    unit = "fraction"
    key = role.lookup.indeed
    if key is None:
        return [_metric(role.role_id, m, unit, "no_lookup_key", "no Indeed country in the catalogue")
                for m in ("postings_yoy_sector", "postings_yoy_country")]
    out = []
    # sectors
    name = "postings_yoy_sector"
    if not key.sectors:
        out.append(_metric(role.role_id, name, unit, "no_lookup_key", "no Indeed sectors in the catalogue"))
    else:
        rows = _indeed_series(obs, "sector_postings_index", key.country)
        parts, missing, lineage, newest = [], [], [], []
        for sector in key.sectors:
            r = rows[rows["subject"].astype(str).str.casefold() == sector.casefold()]
            res = _level_yoy(r, rubric) if not r.empty else None
            if res is None:
                missing.append(f"{sector}: no data")
                continue
            lineage += _lineage(res["lineage_rows"])
            newest.append(res["date"])
            if "year_earlier" not in res:
                missing.append(f"{sector}: no level {rubric.matching.indeed_lag_days} d before {_iso(res['date'])}")
                continue
            parts.append({"sector": sector, "date": _iso(res["date"]), "now": res["now"],
                          "year_earlier_date": _iso(res["prior_date"]), "year_earlier": res["year_earlier"],
                          "yoy": res["now"] / res["year_earlier"] - 1, "_date": res["date"]})
        if parts:
            value = float(np.mean([p["yoy"] for p in parts]))
            detail = "; ".join(f"{p['sector']} {p['now']:.1f} vs {p['year_earlier']:.1f}" for p in parts)
            note = f"{key.country} Indeed sector index {_pct(value)} YoY ({detail})"
            observed = min(p.pop("_date") for p in parts)
            out.append(_metric(role.role_id, name, unit, "ok", note, value=value, observed_to=observed,
                               inputs={"country": key.country, "sectors": parts, "missing": missing},
                               lineage=lineage))
        else:
            status = "insufficient_history" if newest else "no_data"
            out.append(_metric(role.role_id, name, unit, status,
                               f"{key.country} Indeed sectors: " + "; ".join(missing),
                               observed_to=max(newest) if newest else None, lineage=lineage))
    # country aggregate (fallback)
    name = "postings_yoy_country"
    rows = _indeed_series(obs, "postings_index", key.country)
    res = _level_yoy(rows, rubric) if not rows.empty else None
    if res is None:
        out.append(_metric(role.role_id, name, unit, "no_data", f"no Indeed postings index for {key.country}"))
    elif "year_earlier" not in res:
        out.append(_metric(role.role_id, name, unit, "insufficient_history",
                           f"{key.country} Indeed index: no level a year before {_iso(res['date'])}",
                           observed_to=res["date"], lineage=_lineage(res["lineage_rows"])))
    else:
        value = res["now"] / res["year_earlier"] - 1
        out.append(_metric(
            role.role_id, name, unit, "ok",
            f"{key.country} Indeed all-jobs index {res['now']:.1f} vs {res['year_earlier']:.1f} ({_pct(value)})",
            value=value, observed_to=res["date"], lineage=_lineage(res["lineage_rows"]),
            inputs={"country": key.country, "date": _iso(res["date"]), "now": res["now"],
                    "year_earlier_date": _iso(res["prior_date"]), "year_earlier": res["year_earlier"]}))
    return out


def indeed_posted_wage_growth(obs, role: RoleSpec, as_of: pd.Timestamp, rubric: Rubric) -> list[dict]:
    obs = ObservationIndex.of(obs).upto(as_of)
    name, unit = "posted_wage_growth", "fraction"
    key = role.lookup.indeed
    if key is None:
        return [_metric(role.role_id, name, unit, "no_lookup_key", "no Indeed country in the catalogue")]
    rows = _indeed_series(obs, "posted_wage_growth_yoy", key.country)
    country_rows = rows[rows["subject"].astype(str).str.upper().isin(geography_aliases(key.country))]
    if not country_rows.empty:
        rows = country_rows
    else:  # the by-sector file carries sectors as subjects: never mistake one for the country
        rows = rows[~rows["series_key"].astype(str).str.contains("sector", case=False)]
    rows = rows[rows["value"].notna()].sort_values("period_end", kind="stable")
    if rows.empty:
        return [_metric(role.role_id, name, unit, "no_data", f"no Indeed posted-wage growth for {key.country}")]
    last = rows.iloc[-1]
    value = float(last["value"])
    month = pd.Timestamp(last["period_end"]).strftime("%b %Y")
    note = f"{key.country} posted wages {_pct(value)} YoY ({month})"
    return [_metric(role.role_id, name, unit, "ok", note, value=value, observed_to=last["period_end"],
                    inputs={"country": key.country, "month": month, "value": value},
                    lineage=_lineage(rows.iloc[[-1]]))]


def indeed_ai_share_change(obs, role: RoleSpec, as_of: pd.Timestamp, rubric: Rubric) -> list[dict]:
    obs = ObservationIndex.of(obs).upto(as_of)
    name, unit = "ai_share_pp_change", "pp"
    key = role.lookup.indeed
    if key is None:
        return [_metric(role.role_id, name, unit, "no_lookup_key", "no Indeed country in the catalogue")]
    rows = _indeed_series(obs, "ai_share_postings", key.country)
    res = _level_yoy(rows, rubric) if not rows.empty else None
    if res is None:
        return [_metric(role.role_id, name, unit, "no_data", f"no Indeed AI share for {key.country}")]
    if "year_earlier" not in res:
        return [_metric(role.role_id, name, unit, "insufficient_history",
                        f"{key.country} AI share: no level a year before {_iso(res['date'])}",
                        observed_to=res["date"], lineage=_lineage(res["lineage_rows"]))]
    value = res["now"] - res["year_earlier"]
    note = (f"{key.country} AI share of postings {res['year_earlier']:.2f} % → {res['now']:.2f} % "
            f"({value:+.2f} pp in a year)")
    return [_metric(role.role_id, name, unit, "ok", note, value=value, observed_to=res["date"],
                    inputs={"country": key.country, "date": _iso(res["date"]), "now_pct": res["now"],
                            "year_earlier_date": _iso(res["prior_date"]), "year_earlier_pct": res["year_earlier"]},
                    lineage=_lineage(res["lineage_rows"]))]


# --- layoffs --------------------------------------------------------------------------------------------------
def decay_weight(age_days, time_constant_days: float):
    """exp(-age / time constant): a 90-day-old event weighs e^-1 of a fresh one (tau = 90)."""
    return np.exp(-np.asarray(age_days, dtype=float) / time_constant_days)


def layoffs_change(obs, role: RoleSpec, as_of: pd.Timestamp, rubric: Rubric) -> list[dict]:
    """Recency-weighted layoffs in the role's industries: trailing window vs the window a year earlier."""
    obs = ObservationIndex.of(obs).upto(as_of)
    unit = "fraction"
    names = ("layoff_headcount_change", "layoff_events_change")
    industries = role.lookup.layoff_industries
    if not industries:
        return [_metric(role.role_id, m, unit, "no_lookup_key", "no layoff industries in the catalogue") for m in names]
    feed = obs.get("layoffs", "layoff_headcount")
    if feed.empty:
        return [_metric(role.role_id, m, unit, "no_data", "no layoffs observations") for m in names]
    feed_newest = feed["period_end"].max()
    wanted = {i.casefold() for i in industries}
    ev = feed[feed["_detail_cf"].isin(wanted)]
    ev = _latest_unique(ev, ["series_key", "subject", "period_end", "detail"])
    cfg = rubric.layoffs
    window = pd.Timedelta(days=cfg.window_days)
    current = ev[(ev["period_end"] > as_of - window) & (ev["period_end"] <= as_of)]
    prior = ev[(ev["period_end"] > as_of - 2 * window) & (ev["period_end"] <= as_of - window)]
    w_now = decay_weight((as_of - current["period_end"]).dt.days, cfg.time_constant_days)
    w_prior = decay_weight((as_of - window - prior["period_end"]).dt.days, cfg.time_constant_days)
    head_now = float(np.nansum(w_now * current["value"].to_numpy(dtype=float)))
    head_prior = float(np.nansum(w_prior * prior["value"].to_numpy(dtype=float)))
    events_now, events_prior = float(w_now.sum()), float(w_prior.sum())
    n = int(len(current) + len(prior))
    inputs = {"industries": industries, "time_constant_days": cfg.time_constant_days, "window_days": cfg.window_days,
              "decayed_headcount_now": round(head_now, 3), "decayed_headcount_year_earlier": round(head_prior, 3),
              "decayed_events_now": round(events_now, 4), "decayed_events_year_earlier": round(events_prior, 4),
              "events_now": int(len(current)), "events_year_earlier": int(len(prior)),
              "headcount_floor": cfg.headcount_floor, "events_floor": cfg.events_floor,
              "feed_newest_event": _iso(feed_newest)}
    lineage = _lineage(pd.concat([prior, current]))
    label = "/".join(industries)
    out = []
    for name, now, before, floor in ((names[0], head_now, head_prior, cfg.headcount_floor),
                                     (names[1], events_now, events_prior, cfg.events_floor)):
        _, spec = rubric.input(name)
        if spec.min_sample is not None and n < spec.min_sample:
            out.append(_metric(role.role_id, name, unit, "insufficient_sample",
                               f"{label} layoffs: {n} event(s) in two years, fewer than {spec.min_sample:g}",
                               sample_size=n, observed_to=feed_newest, inputs=inputs, lineage=lineage))
            continue
        value = now / max(before, floor) - 1
        what = "decayed headcount" if name == names[0] else "decayed events"
        note = (f"{label} layoffs {what} {now:,.1f} vs {before:,.1f} a year earlier ({_pct(value)}; "
                f"{len(current)} vs {len(prior)} events)")
        out.append(_metric(role.role_id, name, unit, "ok", note, value=value, sample_size=n,
                           observed_to=feed_newest, inputs=inputs, lineage=lineage))
    return out


# --- expert claims ---------------------------------------------------------------------------------------------
def expert_consensus(obs, role: RoleSpec, as_of: pd.Timestamp, rubric: Rubric) -> list[dict]:
    obs = ObservationIndex.of(obs).upto(as_of)
    name, unit = "expert_net_direction", "direction"
    rows = obs.get("claims", "expert_claim")
    rows = rows[rows["subject"] == role.role_id]
    rows = _latest_unique(rows[rows["value"].notna()], ["series_key", "period_end", "detail"])
    if rows.empty:
        return [_metric(role.role_id, name, unit, "no_data", f"no dated expert claims for {role.role_id}")]
    cfg = rubric.claims
    ages = (as_of - rows["period_end"]).dt.days.to_numpy(dtype=float)
    weights = 0.5 ** (ages / cfg.half_life_days)
    directions = rows["value"].to_numpy(dtype=float)
    value = float((weights * directions).sum() / (weights.sum() + cfg.neutral_prior_weight))
    _, spec = rubric.input(name)
    claims = [{"date": _iso(d), "direction": float(v), "weight": round(float(w), 4), "detail": None if pd.isna(t) else t}
              for d, v, w, t in zip(rows["period_end"], directions, weights, rows["detail"])]
    inputs = {"half_life_days": cfg.half_life_days, "neutral_prior_weight": cfg.neutral_prior_weight, "claims": claims}
    newest = rows["period_end"].max()
    status = "ok" if spec.min_sample is None or len(rows) >= spec.min_sample else "insufficient_sample"
    counts = {d: int((directions == d).sum()) for d in (1.0, 0.0, -1.0)}
    note = (f"{len(rows)} expert claim(s) (+{counts[1.0]}/={counts[0.0]}/-{counts[-1.0]}, newest {_iso(newest)}): "
            f"net {value:+.2f} (half-life {cfg.half_life_days:g} d)")
    return [_metric(role.role_id, name, unit, status, note, value=value, sample_size=len(rows),
                    observed_to=newest, inputs=inputs, lineage=_lineage(rows))]


# --- everything --------------------------------------------------------------------------------------------------
FAMILIES: tuple[Callable[[pd.DataFrame, RoleSpec, pd.Timestamp, Rubric], list[dict]], ...] = (
    itjobswatch_postings_yoy, indeed_postings_yoy, itjobswatch_salary_yoy, bls_oews_yoy,
    indeed_posted_wage_growth, indeed_ai_share_change, layoffs_change, expert_consensus,
)

# For a metric with no usable value: which quarantined rows would it have read? (source, metrics)
_READS = {
    "postings_yoy_role": ("itjobswatch", ("postings",)),
    "salary_yoy_nominal_itjw": ("itjobswatch", ("median_salary", "median_daily_rate")),
    "salary_yoy_real_itjw": ("itjobswatch", ("median_salary", "median_daily_rate")),
    "postings_yoy_sector": ("indeed", ("sector_postings_index",)),
    "postings_yoy_country": ("indeed", ("postings_index",)),
    "posted_wage_growth": ("indeed", ("posted_wage_growth_yoy",)),
    "ai_share_pp_change": ("indeed", ("ai_share_postings",)),
    "salary_yoy_nominal_oews": ("bls", None), "salary_yoy_real_oews": ("bls", None),  # any oews_* metric
    "layoff_headcount_change": ("layoffs", ("layoff_headcount",)),
    "layoff_events_change": ("layoffs", ("layoff_headcount",)),
    "expert_net_direction": ("claims", ("expert_claim",)),
}


def _quarantined_for(quarantine: pd.DataFrame | None, role: RoleSpec, metric: str) -> int:
    if quarantine is None or quarantine.empty:
        return 0
    source, wanted = _READS[metric]
    q = quarantine[quarantine["source"] == source]
    q = q[q["metric"].isin(wanted)] if wanted else q[q["metric"].astype(str).str.startswith("oews_")]
    subject = q["subject"].astype(str)
    lk = role.lookup
    if source == "itjobswatch":
        q = q[subject.map(_norm_slug) == _norm_slug(lk.itjobswatch.slug)] if lk.itjobswatch else q.iloc[0:0]
    elif source == "bls":
        q = q[subject.isin(lk.bls_series) | q["series_key"].isin([f"bls:{s}" for s in lk.bls_series])]
    elif source == "claims":
        q = q[subject == role.role_id]
    elif source == "indeed":
        if lk.indeed is None:
            return 0
        q = q[_country_mask(q.assign(geography=None), lk.indeed.country)
              | subject.str.upper().isin(geography_aliases(lk.indeed.country))]
    return int(len(q))


def known_on(observations: pd.DataFrame, as_of) -> pd.DataFrame:
    """The observations whose period ended on or before `as_of`."""
    return observations[observations["period_end"] <= _ts(as_of)]


def compute_metrics(observations: "pd.DataFrame | ObservationIndex", roles, as_of: date | str | pd.Timestamp, rubric: Rubric,
                    quarantine: pd.DataFrame | None = None, *, validated: bool = False,
                    validate_output: bool = True) -> pd.DataFrame:
    """Every rubric metric for every role on `as_of`, as a validated `Metrics` frame.

    `observations` are good (validated) rows, history first and tonight's batch last (the
    last of duplicate rows wins). `quarantine`, when given, turns "no data" into
    "quarantined" for metrics whose rows were kept out tonight. A value is `stale` when its
    newest observation is older than the rubric's `max_age_days` for that metric.
    """
    as_of = _ts(as_of)
    if isinstance(observations, ObservationIndex):
        obs = observations.upto(as_of)
    else:
        obs = observations if validated else Observations.validate(observations, lazy=True)
        obs = ObservationIndex(known_on(obs, as_of))
    wanted = set(rubric.metrics())
    rows: list[dict] = []
    for role in role_specs(roles):
        for family in FAMILIES:
            for row in family(obs, role, as_of, rubric):
                if row["metric"] not in wanted:
                    continue
                _, spec = rubric.input(row["metric"])
                observed = row["observed_to"]
                if row["status"] == "ok" and observed is not None and not pd.isna(observed):
                    age = int((as_of - pd.Timestamp(observed)).days)
                    if age > spec.max_age_days:
                        row["status"] = "stale"
                        row["note"] += f"; newest {_iso(observed)} is {age} d old > {spec.max_age_days} d"
                if row["status"] != "ok":
                    n = _quarantined_for(quarantine, role, row["metric"])
                    if n and row["status"] in ("no_data", "insufficient_history", "not_published", "stale",
                                               "insufficient_sample"):
                        row["note"] += f"; {n} observation(s) quarantined tonight (was {row['status']})"
                        row["status"] = "quarantined"
                rows.append(row)
    frame = pd.DataFrame(rows, columns=["role_id", "metric", "value", "unit", "status", "note", "sample_size",
                                        "observed_to", "inputs", "lineage"])
    frame["as_of"] = as_of
    frame["rubric_version"] = rubric.version
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype("float64")
    frame["sample_size"] = pd.to_numeric(frame["sample_size"], errors="coerce").astype("float64")
    frame["observed_to"] = pd.to_datetime(frame["observed_to"])
    frame = frame[["role_id", "metric", "as_of", "value", "unit", "status", "sample_size", "observed_to", "note",
                   "inputs", "lineage", "rubric_version"]]
    return Metrics.validate(frame, lazy=True) if validate_output else frame


WAREHOUSE_METRIC_COLUMNS = ["role_id", "metric", "as_of", "value", "unit", "status", "inputs", "lineage",
                            "rubric_version"]
