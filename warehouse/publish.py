"""The analyst copy and the Parquet marts, each built beside its destination and renamed in.

Readers only ever see a complete previous version or a complete new one:

* **Analyst copy** (`published/warehouse.duckdb`): CHECKPOINT the writer, write the whole
  database into a temp file in the same directory in a storage version DuckDB 1.x clients open
  (`ANALYST_STORAGE_VERSION`), verify the copy opens and holds the same rows, then `os.replace` it
  over the old copy. An analyst process holding the old copy
  open read-only keeps reading the old inode undisturbed; the next `connect` sees the new file.
  The views and their COMMENTs are part of the file, so they come with the copy.
* **Marts** (`published/marts/`): one per analyst view, as Parquet with the view's and each
  column's COMMENT in the file's key-value metadata (`comment`, `comment.<column>`; Parquet has no
  per-column description, and DuckDB writes file-level metadata only), a CSV beside each for
  spreadsheets, and `dictionary.csv` (view, column, type, comment). Written by DuckDB `COPY` into
  a temp directory, then one `os.replace` per file.

Each is split into `stage_*` and `commit_*` so that `flows/steps/publish.py` can build the copy,
the marts and the site first and swap all three in only when all three were built.
"""

from __future__ import annotations

import csv
import logging
import os
import shutil
import stat
import uuid
from pathlib import Path

import duckdb

from core.errors import WarehouseError
from core.files import clean_temp_files, fsync_dir
from warehouse import queries

log = logging.getLogger(__name__)

#: Every analyst view, each published as a mart, with the order that keeps its files deterministic.
#: The data dictionary (`jobzone schema`) lists the same views in this order.
MARTS: dict[str, str] = {
    "latest_scores": "role_id",
    "score_history": "role_id, as_of",
    "zone_changes": "role_id, as_of",
    "evidence_history": "role_id, dimension, as_of",
    "lineage": "role_id, as_of, derived_metric, source, series_key, subject, observed_metric, period_end, fetch_id",
    "role_titles": "role_id",
    "run_log": "started_at, run_id",
    "alert_log": "as_of, alert_id",
}
#: the spreadsheet-friendly listing of every mart's columns, beside the marts
DICTIONARY_CSV = "dictionary.csv"
#: The storage version the analyst copy is written in: the oldest that every DuckDB 1.2+ client
#: opens (the warehouse itself is in this DuckDB's newest format, which 1.x clients refuse).
ANALYST_STORAGE_VERSION = "v1.2.0"
#: Analyst views of one row per role, stored in the copy as they stood at publication (each view
#: then reads its `<view>_snapshot` table): the copy never changes, and reading 1,000 rows beats
#: re-deriving them from the whole score history on every open (34 ms -> 2 ms at 1,000 roles).
SNAPSHOT_VIEWS = ("latest_scores",)
SNAPSHOT_SUFFIX = "_snapshot"
#: Tables whose row counts must match between the live warehouse and a fresh copy.
_VERIFY_TABLES = ("aijri_results", "evidence_scores", "runs")


# --------------------------------------------------------------------------- analyst copy

def database_path(con: duckdb.DuckDBPyConnection) -> Path:
    """The file behind the connection's current database."""
    row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    if not row or not row[0]:
        raise WarehouseError("publish: the connection is not backed by a database file")
    return Path(row[0])


def checkpoint(con: duckdb.DuckDBPyConnection, source: Path) -> None:
    """Fold the WAL into the database file; refuse to go on if it is not empty afterwards."""
    try:
        con.execute("CHECKPOINT")
    except duckdb.Error as exc:
        raise WarehouseError(f"publish: CHECKPOINT failed: {str(exc).splitlines()[0]}") from None
    wal = Path(f"{source}.wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise WarehouseError(f"publish: {wal} is not empty after CHECKPOINT (another writer?)")


def stage_analyst_copy(con: duckdb.DuckDBPyConnection, dest: str | os.PathLike, *,
                       source: str | os.PathLike | None = None) -> Path:
    """Write the warehouse into a temp file beside `dest` in `ANALYST_STORAGE_VERSION`, verify it;
    returns the temp file."""
    dest = Path(dest)
    src = Path(source) if source is not None else database_path(con)
    if src.resolve() == dest.resolve():
        raise WarehouseError(f"publish: the analyst copy {dest} cannot be the warehouse itself")
    dest.parent.mkdir(parents=True, exist_ok=True)
    clean_temp_files(dest.parent, dest.name)
    checkpoint(con, src)
    tmp = dest.with_name(f".{dest.name}.tmp-{uuid.uuid4().hex[:8]}")
    alias = f"analyst_copy_{uuid.uuid4().hex[:8]}"
    try:
        # Not a byte copy: the warehouse file is in this DuckDB's own storage version, which older
        # clients (the duckdb CLI, R, DBeaver on 1.x) refuse to open. COPY FROM DATABASE rewrites
        # tables, views and their COMMENTs into a file of the pinned version.
        _write_copy(con, tmp, alias)
        with open(tmp, "rb+") as written:
            os.fsync(written.fileno())
        os.chmod(tmp, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)  # analysts read it; nobody writes it
        _verify_copy(con, tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        Path(f"{tmp}.wal").unlink(missing_ok=True)  # the attached copy's own WAL, if it got that far
        raise
    return tmp


def _write_copy(con: duckdb.DuckDBPyConnection, tmp: Path, alias: str) -> None:
    current = con.execute("SELECT current_database()").fetchone()[0]
    try:
        con.execute(f"ATTACH '{_sql_path(tmp)}' AS {alias} (STORAGE_VERSION '{ANALYST_STORAGE_VERSION}')")
        try:
            con.execute(f'COPY FROM DATABASE "{current}" TO {alias}')
            _snapshot_views(con, current, alias)
        finally:
            con.execute(f"DETACH {alias}")
    except duckdb.Error as exc:
        raise WarehouseError(f"publish: writing the analyst copy {tmp} failed: {str(exc).splitlines()[0]}") from None


def _snapshot_views(con: duckdb.DuckDBPyConnection, current: str, alias: str) -> None:
    """Each of `SNAPSHOT_VIEWS` in the attached copy `alias`: its rows stored, the view reading them,
    its COMMENTs (which a replaced view loses) put back."""
    for view in SNAPSHOT_VIEWS:
        (comment,) = con.execute("SELECT comment FROM duckdb_views() WHERE database_name = ? AND view_name = ?",
                                 [current, view]).fetchone()
        columns = con.execute("SELECT column_name, comment FROM duckdb_columns() WHERE database_name = ?"
                              " AND table_name = ? AND comment IS NOT NULL", [current, view]).fetchall()
        table = f"{view}{SNAPSHOT_SUFFIX}"
        # USE: the view's SQL names its table unqualified, as the copy's own views do
        con.execute(f"USE {alias}")
        try:
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM {view}")
            con.execute(f"COMMENT ON TABLE {table} IS "
                        + _literal(f"The rows of the view {view} when this copy was published (the view reads them)."))
            con.execute(f"CREATE OR REPLACE VIEW {view} AS SELECT * FROM {table}")
            con.execute(f"COMMENT ON VIEW {view} IS {_literal(comment)}")
            for column, text in columns:
                con.execute(f'COMMENT ON COLUMN {view}."{column}" IS {_literal(text)}')
        finally:
            con.execute(f'USE "{current}"')


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def commit_analyst_copy(tmp: Path, dest: str | os.PathLike) -> Path:
    """Atomically put the staged copy in place of `dest`."""
    dest = Path(dest)
    stale_wal = Path(f"{dest}.wal")
    if stale_wal.exists():  # only a read-write open of the copy makes one; it belongs to the old file
        log.warning("publish: removing %s left beside the analyst copy", stale_wal)
        stale_wal.unlink(missing_ok=True)
    os.replace(tmp, dest)
    fsync_dir(dest.parent)
    return dest


def publish_analyst_copy(con: duckdb.DuckDBPyConnection, dest: str | os.PathLike, *,
                         source: str | os.PathLike | None = None) -> Path:
    """CHECKPOINT → copy to a temp file in dest's directory → verify → `os.replace` over `dest`."""
    return commit_analyst_copy(stage_analyst_copy(con, dest, source=source), dest)


def _verify_copy(con: duckdb.DuckDBPyConnection, copy: Path) -> None:
    expected = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in _VERIFY_TABLES}
    try:
        check = duckdb.connect(str(copy), read_only=True)
    except duckdb.Error as exc:
        raise WarehouseError(f"publish: the new analyst copy does not open: {str(exc).splitlines()[0]}") from None
    try:
        views = {v for (v,) in check.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
        missing = set(MARTS) - views
        if missing:
            raise WarehouseError(f"publish: the new analyst copy lacks view(s) {sorted(missing)}")
        for table, count in expected.items():
            got = check.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
            if got != count:
                raise WarehouseError(f"publish: the new analyst copy has {got} {table} rows, the warehouse {count}")
        for view in SNAPSHOT_VIEWS:
            (held,) = check.execute(f"SELECT count(*) FROM {view}").fetchone()
            (live,) = con.execute(f"SELECT count(*) FROM {view}").fetchone()
            if held != live:
                raise WarehouseError(f"publish: the new analyst copy has {held} {view} rows, the warehouse {live}")
    except duckdb.Error as exc:
        raise WarehouseError(f"publish: the new analyst copy fails a query: {str(exc).splitlines()[0]}") from None
    finally:
        check.close()


# --------------------------------------------------------------------------- marts

def _literal(text: str | None) -> str:
    return "'" + (text or "").replace("'", "''") + "'"


def _kv_metadata(con: duckdb.DuckDBPyConnection, view: str) -> str:
    """The `KV_METADATA` struct of one mart: the view's COMMENT and each column's."""
    pairs = [("comment", queries.view_comments(con).get(view))]
    pairs += [(f"comment.{column}", comment) for column, _, comment in queries.view_columns(con, view)]
    return "{" + ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in pairs) + "}"


def _write_dictionary(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """`dictionary.csv`: per mart a row for the view itself (column empty), then one per column."""
    comments = queries.view_comments(con)
    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["view", "column", "type", "comment"])
        for view in MARTS:
            writer.writerow([view, "", "VIEW", comments.get(view) or ""])
            writer.writerows([view, column, kind, comment or ""] for column, kind, comment in queries.view_columns(con, view))


def mart_files(view: str) -> tuple[str, str]:
    """(Parquet, CSV) file names of one mart."""
    return f"{view}.parquet", f"{view}.csv"


def stage_marts(con: duckdb.DuckDBPyConnection, marts_dir: str | os.PathLike) -> Path:
    """Write every mart (Parquet, CSV) and the dictionary into a temp directory inside `marts_dir`; returns it."""
    marts_dir = Path(marts_dir)
    marts_dir.mkdir(parents=True, exist_ok=True)
    clean_temp_files(marts_dir, "marts")
    tmp = marts_dir / f".marts.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        for view, order in MARTS.items():
            parquet, csv_file = (_sql_path(tmp / name) for name in mart_files(view))
            con.execute(f"COPY (SELECT * FROM {view} ORDER BY {order}) TO '{parquet}'"
                        f" (FORMAT parquet, KV_METADATA {_kv_metadata(con, view)})")
            # The CSV from the Parquet just written, not from the view again: the lineage and
            # history views cost seconds at scale, and the CSV must hold exactly the Parquet's
            # rows (a single file is read back in its order).
            con.execute(f"COPY (SELECT * FROM read_parquet('{parquet}')) TO '{csv_file}' (FORMAT csv, HEADER)")
        _write_dictionary(con, tmp / DICTIONARY_CSV)
    except duckdb.Error as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise WarehouseError(f"publish: writing the marts failed: {str(exc).splitlines()[0]}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return tmp


def commit_marts(tmp: Path, marts_dir: str | os.PathLike) -> list[Path]:
    """Move each staged file over its predecessor (`os.replace`, atomic per file); returns the Parquet marts."""
    marts_dir = Path(marts_dir)
    out = []
    for view in MARTS:
        parquet, csv_file = mart_files(view)
        os.replace(tmp / csv_file, marts_dir / csv_file)
        os.replace(tmp / parquet, marts_dir / parquet)
        out.append(marts_dir / parquet)
    os.replace(tmp / DICTIONARY_CSV, marts_dir / DICTIONARY_CSV)
    fsync_dir(marts_dir)
    shutil.rmtree(tmp, ignore_errors=True)
    return out


def publish_marts(con: duckdb.DuckDBPyConnection, marts_dir: str | os.PathLike) -> list[Path]:
    return commit_marts(stage_marts(con, marts_dir), marts_dir)
