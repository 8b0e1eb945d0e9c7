"""Finish a night: close the run (completed, degraded, failed or interrupted) and report it."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from core import progress
from flows.steps.interrupt import stop_fetching
from flows.steps.asof import WHAT_IF_KIND
from flows.steps.plan import NightPlan
from flows.steps.runs import finish_run, record_failure
from scrapers.http import FAILED_OUTCOMES
from warehouse import queries
from warehouse.db import open_warehouse

log = logging.getLogger(__name__)


def fail(plan: NightPlan, exc: BaseException, step: str = "the night") -> BaseException:
    """Mark the run failed (interrupted, for a signal) and stop the fetching; returns what to raise.

    Publishing swaps copy, marts and site in together, so a night that failed before it leaves
    yesterday's standing. Hosts still being fetched stop at their next request: a failed night
    has no use for them.
    """
    stop_fetching()
    return record_failure(plan.home, plan.run_id, exc, step)


@dataclass
class NightReport:
    summary: dict
    markdown: str
    zone_changes: list[dict]
    quarantine: list[dict]
    sources: list[dict]


def finish(plan: NightPlan, summary: dict) -> NightReport:
    """Close the run (completed, or degraded when a source or a role file failed) and report it."""
    sources = [{"source": name, **counts} for name, counts in sorted(summary["fetches"]["sources"].items())]
    failing = sorted(row["source"] for row in sources if any(row.get(k) for k in FAILED_OUTCOMES))
    status = "degraded" if failing or plan.plan_errors else "completed"
    with open_warehouse(plan.home.warehouse) as con:
        zone_changes = queries.zone_changes_on(con, plan.as_of)
        quarantine = queries.quarantined_in_run(con, plan.run_id)
        alerts = queries.alerts_of_run(con, plan.run_id)
        finish_run(con, plan.run_id, status, {k: v for k, v in summary.items() if k != "publish"})
    lines = [f"# jobzone {plan.kind} run {plan.run_id}", "",
             f"- as of **{plan.as_of}**, status **{status}**, {len(plan.catalogue)} roles",
             f"- observations loaded: {summary['refresh']['observations']}, quarantined: "
             f"{summary['refresh']['quarantined']}",
             f"- evidence origins: {summary['refresh']['origins']}"
             + (" (nothing new: this night's evidence stands)" if summary["refresh"].get("unchanged") else ""),
             f"- new AIJRI results: {summary['score']['results_added']}",
             f"- zone changes tonight: {len(zone_changes)}; alerts recorded: {len(alerts)}"]
    if failing:
        lines.append(f"- **degraded**: failing sources: {', '.join(failing)}")
    lines += [f"- catalogue file skipped: {e}" for e in plan.plan_errors]
    lines += ["", "| role | AIJRI | zone |", "|---|---|---|"]
    for rid, sc in summary["score"]["scores"].items():
        label = f"{sc['zone']} ({sc['sublabel']})" if sc["sublabel"] else sc["zone"]
        lines.append(f"| {rid} | {sc['aijri']:.1f} | {label} |")
    lines += ["", "## Alerts", *([f"- [{a['status']}] {a['message']}" for a in alerts] or ["- none"])]
    report_lines = [f"status: {status}" + (f" (failing sources: {', '.join(failing)})" if failing else ""),
                    f"site: {plan.home.site / 'index.html'}", f"analyst copy: {plan.home.analyst_copy}"
                    + (f" (unchanged since {summary['publish']['generated_at']})"
                       if summary.get("publish", {}).get("unchanged") else ""),
                    f"alerts this run: {len(alerts)}", *[f"  [{a['status']}] {a['message']}" for a in alerts],
                    *[f"catalogue file skipped: {e}" for e in plan.plan_errors]]
    if plan.kind == WHAT_IF_KIND:
        report_lines.insert(0, f"what-if as of {plan.as_of}: in {plan.home.root}; the shared warehouse, "
                               "publication and alert cursor are unchanged")
    result = {"run_id": plan.run_id, "kind": plan.kind, "as_of": plan.as_of.isoformat(), "status": status,
              "failing_sources": failing, "catalogue_errors": plan.plan_errors, **summary, "alerts_recorded": alerts,
              "report_lines": report_lines,
              **({"what_if_home": str(plan.home.root)} if plan.kind == WHAT_IF_KIND else {})}
    progress.stage("finish", "done", status)
    return NightReport(result, "\n".join(lines) + "\n", zone_changes, quarantine, sources)
