"""The nightly flow: gather → validate/refresh evidence → score → alert → finish → publish.

Orchestration only: every step is a plain function in `flows/steps/` (gathered in
`flows.night`); this module decides what runs as a Prefect task, what is retried (fetches only)
and what degrades the night (a source) versus what fails it: anything else, in any step from
fetching on, records the run `failed` naming the step (plan records its own), and SIGTERM or
Ctrl-C record it `interrupted`. The run is closed before it publishes, so the analyst copy holds
the night's final records. A degraded night ends in Prefect's `Completed` state named
`Degraded` (a completed one in plain `Completed`).
"""

from __future__ import annotations

from functools import partial

from prefect import flow, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.events import emit_event
from prefect.exceptions import TerminationSignal
from prefect.states import Completed, State
from prefect.utilities.annotations import quote

from core.errors import NightInterrupted
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
            base_urls: dict[str, str] | None = None, force_as_of: bool = False) -> State:
    """Refresh every role's evidence from public data, re-score, republish and alert.

    `base_urls` (source name → base URL) points sources at another server, e.g. a simulator.
    A future `as_of` is refused; with `force_as_of` it runs as a what-if in a home of its own
    (`flows/steps/asof.py`) and sends no alert. Any failure once the run is recorded marks it
    failed (`NightFailed`, naming the step); SIGTERM/SIGINT mark it interrupted (`NightInterrupted`).
    Calling it returns the night's summary; its final state is `final_state(report)`.
    """
    # From here SIGTERM raises NightInterrupted wherever the night is, and stops the fetch threads.
    with night.interruptible():
        day, what_if = night.check_as_of(as_of, force=force_as_of)  # before anything is written
        # One night at a time per data home (the schedule and a manual run must not interleave).
        with night.exclusive(home) as home_dir:
            if what_if:
                home = str(night.what_if_home(home_dir, day).root)
            with night.sources_for(demo=demo, samples=samples, base_urls=base_urls) as base_urls:
                plan = night.plan(home=home, as_of=as_of, catalogue_dir=catalogue, config=config, base_urls=base_urls,
                                  demo=demo, kind=night.WHAT_IF_KIND if what_if else None)
                at = {"step": "fetch"}
                try:
                    gathered = _collect(plan, at)
                    at["step"] = "record"
                    summary = {"fetches": record_fetches(quote(plan), quote(gathered))}
                    at["step"] = "refresh"
                    summary["refresh"] = refresh(quote(plan), quote(gathered))
                    at["step"] = "score"
                    summary["score"] = score(quote(plan))
                    at["step"] = "alert"
                    summary["alerts"] = alert(quote(plan))
                    at["step"] = "finish"
                    status = night.finish(plan, summary)
                    # The run is closed: what is published holds its final row and its alerts.
                    at["step"] = "publish"
                    summary["publish"] = publish(quote(plan))
                    at["step"] = "report"
                    report = night.report(plan, summary, status)
                except BaseException as exc:  # any step, fetching included: the run is recorded, then raised
                    if isinstance(exc, TerminationSignal):  # Prefect's own bridge, if it got the signal first
                        exc = NightInterrupted(exc.signal)
                    failure = night.fail(plan, exc, at["step"], reopen=at["step"] == "publish")
                    if failure is exc:
                        raise
                    raise failure from exc
    create_markdown_artifact(key="nightly-summary", markdown=report.markdown, description="Nightly run summary")
    create_table_artifact(key="zone-changes", table=report.zone_changes or [{"zone_changes": "none"}])
    create_table_artifact(key="quarantined-rows", table=report.quarantine or [{"quarantined": "none"}])
    create_table_artifact(key="source-outcomes", table=report.sources or [{"sources": "none"}])
    create_link_artifact(key="site", link=site_link(plan), link_text=f"jobzone site as of {plan.as_of}",
                         description="The published site of this night")
    return final_state(report)


def final_state(report: night.NightReport) -> State:
    """`Completed`, or `Completed` named `Degraded` with what degraded it as its message."""
    if report.degraded:
        return Completed(name="Degraded", message=f"degraded: {report.why()}", data=report.summary)
    return Completed(message="completed", data=report.summary)


def site_link(plan: night.NightPlan) -> str:
    """The site's front page: under `[alerts] site_base_url` when the site is served, else the file."""
    base = str(plan.settings.alerts.get("site_base_url", "") or "")
    return f"{base.rstrip('/')}/index.html" if base else (plan.home.site / "index.html").resolve().as_uri()


def _collect(plan: night.NightPlan, at: dict[str, str]) -> list[GatherResult]:
    """Every host with requests due as its own Prefect task (retried only when unreachable), gathered in plan order;
    `at["step"]` names the host being waited for, so a failure names the host that failed."""
    # quote(): the plan holds frames and models that Prefect need not walk for upstream futures.
    retrying = collect_host.with_options(
        retries=int(plan.settings.flow.get("host_retries", 2)),
        retry_delay_seconds=plan.settings.flow.get("host_retry_delays", [5, 30]))
    # Tasks are for the network (retries, hosts side by side). A host with nothing to send - its
    # requests all checked within their recheck horizon (a rerun of the night), or only local
    # files - is collected here instead, first: the ~0.1 s of task state round-trips per host were
    # most of a rerun. Its collection is the same function and records every request.
    due = [host for host in plan.hosts if night.host_is_due(plan, host)]
    futures = {host: retrying.submit(quote(plan), host) for host in due}
    done: dict[str, GatherResult] = {}
    for host in plan.hosts:
        if host not in futures:
            at["step"] = f"fetch {host}"
            done[host] = _gather(partial(night.collect_host, plan, host))
    gathered = []
    for host in plan.hosts:
        at["step"] = f"fetch {host}"
        gathered.append(done[host] if host in done else _gather(futures[host].result))
    return gathered


def _gather(collect) -> GatherResult:
    try:
        return collect()
    except night.HostUnreachable as exc:  # a failed source degrades the night
        return exc.result
