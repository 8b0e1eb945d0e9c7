"""One night, step by step, as plain functions (each implemented in `flows/steps/`).

    interruptible → check_as_of → exclusive (→ what_if_home) → plan → collect_host (per host)
    → record_fetches → refresh → score → alert → finish → publish → report (or fail)

The run is closed (`finish`) before `publish`, so what is published holds the night's final
records; a publication that fails reopens the run as failed.

`flows/nightly.py` wraps these in Prefect tasks; tests and benchmarks call them directly.
"""

from flows.steps.alert import alert
from flows.steps.asof import WHAT_IF_KIND, check_as_of, what_if_home
from flows.steps.collect import HostUnreachable, collect_host, host_is_due
from flows.steps.finish import DEGRADED, NightReport, fail, finish, report
from flows.steps.interrupt import interruptible, stop_fetching
from flows.steps.lock import exclusive
from flows.steps.plan import NightPlan, plan, sources_for
from flows.steps.publish import publish
from flows.steps.record import record_fetches
from flows.steps.refresh import refresh
from flows.steps.score import score

__all__ = ["DEGRADED", "WHAT_IF_KIND", "HostUnreachable", "NightPlan", "NightReport", "alert", "check_as_of",
           "collect_host", "exclusive", "fail", "finish", "host_is_due", "interruptible", "plan", "publish",
           "record_fetches", "refresh", "report", "score", "sources_for", "stop_fetching", "what_if_home"]
