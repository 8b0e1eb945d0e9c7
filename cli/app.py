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

from core.errors import JobzoneError
from core.paths import Home

app = typer.Typer(help="jobzone: keep AI Job Resistance Index scores true, nightly.", no_args_is_help=True,
                  pretty_exceptions_enable=False, add_completion=False)
roles_app = typer.Typer(help="The role catalogue (roles/*.yaml).", no_args_is_help=True)
app.add_typer(roles_app, name="roles")
source_app = typer.Typer(help="The data sources: licences, and parsing saved payloads.", no_args_is_help=True)
app.add_typer(source_app, name="source")

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
    config: Optional[str] = typer.Option(None, "--config", help="Settings file (default: core/settings.toml)."),
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
    import pandas as pd

    frame = frame.copy()
    for col in frame.columns:
        # DuckDB DATE columns arrive as midnight timestamps; print them as dates.
        if pd.api.types.is_datetime64_any_dtype(frame[col]) and getattr(frame[col].dt, "tz", None) is None:
            values = frame[col].dropna()
            if (values == values.dt.normalize()).all():
                frame[col] = frame[col].dt.strftime("%Y-%m-%d")
        elif frame[col].dtype == object and frame[col].map(lambda v: isinstance(v, date)).any():
            frame[col] = frame[col].map(lambda v: v.isoformat() if isinstance(v, date) else v)
    return json.loads(frame.to_json(orient="records", date_format="iso", default_handler=str))


# --- catalogue -----------------------------------------------------------------------
@roles_app.command("validate")
@one_line_errors
def roles_validate(catalogue_dir: Optional[Path] = CatalogueOpt, as_json: bool = JsonOpt) -> None:
    """Validate every role file; exits non-zero naming the file and field on the first error."""
    from core.catalogue import load_catalogue

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
    from core.catalogue import load_catalogue

    rows = [{"id": r.id, "title": r.title, "seniority": r.seniority, "lookup": r.lookup.model_dump(exclude_none=True)}
            for r in load_catalogue(catalogue_dir)]
    emit_json(rows) if as_json else print_table(rows)


# --- sources ---------------------------------------------------------------------------
@source_app.command("list")
@one_line_errors
def source_list(as_json: bool = JsonOpt) -> None:
    """Each source with its licence and the attribution carried into everything we publish."""
    from scrapers.registry import SOURCES

    rows = [{"source": s.name, "licence": s.licence, "attribution": s.attribution, "homepage": s.homepage}
            for s in SOURCES.values()]
    emit_json(rows) if as_json else print_table(rows)


@source_app.command("parse")
@one_line_errors
def source_parse(
    source: str = typer.Argument(..., help="Source name (see `jobzone source list`)."),
    file: Path = typer.Argument(..., help="A saved payload (HTML, CSV, JSON, YAML)."),
    url: Optional[str] = typer.Option(None, "--url", help="The URL it was fetched from (parsers read slug/kind "
                                                         "or series id from it); default: the file path."),
    context: list[str] = typer.Option([], "--context", help="Extra parse context as key=value (repeatable); "
                                                           "comma-separated values become lists."),
    as_json: bool = JsonOpt,
) -> None:
    """Parse a saved payload and print its observations: what to run when a site changes its layout."""
    from datetime import datetime, timezone

    from scrapers.base import ParseContext, ScraperError
    from scrapers.registry import get_source

    try:
        src = get_source(source)
        body = file.read_bytes()
    except ScraperError as exc:
        raise JobzoneError(str(exc)) from None
    except OSError as exc:
        raise JobzoneError(f"{file}: cannot read: {exc.strerror}") from None
    extra: dict[str, Any] = {}
    for item in context:
        key, sep, value = item.partition("=")
        if not sep:
            raise JobzoneError(f"--context {item!r}: expected key=value")
        extra[key] = value.split(",") if "," in value else value
    ctx = ParseContext(url=url or str(file), source=src.name, fetched_at=datetime.now(timezone.utc), extra=extra)
    try:
        frame = src.parse(body, ctx)
    except ScraperError as exc:
        raise JobzoneError(f"{file}: {exc}") from None
    rows = records(frame.drop(columns=["fetch_id"]))
    if as_json:
        emit_json(rows)
    else:
        print_table(rows[:200], title=f"{len(rows)} observations from {file}"
                    + (" (first 200)" if len(rows) > 200 else ""))


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
    from core.catalogue import load_catalogue
    from flows.steps.runs import finish_run, new_run_id, start_run
    from flows.steps.score import score_stage
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
    from core.errors import UnknownRoleError
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


# --- the nightly --------------------------------------------------------------------
def _quiet_prefect(home: Home) -> None:
    """Prefect reads its settings at import: set them before anything imports it."""
    import os

    os.environ.setdefault("PREFECT_HOME", str(home.root / "prefect"))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")


@app.command()
@one_line_errors
def run(
    demo: bool = typer.Option(False, "--demo", help="Run offline on the bundled real samples, served on loopback."),
    samples: Optional[Path] = typer.Option(None, "--samples", help="With --demo: a samples directory of the same layout."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Evidence date (default: today; demo: [demo] as_of)."),
    catalogue_dir: Optional[Path] = CatalogueOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Run the nightly flow once, now: gather, refresh evidence, score, publish, alert."""
    if samples and not demo:
        raise JobzoneError("--samples needs --demo")
    if samples and not Path(samples).is_dir():
        raise JobzoneError(f"--samples: {samples} is not a directory")
    if as_of:
        _parse_date(as_of)
    home = state.home
    _quiet_prefect(home)
    from rich.progress import Progress, SpinnerColumn, TextColumn

    from flows.nightly import nightly
    from core import progress

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err_console,
                  disable=as_json) as bar:
        tasks: dict[str, Any] = {}

        def on_stage(name: str, status: str, detail: str) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=1)
            mark = {"done": "[green]✓[/green]", "failed": "[red]✗[/red]"}.get(status, "…")
            bar.update(tasks[name], description=f"{mark} {name}: {detail or status}",
                       completed=1 if status in ("done", "failed") else 0)

        progress.listen(on_stage)
        try:
            summary = nightly(home=str(home.root), demo=demo, samples=str(samples) if samples else None,
                              as_of=as_of, catalogue=str(catalogue_dir) if catalogue_dir else None,
                              config=state.config)
        finally:
            progress.listen(None)
    if as_json:
        emit_json(summary)
        return
    rows = [{"role": rid, "aijri": s["aijri"], "zone": s["zone"], "sublabel": s["sublabel"]}
            for rid, s in summary["score"]["scores"].items()]
    print_table(rows, title=f"{summary['kind']} run {summary['run_id']} as of {summary['as_of']}: {summary['status']}")
    for line in summary.get("report_lines", []):
        console.print(line, markup=False, highlight=False)


@app.command()
@one_line_errors
def explain(role: str = typer.Argument(..., help="Role id, e.g. mlops-engineer."),
            as_of: Optional[str] = typer.Option(None, "--as-of", help="Explain the result on or before this date."),
            as_json: bool = JsonOpt) -> None:
    """Trace a published AIJRI to its dimensions, rubric bands, metrics, observations and raw bytes."""
    from scoring.rubric import load_rubric
    from warehouse.db import open_warehouse
    from warehouse.lineage import explain as walk

    rubric = load_rubric()
    feeds = {dim: list(spec.inputs) for dim, spec in rubric.dimensions.items()}
    home = state.home
    with open_warehouse(home.warehouse, read_only=True) as con:
        doc = walk(con, role, _parse_date(as_of) if as_of else None, feeds)
    if as_json:
        emit_json(doc)
        return
    r = doc["result"]
    label = f"{r['zone']} ({r['sublabel']})" if r.get("sublabel") else r["zone"]
    out = [f"{r['title']} — AIJRI {r['aijri']:.1f}, {label}, as of {r['as_of']}",
           f"  {r['task_resistance']:g} × EM {r['em']:.2f} (evidence {r['evidence_total']:+g}) × BM {r['bm']:.2f} "
           f"(barriers {r['barrier_total']:g}) × GM {r['gm']:.2f} (growth {r['growth']:+g}) = {r['raw']:.4f} "
           f"→ {r['aijri_unrounded']:.4f} → {r['aijri']:.1f}   [{r['methodology_version']}, "
           f"{r['rubric_version'] or 'no rubric: published evidence'}, run {r['run_id']}]", ""]
    for d in doc["dimensions"]:
        score = "—" if d["score"] is None else f"{d['score']:+d}"
        conf = "" if d.get("confidence") is None else f", confidence {d['confidence']:.2f}"
        out.append(f"{d['dimension']:<19} {score:>3}  {d['origin']}{conf} ({d.get('status') or ''}, as of {d.get('as_of')})")
        if d.get("rationale"):
            out.append(f"    {d['rationale']}")
        for m in d["metrics"]:
            value = "null" if m["value"] is None else f"{m['value']:.4g}"
            out.append(f"    metric {m['metric']} = {value} {m['unit'] or ''} [{m['status']}] "
                       f"from {m['observation_count']} observation(s)")
            for o in m["observations"]:
                out.append(f"      ← {o['source']} {o['observed_metric']} {o['period_end']} = {o['observed_value']}"
                           f" {o['observed_unit'] or ''} ({o['series_key']})")
            for f in m["fetches"]:
                out.append(f"      ← fetched {f['url']} at {f['fetched_at']}, sha256 {f['sha256']}")
    for line in out:
        console.print(line, markup=False, highlight=False)


@app.command()
@one_line_errors
def backtest(
    start: str = typer.Option(..., "--from", help="First as-of date (YYYY-MM-DD)."),
    end: str = typer.Option(..., "--to", help="Last as-of date (YYYY-MM-DD)."),
    step_days: int = typer.Option(7, "--step-days", min=1, help="Days between replayed as-of dates."),
    reversal_days: int = typer.Option(30, "--reversal-days", min=1, help="A crossing undone within this many days "
                                                                          "counts as noise."),
    catalogue_dir: Optional[Path] = CatalogueOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Replay the rubric over the archived observation history: evidence/AIJRI path, crossings, noise rate."""
    from core.catalogue import load_catalogue
    from scoring.backtest import backtest as run_backtest
    from warehouse.db import open_warehouse

    first, last = _parse_date(start), _parse_date(end)
    if last < first:
        raise JobzoneError(f"--to {last} is before --from {first}")
    catalogue = load_catalogue(catalogue_dir)
    with open_warehouse(state.home.warehouse, read_only=True) as con:
        history = con.execute(
            "SELECT source, series_key, subject, geography, metric, period_start, period_end, value, unit, detail,"
            " fetch_id FROM observations").df()
    if history.empty:
        raise JobzoneError(f"{state.home.warehouse}: no observations yet; run `jobzone run` (or --demo) first")
    result = run_backtest(history, catalogue, None, first, last, step_days, reversal_days=reversal_days)
    if as_json:
        emit_json({"summary": records(result.summary), "crossings": records(result.crossings),
                   "path": records(result.path)})
        return
    print_table(records(result.summary), title=f"backtest {first} → {last}, every {step_days} d")
    if len(result.crossings):
        print_table(records(result.crossings), title="zone crossings the rubric would have caused")
    for role_id, g in result.path.groupby("role_id"):
        steps = [f"{pd_date(a)} {z[0]}{v:.1f}(e{int(e):+d})" for a, z, v, e in
                 zip(g["as_of"], g["zone"], g["aijri"], g["evidence_total"])]
        console.print(f"{role_id}: " + "  ".join(steps), markup=False, highlight=False)


def pd_date(value: Any) -> str:
    return str(value)[:10]


@app.command()
@one_line_errors
def serve(
    demo: bool = typer.Option(False, "--demo", help="Scheduled runs use the bundled samples (offline)."),
    port: Optional[int] = typer.Option(None, "--port", help="Port for the local Prefect server (default: free port)."),
    catalogue_dir: Optional[Path] = CatalogueOpt,
) -> None:
    """Serve the nightly schedule: a Prefect deployment with the configured cron, until stopped.

    With PREFECT_API_URL unset, a local `prefect server start` on 127.0.0.1 is started first
    (cron schedules only fire on a real server) and stopped on exit.
    """
    import os
    import signal
    import subprocess

    from core.settings import load_settings

    home = state.home
    settings = load_settings(state.config)
    _quiet_prefect(home)
    sched = settings.schedule
    cmd = [sys.executable, "-m", "flows.serve", "--deployment", sched["deployment"], "--cron", sched["cron"],
           "--timezone", sched["timezone"], "--home", str(home.root)]
    cmd += ["--demo"] if demo else []
    cmd += ["--config", str(settings.path)] if state.config else []
    cmd += ["--catalogue", str(catalogue_dir)] if catalogue_dir else []

    def run_server_child(env: dict) -> int:
        child = subprocess.Popen(cmd, env=env)

        def stop(signum, frame):  # forward, then let the child pause nothing and exit
            child.send_signal(signal.SIGTERM)

        previous = signal.signal(signal.SIGTERM, stop)
        try:
            return child.wait()
        except KeyboardInterrupt:
            child.send_signal(signal.SIGTERM)
            return child.wait()
        finally:
            signal.signal(signal.SIGTERM, previous)

    err_console.print(f"serving deployment nightly/{sched['deployment']}: cron {sched['cron']!r} ({sched['timezone']})")
    if os.environ.get("PREFECT_API_URL"):
        raise typer.Exit(run_server_child(dict(os.environ)))
    from flows.server import local_prefect_server

    with local_prefect_server(port, log_path=home.root / "prefect-server.log") as api_url:
        err_console.print(f"local Prefect server: {api_url} (log: {home.root / 'prefect-server.log'})")
        code = run_server_child(dict(os.environ, PREFECT_API_URL=api_url))
    raise typer.Exit(code)


@app.command()
@one_line_errors
def replay(
    since: Optional[str] = typer.Option(None, "--since", help="Only bodies fetched on or after this date."),
    apply: bool = typer.Option(False, "--apply", help="Write observations the warehouse does not hold yet "
                                                      "(e.g. bodies that failed to parse before a parser fix)."),
    as_json: bool = JsonOpt,
) -> None:
    """Re-parse the raw archive with today's parsers, offline, and compare with what is stored."""
    from flows.replay import replay as run_replay
    from flows.steps.runs import new_run_id
    from scrapers.archive import RawArchive
    from warehouse.db import open_warehouse

    home = state.home
    day = _parse_date(since) if since else None
    with open_warehouse(home.warehouse, read_only=not apply) as con:
        report = run_replay(con, RawArchive(home.raw), day, apply=apply, run_id=new_run_id("replay"))
    if as_json:
        emit_json(report.as_dict())
        return
    console.print(f"replayed {report.fetches} archived bodies → {report.observations} observations: "
                  f"{report.identical} identical, {report.changed} changed, {report.quarantined} quarantined, "
                  f"{report.new} not in the warehouse" + (f" ({report.written} written)" if apply else ""))
    for line in report.errors:
        console.print(f"  parse error: {line}", markup=False)


if __name__ == "__main__":  # pragma: no cover
    app()
