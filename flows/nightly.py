"""The nightly flow: gather → validate/refresh evidence → score → publish → alert.

Orchestration only: every step is a plain function in `flows/steps/` (gathered in `flows.night`); this module decides what
runs as a Prefect task, what is retried (fetches only) and what degrades the night instead
of failing it (a source) versus what fails it (our own code).
"""

from __future__ import annotations

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.events import emit_event
from prefect.utilities.annotations import quote

from flows import night
from scrapers.gather import GatherResult


def _retry_unreachable(task, task_run, state) -> bool:
    # Retry a host only when it could not be reached at all; HTTP errors, parse errors and
    # robots disallows are answers, and asking again tonight would not change them.
    try:
        state.result()
    except night.HostUnreachable:
        return True
    except Exception:  # noqa: BLE001 - anything else is ours: fail, do not retry
        return False
    return False


@task(name="collect-host", retries=2, retry_delay_seconds=[5, 30], retry_condition_fn=_retry_unreachable,
      task_run_name="collect {host}")
def collect_host(plan: night.NightPlan, host: str) -> GatherResult:
    return night.collect_host(plan, host)


@task(name="record-fetches")
def record_fetches(plan: night.NightPlan, gathered: list[GatherResult]) -> dict:
    return night.record_fetches(plan, gathered)


@task(name="refresh-evidence")
def refresh(plan: night.NightPlan, gathered: list[GatherResult]) -> dict:
    return night.refresh(plan, gathered)


@task(name="score")
def score(plan: night.NightPlan) -> dict:
    return night.score(plan)


@task(name="publish")
def publish(plan: night.NightPlan) -> dict:
    return night.publish(plan)


@task(name="alert")
def alert(plan: night.NightPlan) -> dict:
    # One Prefect event per crossing (jobzone.role.zone-changed), for automations to route.
    return night.alert(plan, emit=emit_event)


@flow(name="nightly", log_prints=False)
def nightly(home: str | None = None, demo: bool = False, samples: str | None = None, as_of: str | None = None,
            catalogue: str | None = None, config: str | None = None,
            base_urls: dict[str, str] | None = None) -> dict:
    """Refresh every role's evidence from public data, re-score, republish and alert.

    `base_urls` (source name → base URL) points sources at another server, e.g. a simulator.
    """
    # One night at a time per data home (the schedule and a manual run must not interleave).
    with night.exclusive(home):
        with night.sources_for(demo=demo, samples=samples, base_urls=base_urls) as base_urls:
            plan = night.plan(home=home, as_of=as_of, catalogue_dir=catalogue, config=config, base_urls=base_urls,
                              demo=demo)
            # quote(): the plan holds frames and models that Prefect need not walk for upstream futures.
            retrying = collect_host.with_options(
                retries=int(plan.settings.flow.get("host_retries", 2)),
                retry_delay_seconds=plan.settings.flow.get("host_retry_delays", [5, 30]))
            futures = {host: retrying.submit(quote(plan), host) for host in plan.hosts}
            gathered = []
            for host, future in futures.items():
                try:
                    gathered.append(future.result())
                except night.HostUnreachable as exc:  # a failed source degrades the night
                    gathered.append(exc.result)
        try:
            summary = {"fetches": record_fetches(quote(plan), quote(gathered))}
            summary["refresh"] = refresh(quote(plan), quote(gathered))
            summary["score"] = score(quote(plan))
            summary["publish"] = publish(quote(plan))
            summary["alerts"] = alert(quote(plan))
        except Exception as exc:  # our own code: record the run as failed, then fail the flow visibly
            night.fail(plan, exc)
            raise
        report = night.finish(plan, summary)
    create_markdown_artifact(key="nightly-summary", markdown=report.markdown, description="Nightly run summary")
    create_table_artifact(key="zone-changes", table=report.zone_changes or [{"zone_changes": "none"}])
    create_table_artifact(key="quarantined-rows", table=report.quarantine or [{"quarantined": "none"}])
    create_table_artifact(key="source-outcomes", table=report.sources or [{"sources": "none"}])
    return report.summary
