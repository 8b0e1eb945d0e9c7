"""The `jobzone` command line: a thin layer over the stages; every error is one line."""

from __future__ import annotations

import functools
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any, Callable, Optional

import typer
from rich.console import Console
from rich.table import Table

from jobzone.errors import JobzoneError
from jobzone.paths import Home

app = typer.Typer(help="jobzone: keep AI Job Resistance Index scores true, nightly.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
roles_app = typer.Typer(help="The role catalogue (roles/*.yaml).", no_args_is_help=True)
app.add_typer(roles_app, name="roles")

console = Console(width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True)

JsonOpt = typer.Option(False, "--json", help="Print JSON instead of a table.")
CatalogueOpt = typer.Option(None, "--catalogue", help="Role catalogue directory (default: roles/).")


class State:
    home_arg: str | None = None
    config: str | None = None

    @property
    def home(self) -> Home:
        return Home.resolve(self.home_arg).ensure()


state = State()


@app.callback()
def main(
    home: Optional[str] = typer.Option(None, "--home", help="Data directory (default: $JOBZONE_HOME or ./data)."),
    config: Optional[str] = typer.Option(None, "--config", help="Settings file (default: jobzone/settings.toml)."),
) -> None:
    state.home_arg, state.config = home, config


def one_line_errors(fn: Callable) -> Callable:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except JobzoneError as exc:
            err_console.print(f"error: {exc}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
    return wrapper


def emit_json(payload: Any) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")


def print_table(rows: list[dict], title: str | None = None, columns: list[str] | None = None) -> None:
    columns = columns or (list(rows[0]) if rows else [])
    table = Table(title=title)
    for c in columns:
        table.add_column(c)
    for row in rows:
        table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
    console.print(table)


def records(frame) -> list[dict]:
    return json.loads(frame.to_json(orient="records", date_format="iso", default_handler=str))


# --- catalogue -----------------------------------------------------------------------
@roles_app.command("validate")
@one_line_errors
def roles_validate(catalogue_dir: Optional[Path] = CatalogueOpt, as_json: bool = JsonOpt) -> None:
    """Validate every role file; exits non-zero naming the file and field on the first error."""
    from jobzone.catalogue import load_catalogue

    catalogue = load_catalogue(catalogue_dir)
    rows = [{"id": r.id, "title": r.title, "form": "task table" if r.has_task_table else "totals only",
             "task_resistance": r.tr, "evidence_total": r.baseline_evidence_total,
             "hash": catalogue.hashes[r.id][:12]} for r in catalogue]
    if as_json:
        emit_json({"valid": True, "roles": rows})
    else:
        print_table(rows, title=f"{len(rows)} roles valid")


@roles_app.command("list")
@one_line_errors
def roles_list(catalogue_dir: Optional[Path] = CatalogueOpt, as_json: bool = JsonOpt) -> None:
    """List the catalogue's roles with their lookup keys."""
    from jobzone.catalogue import load_catalogue

    rows = [{"id": r.id, "title": r.title, "seniority": r.seniority, "lookup": r.lookup.model_dump(exclude_none=True)}
            for r in load_catalogue(catalogue_dir)]
    emit_json(rows) if as_json else print_table(rows)


# --- scoring ---------------------------------------------------------------------------
@app.command()
@one_line_errors
def whatif(
    task_resistance: float = typer.Option(..., "--task-resistance", help="Task Resistance, 1.00-5.00."),
    evidence: float = typer.Option(..., "--evidence", help="Evidence total, -10..10."),
    barriers: float = typer.Option(..., "--barriers", help="Barrier total, 0..10."),
    growth: float = typer.Option(..., "--growth", help="AI growth correlation, -2..2."),
    pct_time_3plus: Optional[float] = typer.Option(None, "--pct-time-3plus", help="% of task time scoring 3+."),
    as_json: bool = JsonOpt,
) -> None:
    """Score one set of inputs and show the distance to each neighbouring zone boundary."""
    from scoring.aijri import score

    result = score(task_resistance, evidence, barriers, growth, pct_time_3plus)
    if as_json:
        emit_json(result.to_dict())
        return
    label = f"{result.zone} ({result.sublabel})" if result.sublabel else result.zone
    console.print(f"raw = {result.task_resistance:g} × {result.em:.2f} × {result.bm:.2f} × {result.gm:.2f} = {result.raw:.4f}")
    console.print(f"AIJRI = {result.aijri:.1f} ({result.aijri_unrounded:.4f} unrounded) → {label}"
                  f"   [{result.methodology_version}]")
    for b in result.boundaries:
        steps = "unreachable within -10..10" if b.evidence_steps is None else f"{b.evidence_steps:+d} evidence point(s)"
        console.print(f"  to {b.to_zone} ({b.direction}, boundary {b.boundary:g}): {b.aijri_points:+.1f} AIJRI points;"
                      f" evidence {b.evidence_points:+.3f} → {steps}")


def _parse_date(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise JobzoneError(f"--as-of: {value!r} is not a date (YYYY-MM-DD)") from None


@app.command("score")
@one_line_errors
def score_cmd(
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Evidence date (default: today)."),
    catalogue_dir: Optional[Path] = CatalogueOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Score the catalogue with its current evidence and write the results (history kept)."""
    from jobzone.catalogue import load_catalogue
    from jobzone.stages import finish_run, new_run_id, score_stage, start_run
    from warehouse.db import open_warehouse

    day = _parse_date(as_of)
    catalogue = load_catalogue(catalogue_dir)  # validated before the warehouse is touched
    run_id = new_run_id("score")
    with open_warehouse(state.home.warehouse) as con:
        start_run(con, run_id, "score", day)
        results, added = score_stage(con, catalogue, day, run_id)
        finish_run(con, run_id, "completed", {"roles": len(results), "rows_added": added})
    rows = records(results[["role_id", "aijri", "zone", "sublabel", "evidence_total", "evidence_refreshed",
                            "methodology_version"]])
    if as_json:
        emit_json({"run_id": run_id, "as_of": day, "rows_added": added, "results": rows})
    else:
        print_table(rows, title=f"AIJRI as of {day} ({added} new result rows) → {state.home.warehouse}")


@app.command()
@one_line_errors
def history(role: str = typer.Argument(..., help="Role id, e.g. mlops-engineer."), as_json: bool = JsonOpt) -> None:
    """Show one role's AIJRI results over time."""
    from jobzone.errors import UnknownRoleError
    from warehouse.db import open_warehouse

    with open_warehouse(state.home.warehouse, read_only=True) as con:
        frame = con.execute(
            "SELECT as_of, version, aijri, zone, sublabel, evidence_total, evidence_refreshed, methodology_version,"
            " rubric_version, run_id FROM aijri_results WHERE role_id = ? ORDER BY as_of, version", [role]).df()
    if frame.empty:
        raise UnknownRoleError(f"no results for role {role!r} in {state.home.warehouse}")
    emit_json(records(frame)) if as_json else print_table(records(frame), title=role)


@app.command()
@one_line_errors
def sql(query: str = typer.Argument(..., help="A SQL query."), as_json: bool = JsonOpt,
        live: bool = typer.Option(False, "--live", help="Query the nightly's own warehouse instead of the "
                                                        "published analyst copy (still read-only).")) -> None:
    """Run an analyst query on a read-only connection (the published analyst copy by default)."""
    import duckdb

    from warehouse.db import open_warehouse

    home = state.home
    path = home.warehouse if live or not home.analyst_copy.exists() else home.analyst_copy
    with open_warehouse(path, read_only=True) as con:
        try:
            frame = con.execute(query).df()
        except duckdb.Error as exc:
            raise JobzoneError(f"sql: {str(exc).splitlines()[0]}") from None
    emit_json(records(frame)) if as_json else print_table(records(frame))


@app.command()
@one_line_errors
def schema(as_json: bool = JsonOpt) -> None:
    """Print the data dictionary: every analyst-facing view and column with its comment."""
    from warehouse.dictionary import data_dictionary
    from warehouse.db import open_warehouse

    home = state.home
    path = home.analyst_copy if home.analyst_copy.exists() else home.warehouse
    if not path.exists():
        with open_warehouse(path):
            pass  # creates and migrates an empty warehouse so the dictionary can be shown
    with open_warehouse(path, read_only=True) as con:
        views = data_dictionary(con)
    if as_json:
        emit_json(views)
        return
    for view in views:
        console.print(f"[bold]{view['view']}[/bold]: {view['comment']}")
        for col in view["columns"]:
            console.print(f"  {col['column']:<22} {col['type']:<10} {col['comment']}")


if __name__ == "__main__":  # pragma: no cover
    app()
