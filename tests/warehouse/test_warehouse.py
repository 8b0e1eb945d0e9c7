import datetime as dt

import duckdb
import pandas as pd
import pytest

from jobzone.catalogue import load_catalogue
from jobzone.errors import WarehouseBusyError, WarehouseError
from jobzone.stages import score_stage
from warehouse.db import connect, migrate, migrations, transaction
from warehouse.store import write
from warehouse.tables import TABLES

DAY = dt.date(2026, 11, 26)


def test_migrations_are_numbered_and_idempotent(warehouse):
    versions = [v for v, _, _ in migrations()]
    assert versions == sorted(versions) and versions[0] == 1
    assert migrate(warehouse) == []  # already applied by connect()
    applied = [v for (v,) in warehouse.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()]
    assert applied == versions


def test_every_table_declares_its_write_semantics(warehouse):
    tables = {t for (t,) in warehouse.execute(
        "SELECT table_name FROM duckdb_tables() WHERE table_name <> 'schema_migrations'").fetchall()}
    assert tables == set(TABLES)


def test_score_twice_adds_nothing_and_changed_inputs_add_a_version(warehouse, catalogue_dir):
    cat = load_catalogue(catalogue_dir)
    results, added = score_stage(warehouse, cat, DAY, "run-1")
    assert added == 3
    row = results.set_index("role_id").loc["mlops-engineer"]
    assert (row.aijri, row.zone, row.sublabel) == (42.6, "Yellow", "Urgent")
    counts = {t: warehouse.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("aijri_results", "evidence_scores", "catalogue_versions")}

    _, added_again = score_stage(warehouse, cat, DAY, "run-2")
    assert added_again == 0
    assert counts == {t: warehouse.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in counts}

    # A catalogue edit is a new catalogue version and a new result version for the same day.
    path = catalogue_dir / "mlops-engineer.yaml"
    path.write_text(path.read_text().replace("growth: {score: 1,", "growth: {score: 2,"))
    results, added = score_stage(warehouse, load_catalogue(catalogue_dir), DAY, "run-3")
    assert added == 1
    rows = warehouse.execute("SELECT version, aijri, growth FROM aijri_results WHERE role_id = 'mlops-engineer' "
                             "ORDER BY version").fetchall()
    assert rows == [(1, 42.6, 1.0), (2, 45.0, 2.0)]
    assert warehouse.execute("SELECT aijri FROM latest_scores WHERE role_id='mlops-engineer'").fetchone() == (45.0,)
    assert warehouse.execute("SELECT count(*) FROM catalogue_versions WHERE role_id='mlops-engineer'").fetchone() == (2,)


def test_results_record_methodology_version_and_run(warehouse, catalogue_dir):
    score_stage(warehouse, load_catalogue(catalogue_dir), DAY, "run-1")
    versions = warehouse.execute("SELECT DISTINCT methodology_version, run_id FROM aijri_results").fetchall()
    assert versions == [("aijri-2026.1", "run-1")]


def test_zone_changes_view_lists_consecutive_results_in_different_zones(warehouse, catalogue_dir):
    cat = load_catalogue(catalogue_dir)
    score_stage(warehouse, cat, DAY, "r1")
    # Refreshed evidence moves MLOps up by four points the next day: Yellow -> Green.
    write(warehouse, "evidence_scores", pd.DataFrame([{
        "role_id": "mlops-engineer", "dimension": "expert_consensus", "as_of": DAY + dt.timedelta(days=1),
        "score": 2, "origin": "refreshed"}, {
        "role_id": "mlops-engineer", "dimension": "wage_trends", "as_of": DAY + dt.timedelta(days=1),
        "score": 2, "origin": "refreshed"}, {
        "role_id": "mlops-engineer", "dimension": "ai_tool_maturity", "as_of": DAY + dt.timedelta(days=1),
        "score": 2, "origin": "refreshed"}]))
    score_stage(warehouse, cat, DAY + dt.timedelta(days=1), "r2")
    changes = warehouse.execute("SELECT role_id, from_zone, to_zone, from_aijri, to_aijri FROM zone_changes").fetchall()
    assert changes == [("mlops-engineer", "Yellow", "Green", 42.6, 49.2)]
    latest = warehouse.execute("SELECT aijri, previous_aijri, change FROM latest_scores "
                               "WHERE role_id='mlops-engineer'").fetchone()
    assert latest == (49.2, 42.6, 6.6)


def test_a_failed_write_rolls_back_the_whole_transaction(warehouse):
    good = pd.DataFrame([{"run_id": "r1", "kind": "score", "started_at": pd.Timestamp.now(tz="UTC"), "status": "ok"}])
    bad = pd.DataFrame([{"role_id": "x", "dimension": "d", "as_of": DAY, "score": 9, "origin": "published"}])
    with pytest.raises(WarehouseError, match="evidence_scores: write failed"):
        with transaction(warehouse):
            write(warehouse, "runs", good)
            write(warehouse, "evidence_scores", bad)  # violates CHECK (score BETWEEN -2 AND 2)
    assert warehouse.execute("SELECT count(*) FROM runs").fetchone() == (0,)


def test_unknown_columns_are_rejected(warehouse):
    with pytest.raises(WarehouseError, match=r"runs: unknown column\(s\) \['colour'\]"):
        write(warehouse, "runs", pd.DataFrame([{"run_id": "r", "colour": "x"}]))


def test_a_held_write_lock_becomes_a_busy_error(home):
    import subprocess
    import sys
    import textwrap

    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import duckdb, sys, time
        con = duckdb.connect({str(home.warehouse)!r})
        print("locked", flush=True)
        time.sleep(30)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(WarehouseBusyError, match="locked by another process"):
            connect(home.warehouse, wait_seconds=0.3)
    finally:
        holder.kill()
        holder.wait()
    con = connect(home.warehouse, wait_seconds=5)  # the lock is released with the process
    assert isinstance(con, duckdb.DuckDBPyConnection)
    con.close()
