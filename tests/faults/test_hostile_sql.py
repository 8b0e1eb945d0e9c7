"""Issue 14: `jobzone sql` is read-only, and hostile SQL cannot get out of it.

Each test feeds one escape to the real command (in this process, through typer's runner) against
a data home with a live warehouse and a published analyst copy, both by default and with `--live`,
and checks three things: a one-line `error: sql: ...` with a non-zero exit, every byte of the data
home and of a directory outside it unchanged, and the history still all there. The network is
only ever a loopback server of the test's own, which records whether DuckDB tried to reach it.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cli.app import app
from core.paths import Home
from warehouse.db import connect
from warehouse.publish import publish_analyst_copy

from tests.support.catalogues import CLASSIC_ROLES

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]
MODES = pytest.mark.parametrize("live", [False, True], ids=["copy", "live"])
SECRET = "hunter2-do-not-leak"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A data home scored once (the three classic roles) and published: built once, copied per test."""
    root = tmp_path_factory.mktemp("hostile") / "home"
    home = Home.resolve(root).ensure()
    result = runner.invoke(app, ["--home", str(root), "score", "--as-of", "2026-11-26", "--record",
                                 "--catalogue", str(CLASSIC_ROLES)])
    assert result.exit_code == 0, result.output
    con = connect(home.warehouse)
    try:
        publish_analyst_copy(con, home.analyst_copy)
    finally:
        con.close()
    return root


@pytest.fixture
def world(template, tmp_path) -> dict:
    root = tmp_path / "home"
    shutil.copytree(template, root)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(f"{SECRET}\n")
    (outside / "secret.csv").write_text(f"name,value\n{SECRET},1\n")
    (outside / "secret.json").write_text(json.dumps({"secret": SECRET}))
    home = Home.resolve(root)
    return {"home": home, "root": root, "outside": outside}


def digest(*roots: Path) -> dict[str, str]:
    """sha256 of every file under the roots, so a created, changed or removed file shows."""
    out = {}
    for root in roots:
        for p in sorted(root.rglob("*")):
            out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
    return out


def count(path: Path, table: str = "aijri_results") -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        con.close()


def sql(world: dict, query: str, live: bool, *extra: str):
    args = ["--home", str(world["root"]), "sql", query, *extra]
    return runner.invoke(app, args + (["--live"] if live else []))


def refused(world: dict, query: str, live: bool) -> str:
    """Run a hostile query; assert the one-line refusal and that nothing changed. Returns stderr."""
    home, outside = world["home"], world["outside"]
    before = digest(world["root"], outside)
    result = sql(world, query, live)
    assert result.exit_code == 1, f"exit {result.exit_code}: {result.stdout}"
    assert result.stderr.startswith("error: sql: ") and result.stderr.count("\n") == 1, result.stderr
    assert SECRET not in result.stdout + result.stderr
    assert digest(world["root"], outside) == before
    assert count(home.warehouse) == 3 and count(home.analyst_copy) == 3
    return result.stderr


def _other(world: dict, live: bool) -> Path:
    """The database the query is NOT on: the live warehouse from the copy, the copy from --live."""
    return world["home"].analyst_copy if live else world["home"].warehouse


# --------------------------------------------------------------------------- the escapes

@MODES
def test_attach_read_write_then_delete_history(world, live):
    target = _other(world, live)
    stderr = refused(world, f"ATTACH '{target}' AS other (READ_WRITE); DELETE FROM other.aijri_results", live)
    assert "refused" in stderr


@MODES
@pytest.mark.parametrize("query", [
    "ATTACH '{target}' AS other (READ_WRITE)",
    "ATTACH '{new}' AS fresh",
    "COPY FROM DATABASE memory TO fresh",
    "DETACH other",
])
def test_attach_of_any_file_is_refused(world, live, query):
    new = world["outside"] / "fresh.duckdb"
    stderr = refused(world, query.format(target=_other(world, live), new=new), live)
    assert "refused" in stderr and not new.exists()


@MODES
@pytest.mark.parametrize("query", [
    "COPY (SELECT * FROM latest_scores) TO '{out}'",
    "COPY aijri_results TO '{out}' (FORMAT parquet)",
    "EXPORT DATABASE '{dir}'",
])
def test_copy_to_a_file_is_refused(world, live, query):
    out, exported = world["outside"] / "stolen.csv", world["outside"] / "export"
    stderr = refused(world, query.format(out=out, dir=exported), live)
    assert "refused" in stderr and not out.exists() and not exported.exists()


@MODES
@pytest.mark.parametrize("query", [
    "SELECT * FROM read_csv('/etc/passwd', sep = ':', header = false)",
    "SELECT content FROM read_text('{outside}/secret.txt')",
    "SELECT content::VARCHAR FROM read_blob('{outside}/secret.txt')",
    "SELECT * FROM '{outside}/secret.csv'",
    "SELECT * FROM read_json_objects('{outside}/secret.json')",
    "SELECT * FROM glob('{outside}/*')",
    "SELECT count(*) FROM read_blob('{other}')",
])
def test_reading_any_file_is_refused(world, live, query):
    # (DuckDB lets a connection read its own database file as a blob: nothing it could not query.)
    refused(world, query.format(outside=world["outside"], other=_other(world, live)), live)


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - the stdlib's name
        type(self).hits.append(self.path)
        self.send_error(404)

    def log_message(self, *args):
        pass


@pytest.fixture
def loopback():
    """A loopback HTTP server that records every request (standing in for the extension repository)."""
    _Recorder.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.hits
    finally:
        server.shutdown()
        server.server_close()


@MODES
@pytest.mark.parametrize("query", [
    "INSTALL httpfs FROM '{repo}'",
    "FORCE INSTALL json FROM '{repo}'",
    "LOAD '{outside}/evil.duckdb_extension'",
    "LOAD parquet",
])
def test_install_and_load_are_refused_without_the_network(world, live, loopback, query):
    repo, hits = loopback
    stderr = refused(world, query.format(repo=repo, outside=world["outside"]), live)
    assert "refused" in stderr
    assert hits == []


@MODES
def test_extensions_cannot_autoinstall_or_autoload(world, live):
    """A query over a URL would otherwise install httpfs from the network by itself: the settings
    that allow it are off (this test does not try it: the repository is not a loopback host)."""
    result = sql(world, "SELECT name, value FROM duckdb_settings() WHERE name IN ('enable_external_access',"
                        " 'autoinstall_known_extensions', 'autoload_known_extensions', 'allow_community_extensions',"
                        " 'lock_configuration') ORDER BY name", live, "--json")
    assert result.exit_code == 0, result.stderr
    assert {r["name"]: r["value"] for r in json.loads(result.stdout)} == {
        "allow_community_extensions": "false", "autoinstall_known_extensions": "false",
        "autoload_known_extensions": "false", "enable_external_access": "false", "lock_configuration": "true"}


@MODES
@pytest.mark.parametrize("query", [
    "SELECT 1; DELETE FROM aijri_results",
    "SELECT 1 AS a; SELECT 2 AS b",
    "SELECT 1; ATTACH '{target}' AS other (READ_WRITE)",
])
def test_more_than_one_statement_is_refused(world, live, query):
    stderr = refused(world, query.format(target=_other(world, live)), live)
    assert "one statement" in stderr


@MODES
@pytest.mark.parametrize("query", [
    "SET enable_external_access = true",
    "RESET enable_external_access",
    "PRAGMA enable_external_access = true",
    "SET lock_configuration = false",
    "RESET lock_configuration",
    "SET autoinstall_known_extensions = true",
    "SET GLOBAL allowed_directories = ['/']",
    "SET temp_directory = '{outside}'",
    "PRAGMA enable_profiling",
])
def test_set_reset_and_pragma_are_refused(world, live, query):
    stderr = refused(world, query.format(outside=world["outside"]), live)
    assert "refused" in stderr


@pytest.mark.parametrize("query", [
    "DELETE FROM aijri_results", "INSERT INTO aijri_results SELECT * FROM aijri_results",
    "CREATE TEMP TABLE t AS SELECT 1", "CHECKPOINT", "CALL pragma_version()", "BEGIN TRANSACTION",
    "UPDATE EXTENSIONS", "EXPLAIN ANALYZE DELETE FROM aijri_results", "", "  ;  ",
])
def test_anything_but_one_query_is_refused(world, query):
    refused(world, query, False)


def test_the_connection_itself_is_locked_before_any_user_sql(world):
    """Beneath the statement check: the analyst connection refuses the escapes by itself."""
    from warehouse.db import open_analyst

    target = world["home"].warehouse
    with open_analyst(world["home"].analyst_copy) as con:
        for statement in (f"ATTACH '{target}' AS other (READ_WRITE)",
                          f"COPY (SELECT 1) TO '{world['outside'] / 'x.csv'}'",
                          f"SELECT * FROM read_text('{world['outside'] / 'secret.txt'}')",
                          "INSTALL httpfs"):
            with pytest.raises(duckdb.PermissionException):
                con.execute(statement)
        for statement in ("SET enable_external_access = true", "RESET enable_external_access",
                          "SET lock_configuration = false", "SET autoload_known_extensions = true"):
            with pytest.raises(duckdb.InvalidInputException, match="locked"):
                con.execute(statement)
    assert not (world["outside"] / "x.csv").exists() and count(target) == 3


# --------------------------------------------------------------------------- what analysts keep

@MODES
def test_ordinary_analyst_queries_work_as_before(world, live):
    def rows(query):
        result = sql(world, query, live, "--json")
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)

    assert rows("SELECT role_id, aijri FROM latest_scores ORDER BY role_id") == [
        {"role_id": "cloud-architect", "aijri": 51.5}, {"role_id": "devops-engineer", "aijri": 10.7},
        {"role_id": "mlops-engineer", "aijri": 42.6}]
    assert rows("WITH s AS (SELECT role_id, aijri, rank() OVER (ORDER BY aijri DESC) AS r FROM score_history)"
                " SELECT role_id, r FROM s ORDER BY r;") == [
        {"role_id": "cloud-architect", "r": 1}, {"role_id": "mlops-engineer", "r": 2},
        {"role_id": "devops-engineer", "r": 3}]
    assert rows("FROM latest_scores SELECT count(*) AS n -- FROM-first, with a comment") == [{"n": 3}]
    assert {"role_id", "aijri", "zone"} <= {r["column_name"] for r in rows("DESCRIBE latest_scores")}
    assert {"latest_scores", "score_history", "lineage"} <= {r["name"] for r in rows("SHOW TABLES")}
    assert "aijri" in {r["column_name"] for r in rows("SUMMARIZE latest_scores")}
    assert rows("SELECT current_setting('TimeZone') AS tz") == [{"tz": "UTC"}]
    # a typo is still DuckDB's own one-line message
    bad = sql(world, "SELEC 1", live)
    assert bad.exit_code == 1 and bad.stderr.startswith("error: sql: Parser Error") and bad.stderr.count("\n") == 1


@pytest.mark.slow
def test_the_real_command_refuses_attach_delete_in_a_child_process(world):
    """`jobzone sql --live` as an analyst runs it: its own process, its own DuckDB instance."""
    home = world["home"]
    before = digest(world["root"])
    done = subprocess.run(
        [sys.executable, "-m", "cli", "--home", str(world["root"]), "sql", "--live",
         f"ATTACH '{home.analyst_copy}' AS other (READ_WRITE); DELETE FROM other.aijri_results"],
        capture_output=True, text=True, timeout=120, cwd=REPO)
    assert done.returncode == 1 and done.stderr.startswith("error: sql: ") and done.stderr.count("\n") == 1
    assert digest(world["root"]) == before and count(home.analyst_copy) == 3
