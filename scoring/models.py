"""Pandera models for every frame the evidence refresh reads or writes, and the
validation step that splits a night's observations into good rows and quarantine.

Every model coerces (DuckDB hands pandas 3 NaN-bearing, nullable or microsecond dtypes)
and is validated lazily, so one report lists every failure. Row checks are written to
survive uncoerced input (they coerce inside), so one bad cell fails its own row, never
the whole batch; only failures pandera cannot pin to a row (a missing column, say) send
the whole (source, fetch) batch to quarantine.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from core.vocabulary import DIMENSIONS
from scrapers import registry
from scrapers.base import DATE_COLUMNS, OBSERVATION_KINDS

# --- vocabularies (ARCHITECTURE.md "Observations") ------------------------------------------
#: the observation columns in order, as scrapers.base declares them (a list: frames are indexed with it)
OBSERVATION_COLUMNS = list(OBSERVATION_KINDS)
#: an evidence score (a dimension's, an input's after its clamp): -2..+2, both ends included
SCORE_MIN, SCORE_MAX = -2, 2
# The sources, their metric vocabularies (metric -> allowed units; None: any unit in UNITS), open
# metric families and units are what each source package declares (scrapers/registry.py).
SOURCES = tuple(registry.SOURCES)
UNITS = registry.units()
SOURCE_METRICS: dict[str, dict[str, tuple[str, ...] | None]] = registry.metric_vocabulary()
SOURCE_BANDS: dict[str, dict[str, tuple[float, float, bool]]] = {
    n: {m: (float(lo), float(hi), bool(i)) for m, (lo, hi, i) in s.bands.items()} for n, s in registry.SOURCES.items()}
SOURCE_PATTERNS: dict[str, re.Pattern] = {n: re.compile(s.metric_pattern) for n, s in registry.SOURCES.items()
                                          if s.metric_pattern}

# Derived metrics (scoring/metrics.py) and their statuses.
METRIC_NAMES = (
    "postings_yoy_role", "postings_yoy_sector", "postings_yoy_country",
    "salary_yoy_real_itjw", "salary_yoy_nominal_itjw", "salary_yoy_real_oews", "salary_yoy_nominal_oews",
    "posted_wage_growth", "ai_share_pp_change",
    "layoff_headcount_change", "layoff_events_change", "expert_net_direction",
)
METRIC_STATUSES = (
    "ok", "no_lookup_key", "no_data", "stale", "insufficient_history", "insufficient_sample",
    "not_published", "no_cpi", "quarantined",
    "request_failed",  # a request the metric reads failed tonight (scoring.failed_inputs): its dimension carries
)
ORIGINS = ("published", "refreshed", "carried", "override")

# --- salary bands (scoring/rubric.toml [guards]) ------------------------------------------------
# The band a median salary must sit in is defined once, in rubric.toml, and applied twice: by
# the plausibility guard (scoring.guards.salary_band, any source) and, for IT Jobs Watch, by the
# schema check below. scoring.rubric imports this module, so the table is read from the file here.
RUBRIC_FILE = Path(__file__).with_name("rubric.toml")


@functools.cache
def _rubric_guards() -> dict:
    return tomllib.loads(RUBRIC_FILE.read_text(encoding="utf-8"))["guards"]


def salary_bands() -> dict[str, tuple[float, float]]:
    """rubric.toml [guards.salary_band]: unit -> (lo, hi), both ends inclusive."""
    return {unit: (float(lo), float(hi)) for unit, (lo, hi) in _rubric_guards()["salary_band"].items()}


def _itjw_median_bands() -> tuple[list[str], dict[str, tuple[float, float]]]:
    """The IT Jobs Watch metrics under the salary band (rubric.toml salary_band_metrics that IT
    Jobs Watch publishes) and the bands of the units those metrics may carry."""
    vocabulary = SOURCE_METRICS["itjobswatch"]
    medians = [m for m in _rubric_guards()["salary_band_metrics"] if m in vocabulary]
    units = {u for m in medians for u in vocabulary[m] or ()}
    return medians, {u: band for u, band in salary_bands().items() if u in units}


# --- helpers usable on uncoerced frames ---------------------------------------------------------
def _num(df: pd.DataFrame, col: str = "value") -> pd.Series:
    return pd.to_numeric(df[col], errors="coerce") if col in df else pd.Series(np.nan, index=df.index)


def _date(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df:
        return pd.Series(pd.NaT, index=df.index)
    return pd.to_datetime(df[col], errors="coerce")


def _text(df: pd.DataFrame, col: str) -> pd.Series:
    return df[col].astype(object).where(df[col].notna(), None) if col in df else pd.Series(None, index=df.index)


def _bands_ok(df: pd.DataFrame, bands: dict[str, tuple[float, float, bool]]) -> pd.Series:
    """Per row: True unless the row's metric has a band and its (non-null) value is outside it.

    bands: metric -> (lo, hi, must_be_integer), both ends inclusive. Null passes: null means
    "not published", which is allowed everywhere unless a model says otherwise.
    """
    v = _num(df)
    metric = _text(df, "metric")
    ok = pd.Series(True, index=df.index)
    for m, (lo, hi, integer) in bands.items():
        rows = (metric == m) & v.notna()
        bad = (v < lo) | (v > hi)
        if integer:
            bad |= (v % 1) != 0
        ok &= ~(rows & bad)
    return ok


# --- observations ---------------------------------------------------------------------------------
class Observations(pa.DataFrameModel):
    """The long format every parser returns (ARCHITECTURE.md), checks common to all sources."""

    source: Series[str] = pa.Field(isin=list(SOURCES))
    series_key: Series[str] = pa.Field(str_length={"min_value": 1})
    subject: Series[str] = pa.Field(str_length={"min_value": 1})
    geography: Series[str] = pa.Field(nullable=True)
    metric: Series[str] = pa.Field(str_matches=r"^[a-z][a-z0-9_]*$")
    period_start: Series[pa.DateTime] = pa.Field(nullable=True)
    period_end: Series[pa.DateTime]
    value: Series[float] = pa.Field(nullable=True)
    unit: Series[str] = pa.Field(isin=list(UNITS))
    detail: Series[str] = pa.Field(nullable=True)
    fetch_id: Series[str] = pa.Field(nullable=True)

    @pa.dataframe_check
    def period_start_not_after_end(cls, df: pd.DataFrame) -> Series[bool]:
        start, end = _date(df, "period_start"), _date(df, "period_end")
        return start.isna() | end.isna() | (start <= end)

    @pa.dataframe_check
    def value_finite(cls, df: pd.DataFrame) -> Series[bool]:
        v = _num(df)
        return v.isna() | np.isfinite(v)

    @pa.dataframe_check
    def declared_value_bands(cls, df: pd.DataFrame) -> Series[bool]:
        """Each source's own declared bands (`Source.bands`), on its rows."""
        source = _text(df, "source")
        ok = pd.Series(True, index=df.index)
        for name in source.dropna().unique():
            bands = SOURCE_BANDS.get(name)
            if bands:
                rows = source == name
                ok &= ~rows | _bands_ok(df, bands)
        return ok

    @pa.dataframe_check
    def metric_and_unit_in_source_vocabulary(cls, df: pd.DataFrame) -> Series[bool]:
        source, metric, unit = _text(df, "source"), _text(df, "metric"), _text(df, "unit")
        out = []
        for s, m, u in zip(source, metric, unit):
            allowed = SOURCE_METRICS.get(s)
            if allowed is None:  # unknown source: the isin check reports it
                out.append(True)
            elif m in allowed:
                units = allowed[m]
                out.append(units is None or u in units)
            else:
                pattern = SOURCE_PATTERNS.get(s)
                out.append(pattern is not None and isinstance(m, str) and bool(pattern.match(m)))
        return pd.Series(out, index=df.index, dtype=bool)

    class Config:
        coerce = True
        strict = "filter"  # warehouse rows carry run_id / loaded_at: drop, do not fail


class ItJobsWatchObservations(Observations):
    """IT Jobs Watch: counts are integers >= 0, medians null or in a sane band, 3- or 6-month periods."""

    @pa.dataframe_check
    def itjobswatch_value_bands(cls, df: pd.DataFrame) -> Series[bool]:
        return _bands_ok(df, {
            "postings": (0, 10_000_000, True), "salaries_quoted": (0, 10_000_000, True),
            "rank": (1, 100_000, True), "postings_share_pct": (0, 100, False),
            "median_yoy_pct": (-100, 1000, False), "postings_yoy_pct": (-100, 1000, False),
        })

    @pa.dataframe_check
    def itjobswatch_median_pay_in_sane_band(cls, df: pd.DataFrame) -> Series[bool]:
        """Medians null or within rubric.toml's [guards.salary_band] for their unit (the band the
        plausibility guard applies; sources.md: GBP 15,000-400,000 a year)."""
        v, metric, unit = _num(df), _text(df, "metric"), _text(df, "unit")
        names, bands = _itjw_median_bands()
        medians = metric.isin(names) & v.notna()
        ok = pd.Series(True, index=df.index)
        for u, (lo, hi) in bands.items():
            rows = medians & (unit == u)
            ok &= ~(rows & ((v < lo) | (v > hi)))
        return ok

    @pa.dataframe_check
    def itjobswatch_period_is_3_or_6_months(cls, df: pd.DataFrame) -> Series[bool]:
        start, end = _date(df, "period_start"), _date(df, "period_end")
        days = (end - start).dt.days
        return start.isna() | end.isna() | days.between(80, 200)

    @pa.dataframe_check
    def itjobswatch_salaries_quoted_not_above_postings(cls, df: pd.DataFrame) -> Series[bool]:
        return _salaries_quoted_within_postings(df)


def _salaries_quoted_within_postings(df: pd.DataFrame, batch: pd.Series | None = None) -> pd.Series:
    """Per row: False for a salaries_quoted count above the postings count of the same period.

    The only check that reads other rows. `batch` (a label per row) confines the postings
    looked up to the row's own batch, i.e. what validating each batch on its own would see.
    """
    metric = _text(df, "metric")
    ok = pd.Series(True, index=df.index)
    counted = metric.isin(["postings", "salaries_quoted"]).to_numpy()
    if not counted.any():
        return ok
    rows, metric = df[counted], metric[counted]  # the key is only worth building for these rows
    v = _num(rows)
    key = (_text(rows, "series_key").astype(str) + "|" + _date(rows, "period_start").astype(str)
           + "|" + _date(rows, "period_end").astype(str))
    if batch is not None:
        key = batch[counted].astype(str) + "|" + key
    postings = pd.Series(v[metric == "postings"].to_numpy(), index=key[metric == "postings"].to_numpy())
    postings = postings[~postings.index.duplicated(keep="last")]
    cap = key.map(postings)
    ok.loc[rows.index] = (~((metric == "salaries_quoted") & v.notna() & cap.notna() & (v > cap))).to_numpy()
    return ok


class IndeedObservations(Observations):
    """Indeed Hiring Lab: indices > 0 and < 500, wage growth a fraction, AI share a percentage."""

    @pa.dataframe_check
    def indeed_value_bands(cls, df: pd.DataFrame) -> Series[bool]:
        v, metric = _num(df), _text(df, "metric")
        index_metric = metric.isin(["postings_index", "new_postings_index", "sector_postings_index",
                                    "sector_new_postings_index"])
        bad_index = index_metric & v.notna() & ((v <= 0) | (v >= 500))
        return ~bad_index & _bands_ok(df, {"posted_wage_growth_yoy": (-0.5, 0.5, False),
                                           "ai_share_postings": (0, 100, False)})

    @pa.dataframe_check
    def indeed_variable_matches_metric(cls, df: pd.DataFrame) -> Series[bool]:
        """`total postings` rows are postings metrics, `new postings` rows new_* metrics (series_key
        suffix, e.g. indeed:sector:GB:Software Development:total); index rows are single days."""
        metric = _text(df, "metric").astype(str)
        suffix = _text(df, "series_key").astype(str).str.rsplit(":", n=1).str[-1]
        index_metric = metric.str.endswith("postings_index")
        wrong_variable = index_metric & (((suffix == "total") & metric.str.contains("new_"))
                                         | ((suffix == "new") & ~metric.str.contains("new_")))
        start, end = _date(df, "period_start"), _date(df, "period_end")
        not_daily = index_metric & start.notna() & end.notna() & (start != end)
        return ~(wrong_variable | not_daily)


class BlsObservations(Observations):
    """BLS: OEWS wages and employment >= 0 (top-coded cells are null, never 0), CPI index > 0."""

    @pa.dataframe_check
    def bls_value_bands(cls, df: pd.DataFrame) -> Series[bool]:
        v, metric = _num(df), _text(df, "metric")
        oews = metric.astype(str).str.startswith("oews_")
        ok = ~(oews & v.notna() & ((v < 0) | (v > 10_000_000)))
        return ok & _bands_ok(df, {"cpi_index": (1e-9, 1e6, False), "cpi_yoy_pct": (-50, 100, False)})


class FredObservations(Observations):
    @pa.dataframe_check
    def fred_value_bands(cls, df: pd.DataFrame) -> Series[bool]:
        return _bands_ok(df, {"cpi_index": (1e-9, 1e6, False), "avg_hourly_earnings": (1e-9, 1e4, False),
                              "job_openings": (0, 1e9, False)})


class LayoffObservations(Observations):
    """layoffs.fyi / WARN: one row per event; headcount an integer >= 0 or null (unknown)."""

    @pa.dataframe_check
    def layoff_headcount_integer(cls, df: pd.DataFrame) -> Series[bool]:
        return _bands_ok(df, {"layoff_headcount": (0, 1_000_000, True)})

    @pa.dataframe_check
    def layoff_event_is_one_day(cls, df: pd.DataFrame) -> Series[bool]:
        start, end = _date(df, "period_start"), _date(df, "period_end")
        return start.isna() | end.isna() | (start == end)


class ClaimObservations(Observations):
    """Curated expert claims: direction is -1, 0 or +1, never null."""

    @pa.dataframe_check
    def claim_direction(cls, df: pd.DataFrame) -> Series[bool]:
        v = _num(df)
        return v.isin([-1.0, 0.0, 1.0])


_OWN_MODELS: dict[str, type[Observations]] = {
    "itjobswatch": ItJobsWatchObservations, "indeed": IndeedObservations, "bls": BlsObservations,
    "fred": FredObservations, "layoffs": LayoffObservations, "warn": LayoffObservations,
    "claims": ClaimObservations,
}
#: a source without a model of its own gets the common checks (its declared bands included)
SOURCE_MODELS: dict[str, type[Observations]] = {name: _OWN_MODELS.get(name, Observations) for name in SOURCES}


# --- derived frames -------------------------------------------------------------------------------
def _json_ok(s: pd.Series) -> pd.Series:
    def ok(x) -> bool:
        try:
            json.loads(x)
            return True
        except (TypeError, ValueError):
            return False
    # Many rows share one string (the layoffs lineage of an industry set is ~70 KB and shared
    # by every role with that set): parse each distinct value once.
    seen: dict = {}
    out = []
    for x in s:
        try:
            result = seen[x]
        except KeyError:
            result = seen[x] = ok(x)
        except TypeError:  # unhashable: cannot be JSON text anyway, let ok() say so
            result = ok(x)
        out.append(result)
    return pd.Series(out, index=s.index, dtype=bool)


class Metrics(pa.DataFrameModel):
    """One row per role × derived metric × as_of, with its exact inputs and its lineage."""

    role_id: Series[str]
    metric: Series[str] = pa.Field(isin=list(METRIC_NAMES))
    as_of: Series[pa.DateTime]
    value: Series[float] = pa.Field(nullable=True)
    unit: Series[str]
    status: Series[str] = pa.Field(isin=list(METRIC_STATUSES))
    sample_size: Series[float] = pa.Field(nullable=True, ge=0)
    observed_to: Series[pa.DateTime] = pa.Field(nullable=True)
    note: Series[str]
    inputs: Series[str]
    lineage: Series[str]
    rubric_version: Series[str]

    @pa.dataframe_check
    def ok_has_finite_value(cls, df: pd.DataFrame) -> Series[bool]:
        v = _num(df)
        return (df["status"] != "ok") | (v.notna() & np.isfinite(v))

    @pa.dataframe_check
    def inputs_and_lineage_are_json(cls, df: pd.DataFrame) -> Series[bool]:
        return _json_ok(df["inputs"]) & _json_ok(df["lineage"])

    class Config:
        coerce = True
        strict = True
        unique = ["role_id", "metric", "as_of"]


class DimensionScores(pa.DataFrameModel):
    """What the rubric makes of the metrics: one row per role × dimension (score null = no signal)."""

    role_id: Series[str]
    dimension: Series[str] = pa.Field(isin=list(DIMENSIONS))
    score: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=SCORE_MIN, le=SCORE_MAX)
    confidence: Series[float] = pa.Field(nullable=True, ge=0, le=1)
    inputs: Series[str]
    rationale: Series[str]
    rubric_version: Series[str]
    status: Series[str]

    @pa.dataframe_check
    def ok_has_score(cls, df: pd.DataFrame) -> Series[bool]:
        return (df["status"] != "ok") == df["score"].isna()

    class Config:
        coerce = True
        strict = True
        unique = ["role_id", "dimension"]


class EvidenceScores(pa.DataFrameModel):
    """The evidence in force: one row per role × dimension (also the shape of `previous`)."""

    role_id: Series[str]
    dimension: Series[str] = pa.Field(isin=list(DIMENSIONS))
    as_of: Series[pa.DateTime]
    score: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=SCORE_MIN, le=SCORE_MAX)
    origin: Series[str] = pa.Field(isin=list(ORIGINS))
    status: Series[str]
    confidence: Series[float] = pa.Field(nullable=True, ge=0, le=1)
    age_days: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=0)
    inputs: Series[str]
    rationale: Series[str]
    rubric_version: Series[str] = pa.Field(nullable=True)
    rubric_score: Series[pd.Int64Dtype] = pa.Field(nullable=True, ge=SCORE_MIN, le=SCORE_MAX)

    @pa.dataframe_check
    def only_published_may_lack_a_score(cls, df: pd.DataFrame) -> Series[bool]:
        return df["score"].notna() | (df["origin"] == "published")

    class Config:
        coerce = True
        strict = "filter"  # `previous` read back from the warehouse may carry run_id, version, ...
        unique = ["role_id", "dimension"]


class PreviousEvidence(EvidenceScores):
    """`previous` as read back from the warehouse: several rows per key allowed (the newest on or
    before as_of is used), free-text columns may be null."""

    status: Series[str] = pa.Field(nullable=True)
    inputs: Series[str] = pa.Field(nullable=True)
    rationale: Series[str] = pa.Field(nullable=True)

    class Config:
        coerce = True
        strict = "filter"
        unique = None


class Quarantine(pa.DataFrameModel):
    """Rows kept out of scoring, one per observation, writable to the warehouse `quarantine` table.

    check_name is `<stage>:<check>[;<check>...]` (stage = schema | plausibility | history);
    failure is JSON: the pandera failure cases (or the guard's numbers), period_start, unit, detail.
    """

    quarantine_id: Series[str] = pa.Field(unique=True)
    run_id: Series[str] = pa.Field(nullable=True)
    source: Series[str] = pa.Field(nullable=True)
    fetch_id: Series[str] = pa.Field(nullable=True)
    series_key: Series[str] = pa.Field(nullable=True)
    subject: Series[str] = pa.Field(nullable=True)
    metric: Series[str] = pa.Field(nullable=True)
    period_end: Series[pa.DateTime] = pa.Field(nullable=True)
    value: Series[float] = pa.Field(nullable=True)
    check_name: Series[str]
    failure: Series[str]

    class Config:
        coerce = True
        strict = True


QUARANTINE_COLUMNS = list(Quarantine.to_schema().columns)
#: the observation text columns a quarantine record copies (source, fetch_id, series_key, ...)
_QUARANTINE_TEXT = [c for c in QUARANTINE_COLUMNS if OBSERVATION_KINDS.get(c) == "str"]


# Validating an empty frame costs a full pandera pass; it used to run once per validated batch.
_EMPTY: dict[str, pd.DataFrame] = {}


def empty_observations() -> pd.DataFrame:
    if "observations" not in _EMPTY:
        _EMPTY["observations"] = Observations.validate(
            pd.DataFrame({c: pd.Series(dtype=object) for c in OBSERVATION_COLUMNS}))
    return _EMPTY["observations"].copy()


def empty_quarantine() -> pd.DataFrame:
    if "quarantine" not in _EMPTY:
        _EMPTY["quarantine"] = Quarantine.validate(
            pd.DataFrame({c: pd.Series(dtype=object) for c in QUARANTINE_COLUMNS}))
    return _EMPTY["quarantine"].copy()


_OPTIONAL_COLUMNS = ("detail", "fetch_id", "geography", "period_start")


def coerce_observations(df: pd.DataFrame | None) -> pd.DataFrame:
    """Observations validated when they were stored: the `Observations` dtypes, no checks.

    For the warehouse's `observations` table, which only ever receives validated rows:
    re-running the checks every night would only repeat them. Columns the model does not
    know are dropped (as strict="filter" does); raises ValueError when a required column is
    missing or a value does not coerce, so the caller can validate in full instead.
    """
    if df is None or len(df) == 0:
        return empty_observations()
    schema = Observations.to_schema()
    missing = [c for c in OBSERVATION_COLUMNS if c not in df.columns and c not in _OPTIONAL_COLUMNS]
    if missing:
        raise ValueError(f"observations lack column(s) {missing}")
    out = df[[c for c in df.columns if c in schema.columns]].reset_index(drop=True)
    for optional in _OPTIONAL_COLUMNS:
        if optional not in out.columns:
            out[optional] = None
    for name, column in schema.columns.items():
        try:
            out[name] = column.dtype.coerce(out[name])
        except (TypeError, ValueError, OverflowError) as exc:
            raise ValueError(f"observations column {name!r} does not coerce: {exc}") from None
    return out


# --- the validation step --------------------------------------------------------------------------
def _plain(x):
    if x is None or (isinstance(x, float) and np.isnan(x)) or x is pd.NA or x is pd.NaT:
        return None
    if isinstance(x, (pd.Timestamp,)):
        return x.date().isoformat()
    if isinstance(x, np.datetime64):
        # .item() of a datetime64[ns] is an int of nanoseconds, which is what quarantine
        # records used to carry; a date is what the row held
        return None if np.isnat(x) else pd.Timestamp(x).date().isoformat()
    if isinstance(x, np.generic):
        return x.item()
    return x if isinstance(x, (int, float, str, bool)) else str(x)


def quarantine_rows(rows: pd.DataFrame, run_id: str | None, stage: str,
                    checks: list[str], failures: list[object]) -> pd.DataFrame:
    """Quarantine records for `rows` (observation-shaped, possibly malformed).

    checks[i] / failures[i] belong to rows.iloc[i]; failures are JSON-able objects.
    """
    if rows.empty:
        return empty_quarantine()
    out = pd.DataFrame(index=range(len(rows)))
    for col in _QUARANTINE_TEXT:
        out[col] = [_plain(x) for x in rows[col]] if col in rows else None
        out[col] = out[col].map(lambda x: None if x is None else str(x))
    out["period_end"] = pd.to_datetime(rows["period_end"], errors="coerce").to_numpy() if "period_end" in rows else pd.NaT
    out["value"] = pd.to_numeric(rows["value"], errors="coerce").to_numpy() if "value" in rows else np.nan
    out["run_id"] = run_id
    out["check_name"] = [f"{stage}:{c}" for c in checks]
    extra = {c: rows[c].to_numpy() if c in rows else [None] * len(rows) for c in ("period_start", "unit", "detail")}
    out["failure"] = [
        json.dumps({"cases": f, "period_start": _plain(extra["period_start"][i]), "unit": _plain(extra["unit"][i]),
                    "detail": _plain(extra["detail"][i]), "raw_value": _plain(rows["value"].iloc[i]) if "value" in rows else None},
                   default=str, sort_keys=True)
        for i, f in enumerate(failures)
    ]
    ids = []
    for i in range(len(out)):
        r = out.iloc[i]
        basis = "\x1f".join(str(x) for x in (run_id, r["check_name"], r["source"], r["fetch_id"], r["series_key"],
                                             r["subject"], r["metric"], extra["period_start"][i], r["period_end"],
                                             rows["value"].iloc[i] if "value" in rows else None, i))
        ids.append(hashlib.sha1(basis.encode()).hexdigest()[:20])
    out["quarantine_id"] = ids
    return Quarantine.validate(out[QUARANTINE_COLUMNS], lazy=True)


def _failure_index(cases: pd.DataFrame) -> tuple[dict[object, list[dict]], list[dict]]:
    """Failure cases keyed by row index, plus the cases with no row (whole-frame failures).

    A dataframe-level check reports one case per column of a failing row; those collapse to
    one case per (row, check) whose failure_case is the row's `value`.
    """
    per_row: dict[object, dict[tuple, dict]] = {}
    frame_level: dict[tuple, dict] = {}
    for rec in cases.to_dict("records"):
        frame_check = rec.get("schema_context") == "DataFrameSchema"
        column = None if frame_check else _plain(rec.get("column"))
        case = {"column": column, "check": _plain(rec.get("check")), "failure_case": _plain(rec.get("failure_case"))}
        idx = rec.get("index")
        if idx is None or (isinstance(idx, float) and np.isnan(idx)):
            frame_level.setdefault((case["column"], case["check"], str(case["failure_case"])), case)
            continue
        key = (column, case["check"])
        row = per_row.setdefault(idx, {})
        if key not in row or (frame_check and rec.get("column") == "value"):
            row[key] = case
    return {i: list(v.values()) for i, v in per_row.items()}, list(frame_level.values())


def _check_label(cases: list[dict]) -> str:
    labels: list[str] = []
    for c in cases:
        check = str(c["check"]).split("(", 1)[0]  # "isin([...])" -> "isin"; the full text stays in `failure`
        label = check if c["column"] is None else f"{c['column']}:{check}"
        if label not in labels:
            labels.append(label)
    return ";".join(labels)


def validate_batch(batch: pd.DataFrame, model: type[Observations], run_id: str | None,
                   stage: str = "schema") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Validate one batch lazily with `model`; return (good coerced rows, quarantine)."""
    try:
        return model.validate(batch, lazy=True), empty_quarantine()
    except pa.errors.SchemaErrors as exc:
        per_row, frame_level = _failure_index(exc.failure_cases)
    if frame_level:  # pandera could not pin the failure to rows: the whole batch is suspect
        cases = frame_level
        label = _check_label(cases)
        return empty_observations(), quarantine_rows(batch, run_id, stage, [label] * len(batch), [cases] * len(batch))
    bad = [i for i in batch.index if i in per_row]
    quarantine = quarantine_rows(batch.loc[bad], run_id, stage,
                                 [_check_label(per_row[i]) for i in bad], [per_row[i] for i in bad])
    rest = batch.drop(index=bad)
    good, more = validate_batch(rest, model, run_id, stage) if len(rest) else (empty_observations(), empty_quarantine())
    return good, pd.concat([quarantine, more], ignore_index=True) if len(more) else quarantine


def _dates_are_typed(batch: pd.DataFrame) -> bool:
    """True when the date columns hold no text: coercing them then does not depend on the batch.

    (pandas infers a text date format from the first value, so text dates parsed together
    with another fetch's could come out differently from parsing each fetch on its own.)
    """
    for col in DATE_COLUMNS:
        s = batch[col]
        if s.dtype.kind != "M" and pd.api.types.infer_dtype(s, skipna=True) not in ("date", "datetime", "datetime64",
                                                                                     "empty"):
            return False
    return True


def _try_batch(batch: pd.DataFrame, model: type[Observations],
               fetches: pd.Series) -> tuple[pd.DataFrame | None, list | None]:
    """Validate several fetches as one batch: (good rows, []) when every fetch passes on its own,
    else (None, labels of failing rows), or (None, None) for a failure not pinned to rows."""
    try:
        good = model.validate(batch, lazy=True)
    except pa.errors.SchemaErrors as exc:
        per_row, frame_level = _failure_index(exc.failure_cases)
        return None, (None if frame_level else [i for i in batch.index if i in per_row])
    # The one check that reads other rows saw every fetch at once: re-ask it per fetch.
    within = _salaries_quoted_within_postings(good, fetches.loc[good.index])
    if not within.all():
        return None, list(good.index[~within.to_numpy()])
    return good, []


def _validate_source(batch: pd.DataFrame, fetches: pd.Series, model: type[Observations], run_id: str | None,
                     stage: str) -> tuple[list[pd.DataFrame], list[pd.DataFrame]]:
    """One source's rows, with the same result as validating each of its fetches on its own.

    A night holds one fetch per IT Jobs Watch page (~1,000): a pandera pass per fetch is the
    slow part, so the whole source is validated at once. When rows fail, only their fetches
    are validated one by one (the others again together); a failure pandera cannot pin to a
    row sends every fetch through its own pass, as before.
    """
    def one_by_one(rows: pd.DataFrame) -> tuple[list, list]:
        goods, quarantines = [], []
        for _, part in rows.groupby(fetches.loc[rows.index], sort=True):
            good, quarantine = validate_batch(part, model, run_id, stage)
            goods.append(good)
            quarantines.append(quarantine)
        return goods, quarantines

    if fetches.nunique() == 1 or not _dates_are_typed(batch):
        return one_by_one(batch)
    good, failed = _try_batch(batch, model, fetches)
    if good is not None:
        return [good], []
    if failed is None:
        return one_by_one(batch)
    dirty = fetches.isin(set(fetches.loc[failed]))
    goods, quarantines = one_by_one(batch[dirty.to_numpy()])
    clean = batch[~dirty.to_numpy()]
    if len(clean):
        good, _ = _try_batch(clean, model, fetches)
        if good is None:  # not expected: the clean fetches passed above; be exact anyway
            return one_by_one(batch)
        goods.append(good)
    return goods, quarantines


def validate_observations(df: pd.DataFrame, run_id: str | None, stage: str = "schema", *,
                          per_fetch: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a night's observations into (good, quarantine).

    Each (source, fetch_id) batch (each source, with per_fetch=False) is validated lazily
    with its source's model. Rows named by a failure case go to quarantine with those
    cases; failure cases without a row index (a missing column, a check that could not run)
    quarantine that whole batch. Every other row carries on, coerced to the model's dtypes.
    (With per_fetch, fetches that pass are validated together: see `_validate_source`.)
    """
    if df is None or len(df) == 0:
        return empty_observations(), empty_quarantine()
    df = df.reset_index(drop=True)
    missing = [c for c in OBSERVATION_COLUMNS if c not in df.columns and c not in _OPTIONAL_COLUMNS]
    if missing:
        cases = [{"column": c, "check": "column_in_dataframe", "failure_case": c} for c in missing]
        return empty_observations(), quarantine_rows(df, run_id, stage, ["column_in_dataframe"] * len(df), [cases] * len(df))
    for optional in _OPTIONAL_COLUMNS:
        if optional not in df.columns:
            df[optional] = None
    goods, quarantines = [], []
    source_key = df["source"].astype(object).where(df["source"].notna(), "<null>").astype(str)
    fetch_key = (df["fetch_id"].astype(object).where(df["fetch_id"].notna(), "<null>").astype(str) if per_fetch
                 else pd.Series("<all>", index=df.index))
    for source, batch in df.groupby(source_key, sort=True):
        found_good, found_quarantine = _validate_source(batch, fetch_key.loc[batch.index],
                                                        SOURCE_MODELS.get(source, Observations), run_id, stage)
        goods += [g for g in found_good if len(g)]
        quarantines += [q for q in found_quarantine if len(q)]
    good = pd.concat(goods) if goods else empty_observations()
    good = good.sort_index()  # keep the caller's row order
    quarantine = pd.concat(quarantines, ignore_index=True) if quarantines else empty_quarantine()
    return good.reset_index(drop=True), quarantine
