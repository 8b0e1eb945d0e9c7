"""Every warehouse write goes through `write`, which applies the table's declared semantics."""

from __future__ import annotations

import hashlib
import itertools

import duckdb
import pandas as pd

from core.errors import WarehouseError
from warehouse.tables import TABLES, ByContent, Table

_AUTO_NOW = {"created_at", "loaded_at", "first_loaded_at", "updated_at"}
_counter = itertools.count()


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, str]:
    rows = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? AND schema_name = 'main'"
        " ORDER BY column_index", [table]
    ).fetchall()
    if not rows:
        raise WarehouseError(f"warehouse has no table {table!r}")
    return dict(rows)


def _key_match(key: tuple[str, ...], left: str, right: str) -> str:
    return " AND ".join(f"{left}.{_q(k)} IS NOT DISTINCT FROM {right}.{_q(k)}" for k in key)


def _date_window(con: duckdb.DuckDBPyConnection, view: str, key: tuple[str, ...],
                 columns: dict[str, str]) -> tuple[str, list]:
    """A filter on the table's date key columns to the incoming rows' range (SQL, parameters).

    History grows by appending night after night, so DuckDB's per-row-group min/max lets this
    skip nearly all of it: the metrics version lookup at 13M rows went from 1.0 s to a fraction.
    The filter only states what the key match implies, so it changes no result.
    """
    clauses, params = ["TRUE"], []
    for name in key:
        if columns.get(name) != "DATE":
            continue
        low, high, nulls = con.execute(
            f"SELECT min(CAST({_q(name)} AS DATE)), max(CAST({_q(name)} AS DATE)), count(*) - count({_q(name)})"
            f" FROM {view}").fetchone()
        if low is not None and not nulls:
            clauses.append(f"t.{_q(name)} BETWEEN ? AND ?")
            params += [low, high]
    return " AND ".join(clauses), params


def _by_content(con: duckdb.DuckDBPyConnection, side: ByContent, frame: pd.DataFrame) -> pd.DataFrame:
    """Write each distinct value of `side.column` once to its side table; the frame with its md5 instead."""
    codes, distinct = pd.factorize(frame[side.column], use_na_sentinel=True)
    ids = [hashlib.md5(str(text).encode()).hexdigest() for text in distinct]
    write(con, side.table, pd.DataFrame({side.key: ids, side.column: list(distinct)}))
    keys = pd.Series([ids[c] if c >= 0 else None for c in codes], index=frame.index, dtype=object)
    return frame.drop(columns=[side.column]).assign(**{side.key: keys})


def write(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> int:
    """Write `frame` into `table` under its declared semantics; returns the rows added."""
    spec: Table = TABLES[table]
    if frame is None or frame.empty:
        if spec.semantics == "replace":
            con.execute(f"DELETE FROM {_q(table)}")
        return 0
    if spec.by_content is not None and spec.by_content.column in frame.columns:
        frame = _by_content(con, spec.by_content, frame)
    columns = table_columns(con, table)
    unknown = set(frame.columns) - set(columns)
    if unknown:
        raise WarehouseError(f"{table}: unknown column(s) {sorted(unknown)}")
    view = f"_incoming_{table}_{next(_counter)}"
    con.register(view, frame)
    try:
        select = []
        for name, dtype in columns.items():
            if name in frame.columns:
                select.append(f"CAST(n.{_q(name)} AS {dtype}) AS {_q(name)}")
            elif name in _AUTO_NOW:
                select.append(f"now() AS {_q(name)}")
            elif not (spec.semantics == "history" and name in ("version", "content_hash")):
                select.append(f"CAST(NULL AS {dtype}) AS {_q(name)}")
        typed = f"SELECT {', '.join(select)} FROM {view} n"
        keys = ", ".join(_q(k) for k in spec.key)
        if spec.semantics == "append":
            sql = (f"INSERT INTO {_q(table)} BY NAME SELECT * FROM ({typed}) n "
                   f"WHERE NOT EXISTS (SELECT 1 FROM {_q(table)} t WHERE {_key_match(spec.key, 't', 'n')}) "
                   f"QUALIFY row_number() OVER (PARTITION BY {keys}) = 1")
        elif spec.semantics == "upsert":
            sql = (f"INSERT OR REPLACE INTO {_q(table)} BY NAME SELECT * FROM ({typed}) n "
                   f"QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY NULL) = 1")
        elif spec.semantics == "replace":
            con.execute(f"DELETE FROM {_q(table)}")
            sql = f"INSERT INTO {_q(table)} BY NAME {typed}"
        else:
            digest = " || chr(31) || ".join(
                f"coalesce(CAST(n.{_q(c)} AS VARCHAR), chr(0))" for c in spec.compare)
            # Only the keys being written: a GROUP BY over the whole history grew with it.
            window, params = _date_window(con, view, spec.key, columns)
            latest = (f"SELECT {keys}, max(version) AS version, arg_max(content_hash, version) AS content_hash "
                      f"FROM {_q(table)} t SEMI JOIN {view} n ON {_key_match(spec.key, 't', 'n')} "
                      f"WHERE {window} GROUP BY {keys}")
            sql = (f"INSERT INTO {_q(table)} BY NAME "
                   f"SELECT n.* EXCLUDE (content_hash), n.content_hash, coalesce(l.version, 0) + 1 AS version "
                   f"FROM (SELECT *, md5({digest}) AS content_hash FROM ({typed}) n "
                   f"      QUALIFY row_number() OVER (PARTITION BY {keys}) = 1) n "
                   f"LEFT JOIN ({latest}) l ON {_key_match(spec.key, 'l', 'n')} "
                   f"WHERE l.content_hash IS DISTINCT FROM n.content_hash")
        ((count,),) = con.execute(sql, params if spec.semantics == "history" else None).fetchall()
        return int(count)
    except duckdb.Error as exc:
        raise WarehouseError(f"{table}: write failed: {exc}") from None
    finally:
        try:
            con.unregister(view)
        except duckdb.TransactionException:
            pass  # the transaction is aborted; the caller's ROLLBACK drops the view with it
