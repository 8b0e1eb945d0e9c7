"""Source-health alerts: a source failing night after night, and its recovery (pure, no I/O)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date

import pandas as pd

from scoring.alerts import Alert, AlertPolicy, alert_id, as_date, iso


def detect_source_failures(health: pd.DataFrame, policy: AlertPolicy | None = None, *,
                           since: date | None = None) -> list[Alert]:
    """A source failing N consecutive nights raises one alert; its first good night after that,
    a `recovered` alert. A night fails when it had failed requests and nothing ok or unchanged
    (several runs on one night are summed). Nights on which the source did not run are skipped.
    """
    policy = policy or AlertPolicy()
    if health is None or health.empty:
        return []
    cursor = None if since is None else as_date(since)
    frame = health.assign(_night=[as_date(v) for v in health["as_of"]])
    nightly = (frame.groupby(["source", "_night"], sort=True)[["requests", "ok", "unchanged", "failed"]]
               .sum().reset_index())
    outcomes = _outcomes_by_night(frame)
    out: list[Alert] = []
    for source, rows in nightly.groupby("source", sort=True):
        streak, began, alerted = 0, None, False
        for r in rows.to_dict("records"):
            night = r["_night"]
            failing = r["failed"] > 0 and (r["ok"] + r["unchanged"]) == 0
            if failing:
                if streak == 0:
                    began = night
                streak += 1
                if streak == policy.source_failure_nights and not alerted:
                    alerted = True
                    seen = outcomes.get((source, night), {})
                    summary = ", ".join(f"{k} x{v}" for k, v in sorted(seen.items()))
                    out.append(Alert(
                        alert_id=alert_id("source_health", str(source), "ok", "failing", began),
                        kind="source_health", subject=str(source), as_of=night, began=began,
                        from_state="ok", to_state="failing", title=str(source), nights=streak, reason="failing",
                        message=(f"Source {source} has failed on {streak} consecutive night(s) since {iso(began)}"
                                 f" ({int(r['failed'])} failed request(s) on {iso(night)}"
                                 + (f": {summary}" if summary else "") + "). Its evidence is being carried."),
                    ))
            else:
                if alerted:
                    out.append(Alert(
                        alert_id=alert_id("source_health", str(source), "failing", "ok", night),
                        kind="source_health", subject=str(source), as_of=night, began=night,
                        from_state="failing", to_state="ok", title=str(source), nights=1, reason="recovered",
                        message=(f"Source {source} recovered on {iso(night)} after {streak} failing night(s)"
                                 f" since {iso(began)}."),
                    ))
                streak, began, alerted = 0, None, False
    return sorted((a for a in out if cursor is None or a.as_of > cursor), key=lambda a: (a.as_of, a.subject))


def _outcomes_by_night(frame: pd.DataFrame) -> dict[tuple[str, date], dict[str, int]]:
    """Outcome counts (the `outcomes` JSON of source_health) summed per source and night.

    Only outcome names and integer counts are kept: nothing else from the JSON reaches a message.
    """
    out: dict[tuple[str, date], dict[str, int]] = {}
    if "outcomes" not in frame.columns:
        return out
    for r in frame[["source", "_night", "outcomes"]].to_dict("records"):
        value = r["outcomes"]
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                continue
        if not isinstance(value, Mapping):
            continue
        bucket = out.setdefault((r["source"], r["_night"]), {})
        for name, count in value.items():
            if isinstance(name, str) and name.replace("_", "").isalnum() and isinstance(count, (int, float)) \
                    and not isinstance(count, bool):
                bucket[name] = bucket.get(name, 0) + int(count)
    return out
