"""The analyst copy opens in the DuckDB 1.x clients analysts actually have.

The warehouse is written by DuckDB 2.0 (storage version 69), which 1.x clients refuse; the copy
is rewritten in `ANALYST_STORAGE_VERSION`. This installs the newest `duckdb-cli` on the registry
(1.5.6, which reads storage versions 64-68) into a throwaway venv and reads the copy with it.
"""

from __future__ import annotations

import subprocess
import sys

import duckdb
import pytest

from warehouse.db import connect
from warehouse.publish import ANALYST_STORAGE_VERSION, publish_analyst_copy

CLI_VERSION = "1.5.6"


@pytest.fixture(scope="module")
def duckdb_cli(tmp_path_factory):
    venv = tmp_path_factory.mktemp("duckdb-cli") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", f"duckdb-cli=={CLI_VERSION}"], check=True,
                   capture_output=True)
    return venv / "bin" / "duckdb"


@pytest.mark.slow
def test_duckdb_cli_1_5_reads_latest_scores_from_the_copy_but_not_the_warehouse(data_home, duckdb_cli, tmp_path):
    with connect(data_home.warehouse) as con:
        copy = publish_analyst_copy(con, data_home.analyst_copy)
        expected = con.execute("SELECT role_id, aijri, zone FROM latest_scores ORDER BY role_id").fetchall()
    query = "SELECT role_id, aijri, zone FROM latest_scores ORDER BY role_id"
    read = subprocess.run([str(duckdb_cli), "-readonly", "-csv", "-noheader", str(copy), "-c", query],
                          capture_output=True, text=True)
    assert read.returncode == 0, read.stderr
    rows = [line.split(",") for line in read.stdout.strip().splitlines()]
    assert [(r, float(a), z) for r, a, z in rows] == [(r, float(a), z) for r, a, z in expected]
    assert len(rows) == 3
    # The control: the warehouse itself, in DuckDB 2.0's own format, is what these clients refuse.
    refused = subprocess.run([str(duckdb_cli), "-readonly", str(data_home.warehouse), "-c", "SELECT 1"],
                             capture_output=True, text=True)
    assert refused.returncode != 0 and "version number" in refused.stderr


def test_the_copy_is_written_in_the_pinned_storage_version(data_home):
    with connect(data_home.warehouse) as con:
        copy = publish_analyst_copy(con, data_home.analyst_copy)
    check = duckdb.connect(str(copy), read_only=True)
    try:
        (tags,) = check.execute("SELECT tags FROM duckdb_databases() WHERE database_name = current_database()"
                                ).fetchone()
        comments = check.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal AND comment IS NOT NULL"
                                 ).fetchone()[0]
    finally:
        check.close()
    assert tags["storage_version"].startswith(ANALYST_STORAGE_VERSION)
    assert comments >= 6  # the analyst views keep their COMMENTs (the data dictionary)


def test_a_wal_a_killed_copy_left_beside_its_temp_file_is_swept_by_the_next_publish(data_home):
    # kill -9 while COPY FROM DATABASE writes the attached temp copy leaves its WAL too
    data_home.published.mkdir(parents=True, exist_ok=True)
    left = [data_home.published / ".warehouse.duckdb.tmp-0000beef",
            data_home.published / ".warehouse.duckdb.tmp-0000beef.wal"]
    for path in left:
        path.write_bytes(b"half written")
    keep = data_home.published / ".warehouse.duckdb.tmp-0000beef.wal.notes"
    keep.write_text("not ours")
    with connect(data_home.warehouse) as con:
        publish_analyst_copy(con, data_home.analyst_copy)
    assert [p.exists() for p in left] == [False, False]
    assert keep.exists()
