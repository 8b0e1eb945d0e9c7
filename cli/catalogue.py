"""Commands over the catalogue and the sources, and the one-off `whatif` score; none opens the warehouse."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from cli.common import (CatalogueOpt, JsonOpt, app, console, emit_json, one_line_errors, print_table, records,
                     roles_app, source_app)
from core.errors import JobzoneError


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
    from scrapers.registry import get_source, sniff

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
    # what the file says about itself (a series id in its header, a board in its job URLs); flags win
    extra = {**sniff(src.name, body, file.name), **extra}
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
