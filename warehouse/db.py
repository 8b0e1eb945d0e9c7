"""Opening the warehouse: migrations, locking, read-only analyst access."""

from __future__ import annotations

import hashlib
import os
import re
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from core.errors import WarehouseBusyError, WarehouseError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
VIEWS_FILE = Path(__file__).with_name("views.sql")
_MIGRATION_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


def migrations() -> list[tuple[int, str, Path]]:
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise WarehouseError(f"{path}: migration files are named NNN_name.sql")
        found.append((int(match.group(1)), match.group(2), path))
    return found


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply the pending numbered migrations, each in its own transaction; idempotent."""
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
    )
    done = {v for (v,) in con.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for version, name, path in migrations():
        if version in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(path.read_text())
            con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name])
            con.execute("COMMIT")
        except duckdb.Error as exc:
            con.execute("ROLLBACK")
            raise WarehouseError(f"{path}: migration failed: {exc}") from None
        applied.append(version)
    _refresh_views(con, force=bool(applied))
    return applied


_VIEW_STATEMENT = re.compile(r"^\s*CREATE\s+OR\s+REPLACE\s+VIEW\b", re.IGNORECASE | re.MULTILINE)


def _refresh_views(con: duckdb.DuckDBPyConnection, *, force: bool) -> None:
    """(Re)create the views when views.sql changed since they were last created, or any is missing.

    Recreating them on every open cost about 0.3 s and a checkpoint at close, three times a night;
    the digest of the views.sql that made them is kept as the comment of `schema_migrations`.
    """
    text = VIEWS_FILE.read_text()
    digest = "views.sql sha256 " + hashlib.sha256(text.encode()).hexdigest()
    if not force:
        (held,) = con.execute("SELECT comment FROM duckdb_tables() WHERE schema_name = 'main'"
                              " AND table_name = 'schema_migrations'").fetchone()
        (views,) = con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal AND schema_name = 'main'"
                               ).fetchone()
        if held == digest and views >= len(_VIEW_STATEMENT.findall(text)):
            return
    con.execute(text)
    con.execute(f"COMMENT ON TABLE schema_migrations IS '{digest}'")


def _is_lock_error(exc: duckdb.Error) -> bool:
    return "lock" in str(exc).lower()


#: how long an open waits for another process's lock on the warehouse (seconds; default 30)
LOCK_WAIT_ENV = "JOBZONE_LOCK_WAIT_SECONDS"


def lock_wait_seconds() -> float:
    raw = os.environ.get(LOCK_WAIT_ENV, "30")
    try:
        value = float(raw)
    except ValueError:
        raise WarehouseError(f"${LOCK_WAIT_ENV}: {raw!r} is not a number of seconds") from None
    if value < 0:
        raise WarehouseError(f"${LOCK_WAIT_ENV}: {raw!r} is negative")
    return value


def _open(path: Path, *, read_only: bool, wait_seconds: float | None,
          config: dict | None = None) -> duckdb.DuckDBPyConnection:
    """duckdb.connect with the lock retry. DuckDB never waits for a lock, so we retry with a bounded backoff."""
    path = Path(path)
    wait_seconds = lock_wait_seconds() if wait_seconds is None else wait_seconds
    if read_only and not path.exists():
        raise WarehouseError(f"{path}: no warehouse yet; run `jobzone run` (or `jobzone run --demo`) first")
    deadline = time.monotonic() + wait_seconds
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=config or {})
        except duckdb.IOException as exc:
            if not _is_lock_error(exc) or time.monotonic() >= deadline:
                if _is_lock_error(exc):
                    raise WarehouseBusyError(f"{path}: locked by another process (waited {wait_seconds:g}s;"
                                             f" ${LOCK_WAIT_ENV} sets how long)") from None
                raise WarehouseError(f"{path}: cannot open: {exc}") from None
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


def _memory_limit() -> str:
    # DuckDB takes 80 % of RAM by default; the nightly shares the machine with analysts and
    # Prefect, and spills to disk past this limit instead.
    return os.environ.get("JOBZONE_DUCKDB_MEMORY", "1GB")


def connect(path: Path, *, read_only: bool = False, wait_seconds: float | None = None) -> duckdb.DuckDBPyConnection:
    """Open the warehouse (read-write: migrated). For an analyst's own SQL use `connect_analyst`."""
    con = _open(path, read_only=read_only, wait_seconds=wait_seconds)
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"SET memory_limit = '{_memory_limit()}'")
    if not read_only:
        migrate(con)
    return con


@contextmanager
def open_warehouse(path: Path, *, read_only: bool = False, wait_seconds: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(path, read_only=read_only, wait_seconds=wait_seconds)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: bad input never leaves half a write behind."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    else:
        con.execute("COMMIT")


# --------------------------------------------------------------------------- the analyst sandbox

#: What an analyst's SQL (`jobzone sql`) may not do, fixed in the config DuckDB opens the file
#: with, so it holds before any SQL runs. A read-only open alone still lets SQL ATTACH another
#: file (the live warehouse) READ_WRITE and delete history, COPY ... TO or read any file, and
#: INSTALL an extension over the network; external access off refuses all of them (the database
#: file itself stays readable, and spilling to its .tmp directory still works).
ANALYST_CONFIG: dict[str, object] = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,  # a query over a URL would fetch httpfs by itself
    "autoload_known_extensions": False,     # only the statically linked extensions (json, parquet, icu)
    "allow_community_extensions": False,
}
#: as duckdb_settings() reports them once the sandbox is in force
_ANALYST_SETTINGS = {"enable_external_access": "false", "autoinstall_known_extensions": "false",
                     "autoload_known_extensions": "false", "allow_community_extensions": "false",
                     "lock_configuration": "true"}


def connect_analyst(path: Path, *, wait_seconds: float | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection for analysts' own SQL: no external access, configuration locked.

    DuckDB refuses to re-enable external access itself, but not every setting (memory_limit,
    temp_directory, profiling_output, autoinstall...): `lock_configuration` freezes them all, so
    no SET, RESET or PRAGMA of the user's can loosen the sandbox.
    """
    path = Path(path)
    config = {**ANALYST_CONFIG, "memory_limit": _memory_limit()}
    try:
        con = _open(path, read_only=True, wait_seconds=wait_seconds, config=config)
    except duckdb.Error as exc:  # e.g. this process already holds the file with another config
        raise WarehouseError(f"{path}: cannot open for analysts: {str(exc).splitlines()[0]}") from None
    try:
        # A second analyst connection in one process shares the (already locked) DuckDB instance.
        if not con.execute("SELECT current_setting('lock_configuration')").fetchone()[0]:
            con.execute("SET TimeZone = 'UTC'")  # an ICU setting: not accepted in the open config
            con.execute("SET lock_configuration = true")
        held = dict(con.execute("SELECT name, value FROM duckdb_settings() WHERE name IN ?",
                                [list(_ANALYST_SETTINGS)]).fetchall())
        if held != _ANALYST_SETTINGS:
            raise WarehouseError(f"{path}: the analyst sandbox is not in force ({held})")
    except BaseException:
        con.close()
        raise
    return con


@contextmanager
def open_analyst(path: Path, *, wait_seconds: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect_analyst(path, wait_seconds=wait_seconds)
    try:
        yield con
    finally:
        con.close()
