"""The validation step: a night's observations split into good rows and quarantine, per source
(pandera, lazily), with a one-by-one fallback that pins a failure pandera cannot place on a row
to its own (source, fetch) batch; and the held history's dtypes restored without re-checking.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pandera.pandas as pa

from scoring.models import QUARANTINE_COLUMNS, Quarantine
from scoring.observations import OBSERVATION_COLUMNS, SOURCE_MODELS, Observations, _salaries_quoted_within_postings
from scrapers.base import DATE_COLUMNS, OBSERVATION_KINDS

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
    # Without per_fetch a source is one batch: a failure pandera cannot pin to rows stays its own.
    fetch_key = (df["fetch_id"].astype(object).where(df["fetch_id"].notna(), "<null>").astype(str) if per_fetch
                 else source_key)
    # One pass per model, not per source: the sources with no checks of their own share the common
    # model, and each pandera pass has a fixed cost (~0.05 s) that 13 sources paid 13 times. The
    # result is the same: a failing fetch is still validated on its own (`_validate_source`).
    models = {source: SOURCE_MODELS.get(source, Observations) for source in source_key.unique()}
    by_model = source_key.map({source: model.__name__ for source, model in models.items()})
    model_of = {model.__name__: model for model in models.values()}
    for name, batch in df.groupby(by_model, sort=True):
        found_good, found_quarantine = _validate_source(batch, fetch_key.loc[batch.index], model_of[name],
                                                        run_id, stage)
        goods += [g for g in found_good if len(g)]
        quarantines += [q for q in found_quarantine if len(q)]
    good = pd.concat(goods) if goods else empty_observations()
    good = good.sort_index()  # keep the caller's row order
    quarantine = pd.concat(quarantines, ignore_index=True) if quarantines else empty_quarantine()
    return good.reset_index(drop=True), by_source(quarantine)


def by_source(quarantine: pd.DataFrame) -> pd.DataFrame:
    """Quarantine rows source by source, as a pass per source listed them (stable within one)."""
    if not len(quarantine):
        return quarantine
    source = quarantine["source"].astype(object).where(quarantine["source"].notna(), "<null>").astype(str)
    return quarantine.iloc[np.argsort(source.to_numpy(), kind="stable")].reset_index(drop=True)

