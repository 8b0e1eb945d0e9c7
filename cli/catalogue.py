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
    """Validate every role file; exits non-zero naming the file and field on the first error.

    Besides each file's own rules: no two roles with identical title/post patterns, and no role
    whose patterns match nothing in the bundled samples of their source."""
    from core.catalogue import ASSESSMENT_LABELS, load_catalogue
    from core.lookup_checks import check_against_samples
    from scrapers.sample_matches import sample_matchers

    catalogue = load_catalogue(catalogue_dir)
    check_against_samples(catalogue, sample_matchers())
    rows = [{"id": r.id, "title": r.title, "inputs": ASSESSMENT_LABELS[r.assessment],
             "form": "task table" if r.has_task_table else "published totals",
             "task_resistance": r.tr, "evidence_total": r.baseline_evidence_total,
             "hash": catalogue.hashes[r.id][:12]} for r in catalogue]
    if as_json:
        emit_json({"valid": True, "roles": rows})
    else:
        print_table(rows, title=f"{len(rows)} roles valid")


@roles_app.command("list")
@one_line_errors
def roles_list(catalogue_dir: Optional[Path] = CatalogueOpt, as_json: bool = JsonOpt) -> None:
    """The roles: the published AIJRI and zone beside jobzone's (scored from the catalogue's
    baseline), whose inputs they are, and each role's lookup keys (with --json)."""
    from core.catalogue import ASSESSMENT_LABELS, load_catalogue

    rows = side_by_side(load_catalogue(catalogue_dir))
    if as_json:
        emit_json(rows)
        return
    print_table([{"id": r["id"], "title": r["title"], "inputs": ASSESSMENT_LABELS[r["assessment"]],
                  "published": _label(r["published"]), "jobzone": _label(r["jobzone"]),
                  "difference": "" if r["difference"] is None else f"{r['difference']:+.1f}"} for r in rows],
                columns=["id", "title", "inputs", "published", "jobzone", "difference"])


def _label(score: dict | None) -> str:
    if score is None:
        return "-"
    zone = f"{score['zone']} ({score['sublabel']})" if score.get("sublabel") else score["zone"]
    return f"{score['aijri']:.1f} {zone}"


def side_by_side(catalogue) -> list[dict]:
    """Per role: the published card's AIJRI/zone and jobzone's, scored at once from the catalogue's
    baseline (TR, baseline evidence total, barriers, growth) through `scoring.aijri.score_frame`."""
    import pandas as pd

    from scoring.aijri import score_frame

    roles = list(catalogue)
    frame = score_frame(pd.DataFrame({
        "task_resistance": [r.tr for r in roles], "evidence_total": [r.baseline_evidence_total for r in roles],
        "barrier_total": [r.barrier_sum for r in roles], "growth": [float(r.growth.score) for r in roles],
        "pct_time_3plus": [float("nan") if r.pct_time_3plus is None else r.pct_time_3plus for r in roles],
        "published_sublabel": [r.published.sublabel if r.published else None for r in roles]}))
    out = []
    for role, ours in zip(roles, frame.to_dict("records")):
        published = role.published.model_dump(include={"aijri", "zone", "sublabel"}) if role.published else None
        mine = {"aijri": float(ours["aijri"]), "zone": ours["zone"], "sublabel": ours["sublabel"]}
        out.append({"id": role.id, "title": role.title, "seniority": role.seniority,
                    "assessment": role.assessment, "published": published, "jobzone": mine,
                    "difference": None if published is None else round(mine["aijri"] - published["aijri"], 1),
                    "lookup": role.lookup_keys()})
    return out


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
