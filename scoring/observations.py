"""Pandera models of the observations every parser returns: the columns, each source's
metrics and units, and the row checks (value bands, salary bands, period lengths).

Every model coerces (DuckDB hands pandas 3 NaN-bearing, nullable or microsecond dtypes)
and is validated lazily, so one report lists every failure. Row checks are written to
survive uncoerced input (they coerce inside), so one bad cell fails its own row, never
the whole batch (the validation step is `scoring.validation`).
"""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from scrapers import registry
from scrapers.base import OBSERVATION_KINDS

# --- vocabularies (ARCHITECTURE.md "Observations") ------------------------------------------
#: the observation columns in order, as scrapers.base declares them (a list: frames are indexed with it)
OBSERVATION_COLUMNS = list(OBSERVATION_KINDS)
# The sources, their metric vocabularies (metric -> allowed units; None: any unit in UNITS), open
# metric families and units are what each source package declares (scrapers/registry.py).
SOURCES = tuple(registry.SOURCES)
UNITS = registry.units()
SOURCE_METRICS: dict[str, dict[str, tuple[str, ...] | None]] = registry.metric_vocabulary()
SOURCE_BANDS: dict[str, dict[str, tuple[float, float, bool]]] = {
    n: {m: (float(lo), float(hi), bool(i)) for m, (lo, hi, i) in s.bands.items()} for n, s in registry.SOURCES.items()}
SOURCE_PATTERNS: dict[str, re.Pattern] = {n: re.compile(s.metric_pattern) for n, s in registry.SOURCES.items()
                                          if s.metric_pattern}

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

