"""Finish a night: close the run (completed, degraded, failed or interrupted) and report it.

`finish` closes the run *before* the night publishes, so the analyst copy, the marts and the
site are built from the night's final records (its run finished, its alerts recorded); a
publication that then fails reopens the run as `failed` (`fail(..., reopen=True)`). `report`
builds the summary once the publication is known.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from core import progress
from flows.steps.interrupt import stop_fetching
from flows.steps.asof import WHAT_IF_KIND
from flows.steps.plan import NightPlan
from flows.steps.runs import finish_run, record_failure
from scrapers.http import FAILED_OUTCOMES
from warehouse import queries
from warehouse.db import open_warehouse

log = logging.getLogger(__name__)
DEGRADED = "degraded"


def fail(plan: NightPlan, exc: BaseException, step: str = "the night", *, reopen: bool = False) -> BaseException:
    """Mark the run failed (interrupted, for a signal) and stop the fetching; returns what to raise.

    Publishing swaps copy, marts and site in together, so a night that failed before it leaves
    yesterday's standing. Hosts still being fetched stop at their next request: a failed night
    has no use for them. `reopen`: the run was already closed (`finish`) and its publication
    failed, so it is rewritten too.
    """
    stop_fetching()
    return record_failure(plan.home, plan.run_id, exc, step, reopen=reopen)


@dataclass
class NightReport:
    summary: dict
    markdown: str
    zone_changes: list[dict]
    quarantine: list[dict]
    sources: list[dict]

    @property
    def status(self) -> str:
        return self.summary["status"]

    @property
    def degraded(self) -> bool:
        return self.status == DEGRADED

    def why(self) -> str:
        """One line saying what degraded the night (empty when it completed)."""
        parts = []
        if self.summary["failing_sources"]:
            parts.append("failing sources: " + ", ".join(self.summary["failing_sources"]))
        if self.summary["catalogue_errors"]:
            parts.append(f"{len(self.summary['catalogue_errors'])} catalogue file(s) skipped")
        return "; ".join(parts)


def failing_sources(summary: dict) -> list[str]:
    return sorted(name for name, counts in summary["fetches"]["sources"].items()
                  if any(counts.get(k) for k in FAILED_OUTCOMES))


def night_status(plan: NightPlan, summary: dict) -> str:
    return DEGRADED if failing_sources(summary) or plan.plan_errors else "completed"


def finish(plan: NightPlan, summary: dict) -> str:
    """Close the run: completed, or degraded when a source or a role file failed; returns it."""
    status = night_status(plan, summary)
    stored = {k: v for k, v in summary.items() if k != "publish"}
    stored.update(failing_sources=failing_sources(summary), catalogue_errors=list(plan.plan_errors))
    with open_warehouse(plan.home.warehouse) as con:
        finish_run(con, plan.run_id, status, stored)
    why = ", ".join(filter(None, [
        "failing sources: " + ", ".join(stored["failing_sources"]) if stored["failing_sources"] else "",
        f"{len(plan.plan_errors)} catalogue file(s) skipped" if plan.plan_errors else ""]))
    progress.stage("finish", DEGRADED if status == DEGRADED else "done", f"{status} ({why})" if why else status)
    return status


def report(plan: NightPlan, summary: dict, status: str) -> NightReport:
    """The night's summary (dict, markdown tables, artifact tables), after it published."""
    sources = [{"source": name, **counts} for name, counts in sorted(summary["fetches"]["sources"].items())]
    failing = failing_sources(summary)
    with open_warehouse(plan.home.warehouse) as con:
        zone_changes = queries.zone_changes_on(con, plan.as_of)
        quarantine = queries.quarantined_in_run(con, plan.run_id)
        alerts = queries.alerts_of_run(con, plan.run_id)
    publication = summary.get("publish", {})
    published = (f"unchanged since {publication['generated_at']}" if publication.get("unchanged")
                 else f"{publication.get('site_files', 0)} site files, {len(publication.get('marts', []))} marts")
    report_lines = [f"status: {status}" + (f" (failing sources: {', '.join(failing)})" if failing else ""),
                    f"site: {plan.home.site / 'index.html'}", f"analyst copy: {plan.home.analyst_copy}"
                    + (f" (unchanged since {publication['generated_at']})" if publication.get("unchanged") else ""),
                    f"alerts this run: {len(alerts)}", *[f"  [{a['status']}] {a['message']}" for a in alerts],
                    *[f"catalogue file skipped: {e}" for e in plan.plan_errors]]
    if plan.kind == WHAT_IF_KIND:
        report_lines.insert(0, f"what-if as of {plan.as_of}: in {plan.home.root}; the shared warehouse, "
                               "publication and alert cursor are unchanged")
    result = {"run_id": plan.run_id, "kind": plan.kind, "as_of": plan.as_of.isoformat(), "status": status,
              "failing_sources": failing, "catalogue_errors": plan.plan_errors, **summary, "alerts_recorded": alerts,
              "report_lines": report_lines,
              **({"what_if_home": str(plan.home.root)} if plan.kind == WHAT_IF_KIND else {})}
    refresh = summary["refresh"]
    overview = [("status", f"**{status}**"), ("as of", plan.as_of.isoformat()), ("roles", len(plan.catalogue)),
                ("observations loaded", refresh["observations"]), ("quarantined", refresh["quarantined"]),
                ("evidence origins", str(refresh["origins"])
                 + (" (nothing new: this night's evidence stands)" if refresh.get("unchanged") else "")),
                ("new AIJRI results", summary["score"]["results_added"]),
                ("zone changes tonight", len(zone_changes)), ("alerts recorded", len(alerts)),
                ("publication", published), ("site", str(plan.home.site / "index.html"))]
    if failing:
        overview.append(("failing sources", ", ".join(failing)))
    if plan.plan_errors:
        overview.append(("catalogue files skipped", len(plan.plan_errors)))
    outcome_columns = sorted({k for row in sources for k in row if k != "source"})
    parts = [f"# jobzone {plan.kind} run {plan.run_id}", "", markdown_table(("", ""), overview),
             "## Sources", "", markdown_table(("source", *outcome_columns),
                                              [(r["source"], *(r.get(c, 0) for c in outcome_columns)) for r in sources]),
             "## Scores", "", markdown_table(("role", "AIJRI", "zone", "sub-label"), [
                 (rid, f"{sc['aijri']:.1f}", sc["zone"], sc["sublabel"] or "")
                 for rid, sc in summary["score"]["scores"].items()]),
             "## Alerts", "", markdown_table(("status", "kind", "subject", "change", "message"), [
                 (a["status"], a["kind"], a["subject"], f"{a['from_state']} → {a['to_state']}", a["message"])
                 for a in alerts])]
    if plan.plan_errors:
        parts += ["## Catalogue files skipped", "", markdown_table(("error",), [(e,) for e in plan.plan_errors])]
    return NightReport(result, "\n".join(parts), zone_changes, quarantine, sources)


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A GitHub-flavoured markdown table (a row saying `none` when there are no rows)."""
    rows = [list(r) for r in rows] or [["none", *([""] * (len(headers) - 1))]]
    lines = ["| " + " | ".join(_cell(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    # A scraped or catalogue string may hold a pipe or a newline: either would break the table.
    return " ".join(str("" if value is None else value).split()).replace("|", "\\|")
