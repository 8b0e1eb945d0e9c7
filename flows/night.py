"""One night, step by step, as plain functions (each implemented in `flows/steps/`).

    exclusive → plan → collect_host (per host) → record_fetches → refresh → score → publish
    → alert → finish (or fail)

`flows/nightly.py` wraps these in Prefect tasks; tests and benchmarks call them directly.
"""

from flows.steps.alert import alert
from flows.steps.collect import HostUnreachable, collect_host
from flows.steps.finish import NightReport, fail, finish
from flows.steps.lock import exclusive
from flows.steps.plan import NightPlan, plan, sources_for
from flows.steps.publish import publish
from flows.steps.record import record_fetches
from flows.steps.refresh import refresh
from flows.steps.score import score

__all__ = ["HostUnreachable", "NightPlan", "NightReport", "alert", "collect_host", "exclusive", "fail", "finish",
           "plan", "publish", "record_fetches", "refresh", "score", "sources_for"]
