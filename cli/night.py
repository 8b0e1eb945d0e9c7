"""Commands that run the night or write: run, serve, score, replay."""

from __future__ import annotations

import sys

from pathlib import Path
from typing import Any, Optional

import typer

from cli.common import (CatalogueOpt, JsonOpt, _parse_date, app, console, emit_json, err_console,
                     one_line_errors, print_table, records, state)
from core.errors import JobzoneError
from core.paths import Home


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
