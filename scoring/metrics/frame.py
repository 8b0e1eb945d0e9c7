"""What every metric family shares: the roles' lookup keys as one frame, the observations a
family reads, lineage as JSON built per column, and metric rows broadcast from keys to roles."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from core.catalogue import Lookup, Role
from core.geography import COUNTRY_ALIASES, country_code
from scrapers.itjobswatch.settings import KINDS as ITJW_KINDS

#: the columns of one family's metric rows (compute_metrics adds as_of and rubric_version)
ROW_COLUMNS = ["role_id", "metric", "value", "unit", "status", "note", "sample_size", "observed_to", "inputs",
               "lineage"]
#: the columns of the roles' lookup-key frame
ROLE_COLUMNS = ["role_id", "geography", "slug", "kind", "country", "sectors", "bls_series", "cpi_series",
                "industries", "soc", "onet_soc", "hn", "boards", "warn_companies"]


# --------------------------------------------------------------------------- roles
@dataclass(frozen=True)
class RoleSpec:
    """A role's id, geography and lookup keys, without the rest of its card."""

    role_id: str
    geography: str
    lookup: Lookup
    soc: tuple[str, ...] = ()


def _dump(key: Any) -> str | None:
    """A pattern key (HN, boards) as canonical JSON text: hashable, so roles sharing it share rows."""
    return None if key is None else json.dumps(key.model_dump(), sort_keys=True)


def role_keys(roles: Any) -> pd.DataFrame:
    """One row per role: its id, geography and lookup keys (tuples for lists), in catalogue order.

    Accepts a Catalogue, Roles or `RoleSpec`s (iterable or {id: role}), or lookup dicts
    ({role_id: lookup}, or `Role.lookup_keys()` dicts carrying role_id and geography)."""
    if isinstance(roles, pd.DataFrame):
        return roles
    if hasattr(roles, "roles") and isinstance(getattr(roles, "roles"), dict):
        roles = roles.roles
    items: Iterable = roles.items() if isinstance(roles, dict) else [(None, r) for r in roles]
    rows = []
    for key, r in items:
        if isinstance(r, Role):
            role_id, geography, lookup, soc = r.id, r.geography, r.lookup, tuple(r.soc)
        elif isinstance(r, RoleSpec):
            role_id, geography, lookup, soc = r.role_id, r.geography, r.lookup, r.soc
        elif isinstance(r, dict):
            d = dict(r)
            role_id = d.pop("role_id", None) or key
            geography = d.pop("geography", None) or "UK"
            soc = tuple(d.pop("soc", None) or ())
            lookup = Lookup.model_validate(d.pop("lookup", None) or {k: v for k, v in d.items()
                                                                      if k in Lookup.model_fields})
        else:
            raise TypeError(f"cannot read role lookup keys from {type(r).__name__}")
        itjw, indeed = lookup.itjobswatch, lookup.indeed
        rows.append((str(role_id), geography, itjw.slug if itjw else None, itjw.kind if itjw else None,
                     indeed.country if indeed else None, tuple(indeed.sectors) if indeed else (),
                     tuple(lookup.bls_series), lookup.cpi_series, tuple(lookup.layoff_industries), soc,
                     tuple(getattr(lookup, "onet_soc", None) or ()), _dump(getattr(lookup, "hn", None)),
                     _dump(getattr(lookup, "boards", None)), tuple(getattr(lookup, "warn_companies", None) or ())))
    return pd.DataFrame(rows, columns=ROLE_COLUMNS)


# --------------------------------------------------------------------------- observations
def ordered(obs: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted by period_end, ties in their given order (`_pos`: history first, tonight last)."""
    if "_pos" not in obs.columns:
        obs = obs.assign(_pos=np.arange(len(obs)))
    return obs.sort_values(["period_end", "_pos"], kind="stable")


def rows_of(obs: pd.DataFrame, source: str, metrics: Iterable[str] | str) -> pd.DataFrame:
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    return ordered(obs[(obs["source"] == source) & obs["metric"].isin(metrics)])


def norm_slug(s: Any) -> str:
    return " ".join(str(s).lower().replace("%20", " ").replace("+", " ").split())


def per_distinct(column: pd.Series, fn) -> pd.Series:
    """`fn` of each distinct value, spread back over the column (a page's rows share their keys)."""
    codes, distinct = pd.factorize(column, use_na_sentinel=False)
    return pd.Series(fn(pd.Series(distinct, dtype=object)).to_numpy(dtype=object)[codes], index=column.index,
                     dtype=object)


def _kinds(series_key: pd.Series) -> pd.Series:
    parts = series_key.astype(str).str.split(":")
    kind = parts.str[1]
    return kind.where((parts.str.len() >= 3) & kind.isin(ITJW_KINDS), None)


def itjw_kind(series_key: pd.Series) -> pd.Series:
    """The kind a series_key names (itjobswatch:<kind>:<slug>), None where it names none."""
    return per_distinct(series_key, _kinds)


def norm_slugs(subject: pd.Series) -> pd.Series:
    """`norm_slug` of every value."""
    return per_distinct(subject, lambda s: s.map(norm_slug))


def country_codes(obs: pd.DataFrame) -> pd.Series:
    """The ISO-2 country a row is about (UK -> GB), from geography, else from a ':CC:' in series_key."""
    geo = obs["geography"].astype(object).where(obs["geography"].notna(), "").astype(str).str.upper()
    geo = geo.replace(COUNTRY_ALIASES)
    from_key = obs["series_key"].astype(str).str.extract(r":([A-Z]{2})(?::|$)", expand=False)
    return geo.where(geo != "", from_key.fillna("").replace(COUNTRY_ALIASES))


def cc(country: str | None) -> str:
    return country_code(country or "")


# --------------------------------------------------------------------------- lineage
_LINEAGE = ("fetch_id", "metric", "period_end", "period_start", "series_key", "source", "subject")  # sorted keys


def _encoded(column: pd.Series, day: bool) -> pd.Series:
    """json.dumps of each value (null for missing; dates as ISO days), each distinct value once."""
    if day:
        values = pd.to_datetime(column).dt.strftime("%Y-%m-%d").astype(object)
    else:
        values = column.astype(object)
    text = [None if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)) else str(v)
            for v in values.tolist()]
    distinct = {v: json.dumps(v) for v in set(text)}
    return pd.Series([distinct[v] for v in text], index=column.index, dtype=object)


def _entry(r) -> str:
    def text(v):
        return None if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v)) else str(v)
    def day(v):
        return None if v is None or pd.isna(v) else pd.Timestamp(v).strftime("%Y-%m-%d")
    return json.dumps({c: day(getattr(r, c)) if c.startswith("period_") else text(getattr(r, c)) for c in _LINEAGE},
                      sort_keys=True)


def lineage_entries(rows: pd.DataFrame) -> np.ndarray:
    """Each observation's lineage entry as JSON text, as json.dumps(entry, sort_keys=True) gives it."""
    if len(rows) == 0:
        return np.empty(0, dtype=object)
    if len(rows) <= 32:  # a few rows (a series' two dates, a CPI window): cheaper one by one
        return np.asarray([_entry(r) for r in rows[list(_LINEAGE)].itertuples(index=False)], dtype=object)
    out = pd.Series("{", index=rows.index, dtype=object)
    for i, col in enumerate(_LINEAGE):
        out = out + ("" if i == 0 else ", ") + f'"{col}": ' + _encoded(rows[col], col.startswith("period_"))
    return (out + "}").to_numpy(dtype=object)


def lineage_json(entries: Iterable[str]) -> str:
    """A metric's lineage from its entries (json.dumps of a list joins its items with ', ')."""
    return "[" + ", ".join(entries) + "]"


# --------------------------------------------------------------------------- rows
def iso(x: Any) -> str | None:
    return None if x is None or pd.isna(x) else pd.Timestamp(x).date().isoformat()


def pct(x: float) -> str:
    return f"{x * 100:+.1f} %"


def num(x: Any) -> float | None:
    return None if x is None or pd.isna(x) else float(x)


def dumps(inputs: dict | None) -> str:
    return json.dumps(inputs or {}, sort_keys=True, default=str)


def row(metric: str, unit: str, status: str, note: str, *, value: float | None = None,
        sample_size: float | None = None, observed_to: Any = None, inputs: dict | None = None,
        lineage: str = "[]") -> dict:
    """One metric's columns (all but role_id); `lineage` is JSON text (see `lineage_json`)."""
    return {"metric": metric, "value": value, "unit": unit, "status": status, "note": note,
            "sample_size": sample_size, "observed_to": observed_to, "inputs": dumps(inputs), "lineage": lineage}


def frame(rows: list[dict], keyed: bool = False) -> pd.DataFrame:
    """Metric rows as a frame of `ROW_COLUMNS`; `keyed`: per lookup key instead (a `key` column
    in place of role_id, see `broadcast`)."""
    return pd.DataFrame(rows, columns=["key", *ROW_COLUMNS[1:]] if keyed else ROW_COLUMNS)


def broadcast(roles: pd.DataFrame, key: str, per_key: pd.DataFrame) -> pd.DataFrame:
    """Metric rows computed once per lookup key (`per_key` has a `key` column, any hashable) given
    to every role holding that key, in the roles' order."""
    codes: dict = {}
    key_codes = np.asarray([codes.setdefault(k, len(codes)) for k in per_key["key"]], dtype=np.int64)
    role_codes = np.asarray([codes.get(k, -1) for k in roles[key]], dtype=np.int64)
    left = pd.DataFrame({"role_id": roles["role_id"].to_numpy(), "_code": role_codes, "_role": np.arange(len(roles))})
    right = per_key.drop(columns=["key"]).assign(_code=key_codes)
    out = left.merge(right, on="_code", how="inner", sort=False)
    return out.sort_values("_role", kind="stable")[ROW_COLUMNS].reset_index(drop=True)


def constant(roles: pd.DataFrame, mask: pd.Series, rows: list[dict]) -> pd.DataFrame:
    """The same rows for every role in `mask` (no key, no data, ...)."""
    ids = roles.loc[mask, "role_id"].tolist()
    if not ids or not rows:
        return frame([])
    return pd.DataFrame([{"role_id": rid, **r} for rid in ids for r in rows], columns=ROW_COLUMNS)


def exact_sum(values: np.ndarray) -> float:
    """A correctly rounded sum that ignores NaN: the events arrive in parse order on the night they
    are fetched and in storage order on a rerun, and a sum that depends on order would store the
    rerun as a new version."""
    values = np.asarray(values, dtype=float)
    return math.fsum(values[~np.isnan(values)])
