"""Issue 13: a mart for every analyst view (lineage, alerts, runs, zone changes too), the column
comments carried into the Parquet metadata, a CSV beside each mart and a dictionary CSV."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime, timezone

import duckdb
import pandas as pd
import pytest

from warehouse.db import connect, transaction
from warehouse.dictionary import ANALYST_VIEWS
from warehouse.publish import DICTIONARY_CSV, MARTS, publish_marts
from warehouse.store import write

NIGHT = date(2026, 11, 21)
AT = datetime(2026, 11, 21, 2, 0, tzinfo=timezone.utc)


def _night_records(con) -> None:
    """What a real night adds beside its scores: a fetch, its observation, a metric citing it,
    per-source health (one source failing), a finished run and an alert with a hostile message."""
    with transaction(con):
        write(con, "runs", pd.DataFrame([{"run_id": "nightly-1", "kind": "nightly", "started_at": AT,
                                          "finished_at": AT.replace(minute=7, second=30), "status": "degraded",
                                          "as_of": NIGHT, "summary": json.dumps({"fetches": 2})}]))
        write(con, "fetches", pd.DataFrame([{"fetch_id": "f1", "run_id": "nightly-1", "source": "itjobswatch",
                                             "url": "https://www.itjobswatch.co.uk/jobs/uk/mlops.do",
                                             "status": 200, "outcome": "ok", "fetched_at": AT, "bytes": 1234,
                                             "sha256": "ab" * 32}]))
        write(con, "observations", pd.DataFrame([{
            "source": "itjobswatch", "series_key": "itjobswatch:permanent:mlops", "subject": "mlops",
            "geography": "UK", "metric": "postings", "period_start": date(2025, 9, 2), "period_end": NIGHT,
            "value": 185.0, "unit": "count", "fetch_id": "f1", "run_id": "nightly-1"}]))
        write(con, "metrics", pd.DataFrame([{
            "role_id": "mlops-engineer", "metric": "postings_yoy_role", "as_of": NIGHT, "value": 0.2,
            "unit": "fraction", "status": "ok", "inputs": "{}", "run_id": "nightly-1",
            "lineage": json.dumps([{"fetch_id": "f1", "series_key": "itjobswatch:permanent:mlops",
                                    "subject": "mlops", "metric": "postings", "period_end": NIGHT.isoformat(),
                                    "source": "itjobswatch"}])}]))
        write(con, "source_health", pd.DataFrame([
            {"source": "itjobswatch", "run_id": "nightly-1", "as_of": NIGHT, "requests": 3, "ok": 1,
             "unchanged": 0, "failed": 2, "outcomes": json.dumps({"ok": 1, "http_error": 2})},
            {"source": "fred", "run_id": "nightly-1", "as_of": NIGHT, "requests": 3, "ok": 3,
             "unchanged": 0, "failed": 0, "outcomes": json.dumps({"ok": 3})}]))
        write(con, "alerts", pd.DataFrame([{
            "alert_id": "zone:mlops-engineer:Yellow->Red", "kind": "zone", "subject": "mlops-engineer",
            "as_of": NIGHT, "from_state": "Yellow", "to_state": "Red", "from_aijri": 25.3, "to_aijri": 24.1,
            "message": 'MLOps Engineer, Yellow → Red: "quoted", with commas\nand a second line',
            "status": "pending", "attempts": 0, "run_id": "nightly-1", "created_at": AT}]))


@pytest.fixture
def marts(data_home):
    con = connect(data_home.warehouse)
    try:
        _night_records(con)
        publish_marts(con, data_home.marts)
        comments = {v: dict(con.execute(
            "SELECT column_name, comment FROM duckdb_columns() WHERE table_name = ?", [v]).fetchall())
            for v in MARTS}
        views = dict(con.execute("SELECT view_name, comment FROM duckdb_views() WHERE NOT internal").fetchall())
        counts = {v: con.execute(f"SELECT count(*) FROM {v}").fetchone()[0] for v in MARTS}
    finally:
        con.close()
    return {"dir": data_home.marts, "comments": comments, "views": views, "counts": counts}


def test_every_analyst_view_is_a_mart():
    con = connect(":memory:")
    try:
        views = {v for (v,) in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    finally:
        con.close()
    assert set(MARTS) == views and ANALYST_VIEWS == tuple(MARTS)
    assert {"lineage", "zone_changes", "run_log", "alert_log"} <= set(MARTS)


def test_each_mart_carries_its_view_and_column_comments_in_the_parquet_metadata(marts):
    con = duckdb.connect()
    for view in MARTS:
        path = marts["dir"] / f"{view}.parquet"
        kv = {k.decode(): v.decode() for _, k, v in
              con.execute("SELECT * FROM parquet_kv_metadata(?)", [str(path)]).fetchall()}
        assert kv["comment"] == marts["views"][view] and kv["comment"]
        columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()]
        assert columns == list(marts["comments"][view]), view
        for column, comment in marts["comments"][view].items():
            assert comment and kv[f"comment.{column}"] == comment, (view, column)


def test_a_csv_beside_each_mart_holds_the_same_rows(marts):
    con = duckdb.connect()
    for view in MARTS:
        parquet, csv_path = marts["dir"] / f"{view}.parquet", marts["dir"] / f"{view}.csv"
        assert csv_path.is_file(), view
        with open(csv_path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        assert rows[0] == list(marts["comments"][view]) and len(rows) - 1 == marts["counts"][view], view
        parquet_rows = con.execute(f"SELECT count(*) FROM read_parquet('{parquet}')").fetchone()[0]
        assert parquet_rows == marts["counts"][view]
    alerts = list(csv.DictReader(open(marts["dir"] / "alert_log.csv", newline="", encoding="utf-8")))
    assert alerts[0]["message"] == 'MLOps Engineer, Yellow → Red: "quoted", with commas\nand a second line'
    assert alerts[0]["title"] == "MLOps Engineer"


def test_run_alert_and_lineage_marts_hold_the_night(marts):
    con = duckdb.connect()
    (run,) = con.execute("SELECT status, duration_seconds, failing_sources FROM read_parquet(?)"
                         " WHERE run_id = 'nightly-1'", [str(marts["dir"] / "run_log.parquet")]).fetchall()
    assert run == ("degraded", 450.0, ["itjobswatch"])
    (alert,) = con.execute("SELECT subject, to_state, status FROM read_parquet(?)",
                           [str(marts["dir"] / "alert_log.parquet")]).fetchall()
    assert alert == ("mlops-engineer", "Red", "pending")
    (trace,) = con.execute("SELECT derived_metric, observed_value, url, sha256 FROM read_parquet(?)",
                           [str(marts["dir"] / "lineage.parquet")]).fetchall()
    assert trace == ("postings_yoy_role", 185.0, "https://www.itjobswatch.co.uk/jobs/uk/mlops.do", "ab" * 32)


def test_the_dictionary_csv_lists_every_view_and_column(marts):
    with open(marts["dir"] / DICTIONARY_CSV, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for view in MARTS:
        assert {"view": view, "column": "", "type": "VIEW", "comment": marts["views"][view]} in rows
        listed = {r["column"]: r["comment"] for r in rows if r["view"] == view and r["column"]}
        assert listed == marts["comments"][view]
