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
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from core.catalogue import Lookup, Role
from core.geography import COUNTRY_ALIASES, country_code, geography_aliases
from scoring.models import Metrics, Observations
from scoring.rubric import Rubric
from scrapers.base import DATE_COLUMNS
from scrapers.itjobswatch.settings import KINDS as ITJW_KINDS


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


#: the observation columns a lineage entry names, in this order (dates as ISO days, the rest as text)
_LINEAGE_COLUMNS = ("source", "series_key", "subject", "metric", "period_start", "period_end", "fetch_id")


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
    cols = {c: day(c) if c in DATE_COLUMNS else text(c) for c in _LINEAGE_COLUMNS}
    return [dict(zip(cols, vals)) for vals in zip(*cols.values())]


def _lineage_of(row: dict) -> dict:
    """`_lineage` of one row given as a dict (see `_Group.records`): the same entry."""
    def text(v):
        return None if (v is None or (isinstance(v, float) and math.isnan(v))) else str(v)
    def day(v):
        return None if v is None or v is pd.NaT else str(pd.Timestamp(v).to_datetime64().astype("datetime64[D]"))
    return {c: day(row[c]) if c in DATE_COLUMNS else text(row[c]) for c in _LINEAGE_COLUMNS}


def _metric(role_id: str, metric: str, unit: str, status: str, note: str, *, value: float | None = None,
            sample_size: float | None = None, observed_to=None, inputs: dict | None = None,
            lineage: list[dict] | None = None, lineage_json: str | None = None) -> dict:
    """One metric row; `lineage_json` is the lineage already serialised (as json.dumps would)."""
    if lineage_json is None:
        lineage_json = json.dumps(lineage or [], sort_keys=True, default=str)
    return {"role_id": role_id, "metric": metric, "value": value, "unit": unit, "status": status, "note": note,
            "sample_size": sample_size, "observed_to": observed_to,
            "inputs": json.dumps(inputs or {}, sort_keys=True, default=str), "lineage": lineage_json}


def _pct(x: float) -> str:
    return f"{x * 100:+.1f} %"


def _norm_slug(s: str) -> str:
    return " ".join(str(s).lower().replace("%20", " ").replace("+", " ").split())


def _latest_unique(rows: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """One row per `by` key: the last one given (history first, tonight's batch last)."""
    return rows[~rows.duplicated(by, keep="last")]


def _missing(x) -> bool:
    return x is None or x is pd.NaT or (isinstance(x, float) and math.isnan(x))


def _latest_unique_records(rows: list[dict], by: tuple[str, ...]) -> list[dict]:
    """`_latest_unique` for rows as dicts: missing values (None, NaN, NaT) count as equal."""
    keys = [tuple([None if _missing(r[c]) else r[c] for c in by]) for r in rows]
    last = {k: i for i, k in enumerate(keys)}
    return [r for i, (r, k) in enumerate(zip(rows, keys)) if last[k] == i]


def _country_mask(obs: pd.DataFrame, country: str) -> pd.Series:
    aliases = geography_aliases(country)
    geo = obs["geography"].astype(object).where(obs["geography"].notna(), "").astype(str).str.upper()
    key = obs["series_key"].astype(str).str.upper()
    in_key = pd.Series(False, index=obs.index)
    for a in aliases:
        in_key |= key.str.contains(f":{a}:", regex=False) | key.str.endswith(f":{a}")
    return geo.isin(aliases) | in_key


def _itjw_kind(series_key: str) -> str | None:
    """The kind a series_key names (itjobswatch:permanent:<slug>), None when it names none."""
    p = str(series_key).split(":")
    return p[1] if len(p) >= 3 and p[1] in ITJW_KINDS else None


def _bls_series_ids(frame: pd.DataFrame) -> list[tuple]:
    """The BLS series ids a row answers to: its subject, and its series_key without `bls:`."""
    out = []
    for key, subject in zip(frame["series_key"].astype(str).tolist(), frame["subject"].tolist()):
        ids = (subject,) if not key.startswith("bls:") or key[4:] == subject else (key[4:], subject)
        out.append(ids)
    return out


def _slug_keys(frame: pd.DataFrame) -> list[tuple]:
    norm: dict = {}  # a slug repeats on every row of its page: normalise each once
    out = []
    for subject in frame["subject"].tolist():
        if subject not in norm:
            norm[subject] = _norm_slug(subject)
        out.append((norm[subject],))
    return out


# How a group's rows are looked up by key (see `_Group.split`): each gives the keys of every row.
_SPLITS: dict[str, Callable[[pd.DataFrame], list[tuple]]] = {
    "slug": _slug_keys,  # IT Jobs Watch pages by normalised slug
    "series_key": lambda f: [(k,) for k in f["series_key"].tolist()],
    "subject": lambda f: [(k,) for k in f["subject"].tolist()],
    "bls_series": _bls_series_ids,
}


def _boxed(column: pd.Series) -> list:
    """The column's values as Python objects, as to_dict("records") gives them (Timestamp, NaT,
    float, str), at a fraction of its cost. A few dates repeat on every row of a group, and
    making a Timestamp is the slow part: each distinct date is made once."""
    if column.dtype.kind != "M":
        return column.tolist()
    distinct, where = np.unique(column.to_numpy(), return_inverse=True)  # NaT collapse into one
    boxed = pd.Series(distinct, dtype=column.dtype).tolist()
    return [boxed[i] for i in where]


class _Group:
    """One (source, metric)'s rows sorted by period_end, with per-row views built on first use.

    Shared by every view of an index: the per-role metrics look their rows up here by key
    instead of filtering the whole frame once per role.
    """

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self.ends = frame["period_end"].to_numpy("datetime64[ns]")
        self._records: list[dict] | None = None
        self._splits: dict[str, dict] = {}
        self._country_codes: pd.Series | None = None

    def records(self) -> list[dict]:
        """The rows as dicts (not to be mutated), each with its position in the group (`_position`)."""
        if self._records is None:
            names = list(self.frame.columns) + ["_position"]
            columns = [_boxed(self.frame[c]) for c in names[:-1]] + [range(len(self.frame))]
            self._records = [dict(zip(names, values)) for values in zip(*columns)]
        return self._records

    def country_codes(self) -> pd.Series:
        if self._country_codes is None:
            self._country_codes = _country_codes(self.frame)
        return self._country_codes

    def split(self, how: str) -> dict[object, np.ndarray]:
        """Row positions (ascending) per key, for one of the `_SPLITS`."""
        if how not in self._splits:
            positions: dict[object, list[int]] = {}
            for i, keys in enumerate(_SPLITS[how](self.frame)):
                for k in keys:
                    positions.setdefault(k, []).append(i)
            self._splits[how] = {k: np.asarray(v, dtype=np.int64) for k, v in positions.items()}
        return self._splits[how]


class ObservationIndex:
    """Validated observations grouped by (source, metric), each group sorted by period_end.

    Built once; `upto(as_of)` is a cheap view of the rows known on a date (binary search on
    access), so a backtest replays hundreds of dates without re-scanning the history. Rows
    with the same period_end keep their given order (history first, tonight last: the last
    one wins where duplicates are resolved). A view caches what it derives (per country, per
    slug, CPI changes, ...), so many roles sharing a lookup key pay for it once.
    """

    def __init__(self, observations: pd.DataFrame | None):
        self._limit: np.datetime64 | None = None
        self._cache: dict = {}
        if observations is None:
            return
        obs = observations.reset_index(drop=True)
        obs = obs.assign(_order=np.arange(len(obs)))
        self._groups: dict[tuple[str, str], _Group] = {}
        for key, group in obs.groupby(["source", "metric"], sort=False):
            group = group.sort_values(["period_end", "_order"], kind="stable").drop(columns=["_order"])
            self._groups[(str(key[0]), str(key[1]))] = _Group(group)
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

    def _known(self, ends: np.ndarray) -> int:
        """How many of a group's rows (sorted by period_end) are known at this view's limit."""
        return len(ends) if self._limit is None else int(np.searchsorted(ends, self._limit, side="right"))

    def _cut(self, entry: tuple[pd.DataFrame, np.ndarray] | None) -> pd.DataFrame:
        if entry is None:
            return self._empty
        frame, ends = entry
        n = self._known(ends)
        return frame if n == len(ends) else frame.iloc[:n]

    def country(self, source: str, metric: str, country: str) -> pd.DataFrame:
        """The (source, metric) rows about one country (ISO-2; UK is GB)."""
        key = (source, metric, _cc(country))
        if key not in self._cache:
            if key not in self._by_cc:  # split once per base index, shared by every view
                group = self._groups.get((source, metric))
                if group is None:
                    self._by_cc[key] = None
                else:
                    frame = group.frame[(group.country_codes() == key[2]).to_numpy()]
                    self._by_cc[key] = (frame, frame["period_end"].to_numpy("datetime64[ns]"))
            self._cache[key] = self._cut(self._by_cc[key])
        return self._cache[key]

    def get(self, source: str, metric: str) -> pd.DataFrame:
        key = (source, metric)
        if key not in self._cache:
            group = self._groups.get(key)
            self._cache[key] = self._empty if group is None else self._cut((group.frame, group.ends))
        return self._cache[key]

    def prefixed(self, source: str, prefix: str) -> pd.DataFrame:
        parts = [self.get(s, m) for (s, m) in self._groups if s == source and m.startswith(prefix)]
        return pd.concat(parts) if parts else self._empty

    def records(self, source: str, metric: str, how: str | None = None, key: object = None) -> list[dict]:
        """The (source, metric) rows known at this view, as dicts in index order; with `how`,
        only those whose `_SPLITS[how]` key is `key`. The dicts are shared: do not mutate them."""
        group = self._groups.get((source, metric))
        if group is None:
            return []
        records = group.records()
        n = self._known(group.ends)
        if how is None:
            return records[:n]
        positions = group.split(how).get(key)
        if positions is None:
            return []
        if n < len(group.ends):
            positions = positions[:int(np.searchsorted(positions, n))]
        return [records[i] for i in positions]

    def metrics_of(self, source: str, prefix: str) -> list[str]:
        """The metrics held for a source that start with `prefix`, in index order."""
        return [m for (s, m) in self._groups if s == source and m.startswith(prefix)]

    def memo(self, key: tuple, compute: Callable[[], object]) -> object:
        """compute() once per view and key (a key names everything the result depends on)."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]


def _country_codes(obs: pd.DataFrame) -> pd.Series:
    """The ISO-2 country a row is about (UK -> GB), from geography, else from a ':CC:' in series_key."""
    geo = obs["geography"].astype(object).where(obs["geography"].notna(), "").astype(str).str.upper()
    geo = geo.replace(COUNTRY_ALIASES)
    from_key = obs["series_key"].astype(str).str.extract(r":([A-Z]{2})(?::|$)", expand=False)
    return geo.where(geo != "", from_key.fillna("").replace(COUNTRY_ALIASES))


def _cc(country: str) -> str:
    return country_code(country or "")


# --- IT Jobs Watch -------------------------------------------------------------------------------------
def _itjw_rows(obs: ObservationIndex, role: RoleSpec, metric: str) -> list[dict]:
    """The role's IT Jobs Watch rows for one metric: its slug (normalised), its kind or none named."""
    key = role.lookup.itjobswatch
    rows = obs.records("itjobswatch", metric, "slug", _norm_slug(key.slug))
    return [r for r in rows if _itjw_kind(r["series_key"]) in (None, key.kind)]


def _year_pair(rows: list[dict], tolerance_days: int) -> tuple[dict | None, dict | None]:
    """The newest period and the one ending a year earlier (same fetch preferred, then nearest)."""
    rows = sorted(rows, key=lambda r: r["period_end"])  # stable: ties keep their given order
    rows = _latest_unique_records(rows, ("series_key", "period_start", "period_end"))
    if not rows:
        return None, None
    now = rows[-1]
    length = (now["period_end"] - now["period_start"]).days if pd.notna(now["period_start"]) else None
    target = now["period_end"] - pd.Timedelta(days=365)
    earliest, latest = target - pd.Timedelta(days=tolerance_days), target + pd.Timedelta(days=tolerance_days)
    cand = [r for r in rows if earliest <= r["period_end"] <= latest]  # within the tolerance of the target
    if length is not None and cand:
        cand = [r for r in cand if pd.isna(r["period_start"])
                or abs((r["period_end"] - r["period_start"]).days - length) <= 10]
    if not cand:
        return now, None
    same_fetch = [r for r in cand if r["fetch_id"] == now["fetch_id"]] if pd.notna(now["fetch_id"]) else []
    pool = same_fetch or cand
    prior = min(pool, key=lambda r: abs(r["period_end"] - target))  # the first of equally near ones
    return now, prior


def _salaries_quoted(quoted: list[dict], period_row: dict) -> float | None:
    """The salaries quoted for a period (the last count given), from the role's salaries_quoted rows."""
    n = [r["value"] for r in quoted
         if r["series_key"] == period_row["series_key"] and r["period_end"] == period_row["period_end"]
         and pd.notna(r["value"])]
    return None if not n else float(n[-1])


def itjobswatch_postings_yoy(obs, role: RoleSpec, as_of: pd.Timestamp, rubric: Rubric) -> list[dict]:
    """Role-level postings: current 6 months vs the same 6 months a year earlier (fraction)."""
    obs = ObservationIndex.of(obs).upto(as_of)
    name, unit = "postings_yoy_role", "fraction"
    key = role.lookup.itjobswatch
    if key is None:
        return [_metric(role.role_id, name, unit, "no_lookup_key", "no IT Jobs Watch slug in the catalogue")]
    rows = _itjw_rows(obs, role, "postings")
    if not rows:
        return [_metric(role.role_id, name, unit, "no_data", f"no IT Jobs Watch postings for {key.slug!r}")]
    now, prior = _year_pair(rows, rubric.matching.year_tolerance_days)
    lineage = [_lineage_of(r) for r in (now, prior) if r is not None]
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
    def rows() -> pd.DataFrame:
        source, _, ident = series.partition(":")
        both = pd.concat([obs.get(source, "cpi_index"), obs.get(source, "cpi_yoy_pct")])
        return both[(both["series_key"] == series) | (both["subject"] == ident)]
    return obs.memo(("cpi_rows", series), rows)


def cpi_yoy(obs, candidates: list[str], start: pd.Timestamp | None, end: pd.Timestamp,
            max_lag_days: int) -> dict | None:
    """CPI change over [start, end] vs the same months a year earlier, from the first candidate with data.

    Returns {"yoy", "series", "basis", "months", "lineage"} or None. Roles share a handful of
    windows, so the answer is kept per view: callers must not mutate it.
    """
    obs = ObservationIndex.of(obs)
    start = end if start is None or pd.isna(start) else start
    return obs.memo(("cpi_yoy", tuple(candidates), start, end, max_lag_days),
                    lambda: _cpi_yoy(obs, candidates, start, end, max_lag_days))


def _cpi_yoy(obs: ObservationIndex, candidates: list[str], start: pd.Timestamp, end: pd.Timestamp,
             max_lag_days: int) -> dict | None:
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
    if not rows:
        nominal = _metric(role.role_id, nominal_name, unit, "no_data", f"no IT Jobs Watch {what} for {key.slug!r}")
    else:
        now, prior = _year_pair(rows, rubric.matching.year_tolerance_days)
        lineage_rows = [r for r in (now, prior) if r is not None]
        if prior is None:
            nominal = _metric(role.role_id, nominal_name, unit, "insufficient_history",
                              f"no salary period a year before {_iso(now['period_end'])}",
                              observed_to=now["period_end"], lineage=[_lineage_of(r) for r in lineage_rows])
        else:
            quoted = _itjw_rows(obs, role, "salaries_quoted")
            n_now, n_prior = _salaries_quoted(quoted, now), _salaries_quoted(quoted, prior)
            # every salaries_quoted row of the two periods' series (any slug), in index order
            keys = dict.fromkeys([now["series_key"], prior["series_key"]])
            sq = [r for k in keys for r in obs.records("itjobswatch", "salaries_quoted", "series_key", k)]
            if len(keys) > 1:
                sq.sort(key=lambda r: r["_position"])
            ends = (now["period_end"], prior["period_end"])
            sq = [r for r in sq if r["period_end"] in ends]
            lineage = [_lineage_of(r) for r in lineage_rows + sq]
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
    oews = obs.metrics_of("bls", "oews_")
    per_series, problems, lineage_rows, windows = [], [], [], []
    for sid in ids:
        # every OEWS metric's rows for the series (series_key bls:<id> or subject <id>)
        rows = [r for m in oews for r in obs.records("bls", m, "bls_series", sid)]
        if not rows:
            problems.append(("no_data", f"{sid}: no OEWS observations"))
            continue
        metrics_held = list(dict.fromkeys(r["metric"] for r in rows))
        metric = next((m for m in ("oews_annual_median", "oews_annual_mean") if m in metrics_held), metrics_held[0])
        by_year: dict[int, dict] = {}
        for r in sorted((r for r in rows if r["metric"] == metric), key=lambda r: r["period_end"]):
            by_year[r["period_end"].year] = r  # the last row of each year wins
        years = list(by_year)
        latest, prior = by_year[years[-1]], by_year.get(years[-1] - 1)
        if prior is None:
            problems.append(("insufficient_history",
                             f"{sid}: {len(years)} annual period(s) held ({', '.join(map(str, years))}); "
                             "YoY needs two consecutive years"))
            lineage_rows.append(latest)
            continue
        lineage_rows += [prior, latest]
        if pd.isna(latest["value"]) or pd.isna(prior["value"]):
            problems.append(("not_published", f"{sid}: {metric} not published (top-coded or withheld)"))
            continue
        per_series.append({"series": sid, "metric": metric, "year": int(years[-1]),
                           "now": float(latest["value"]), "year_earlier": float(prior["value"]),
                           "yoy": float(latest["value"]) / float(prior["value"]) - 1,
                           "observed_to": latest["period_end"]})
        windows.append((latest["period_start"], latest["period_end"]))
    lineage = [_lineage_of(r) for r in lineage_rows]
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


def _country_level(obs: ObservationIndex, metric: str, country: str,
                   rubric: Rubric) -> tuple[dict | None, list[dict]]:
    """`_level_yoy` of one Indeed country series and its lineage, kept per view (do not mutate)."""
    def level() -> tuple[dict | None, list[dict]]:
        rows = _indeed_series(obs, metric, country)
        res = _level_yoy(rows, rubric) if not rows.empty else None
        return res, ([] if res is None else _lineage(res["lineage_rows"]))

    m = rubric.matching
    return obs.memo(("indeed_level", metric, _cc(country), m.indeed_lag_days, m.indeed_tolerance_days), level)


def _sector_level(obs: ObservationIndex, country: str, sector: str, rubric: Rubric) -> tuple[dict | None, list[dict]]:
    """`_level_yoy` of one Indeed sector in one country and its lineage; many roles share a
    sector, so both are kept per view (do not mutate them)."""
    def by_sector() -> dict[str, pd.DataFrame]:
        rows = _indeed_series(obs, "sector_postings_index", country)
        folded = rows["subject"].astype(str).str.casefold()
        return {str(k): g for k, g in rows.groupby(folded, sort=False)}

    def level() -> tuple[dict | None, list[dict]]:
        rows = obs.memo(("indeed_sectors", _cc(country)), by_sector).get(sector.casefold())
        res = _level_yoy(rows, rubric) if rows is not None else None
        return res, ([] if res is None else _lineage(res["lineage_rows"]))

    m = rubric.matching
    return obs.memo(("indeed_sector", _cc(country), sector.casefold(), m.indeed_lag_days, m.indeed_tolerance_days),
                    level)


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
        parts, missing, lineage, newest = [], [], [], []
        for sector in key.sectors:
            res, res_lineage = _sector_level(obs, key.country, sector, rubric)
            if res is None:
                missing.append(f"{sector}: no data")
                continue
            lineage += res_lineage
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
    res, res_lineage = _country_level(obs, "postings_index", key.country, rubric)
    if res is None:
        out.append(_metric(role.role_id, name, unit, "no_data", f"no Indeed postings index for {key.country}"))
    elif "year_earlier" not in res:
        out.append(_metric(role.role_id, name, unit, "insufficient_history",
                           f"{key.country} Indeed index: no level a year before {_iso(res['date'])}",
                           observed_to=res["date"], lineage=res_lineage))
    else:
        value = res["now"] / res["year_earlier"] - 1
        out.append(_metric(
            role.role_id, name, unit, "ok",
            f"{key.country} Indeed all-jobs index {res['now']:.1f} vs {res['year_earlier']:.1f} ({_pct(value)})",
            value=value, observed_to=res["date"], lineage=res_lineage,
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
    res, res_lineage = _country_level(obs, "ai_share_postings", key.country, rubric)
    if res is None:
        return [_metric(role.role_id, name, unit, "no_data", f"no Indeed AI share for {key.country}")]
    if "year_earlier" not in res:
        return [_metric(role.role_id, name, unit, "insufficient_history",
                        f"{key.country} AI share: no level a year before {_iso(res['date'])}",
                        observed_to=res["date"], lineage=res_lineage)]
    value = res["now"] - res["year_earlier"]
    note = (f"{key.country} AI share of postings {res['year_earlier']:.2f} % → {res['now']:.2f} % "
            f"({value:+.2f} pp in a year)")
    return [_metric(role.role_id, name, unit, "ok", note, value=value, observed_to=res["date"],
                    inputs={"country": key.country, "date": _iso(res["date"]), "now_pct": res["now"],
                            "year_earlier_date": _iso(res["prior_date"]), "year_earlier_pct": res["year_earlier"]},
                    lineage=res_lineage)]


# --- layoffs --------------------------------------------------------------------------------------------------
def decay_weight(age_days, time_constant_days: float):
    """exp(-age / time constant): a 90-day-old event weighs e^-1 of a fresh one (tau = 90)."""
    return np.exp(-np.asarray(age_days, dtype=float) / time_constant_days)


@dataclass
class _LayoffFeed:
    """The layoffs feed known at a view, the latest row per key, in index order (sorted by period_end)."""
    newest: pd.Timestamp                  # the newest event known (any industry)
    ends: np.ndarray                      # period_end per event (datetime64[ns])
    values: np.ndarray                    # headcount per event (float, NaN unknown)
    by_industry: dict[str, np.ndarray]    # casefolded industry -> its events' positions
    lineage_json: np.ndarray              # each event's lineage entry as JSON (object array)


def _layoff_feed(obs: ObservationIndex) -> _LayoffFeed | None:
    """The layoffs feed known at this view, built once per view (None when there is none)."""
    def build() -> _LayoffFeed | None:
        rows = obs.records("layoffs", "layoff_headcount")
        if not rows:
            return None
        # Keeping the latest row per key over the whole feed equals doing it per industry set:
        # the key includes `detail` (the industry), so duplicates always fall in the same set.
        feed = obs.get("layoffs", "layoff_headcount")
        latest = ~feed.duplicated(["series_key", "subject", "period_end", "detail"], keep="last").to_numpy()
        rows = [r for r, keep in zip(rows, latest) if keep]
        by_industry: dict[str, list[int]] = {}
        for i, r in enumerate(rows):
            industry = "" if _missing(r["detail"]) else str(r["detail"]).casefold()
            by_industry.setdefault(industry, []).append(i)
        return _LayoffFeed(
            newest=feed["period_end"].max(),
            ends=feed["period_end"].to_numpy("datetime64[ns]")[latest],
            values=feed["value"].to_numpy(dtype=float)[latest],
            by_industry={k: np.asarray(v, dtype=np.int64) for k, v in by_industry.items()},
            lineage_json=np.asarray([json.dumps(_lineage_of(r), sort_keys=True, default=str) for r in rows],
                                    dtype=object))
    return obs.memo(("layoff_feed",), build)


def _exact_sum(values: np.ndarray) -> float:
    """A correctly rounded sum that ignores NaN.

    The events arrive in parse order on the night they are fetched and in storage order on a
    rerun; a float sum that depends on order would store the rerun as a new version.
    """
    return math.fsum(values[~np.isnan(values)])


def layoffs_change(obs, role: RoleSpec, as_of: pd.Timestamp, rubric: Rubric) -> list[dict]:
    """Recency-weighted layoffs in the role's industries: trailing window vs the window a year earlier."""
    obs = ObservationIndex.of(obs).upto(as_of)
    unit = "fraction"
    names = ("layoff_headcount_change", "layoff_events_change")
    industries = role.lookup.layoff_industries
    if not industries:
        return [_metric(role.role_id, m, unit, "no_lookup_key", "no layoff industries in the catalogue") for m in names]
    feed = _layoff_feed(obs)
    if feed is None:
        return [_metric(role.role_id, m, unit, "no_data", "no layoffs observations") for m in names]
    wanted = {i.casefold() for i in industries}
    ev = np.sort(np.concatenate([feed.by_industry.get(cf, np.empty(0, np.int64)) for cf in wanted]))
    cfg = rubric.layoffs
    window = pd.Timedelta(days=cfg.window_days)
    ends = feed.ends[ev]
    current = ev[(ends > (as_of - window).to_datetime64()) & (ends <= as_of.to_datetime64())]
    prior = ev[(ends > (as_of - 2 * window).to_datetime64()) & (ends <= (as_of - window).to_datetime64())]

    def days_before(day: pd.Timestamp, events: np.ndarray) -> np.ndarray:
        """Whole days from each event to `day` (floored, as Timedelta.days)."""
        return ((day.to_datetime64() - feed.ends[events]) // np.timedelta64(1, "D")).astype(float)

    w_now = decay_weight(days_before(as_of, current), cfg.time_constant_days)
    w_prior = decay_weight(days_before(as_of - window, prior), cfg.time_constant_days)
    head_now, head_prior = _exact_sum(w_now * feed.values[current]), _exact_sum(w_prior * feed.values[prior])
    events_now, events_prior = _exact_sum(w_now), _exact_sum(w_prior)
    feed_newest = feed.newest
    n = int(len(current) + len(prior))
    inputs = {"industries": industries, "time_constant_days": cfg.time_constant_days, "window_days": cfg.window_days,
              "decayed_headcount_now": round(head_now, 3), "decayed_headcount_year_earlier": round(head_prior, 3),
              "decayed_events_now": round(events_now, 4), "decayed_events_year_earlier": round(events_prior, 4),
              "events_now": int(len(current)), "events_year_earlier": int(len(prior)),
              "headcount_floor": cfg.headcount_floor, "events_floor": cfg.events_floor,
              "feed_newest_event": _iso(feed_newest)}
    # The lineage lists every event of both windows (~70 KB of JSON): join the rows' cached JSON
    # instead of serialising it again (json.dumps of a list is "[" + ", ".join(items) + "]").
    lineage = "[" + ", ".join(feed.lineage_json[np.concatenate([prior, current])]) + "]"
    label = "/".join(industries)
    out = []
    for name, now, before, floor in ((names[0], head_now, head_prior, cfg.headcount_floor),
                                     (names[1], events_now, events_prior, cfg.events_floor)):
        _, spec = rubric.input(name)
        if spec.min_sample is not None and n < spec.min_sample:
            out.append(_metric(role.role_id, name, unit, "insufficient_sample",
                               f"{label} layoffs: {n} event(s) in two years, fewer than {spec.min_sample:g}",
                               sample_size=n, observed_to=feed_newest, inputs=inputs, lineage_json=lineage))
            continue
        value = now / max(before, floor) - 1
        what = "decayed headcount" if name == names[0] else "decayed events"
        note = (f"{label} layoffs {what} {now:,.1f} vs {before:,.1f} a year earlier ({_pct(value)}; "
                f"{len(current)} vs {len(prior)} events)")
        out.append(_metric(role.role_id, name, unit, "ok", note, value=value, sample_size=n,
                           observed_to=feed_newest, inputs=inputs, lineage_json=lineage))
    return out


# --- expert claims ---------------------------------------------------------------------------------------------
def expert_consensus(obs, role: RoleSpec, as_of: pd.Timestamp, rubric: Rubric) -> list[dict]:
    obs = ObservationIndex.of(obs).upto(as_of)
    name, unit = "expert_net_direction", "direction"
    rows = obs.records("claims", "expert_claim", "subject", role.role_id)
    rows = _latest_unique_records([r for r in rows if pd.notna(r["value"])], ("series_key", "period_end", "detail"))
    if not rows:
        return [_metric(role.role_id, name, unit, "no_data", f"no dated expert claims for {role.role_id}")]
    cfg = rubric.claims
    ages = np.asarray([(as_of - r["period_end"]).days for r in rows], dtype=float)
    weights = 0.5 ** (ages / cfg.half_life_days)
    directions = np.asarray([r["value"] for r in rows], dtype=float)
    value = _exact_sum(weights * directions) / (_exact_sum(weights) + cfg.neutral_prior_weight)
    _, spec = rubric.input(name)
    claims = [{"date": _iso(r["period_end"]), "direction": float(v), "weight": round(float(w), 4),
               "detail": None if pd.isna(r["detail"]) else r["detail"]}
              for r, v, w in zip(rows, directions, weights)]
    inputs = {"half_life_days": cfg.half_life_days, "neutral_prior_weight": cfg.neutral_prior_weight, "claims": claims}
    newest = max(r["period_end"] for r in rows)
    status = "ok" if spec.min_sample is None or len(rows) >= spec.min_sample else "insufficient_sample"
    counts = {d: int((directions == d).sum()) for d in (1.0, 0.0, -1.0)}
    note = (f"{len(rows)} expert claim(s) (+{counts[1.0]}/={counts[0.0]}/-{counts[-1.0]}, newest {_iso(newest)}): "
            f"net {value:+.2f} (half-life {cfg.half_life_days:g} d)")
    return [_metric(role.role_id, name, unit, status, note, value=value, sample_size=len(rows),
                    observed_to=newest, inputs=inputs, lineage=[_lineage_of(r) for r in rows])]


# --- everything --------------------------------------------------------------------------------------------------
FAMILIES: tuple[Callable[[pd.DataFrame, RoleSpec, pd.Timestamp, Rubric], list[dict]], ...] = (
    itjobswatch_postings_yoy, indeed_postings_yoy, itjobswatch_salary_yoy, bls_oews_yoy,
    indeed_posted_wage_growth, indeed_ai_share_change, layoffs_change, expert_consensus,
)

def _shared_key(family: Callable, role: RoleSpec, rubric: Rubric) -> tuple | None:
    """The lookup keys a family's rows depend on, when those (and role_id) are all they depend on.

    Many roles share an Indeed country and sectors, a set of layoff industries or BLS series:
    compute_metrics computes such a family once per key. None: computed for each role.
    """
    lk = role.lookup
    if family is indeed_postings_yoy:
        return family, None if lk.indeed is None else (lk.indeed.country, tuple(lk.indeed.sectors))
    if family in (indeed_posted_wage_growth, indeed_ai_share_change):
        return family, None if lk.indeed is None else lk.indeed.country
    if family is layoffs_change:
        return family, tuple(lk.layoff_industries)
    if family is bls_oews_yoy:  # the real wage also depends on the CPI series tried
        return family, tuple(lk.bls_series), tuple(_cpi_candidates(role, "US", rubric))
    return None


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


class _QuarantineCounts:
    """For a metric with no usable value: how many quarantined rows it would have read.

    Counted per lookup key (slug, BLS series, role, country) and remembered, instead of
    filtering the whole quarantine once per role and metric.
    """

    def __init__(self, quarantine: pd.DataFrame | None):
        self._q = None if quarantine is None or quarantine.empty else quarantine
        self._memo: dict[tuple, object] = {}

    def _read(self, metric: str) -> pd.DataFrame:
        """The quarantined rows of the source and metrics `metric` reads."""
        source, wanted = _READS[metric]
        def rows() -> pd.DataFrame:
            q = self._q[self._q["source"] == source]
            return q[q["metric"].isin(wanted)] if wanted else q[q["metric"].astype(str).str.startswith("oews_")]
        return self._remember(("rows", source, wanted), rows)

    def _remember(self, key: tuple, compute: Callable[[], object]):
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def __call__(self, role: RoleSpec, metric: str) -> int:
        if self._q is None:
            return 0
        source, wanted = _READS[metric]
        lk = role.lookup
        if source == "itjobswatch":
            if not lk.itjobswatch:
                return 0
            per_slug = self._remember(("slugs", wanted), lambda: Counter(
                _norm_slug(s) for s in self._read(metric)["subject"].astype(str)))
            return per_slug.get(_norm_slug(lk.itjobswatch.slug), 0)
        if source == "claims":
            per_subject = self._remember(("subjects", wanted),
                                         lambda: Counter(self._read(metric)["subject"].astype(str)))
            return per_subject.get(role.role_id, 0)
        if source == "bls":
            def count() -> int:
                q = self._read(metric)
                subject = q["subject"].astype(str)
                keys = [f"bls:{s}" for s in lk.bls_series]
                return int((subject.isin(lk.bls_series) | q["series_key"].isin(keys)).sum())
            return self._remember(("bls", tuple(lk.bls_series)), count)
        if source == "indeed":
            if lk.indeed is None:
                return 0
            def count() -> int:
                q = self._read(metric)
                subject = q["subject"].astype(str)
                return int((_country_mask(q.assign(geography=None), lk.indeed.country)
                            | subject.str.upper().isin(geography_aliases(lk.indeed.country))).sum())
            return self._remember(("indeed", wanted, lk.indeed.country), count)
        return int(len(self._read(metric)))


#: the `Metrics` columns in order; a family's rows (`_metric`) hold all but the two compute_metrics adds
_METRICS_COLUMNS = list(Metrics.to_schema().columns)
_ROW_COLUMNS = [c for c in _METRICS_COLUMNS if c not in ("as_of", "rubric_version")]


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
        # a view, not the base index: every family then shares the view's caches
        obs = ObservationIndex(known_on(obs, as_of)).upto(as_of)
    wanted = set(rubric.metrics())
    quarantined_for = _QuarantineCounts(quarantine)
    shared: dict[tuple, list[dict]] = {}
    rows: list[dict] = []
    for role in role_specs(roles):
        for family in FAMILIES:
            key = _shared_key(family, role, rubric)
            if key is None:
                family_rows = family(obs, role, as_of, rubric)
            else:
                if key not in shared:
                    shared[key] = family(obs, role, as_of, rubric)
                family_rows = [dict(r, role_id=role.role_id) for r in shared[key]]
            for row in family_rows:
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
                    n = quarantined_for(role, row["metric"])
                    if n and row["status"] in ("no_data", "insufficient_history", "not_published", "stale",
                                               "insufficient_sample"):
                        row["note"] += f"; {n} observation(s) quarantined tonight (was {row['status']})"
                        row["status"] = "quarantined"
                rows.append(row)
    frame = pd.DataFrame(rows, columns=_ROW_COLUMNS)
    frame["as_of"] = as_of
    frame["rubric_version"] = rubric.version
    frame["value"] = pd.to_numeric(frame["value"], errors="coerce").astype("float64")
    frame["sample_size"] = pd.to_numeric(frame["sample_size"], errors="coerce").astype("float64")
    frame["observed_to"] = pd.to_datetime(frame["observed_to"])
    frame = frame[_METRICS_COLUMNS]
    return Metrics.validate(frame, lazy=True) if validate_output else frame


WAREHOUSE_METRIC_COLUMNS = ["role_id", "metric", "as_of", "value", "unit", "status", "inputs", "lineage",
                            "rubric_version"]
