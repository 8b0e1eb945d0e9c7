"""Read-only commands over the warehouse: history, schema, explain, backtest (`sql`, `tables`: cli/sql.py).

None of them writes: the data home is taken as it is (`state.home_readonly`), the warehouse
opened read-only, and a missing one is an error, not a new empty file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from cli.common import (CatalogueOpt, JsonOpt, app, emit_json, one_line_errors, parse_date, print_table,
                        records, say, state)
from core.errors import JobzoneError
from warehouse import queries


@app.command()
@one_line_errors
def history(role: str = typer.Argument(..., help="Role id, e.g. mlops-engineer."), as_json: bool = JsonOpt) -> None:
    """Show one role's AIJRI results over time."""
    from core.errors import UnknownRoleError
    from warehouse.db import open_warehouse

    home = state.home_readonly
    with open_warehouse(home.warehouse, read_only=True) as con:
        frame = queries.role_results(con, role)
    if frame.empty:
        raise UnknownRoleError(f"no results for role {role!r} in {home.warehouse}")
    emit_json(records(frame)) if as_json else print_table(records(frame), title=role)


@app.command()
@one_line_errors
def schema(as_json: bool = JsonOpt) -> None:
    """Print the data dictionary: every analyst-facing view and column with its comment."""
    from warehouse.dictionary import data_dictionary
    from warehouse.db import open_warehouse

    home = state.home_readonly
    path = home.analyst_copy if home.analyst_copy.exists() else home.warehouse
    if path.exists():
        with open_warehouse(path, read_only=True) as con:
            views = data_dictionary(con)
    else:
        with open_warehouse(Path(":memory:")) as con:  # the schema as migrations define it; no file written
            views = data_dictionary(con)
    if as_json:
        emit_json(views)
        return
    for view in views:
        say(f"{view['view']}: {view['comment']}")
        for col in view["columns"]:
            say(f"  {col['column']:<22} {col['type']:<10} {col['comment']}")


@app.command()
@one_line_errors
def explain(role: str = typer.Argument(..., help="Role id, e.g. mlops-engineer."),
            as_of: Optional[str] = typer.Option(None, "--as-of", help="Explain the result on or before this date."),
            as_json: bool = JsonOpt) -> None:
    """Trace a published AIJRI to its dimensions, rubric bands, metrics, observations and raw bytes."""
    from scoring.metrics.registry import label as metric_label
    from scoring.rubric import load_rubric, versions
    from warehouse.db import open_warehouse
    from warehouse.lineage import explain as walk

    # every shipped version's inputs: a night stores the metrics of the rubric it scored with only
    feeds: dict[str, list[str]] = {}
    for version in versions():
        for dim, spec in load_rubric(version=version).dimensions.items():
            feeds.setdefault(dim, [])
            feeds[dim] += [m for m in spec.inputs if m not in feeds[dim]]
    home = state.home_readonly
    with open_warehouse(home.warehouse, read_only=True) as con:
        doc = walk(con, role, parse_date(as_of) if as_of else None, feeds)
    for d in doc["dimensions"]:
        for m in d["metrics"]:
            m["label"] = metric_label(m["metric"])
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
            out.append(f"    {m['label']}: metric {m['metric']} = {value} {m['unit'] or ''} [{m['status']}] "
                       f"from {m['observation_count']} observation(s)")
            for o in m["observations"]:
                out.append(f"      ← {o['source']} {o['observed_metric']} {o['period_end']} = {o['observed_value']}"
                           f" {o['observed_unit'] or ''} ({o['series_key']})")
            for f in m["fetches"]:
                out.append(f"      ← fetched {f['url']} at {f['fetched_at']}, sha256 {f['sha256']}")
    for line in out:
        say(line)


@app.command()
@one_line_errors
def backtest(
    start: str = typer.Option(..., "--from", help="First as-of date (YYYY-MM-DD)."),
    end: str = typer.Option(..., "--to", help="Last as-of date (YYYY-MM-DD)."),
    step_days: int = typer.Option(7, "--step-days", min=1, help="Days between replayed as-of dates."),
    reversal_days: int = typer.Option(30, "--reversal-days", min=1, help="A crossing undone within this many days "
                                                                          "counts as noise."),
    rubric_version: Optional[str] = typer.Option(None, "--rubric", help="Rubric version to replay (rubric-v1, "
                                                                          "rubric-v2; default: the active one)."),
    catalogue_dir: Optional[Path] = CatalogueOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Replay the rubric over the archived observation history: evidence/AIJRI path, crossings, noise rate."""
    from core.catalogue import load_catalogue
    from scoring.backtest import backtest as run_backtest
    from scoring.rubric import load_rubric
    from warehouse.db import open_warehouse

    first, last = parse_date(start, "--from"), parse_date(end, "--to")
    if last < first:
        raise JobzoneError(f"--to {last} is before --from {first}")
    catalogue = load_catalogue(catalogue_dir)
    home = state.home_readonly
    with open_warehouse(home.warehouse, read_only=True) as con:
        history = queries.all_observations(con)
    if history.empty:
        raise JobzoneError(f"{home.warehouse}: no observations yet; run `jobzone run` (or --demo) first")
    if rubric_version is None:
        from core.settings import load_settings

        rubric_version = load_settings(state.config).flow.get("rubric")
    rubric = load_rubric(version=rubric_version)
    result = run_backtest(history, catalogue, rubric, first, last, step_days, reversal_days=reversal_days)
    if as_json:
        emit_json({"rubric_version": rubric.version, "summary": records(result.summary),
                   "crossings": records(result.crossings), "path": records(result.path)})
        return
    print_table(records(result.summary), title=f"backtest under {rubric.version} {first} → {last}, every {step_days} d")
    if len(result.crossings):
        print_table(records(result.crossings), title="zone crossings the rubric would have caused")
    for role_id, g in result.path.groupby("role_id"):
        steps = [f"{pd_date(a)} {z[0]}{v:.1f}(e{int(e):+d})" for a, z, v, e in
                 zip(g["as_of"], g["zone"], g["aijri"], g["evidence_total"])]
        say(f"{role_id}: " + "  ".join(steps))


def pd_date(value: Any) -> str:
    return str(value)[:10]
