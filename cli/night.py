"""Commands that run the night or write: run, serve, score, replay."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional

import typer

from cli.display import StageDisplay
from cli.common import (CatalogueOpt, JsonOpt, app, emit_json, err_console, one_line_errors, parse_date,
                        print_table, records, say, state)
from core.errors import JobzoneError
from core.paths import Home


ForceAsOfOpt = typer.Option(False, "--force-as-of",
                             help="Accept an --as-of after today, as a what-if in <home>/what-if/<date>/ "
                                  "(a copy of the warehouse); the shared warehouse, site and alerts are untouched.")


def _as_of(as_of: str | None, force: bool) -> tuple[Any, bool]:
    from flows.steps.asof import check_as_of

    return check_as_of(as_of, force=force, option="--as-of", force_option="--force-as-of")


@app.command("score")
@one_line_errors
def score_cmd(
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Evidence date (default: today; never after today)."),
    record: bool = typer.Option(False, "--record", help="Write the results into the warehouse's history under "
                                                        "--as-of (required with it; the next publication shows "
                                                        "them). Without it nothing is written."),
    force_as_of: bool = ForceAsOfOpt,
    catalogue_dir: Optional[Path] = CatalogueOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Score the catalogue with the evidence in force on --as-of: a preview that writes nothing.

    With --record the results become permanent history dated --as-of, which the next night
    publishes; the newest evidence's date is printed, so a result is never recorded "as of today"
    on months-old evidence unnoticed.
    """
    from core.catalogue import load_catalogue

    if record and as_of is None:
        # Recording is permanent history: the date it is filed under is stated, never assumed.
        raise JobzoneError("--record needs --as-of D: the date the results are recorded under (a preview, "
                           "without --record, shows the newest evidence's date)")
    day, what_if = _as_of(as_of, force_as_of)
    day = day or parse_date(None)
    catalogue = load_catalogue(catalogue_dir)  # validated before the warehouse is touched
    if record:
        payload, title = _record_scores(catalogue, day, what_if)
    else:
        payload, title = _preview_scores(catalogue, day)
    if as_json:
        emit_json(payload)
    else:
        print_table(payload["results"], title=title)


def _evidence_note(evidence: Any, day: Any) -> tuple[str | None, str]:
    """(the newest evidence date, a phrase saying how old it is on `day`)."""
    if evidence is None or not len(evidence):
        return None, "published evidence only (no warehouse evidence)"
    import pandas as pd

    newest = pd.Timestamp(evidence["as_of"].max()).date()
    return newest.isoformat(), f"newest evidence {newest}, {(day - newest).days} day(s) before"


def _result_rows(results: Any) -> list[dict]:
    return records(results[["role_id", "aijri", "zone", "sublabel", "evidence_total", "evidence_refreshed",
                            "methodology_version"]])


def _preview_scores(catalogue: Any, day: Any) -> tuple[dict, str]:
    from scoring.results import evidence_totals, score_inputs, score_roles
    from warehouse import queries
    from warehouse.db import open_warehouse

    home = state.home_readonly
    evidence = None
    if home.warehouse.exists():
        with open_warehouse(home.warehouse, read_only=True) as con:
            evidence = queries.current_evidence(con, day, catalogue.roles)
    results = score_roles(score_inputs(catalogue, evidence_totals(catalogue, evidence if evidence is not None
                                                                            else _no_evidence()), day))
    newest, note = _evidence_note(evidence, day)
    return ({"as_of": day, "recorded": False, "newest_evidence": newest, "results": _result_rows(results)},
            f"AIJRI as of {day}, preview ({note}); nothing written: --record writes it")


def _no_evidence() -> Any:
    import pandas as pd

    return pd.DataFrame(columns=["role_id", "dimension", "as_of", "score", "origin", "status", "rubric_version"])


def _record_scores(catalogue: Any, day: Any, what_if: bool) -> tuple[dict, str]:
    from flows.steps.asof import WHAT_IF_KIND, what_if_home
    from flows.steps.runs import finish_run, new_run_id, start_run
    from flows.steps.score import score_stage
    from warehouse import queries
    from warehouse.db import open_warehouse

    home = what_if_home(state.home, day) if what_if else state.home
    kind = WHAT_IF_KIND if what_if else "score"
    run_id = new_run_id(kind)
    with open_warehouse(home.warehouse) as con:
        start_run(con, run_id, kind, day)
        results, added = score_stage(con, catalogue, day, run_id)
        newest, note = _evidence_note(queries.current_evidence(con, day, catalogue.roles), day)
        finish_run(con, run_id, "completed", {"roles": len(results), "rows_added": added})
    payload = {"run_id": run_id, "as_of": day, "recorded": True, "rows_added": added, "newest_evidence": newest,
               "results": _result_rows(results), **({"what_if_home": str(home.root)} if what_if else {})}
    return payload, (f"AIJRI as of {day} ({note}; {added} new result rows) → {home.warehouse}"
                     + (" (what-if: the shared warehouse is unchanged)" if what_if else ""))


def _quiet_prefect(home: Home) -> None:
    """Prefect reads its settings at import: set them before anything imports it."""
    import os

    os.environ.setdefault("PREFECT_HOME", str(home.root / "prefect"))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")


#: `jobzone run`'s exit code for a night that finished degraded (documented in the README)
EXIT_DEGRADED = 4


@app.command()
@one_line_errors
def run(
    demo: bool = typer.Option(False, "--demo", help="Run offline on the bundled real samples, served on loopback."),
    samples: Optional[Path] = typer.Option(None, "--samples", help="With --demo: a samples directory of the same layout."),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="Evidence date (default: today; demo: [demo] as_of;"
                                                              " never after today)."),
    force_as_of: bool = ForceAsOfOpt,
    catalogue_dir: Optional[Path] = CatalogueOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Run the nightly flow once, now: gather, refresh evidence, score, alert, publish.

    Exit codes: 0 completed, 4 degraded (it finished, but a source or a role file failed: see its
    report), 1 bad input, 2 an --as-of after today, 3 a step failed (the run recorded `failed`),
    143 / 130 stopped by SIGTERM / Ctrl-C (the run `interrupted`).
    """
    if samples and not demo:
        raise JobzoneError("--samples needs --demo")
    if samples and not Path(samples).is_dir():
        raise JobzoneError(f"--samples: {samples} is not a directory")
    _as_of(as_of, force_as_of)
    from core.settings import load_settings

    load_settings(state.config)  # a bad settings file is one line here, before Prefect starts or a run is recorded
    home = state.home
    _quiet_prefect(home)
    from core import progress
    from flows.nightly import nightly  # configures Prefect's logging: before its handlers are filtered
    from flows.steps.interrupt import interruptible

    display = StageDisplay(err_console, enabled=not as_json)
    progress.listen(display.on_stage, display.on_count)
    try:
        # interruptible(): a SIGTERM while Prefect starts up (before the flow installs its own
        # handler) also ends in one line and 143, not in Prefect's bridge killing the process.
        with display, interruptible(), _prefect_api(home), _prefect_failures_unprinted(), \
                _request_notes_logged(home.root / NIGHT_LOG) as notes:
            summary = nightly(home=str(home.root), demo=demo, samples=str(samples) if samples else None,
                              as_of=as_of, catalogue=str(catalogue_dir) if catalogue_dir else None,
                              config=state.config, force_as_of=force_as_of)
    finally:
        progress.listen(None)
    code = EXIT_DEGRADED if summary["status"] == "degraded" else 0
    if as_json:
        emit_json(summary)
        raise typer.Exit(code)
    rows = [{"role": rid, "aijri": s["aijri"], "zone": s["zone"], "sublabel": s["sublabel"]}
            for rid, s in summary["score"]["scores"].items()]
    print_table(rows, title=f"{summary['kind']} run {summary['run_id']} as of {summary['as_of']}: {summary['status']}")
    for line in summary.get("report_lines", []):
        say(line)
    if notes.count:
        say(f"request notes: {notes.count} in {home.root / NIGHT_LOG}")
    raise typer.Exit(code)


@contextmanager
def _prefect_api(home: Home) -> Iterator[None]:
    """The Prefect API the night reports to: PREFECT_API_URL when set, else a private server.

    Not Prefect's temporary server: that one is a child in our process group, so Ctrl-C in a
    terminal (which signals the whole group) killed it mid-night, and the interrupted night
    could neither report its state nor stop in time. Ours runs in its own session, is stopped
    when the night ends, and serves no UI, so no link to one is printed (PREFECT_UI_URL empty).
    """
    import os

    if os.environ.get("PREFECT_API_URL"):
        yield
        return
    from prefect.settings import PREFECT_API_URL, PREFECT_UI_URL, temporary_settings

    from flows.server import local_prefect_server

    from core import progress

    progress.stage("prefect", "running", "starting a local Prefect server")
    with local_prefect_server(log_path=home.root / "prefect-server.log") as api_url:
        progress.stage("prefect", "done", f"local server {api_url} (no UI; log: {home.root / 'prefect-server.log'})")
        with temporary_settings(updates={PREFECT_API_URL: api_url, PREFECT_UI_URL: ""}):
            try:
                yield
            finally:
                _drain_prefect_workers()


def _drain_prefect_workers() -> None:
    """Send Prefect's queued logs and events before its server stops: they are flushed at
    interpreter exit otherwise, after the server is gone ("Error logging to API")."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    for worker in (APILogWorker, EventsWorker):
        worker.drain_all(timeout=10, at_exit=False)


#: where a night's per-request notes go (a 404, a trimmed board, a CPI average left out), under the home
NIGHT_LOG = "night.log"


class _NoteCount:
    count = 0


@contextmanager
def _request_notes_logged(path: Path) -> Iterator[_NoteCount]:
    """The sources' per-request warnings into `path`, not onto the terminal.

    The terminal already says them per host (`⚠ fetch HOST: http_error 20, ok 27`) and the run's
    records keep each one (`jobzone status`, the fetches table); a line per 404 between the stage
    lines buried them. Errors (a parser that crashed) still reach the terminal.
    """
    import logging

    counted = _NoteCount()

    class Counting(logging.FileHandler):
        def emit(self, record: logging.LogRecord) -> None:
            counted.count += 1
            super().emit(record)

    def off_terminal(record: logging.LogRecord) -> bool:
        return not (record.name.startswith("scrapers") and record.levelno < logging.ERROR)

    path.parent.mkdir(parents=True, exist_ok=True)
    to_file = Counting(path, mode="w", encoding="utf-8", delay=True)  # the last night's: the warehouse keeps them all
    to_file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    to_file.setLevel(logging.WARNING)
    logging.getLogger("scrapers").addHandler(to_file)
    terminal = list(logging.getLogger().handlers)
    for handler in terminal:
        handler.addFilter(off_terminal)
    try:
        yield counted
    finally:
        for handler in terminal:
            handler.removeFilter(off_terminal)
        logging.getLogger("scrapers").removeHandler(to_file)
        to_file.close()


@contextmanager
def _prefect_failures_unprinted() -> Iterator[None]:
    """Keep Prefect's failed-run reports (each with its traceback) off the terminal.

    The night reports its own failure as one `error:` line naming the step and the cause;
    Prefect's copies still reach its API (and UI) through its own handler.
    """
    import logging

    def drop(record: logging.LogRecord) -> bool:
        return not (record.levelno >= logging.ERROR and record.name.startswith("prefect"))

    # The root's handlers and the console handlers of Prefect's own loggers (not its API handler).
    handlers = list(logging.getLogger().handlers) + [
        h for h in logging.getLogger("prefect").handlers if type(h).__name__ != "APILogHandler"]
    for handler in handlers:
        handler.addFilter(drop)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(drop)


@app.command()
@one_line_errors
def serve(
    demo: bool = typer.Option(False, "--demo", help="Scheduled runs use the bundled samples (offline)."),
    port: Optional[int] = typer.Option(None, "--port", help="Port for the local Prefect server (default: free port)."),
    catalogue_dir: Optional[Path] = CatalogueOpt,
) -> None:
    """Serve the nightly schedule: a Prefect deployment with the configured cron, until stopped.

    With PREFECT_API_URL unset, a local `prefect server start` on 127.0.0.1, with its UI, is
    started first (cron schedules only fire on a real server) and stopped on exit.
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

    # With its UI: the serving process prints a link to it, and a link must lead somewhere.
    with local_prefect_server(port, log_path=home.root / "prefect-server.log", ui=True) as api_url:
        err_console.print(f"local Prefect server: {api_url} (log: {home.root / 'prefect-server.log'})")
        err_console.print(f"Prefect UI: {api_url.removesuffix('/api')}", markup=False, highlight=False)
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

    home = state.home if apply else state.home_readonly
    day = parse_date(since, "--since") if since else None
    with open_warehouse(home.warehouse, read_only=not apply) as con:
        report = run_replay(con, RawArchive(home.raw), day, apply=apply, run_id=new_run_id("replay"))
    if as_json:
        emit_json(report.as_dict())
        return
    say(f"replayed {report.fetches} archived bodies → {report.observations} observations: "
                  f"{report.identical} identical, {report.changed} changed, {report.quarantined} quarantined, "
                  f"{report.new} not in the warehouse" + (f" ({report.written} written)" if apply else ""))
    for line in report.errors:
        say(f"  parse error: {line}")
