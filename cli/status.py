"""`jobzone status`: the last night (state, when, how long), failing sources, stale dimensions,
pending alerts and who holds the nightly lock. Read-only: it opens nothing for writing and
creates nothing, so it is safe to run while a night is running."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from cli.common import JsonOpt, app, emit_json, one_line_errors, print_table, say, state
from core.errors import WarehouseBusyError, WarehouseError
from warehouse import queries

#: how long `status` waits for a night's write transaction before reading the published copy
_BUSY_WAIT_SECONDS = 2.0
#: stale dimensions listed one by one (the JSON has them all)
_STALE_SHOWN = 10


def gather_status(home: Any) -> dict:
    """Everything `jobzone status` shows, as plain data."""
    from flows.steps.lock import holder
    from warehouse.db import connect

    if not home.warehouse.exists():
        raise WarehouseError(f"{home.warehouse}: no warehouse yet; run `jobzone run` (or `jobzone run --demo`) first")
    source, note = home.warehouse, None
    try:
        con = connect(home.warehouse, read_only=True, wait_seconds=_BUSY_WAIT_SECONDS)
    except WarehouseBusyError:
        if not home.analyst_copy.exists():
            raise
        source, note = home.analyst_copy, "the warehouse is busy (a night is writing): read from the published copy"
        con = connect(home.analyst_copy, read_only=True)
    try:
        night = queries.last_night(con)
        failing = queries.failing_sources(con, night["run_id"]) if night else []
        stale = queries.stale_evidence(con)
        alerts = queries.pending_alerts(con)
    finally:
        con.close()
    lock = holder(home)
    if night and night["status"] == "running" and lock is None:
        night["note"] = "recorded running but no process holds the nightly lock: it was killed; the next night runs as usual"
    return {"home": str(home.root), "read_from": str(source), "note": note, "last_night": night,
            "failing_sources": failing, "stale_dimensions": stale, "pending_alerts": alerts,
            "lock_holder": lock}


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S %Z").strip() if isinstance(value, datetime) else str(value or "—")


def _duration(seconds: Any) -> str:
    if seconds is None:
        return "—"
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes} min {secs} s" if minutes else f"{seconds:.1f} s"


@app.command()
@one_line_errors
def status(as_json: bool = JsonOpt) -> None:
    """The last night (state, when, how long), failing sources, stale dimensions, pending alerts, lock holder."""
    doc = gather_status(state.home_readonly)
    if as_json:
        emit_json(doc)
        return
    if doc["note"]:
        say(f"note: {doc['note']}")
    night = doc["last_night"]
    if night is None:
        say("last night: none yet (run `jobzone run`)")
    else:
        say(f"last night: {night['status']} — {night['kind']} run {night['run_id']} as of {night['as_of']}, "
            f"started {_when(night['started_at'])}, finished {_when(night['finished_at'])}, "
            f"took {_duration(night['duration_seconds'])}")
        if night.get("note"):
            say(f"  {night['note']}")
    say(f"nightly lock: held by {doc['lock_holder']}" if doc["lock_holder"] else "nightly lock: free (no night running)")
    failing = doc["failing_sources"]
    if failing:
        print_table([{"source": f["source"], "failed": f"{f['failed']} of {f['requests']}",
                      "nights failing": f["nights_failing"], "outcomes": f["outcomes"]} for f in failing],
                    title="failing sources (last night)")
    else:
        say("failing sources: none")
    stale = doc["stale_dimensions"]
    if stale:
        counts = Counter((s["dimension"], s["origin"]) for s in stale)
        say(f"stale dimensions: {len(stale)} not refreshed from data behind the latest scores ("
            + ", ".join(f"{d} {o} {n}" for (d, o), n in sorted(counts.items())) + ")")
        print_table([{"role": s["role_id"], "dimension": s["dimension"], "origin": s["origin"],
                      "status": s["status"], "evidence as of": s["evidence_as_of"], "age (days)": s["age_days"]}
                     for s in stale[:_STALE_SHOWN]],
                    title=f"oldest {min(len(stale), _STALE_SHOWN)} of {len(stale)} (--json lists them all)")
    else:
        say("stale dimensions: none")
    alerts = doc["pending_alerts"]
    if alerts:
        print_table([{k: a[k] for k in ("kind", "subject", "as_of", "to_state", "status", "attempts", "last_error")}
                     for a in alerts], title=f"{len(alerts)} alert(s) not delivered yet")
    else:
        say("pending alerts: none")

