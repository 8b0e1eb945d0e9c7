"""`jobzone sql` and `jobzone tables`: analysts' own queries on the published copy (or --live).

Rows are streamed from DuckDB in native Python types (no pandas round trip, which would print
a nullable integer as 3.0), written as a table at its natural width, CSV, TSV, JSON or
newline-delimited JSON. Parameters are bound by DuckDB (`$name`), never pasted into the text.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Optional

import typer

from cli.common import app, emit_json, json_default, one_line_errors, print_table, state
from core.errors import AnalystSqlRefused, JobzoneError
from core.paths import Home
from warehouse import queries

#: rows fetched from DuckDB at a time when streaming a delimited or JSON-lines result
_BATCH = 10_000


def _analyst_path(home: Home, live: bool) -> Path:
    return home.warehouse if live or not home.analyst_copy.exists() else home.analyst_copy


def _read_query(query: str | None, file: str | None) -> str:
    if query is not None and file is not None:
        raise JobzoneError("sql: give the query as an argument or with -f/--file, not both")
    if file is None:
        if query is None:
            raise JobzoneError("sql: no query (give one as an argument, or -f query.sql; -f - reads stdin)")
        return query
    if file == "-":
        return sys.stdin.read()
    try:
        return Path(file).read_text(encoding="utf-8")
    except OSError as exc:
        raise JobzoneError(f"--file {file}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise JobzoneError(f"--file {file}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def parse_params(items: Sequence[str]) -> dict[str, str]:
    """`name=value` pairs, bound to `$name` as text (DuckDB casts where the query needs a number or date)."""
    params: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip().lstrip("$")
        if not sep or not name:
            raise JobzoneError(f"--param {item!r}: expected name=value (used in the query as $name)")
        if not (name.replace("_", "a").isalnum() and not name[0].isdigit()):
            raise JobzoneError(f"--param {item!r}: {name!r} is not a parameter name (letters, digits, _)")
        if name in params:
            raise JobzoneError(f"--param {name}: given twice")
        params[name] = value
    return params


def _check_params(used: set[str], given: dict[str, str]) -> None:
    if any(name.isdigit() for name in used):
        raise JobzoneError("sql: positional parameters (?) cannot be given; name them ($name) and pass "
                           "--param name=value")
    missing = sorted(used - set(given))
    if missing:
        raise JobzoneError(f"sql: the query uses {', '.join('$' + m for m in missing)}: give "
                           + " ".join(f"--param {m}=VALUE" for m in missing))
    unused = sorted(set(given) - used)
    if unused:
        raise JobzoneError(f"--param {unused[0]}: the query has no ${unused[0]}")


def text_of(value: Any) -> str:
    """A value as one delimited-text cell: ISO dates, lowercase booleans, JSON for lists and structs."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, default=json_default, ensure_ascii=False)
    return str(value)


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=json_default))


def _batches(cursor) -> Iterator[list[tuple]]:
    while True:
        rows = cursor.fetchmany(_BATCH)
        if not rows:
            return
        yield rows


def _write(cursor, names: list[str], fmt: str) -> int:
    out = sys.stdout
    count = 0
    if fmt in ("csv", "tsv"):
        writer = csv.writer(out, dialect="excel" if fmt == "csv" else "excel-tab", lineterminator="\n")
        writer.writerow(names)
        for rows in _batches(cursor):
            writer.writerows([text_of(v) for v in row] for row in rows)
            count += len(rows)
    elif fmt == "nl":
        for rows in _batches(cursor):
            for row in rows:
                out.write(json.dumps(dict(zip(names, row)), default=json_default, ensure_ascii=False) + "\n")
            count += len(rows)
    elif fmt == "json":
        rows = [dict(zip(names, row)) for row in cursor.fetchall()]
        emit_json(_jsonable(rows))
        count = len(rows)
    else:
        rows = [dict(zip(names, (text_of(v) for v in row))) for row in cursor.fetchall()]
        if rows:
            print_table(rows, columns=names)
        else:
            print_table([], columns=names, title="(no rows)")
        count = len(rows)
    return count


def _format(csv_: bool, tsv: bool, nl: bool, as_json: bool) -> str:
    chosen = [name for name, on in (("csv", csv_), ("tsv", tsv), ("nl", nl), ("json", as_json)) if on]
    if len(chosen) > 1:
        raise JobzoneError(f"sql: choose one output format ({', '.join('--' + c for c in chosen)} given)")
    return chosen[0] if chosen else "table"


LiveOpt = typer.Option(False, "--live", help="Query the nightly's own warehouse instead of the published "
                                             "analyst copy (still read-only and sandboxed).")


@app.command()
@one_line_errors
def sql(query: Optional[str] = typer.Argument(None, help="A SQL query (or -f FILE)."),
        file: Optional[str] = typer.Option(None, "-f", "--file", help="Read the query from a file (- : stdin)."),
        param: list[str] = typer.Option([], "--param", "-p", help="name=value, bound to $name in the query as "
                                                                   "text, never pasted in (repeatable)."),
        csv_: bool = typer.Option(False, "--csv", help="Print CSV (header row, ISO dates)."),
        tsv: bool = typer.Option(False, "--tsv", help="Print tab-separated values."),
        nl: bool = typer.Option(False, "--nl", help="Print one JSON object per line."),
        as_json: bool = typer.Option(False, "--json", help="Print a JSON array."),
        live: bool = LiveOpt) -> None:
    """Run one read-only analyst query (SELECT, WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE) on the
    published analyst copy; ATTACH, COPY, file reads, INSTALL/LOAD, SET and scripts are refused.

    Example: jobzone sql "SELECT * FROM score_history WHERE role_id = $role" --param role=mlops-engineer --csv
    """
    import duckdb

    from warehouse.db import open_analyst

    fmt = _format(csv_, tsv, nl, as_json)
    text = _read_query(query, file)
    params = parse_params(param)
    # The sandbox (no external access, configuration locked) is the same for --live: a read-only
    # open of the nightly's own file would otherwise let SQL ATTACH it, or the copy, READ_WRITE.
    with open_analyst(_analyst_path(state.home_readonly, live)) as con:
        _check_params(queries.analyst_parameters(con, text), params)
        try:
            cursor = queries.analyst_cursor(con, text, params)
            names = [d[0] for d in cursor.description]
            _write(cursor, names, fmt)
        except AnalystSqlRefused as exc:
            raise AnalystSqlRefused(f"sql: {exc}") from None
        except duckdb.Error as exc:
            raise JobzoneError(f"sql: {str(exc).splitlines()[0]}") from None


@app.command()
@one_line_errors
def tables(as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
           live: bool = LiveOpt) -> None:
    """Every view and table an analyst can query, with its row count and what it holds."""
    from warehouse.db import open_warehouse

    path = _analyst_path(state.home_readonly, live)
    with open_warehouse(path, read_only=True) as con:
        rows = queries.relations_with_counts(con)
    if as_json:
        emit_json(rows)
    else:
        print_table(rows, title=f"{len(rows)} views and tables in {path}")
