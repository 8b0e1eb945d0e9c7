"""Analyst copy + marts + site: what is published, and that a failed night publishes nothing."""

from __future__ import annotations

import duckdb
import pytest

from core.errors import WarehouseError
from tests.publish.publish_helpers import GENERATED_AT, NIGHTS, advance, leftovers, snapshot
from flows.steps import publish as publish_step
from warehouse import publish as publish_mod
from warehouse.db import connect
from warehouse.dictionary import data_dictionary
from flows.steps.publish import publish_night
from warehouse.publish import MARTS, publish_analyst_copy, publish_marts
from website import build as site_build


def _publish(home, catalogue):
    con = duckdb.connect(str(home.warehouse))  # the templates are migrated already
    try:
        return publish_night(con, home, catalogue=catalogue, generated_at=GENERATED_AT)
    finally:
        con.close()


def _artefacts(home):
    return snapshot(home.analyst_copy, home.marts, home.site)


def test_publish_night_writes_the_copy_marts_and_site(data_home, catalogue):
    pub = _publish(data_home, catalogue)
    assert pub.analyst_copy == data_home.analyst_copy
    assert sorted(p.name for p in pub.marts) == sorted(f"{m}.parquet" for m in MARTS)
    assert (data_home.site / "roles" / "mlops-engineer.html").exists() and pub.site
    with duckdb.connect(str(data_home.analyst_copy), read_only=True) as copy, \
            duckdb.connect(str(data_home.warehouse), read_only=True) as live:
        views = {v["view"]: v for v in data_dictionary(copy)}
        assert set(MARTS) <= set(views)  # the views and their comments came with the file
        assert views["latest_scores"]["comment"].startswith("Each role")
        assert all(c["comment"] for c in views["score_history"]["columns"])
        for table in ("aijri_results", "evidence_scores", "catalogue_versions"):
            q = f"SELECT count(*) FROM {table}"
            assert copy.execute(q).fetchone() == live.execute(q).fetchone()
        for view in MARTS:
            path = str(data_home.marts / f"{view}.parquet")
            assert copy.execute(f"SELECT count(*) FROM read_parquet('{path}')").fetchone() == \
                live.execute(f"SELECT count(*) FROM {view}").fetchone()
        cols = [r[0] for r in copy.execute(
            f"DESCRIBE SELECT * FROM read_parquet('{data_home.marts / 'latest_scores.parquet'}')").fetchall()]
        assert cols[:4] == ["role_id", "title", "as_of", "aijri"]
    assert leftovers(data_home.root, data_home.published, data_home.marts) == []


def test_one_row_per_role_views_are_stored_in_the_copy_as_they_stood(data_home, catalogue, templates):
    _publish(data_home, catalogue)
    q = "SELECT * FROM latest_scores ORDER BY role_id"
    with duckdb.connect(str(data_home.analyst_copy), read_only=True) as copy, \
            duckdb.connect(str(data_home.warehouse), read_only=True) as live:
        held = copy.execute(q).fetchall()
        assert held == live.execute(q).fetchall() and len(held) == len(catalogue.roles)
        (sql,) = copy.execute("SELECT sql FROM duckdb_views() WHERE view_name = 'latest_scores'").fetchone()
        assert "latest_scores_snapshot" in sql  # it reads the stored rows, not the whole history
        assert copy.execute("DESCRIBE latest_scores").fetchall() == live.execute("DESCRIBE latest_scores").fetchall()
        comments = "SELECT column_name, comment FROM duckdb_columns() WHERE table_name = 'latest_scores' ORDER BY 1"
        assert copy.execute(comments).fetchall() == live.execute(comments).fetchall()
        assert all(c for _, c in copy.execute(comments).fetchall())
    advance(data_home, templates, 3)  # the warehouse moves on; the copy holds publication's rows
    with duckdb.connect(str(data_home.analyst_copy), read_only=True) as copy, \
            duckdb.connect(str(data_home.warehouse), read_only=True) as live:
        assert copy.execute(q).fetchall() == held != live.execute(q).fetchall()


def test_the_copy_is_a_snapshot_until_the_next_publish(data_home, catalogue, templates):
    _publish(data_home, catalogue)
    advance(data_home, templates, 3)
    q = "SELECT max(as_of) FROM score_history"
    with duckdb.connect(str(data_home.analyst_copy), read_only=True) as copy:
        assert copy.execute(q).fetchone()[0] == NIGHTS[1]
    _publish(data_home, catalogue)
    with duckdb.connect(str(data_home.analyst_copy), read_only=True) as copy:
        assert copy.execute(q).fetchone()[0] == NIGHTS[2]


@pytest.mark.parametrize("broken", ["site", "marts", "copy"])
def test_a_failed_publish_leaves_every_artefact_untouched(data_home, catalogue, templates, monkeypatch, broken):
    _publish(data_home, catalogue)
    before = _artefacts(data_home)
    advance(data_home, templates, 3)  # new data the failed publish must not expose
    if broken == "site":
        def boom(*args, **kwargs):
            raise RuntimeError("site build failed")
        monkeypatch.setattr(site_build, "build_site", boom)
        expected = RuntimeError
    elif broken == "marts":
        monkeypatch.setattr(publish_mod, "MARTS", {**MARTS, "no_such_view": "1"})
        expected = WarehouseError
    else:
        monkeypatch.setattr(publish_mod, "_VERIFY_TABLES", ("aijri_results", "no_such_table"))
        expected = duckdb.Error
    with pytest.raises(expected):
        _publish(data_home, catalogue)
    assert _artefacts(data_home) == before
    assert leftovers(data_home.root, data_home.published, data_home.marts) == []


def test_stale_temp_files_are_cleaned_and_the_copy_is_read_only(data_home, catalogue):
    data_home.published.mkdir(parents=True, exist_ok=True)
    (data_home.published / ".warehouse.duckdb.tmp-deadbeef").write_bytes(b"half a copy")
    (data_home.marts / ".marts.tmp-deadbeef").mkdir(parents=True)
    (data_home.root / "site.tmp-deadbeef").mkdir()
    (data_home.published / "keep.txt").write_text("not ours")
    _publish(data_home, catalogue)
    assert leftovers(data_home.root, data_home.published, data_home.marts) == []
    assert (data_home.published / "keep.txt").exists()
    assert data_home.analyst_copy.stat().st_mode & 0o222 == 0


def test_copy_and_marts_on_their_own(data_home, tmp_path):
    con = connect(data_home.warehouse)
    try:
        dest = publish_analyst_copy(con, tmp_path / "out" / "copy.duckdb")
        marts = publish_marts(con, tmp_path / "out" / "marts")
        with pytest.raises(WarehouseError, match="cannot be the warehouse itself"):
            publish_analyst_copy(con, data_home.warehouse)
    finally:
        con.close()
    assert dest.exists() and len(marts) == len(MARTS)
    with duckdb.connect(str(dest), read_only=True) as copy:
        assert copy.execute("SELECT count(*) FROM latest_scores").fetchone()[0] == 3


def test_a_night_that_changed_nothing_keeps_the_standing_publication(data_home, catalogue, templates):
    first = _publish(data_home, catalogue)
    before = _artefacts(data_home)
    again = _publish(data_home, catalogue)
    assert again.skipped == ["unchanged"] and again.summary()["unchanged"] is True
    assert again.generated_at == first.generated_at and again.site == first.site
    assert _artefacts(data_home) == before

    advance(data_home, templates, 3)  # a new night's results: republished
    third = _publish(data_home, catalogue)
    assert third.skipped == [] and _artefacts(data_home) != before


@pytest.mark.parametrize("change", ["site deleted", "marker lost", "catalogue edited", "code upgraded", "forced"])
def test_anything_the_artefacts_depend_on_republishes(data_home, catalogue, monkeypatch, change):
    _publish(data_home, catalogue)
    kwargs = {}
    if change == "site deleted":
        (data_home.site / "index.html").unlink()
    elif change == "marker lost":
        (data_home.published / publish_step.MARKER).unlink()
    elif change == "catalogue edited":
        edited = type(catalogue)(roles=catalogue.roles, files=catalogue.files,
                                 hashes={**catalogue.hashes, "mlops-engineer": "edited"})
        catalogue = edited
    elif change == "code upgraded":
        monkeypatch.setattr(publish_step, "_PUBLISHING_CODE", publish_step._PUBLISHING_CODE[:-1])
    else:
        kwargs["force"] = True
    con = duckdb.connect(str(data_home.warehouse))
    try:
        pub = publish_night(con, data_home, catalogue=catalogue, generated_at=GENERATED_AT, **kwargs)
    finally:
        con.close()
    assert pub.skipped == [] and (data_home.site / "index.html").is_file()
