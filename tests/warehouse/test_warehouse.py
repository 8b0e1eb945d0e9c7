import datetime as dt
import json

import duckdb
import pandas as pd
import pytest

from core.catalogue import load_catalogue
from core.errors import WarehouseBusyError, WarehouseError
from flows.steps.score import score_stage
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
    assert added == len(cat) == 19
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


def _evidence(role_id: str, dims, as_of: dt.date, score: int, origin: str = "refreshed") -> pd.DataFrame:
    return pd.DataFrame([{
        "role_id": role_id, "dimension": d, "as_of": as_of, "score": score, "origin": origin, "status": "ok",
        "confidence": None, "age_days": None, "inputs": "{}", "rationale": f"{origin} {score}",
        "rubric_version": None, "rubric_score": None, "run_id": "r"} for d in dims])


def test_current_evidence_by_roles_equals_the_full_search(warehouse):
    """The recent-window shortcut must give exactly what a search over every version gives."""
    from core.catalogue import DIMENSIONS
    from warehouse.queries import RECENT_EVIDENCE_DAYS, current_evidence

    old = DAY - dt.timedelta(days=RECENT_EVIDENCE_DAYS + 200)
    frames = [
        _evidence("fresh", DIMENSIONS, old, 0, "published"),
        _evidence("fresh", DIMENSIONS, DAY - dt.timedelta(days=1), 1),
        _evidence("fresh", DIMENSIONS[:2], DAY - dt.timedelta(days=1), 2),   # a second version, same date
        _evidence("mixed", DIMENSIONS, old, -1, "published"),
        _evidence("mixed", DIMENSIONS[:3], DAY - dt.timedelta(days=3), 2),   # two dimensions only old
        _evidence("stale", DIMENSIONS, old, 1, "published"),                 # nothing recent at all
        _evidence("stale", DIMENSIONS[:1], DAY + dt.timedelta(days=1), -2),  # after as_of: ignored
        _evidence("other", DIMENSIONS, DAY, 2),                              # not asked for
    ]
    for frame in frames:
        with transaction(warehouse):
            write(warehouse, "evidence_scores", frame)

    def ordered(frame):
        return frame.sort_values(["role_id", "dimension"]).reset_index(drop=True)

    asked = ["fresh", "mixed", "stale", "absent"]
    full = current_evidence(warehouse, DAY)
    quick = current_evidence(warehouse, DAY, asked)
    expected = ordered(full[full["role_id"].isin(asked)])
    pd.testing.assert_frame_equal(ordered(quick), expected, check_dtype=False)
    assert len(expected) == 15
    got = {(r, d): s for r, d, s in zip(quick["role_id"], quick["dimension"], quick["score"])}
    assert got[("fresh", DIMENSIONS[0])] == 2 and got[("fresh", DIMENSIONS[4])] == 1
    assert got[("mixed", DIMENSIONS[4])] == -1 and got[("stale", DIMENSIONS[0])] == 1


def test_migration_6_keeps_every_row_and_check_and_drops_only_the_growing_keys(tmp_path, monkeypatch, catalogue_dir):
    import warehouse.db as db

    path = tmp_path / "old.duckdb"
    upto5 = [m for m in migrations() if m[0] <= 5]
    monkeypatch.setattr(db, "migrations", lambda: upto5)
    monkeypatch.setattr(db, "_refresh_views", lambda con, force: None)  # today's views read later tables
    con = connect(path)
    score_stage(con, load_catalogue(catalogue_dir), DAY, "run-1")
    with transaction(con):
        write(con, "metrics", pd.DataFrame([{"role_id": "mlops-engineer", "metric": "m", "as_of": DAY, "value": 1.5,
                                             "status": "ok", "inputs": "{}", "note": "kept"}]))
    grown = ("observations", "metrics", "evidence_scores", "aijri_results")
    before = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in grown}
    assert before["aijri_results"] and before["evidence_scores"] and before["metrics"]
    con.close()

    monkeypatch.undo()
    con = connect(path)  # applies 006 (and the later ones: 008 keeps the metrics' lineage by id)
    after = {t: con.execute(f"SELECT * {'EXCLUDE (lineage_id)' if t == 'metrics' else ''} FROM {t} ORDER BY ALL")
             .fetchall() for t in grown}
    before["metrics"] = [tuple(v for i, v in enumerate(r) if i != 8) for r in before["metrics"]]  # lineage (NULL)
    assert after == before
    keyed = {t for (t,) in con.execute(
        "SELECT table_name FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'").fetchall()}
    assert keyed.isdisjoint(grown) and {"runs", "alerts", "http_validators", "source_health"} <= keyed
    with pytest.raises(WarehouseError, match="write failed"):
        with transaction(con):
            write(con, "evidence_scores", pd.DataFrame([{"role_id": "x", "dimension": "d", "as_of": DAY,
                                                         "score": 9, "origin": "published"}]))
    # the views still resolve against the rebuilt tables, and a rerun still adds nothing
    assert con.execute("SELECT aijri FROM latest_scores WHERE role_id = 'mlops-engineer'").fetchone() == (42.6,)
    assert score_stage(con, load_catalogue(catalogue_dir), DAY, "run-2")[1] == 0
    con.close()


def _lineage(*entries: str) -> str:
    return json.dumps([{"fetch_id": f, "series_key": "s", "subject": "x", "metric": "postings",
                        "period_end": "2026-11-01", "source": "itjobswatch"} for f in entries])


def test_migration_8_stores_each_distinct_lineage_once_and_the_lineage_view_reads_the_same(tmp_path, monkeypatch):
    import warehouse.db as db

    path = tmp_path / "old.duckdb"
    upto7 = [m for m in migrations() if m[0] <= 7]
    monkeypatch.setattr(db, "migrations", lambda: upto7)
    monkeypatch.setattr(db, "_refresh_views", lambda con, force: None)  # today's views read lineage_sets
    con = connect(path)
    shared, own = _lineage("f1", "f2"), _lineage("f3")
    rows = [("a", shared), ("b", shared), ("c", own), ("d", None)]
    for r, lin in rows:  # as the writes before 008 stored them: the lineage text on each row
        con.execute("INSERT INTO metrics (role_id, metric, as_of, version, value, status, inputs, lineage,"
                    " content_hash, created_at) VALUES (?, 'm', ?, 1, 1.0, 'ok', '{}', ?, md5(?), now())",
                    [r, DAY, lin, r])
    before = con.execute("SELECT role_id, version, content_hash FROM metrics ORDER BY role_id").fetchall()
    con.close()

    monkeypatch.undo()
    con = connect(path)  # applies 008
    assert con.execute("SELECT count(*) FROM lineage_sets").fetchone() == (2,)
    assert con.execute("SELECT role_id, version, content_hash FROM metrics ORDER BY role_id").fetchall() == before
    held = dict(con.execute("SELECT role_id, l.lineage FROM metrics LEFT JOIN lineage_sets l USING (lineage_id)"
                            " ORDER BY role_id").fetchall())
    assert {r: (json.loads(v) if v else None) for r, v in held.items()} == \
        {r: (json.loads(v) if v else None) for r, v in rows}
    fetched = sorted(con.execute("SELECT role_id, fetch_id FROM lineage").fetchall())
    assert fetched == [("a", "f1"), ("a", "f2"), ("b", "f1"), ("b", "f2"), ("c", "f3")]
    con.close()


def test_a_lineage_written_again_adds_no_set_and_each_row_names_its_own(warehouse):
    shared = _lineage("f1")
    frame = pd.DataFrame([{"role_id": r, "metric": "m", "as_of": DAY, "value": 1.0, "status": "ok", "inputs": "{}",
                           "lineage": lin} for r, lin in (("a", shared), ("b", shared), ("c", _lineage("f9")))])
    with transaction(warehouse):
        assert write(warehouse, "metrics", frame) == 3
    with transaction(warehouse):  # the next night: same lineage, a new value
        assert write(warehouse, "metrics", frame.assign(as_of=DAY + dt.timedelta(days=1))) == 3
    assert warehouse.execute("SELECT count(*) FROM lineage_sets").fetchone() == (2,)
    held = warehouse.execute("SELECT role_id, count(*), any_value(l.lineage) FROM metrics JOIN lineage_sets l"
                             " USING (lineage_id) GROUP BY role_id ORDER BY role_id").fetchall()
    assert [(r, n, json.loads(v)[0]["fetch_id"]) for r, n, v in held] == [("a", 2, "f1"), ("b", 2, "f1"),
                                                                         ("c", 2, "f9")]
