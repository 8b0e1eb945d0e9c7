"""`jobzone changes`: which roles' scores moved, night by night, by how much and why (read-only)."""

from __future__ import annotations

from datetime import date
from typing import Optional

import typer

from cli.common import JsonOpt, app, console, emit_json, one_line_errors, state
from core.errors import JobzoneError


def _night(option: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise JobzoneError(f"{option}: {value!r} is not a date (YYYY-MM-DD)") from None


@app.command()
@one_line_errors
def changes(since: str = typer.Option(..., "--since", help="First night to list (YYYY-MM-DD)."),
            until: Optional[str] = typer.Option(None, "--until", help="Last night to list (default: the newest)."),
            as_json: bool = JsonOpt) -> None:
    """List every score movement since a night: the role, the change, the dimensions and signals
    that moved it and the cause (evidence, catalogue edit or method change)."""
    from scoring.alerts import CAUSE_LABELS
    from warehouse import queries
    from warehouse.db import open_warehouse

    first = _night("--since", since)
    last = _night("--until", until) if until else None
    if last is not None and last < first:
        raise JobzoneError(f"--until {last} is before --since {first}")
    path = state.home.warehouse
    if not path.exists():
        raise JobzoneError(f"{path}: no warehouse yet; run `jobzone run` (or --demo) first")
    with open_warehouse(path, read_only=True) as con:
        movements = queries.score_movements(con, since=first, until=last)
    if as_json:
        emit_json(movements)
        return
    if not movements:
        console.print(f"no score moved since {first}", markup=False, highlight=False)
        return
    night = None
    for m in movements:
        if m["as_of"] != night:
            night = m["as_of"]
            console.print(f"{night}", markup=False, highlight=False)
        was = "published card" if m["from_as_of"] is None else str(m["from_as_of"])
        zones = (f"{m['from_zone']} -> {m['to_zone']}" if m["from_zone"] != m["to_zone"] else m["to_zone"])
        causes = ", ".join(CAUSE_LABELS.get(c, c) for c in m["causes"]) or "unexplained"
        console.print(f"  {m['role_id']}: {m['from_aijri']:.1f} -> {m['to_aijri']:.1f} ({m['change']:+.1f}, from {was}),"
                      f" {zones}; cause: {causes}", markup=False, highlight=False)
        for d in m["dimensions"]:
            signals = ", ".join(d["signals"]) or d["origin"]
            counted = "" if d["counted"] else " [not in the score: published total kept]"
            console.print(f"    {d['dimension']} {_signed(d['from'])} -> {_signed(d['to'])}"
                          f" ({CAUSE_LABELS.get(d['cause'], d['cause'])}: {signals}){counted}",
                          markup=False, highlight=False)
        for i in m["inputs"]:
            console.print(f"    {i['input']} {i['from']:g} -> {i['to']:g} ({CAUSE_LABELS['catalogue']})",
                          markup=False, highlight=False)
        if m["method_changed"]:
            console.print(f"    methodology version changed ({CAUSE_LABELS['method']})", markup=False, highlight=False)


def _signed(value: int | None) -> str:
    return "n/a" if value is None else "0" if value == 0 else f"{value:+d}"
