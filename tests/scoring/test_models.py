"""Pandera boundary models: coercion, lazy validation, quarantine of failing rows."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pandera.pandas as pa
import pytest

from scoring.models import EvidenceScores, Quarantine
from scoring.observations import OBSERVATION_COLUMNS, ItJobsWatchObservations, Observations
from scoring.validation import validate_observations

REPO = Path(__file__).resolve().parents[2]


def row(**kw) -> dict:
    base = {"source": "itjobswatch", "series_key": "itjobswatch:permanent:mlops", "subject": "mlops",
            "geography": "UK", "metric": "postings", "period_start": date(2025, 9, 3),
            "period_end": date(2026, 3, 2), "value": 185.0, "unit": "count", "detail": None, "fetch_id": "f1"}
    base.update(kw)
    return base


def test_lazy_validation_reports_every_failure_in_one_report():
    bad = pd.DataFrame([
        row(value=-3.0),                                       # count below 0
        row(metric="median_salary", unit="GBP/year", value=5.0),  # salary outside the sane band
        row(unit="furlongs"),                                  # unknown unit
        row(period_start=date(2026, 4, 1)),                    # start after end
        row(value=12.5),                                       # a count that is not an integer
        row(),                                                 # fine
    ])
    with pytest.raises(pa.errors.SchemaErrors) as info:
        ItJobsWatchObservations.validate(bad, lazy=True)
    cases = info.value.failure_cases
    failing_rows = set(cases["index"].dropna().astype(int))
    assert failing_rows == {0, 1, 2, 3, 4}
    checks = set(cases["check"].astype(str))
    assert {"itjobswatch_value_bands", "itjobswatch_median_pay_in_sane_band",
            "period_start_not_after_end"} <= checks
    assert any(c.startswith("isin") for c in checks)


def test_validate_observations_quarantines_failing_rows_and_keeps_the_rest():
    frame = pd.DataFrame([row(value=-3.0), row(metric="median_salary", unit="GBP/year", value=5.0),
                          row(value="not a number"), row(), row(period_end=date(2025, 3, 2),
                                                                period_start=date(2024, 9, 3), value=154.0)])
    good, quarantine = validate_observations(frame, run_id="run-1")
    assert list(good["value"]) == [185.0, 154.0]
    assert len(quarantine) == 3
    assert set(quarantine["run_id"]) == {"run-1"} and set(quarantine["fetch_id"]) == {"f1"}
    assert set(quarantine["source"]) == {"itjobswatch"}
    assert quarantine["check_name"].str.startswith("schema:").all()
    failures = [json.loads(f) for f in quarantine["failure"]]
    assert all(f["cases"] for f in failures)  # the pandera failure cases travel with the row
    assert any("coerce_dtype" in str(f["cases"]) for f in failures)
    Quarantine.validate(quarantine)


def test_whole_frame_failure_quarantines_the_whole_batch():
    frame = pd.DataFrame([row(), row(value=154.0)]).drop(columns=["unit"])
    good, quarantine = validate_observations(frame, run_id="r")
    assert good.empty and len(quarantine) == 2
    assert (quarantine["check_name"] == "schema:column_in_dataframe").all()


def test_batches_are_independent_per_source_and_fetch():
    frame = pd.DataFrame([
        row(fetch_id="a", value=-1.0),
        row(fetch_id="b"),
        row(source="indeed", series_key="indeed:ai_share:GB", subject="GB", geography="GB",
            metric="ai_share_postings", unit="pct", value=9.4, period_start=date(2026, 6, 30),
            period_end=date(2026, 6, 30), fetch_id="c"),
        row(source="indeed", series_key="indeed:aggregate:GB:total", subject="GB", geography="GB",
            metric="postings_index", unit="index", value=650.0, period_start=date(2026, 6, 30),
            period_end=date(2026, 6, 30), fetch_id="c"),  # index must be < 500
    ])
    frame = pd.concat([frame, pd.DataFrame([dict(frame.iloc[3], series_key="indeed:aggregate:GB:new", value=90.0)])],
                      ignore_index=True)  # a `new postings` row labelled as total postings
    good, quarantine = validate_observations(frame, run_id="r")
    assert sorted(good["fetch_id"]) == ["b", "c"]
    assert sorted(zip(quarantine["fetch_id"], quarantine["metric"])) == [
        ("a", "postings"), ("c", "postings_index"), ("c", "postings_index")]
    assert quarantine["check_name"].str.contains("indeed_variable_matches_metric").sum() == 1


def test_metric_outside_the_source_vocabulary_is_quarantined():
    frame = pd.DataFrame([row(metric="vibes"), row(source="claims", series_key="claims:x", subject="mlops-engineer",
                                                   metric="expert_claim", unit="direction", value=2.0)])
    good, quarantine = validate_observations(frame, run_id="r")
    assert good.empty
    assert quarantine["check_name"].str.contains("metric_and_unit_in_source_vocabulary").any()
    assert quarantine["check_name"].str.contains("claim_direction").any()


def test_duckdb_dtypes_are_coerced():
    """DuckDB hands pandas 3 NaN strings, datetime64[us] dates and nullable ints: the model coerces them."""
    con = duckdb.connect()
    con.execute("""CREATE TABLE o (source VARCHAR, series_key VARCHAR, subject VARCHAR, geography VARCHAR,
                   metric VARCHAR, period_start DATE, period_end DATE, value DOUBLE, unit VARCHAR,
                   detail VARCHAR, fetch_id VARCHAR, run_id VARCHAR)""")
    con.execute("""INSERT INTO o VALUES
        ('itjobswatch','itjobswatch:permanent:mlops','mlops','UK','postings','2025-09-03','2026-03-02',185,'count',NULL,'f1','r0'),
        ('itjobswatch','itjobswatch:permanent:mlops','mlops','UK','rank','2025-09-03','2026-03-02',NULL,'rank',NULL,NULL,'r0')""")
    raw = con.execute("SELECT * FROM o").df()
    assert str(raw["period_end"].dtype).startswith("datetime64[us")
    good, quarantine = validate_observations(raw, run_id="r1")
    assert quarantine.empty and len(good) == 2
    assert "run_id" not in good.columns  # warehouse-only columns are filtered
    assert good["value"].dtype == np.float64 and good["period_end"].dtype.kind == "M"
    assert good["detail"].isna().all() and pd.isna(good["fetch_id"].iloc[1])

    con.execute("CREATE TABLE e AS SELECT 'mlops-engineer' AS role_id, 'wage_trends' AS dimension, "
                "DATE '2026-03-02' AS as_of, 1 AS score, 'published' AS origin, 'published' AS status, "
                "CAST(NULL AS DOUBLE) AS confidence, CAST(NULL AS INTEGER) AS age_days, '{}' AS inputs, "
                "'basis' AS rationale, CAST(NULL AS VARCHAR) AS rubric_version, CAST(NULL AS INTEGER) AS rubric_score")
    evidence = EvidenceScores.validate(con.execute("SELECT * FROM e").df())
    assert str(evidence["score"].dtype) == "Int64" and evidence["age_days"].isna().all()


def test_real_samples_through_the_parsers_validate():
    from scrapers.base import ParseContext
    from scrapers.registry import SOURCES

    samples = REPO / "scrapers" / "samples"
    when = datetime(2026, 3, 3, tzinfo=timezone.utc)
    frames = [
        SOURCES["itjobswatch"].parse((samples / "itjobswatch/mlops_permanent_uk_2026-03-02.html").read_bytes(),
                                     ParseContext("https://www.itjobswatch.co.uk/jobs/uk/mlops.do", "itjobswatch", when)),
        SOURCES["itjobswatch"].parse((samples / "itjobswatch/qa-engineer_contract_uk_2020-03-06.html").read_bytes(),
                                     ParseContext("https://www.itjobswatch.co.uk/contracts/uk/qa%20engineer.do",
                                                  "itjobswatch", when)),
        SOURCES["bls"].parse((samples / "bls/oews_OEUN000000000000015113413_web-dev-annual-median_2018.json").read_bytes(),
                             ParseContext("x", "bls", when)),
        SOURCES["indeed"].parse((samples / "indeed-hiring-lab/posted-wage-growth-by-country.csv").read_bytes(),
                                ParseContext("x", "indeed", when, {"kind": "wage_growth"})),
    ]
    for i, f in enumerate(frames):
        f["fetch_id"] = f"fetch-{i}"
    obs = pd.concat(frames, ignore_index=True)
    assert list(obs.columns) == OBSERVATION_COLUMNS
    good, quarantine = validate_observations(obs, run_id="r")
    assert quarantine.empty, quarantine[["metric", "check_name"]]
    assert len(good) == len(obs)
    Observations.validate(good)


def test_quarantine_records_keep_dates_as_dates():
    """period_start used to reach the failure JSON as an integer of nanoseconds."""
    frame = pd.DataFrame([row(value=-3.0), row()])
    frame["period_start"] = pd.to_datetime(frame["period_start"])  # datetime64[ns], as the parsers hand it over
    frame["period_end"] = pd.to_datetime(frame["period_end"])
    _, quarantine = validate_observations(frame, run_id="r")
    [failure] = [json.loads(f) for f in quarantine["failure"]]
    assert failure["period_start"] == "2025-09-03"
    assert str(quarantine["period_end"].iloc[0])[:10] == "2026-03-02"


def test_the_observation_model_is_the_scrapers_declaration():
    """scrapers.base.OBSERVATION_KINDS declares the observation columns once; the pandera model
    lists them again only to attach checks, so it must keep their order and kind."""
    from scrapers.base import OBSERVATION_KINDS, observations_frame

    assert OBSERVATION_COLUMNS == list(OBSERVATION_KINDS)
    schema = Observations.to_schema().columns
    assert list(schema) == OBSERVATION_COLUMNS
    pandera_kind = {"str": "string", "date": "datetime64", "float": "float64"}
    for column, kind in OBSERVATION_KINDS.items():
        assert str(schema[column].dtype).startswith(pandera_kind[kind]), (column, kind, schema[column].dtype)
    built = observations_frame([row()])  # what every parser hands over
    assert list(built.columns) == OBSERVATION_COLUMNS
    assert all(isinstance(built.at[0, c], date) for c, k in OBSERVATION_KINDS.items() if k == "date")
    assert [c for c in built.columns if built[c].dtype == "float64"] == [
        c for c, k in OBSERVATION_KINDS.items() if k == "float"]
