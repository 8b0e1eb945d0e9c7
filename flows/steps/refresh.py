"""Refresh evidence: validate tonight's observations, recompute metrics and the rubric, commit once.

The conditional-GET validators are committed with the observations: if the night dies before
this point, the next run fetches and parses the same bodies again.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta, timezone

import duckdb
import pandas as pd

from core import progress
from core.faults import crash_point
from core.fingerprint import fingerprint
from flows.steps.plan import NightPlan
from scrapers.gather import GatherResult
from scrapers.http import FAILED_OUTCOMES
from warehouse import queries
from warehouse.db import open_warehouse, transaction
from warehouse.store import write

#: the code a refresh's result depends on (besides its data): an upgrade recomputes
#: (`**`: the metric families live in scoring/metrics/)
_REFRESH_CODE = ("scoring/**/*.py", "scoring/*.toml", "flows/steps/refresh.py", "warehouse/queries/*.py",
                 "core/catalogue.py")


def _validator_rows(gathered: list[GatherResult]) -> pd.DataFrame:
    # updated_at is when the source was last actually asked: a check skipped as still fresh keeps it.
    rows = [{"url": key, "etag": v.etag, "last_modified": v.last_modified, "sha256": v.sha256,
             "updated_at": v.checked_at or datetime.now(timezone.utc)}
            for g in gathered for key, v in g.validators().items()]
    return pd.DataFrame(rows)


def refresh(plan: NightPlan, gathered: list[GatherResult]) -> dict:
    """Validate tonight's observations, refresh evidence, and commit it all in one transaction."""
    from scoring.refresh import refresh_evidence
    from scoring.rubric import load_rubric
    from scoring.validation import empty_quarantine

    progress.stage("refresh", "running")
    frames = [g.observations for g in gathered if len(g.observations)]
    tonight = pd.concat(frames, ignore_index=True) if frames else None
    # Collected by the night's own step, the rows were validated as their bodies arrived
    # (`flows.steps.collect`): what was held back comes with them and nothing is checked twice.
    tonight_quarantine = None
    if all(g.quarantine is not None for g in gathered):
        parts = [g.quarantine for g in gathered if len(g.quarantine)]
        tonight_quarantine = pd.concat(parts, ignore_index=True) if parts else empty_quarantine()
    history_days = int(plan.settings.flow.get("history_days", 1100))
    with open_warehouse(plan.home.warehouse) as con:
        # A request that failed tonight contributes nothing, old or new: its dimensions carry
        # (marked, with their age) rather than being re-derived from yesterday's rows. Only the
        # newest value of each observation inside the metrics' look-back window is needed.
        failed = sorted({f.key for g in gathered for f in g.fetches if f.outcome in FAILED_OUTCOMES})
        inputs_key = refresh_inputs_key(con, plan, failed, history_days)
        held = queries.refresh_state(con, plan.as_of)
        nothing_held_back = tonight_quarantine is None or tonight_quarantine.empty
        if tonight is None and nothing_held_back and held is not None and held[0] == inputs_key:
            # Nothing parsed tonight and the same inputs as this night's last refresh: the
            # evidence it stored is exactly what a recomputation would produce.
            with transaction(con):
                write(con, "http_validators", _validator_rows(gathered))
            origins = json.loads(held[1]) if held[1] else {}
            progress.stage("refresh", "done", "nothing new since this night's last refresh: its evidence stands")
            return {"observations": 0, "quarantined": 0, "evidence_rows": 0, "origins": origins, "unchanged": True}
        history = queries.observation_history(con, plan.as_of, history_days, excluding_requests=failed)
        tonight = queries.changed_observations(con, tonight)
        # Carry from the evidence held *before* tonight: a rerun of the same night must
        # reproduce tonight's rows exactly, not carry from its own first attempt.
        previous = queries.current_evidence(con, plan.as_of - timedelta(days=1), plan.catalogue.roles)
        # Every request with its outcome and context: which role inputs a failed one fed is the
        # scoring's to say (scoring.failed_inputs); those dimensions carry, whole.
        requests = [{"source": f.source, "key": f.key, "outcome": f.outcome,
                     "context": f.request.context if f.request is not None else {}}
                    for g in gathered for f in g.fetches]
        held_back = queries.jump_held_values(con, plan.as_of, history_days)
        fetched = [f.fetched_at for g in gathered for f in g.fetches if f.fetched_at is not None]
        result = refresh_evidence(tonight, history, plan.catalogue, previous, plan.as_of, plan.run_id,
                                  load_rubric(version=plan.settings.flow.get("rubric")), requests=requests, held_back=held_back,
                                  fetched_on=max(fetched).date() if fetched else None,
                                  tonight_quarantine=tonight_quarantine)
        origins = Counter(result.evidence["origin"]) if len(result.evidence) else Counter()
        with transaction(con):
            added = write(con, "observations", result.good.assign(run_id=plan.run_id))
            crash_point("refresh:after-observations")  # inside the transaction
            quarantined = write(con, "quarantine", with_run(result.quarantine, plan.run_id))
            write(con, "metrics", with_run(result.metrics, plan.run_id))
            evidence_added = write(con, "evidence_scores", evidence_rows(result.evidence, plan.run_id))
            write(con, "http_validators", _validator_rows(gathered))
            # Fingerprinted as the inputs stand *after* tonight's rows were stored: that is what a
            # rerun with nothing new will find before it starts.
            write(con, "refresh_state", pd.DataFrame([{
                "as_of": plan.as_of, "inputs_key": refresh_inputs_key(con, plan, failed, history_days),
                "origins": json.dumps(dict(origins)), "run_id": plan.run_id}]))
    progress.stage("refresh", "done", f"{added} observations, {quarantined} quarantined, "
                   + ", ".join(f"{k} {v}" for k, v in sorted(origins.items())))
    return {"observations": added, "quarantined": quarantined, "evidence_rows": evidence_added,
            "origins": dict(origins)}


def refresh_inputs_key(con: duckdb.DuckDBPyConnection, plan: NightPlan, failed: list[str], history_days: int) -> str:
    """A digest of everything `refresh` computes from besides tonight's parsed rows.

    Stored observations and evidence only ever gain rows, so a count and the newest stamp
    identify their state; evidence from `as_of` itself is excluded (it is the output).
    """
    obs_count, obs_newest = queries.table_stamp(con, "observations")
    ev_count, ev_newest = queries.evidence_stamp_before(con, plan.as_of)
    state = {"as_of": plan.as_of.isoformat(), "failed": failed, "history_days": history_days,
             "observations": [obs_count, str(obs_newest)], "evidence_before": [ev_count, str(ev_newest)],
             "catalogue": sorted(plan.catalogue.hashes.items())}
    return fingerprint(state, _REFRESH_CODE)


def with_run(frame: pd.DataFrame, run_id: str) -> pd.DataFrame:
    return frame.assign(run_id=run_id) if len(frame) else frame


def evidence_rows(frame: pd.DataFrame, run_id: str) -> pd.DataFrame:
    # Totals-only roles have no per-dimension score to store until a dimension is refreshed.
    return frame[frame["score"].notna()].assign(run_id=run_id) if len(frame) else frame
