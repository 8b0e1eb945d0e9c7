"""Reading only the recent nights finds exactly the crossings a full replay finds."""

import datetime as dt

import numpy as np
import pandas as pd

from flows.steps.alert import detect_alerts
from scoring.aijri import score_frame
from scoring.alerts import AlertPolicy, detect_crossings
from warehouse.store import write


def test_windowed_detection_matches_a_full_replay(warehouse):
    rng = np.random.default_rng(7)
    start = dt.date(2025, 1, 1)
    nights = [start + dt.timedelta(days=i) for i in range(400)]
    rows = []
    for role in ("a", "b", "c"):
        # A random walk of the evidence total around the Yellow/Green boundary: plenty of flaps.
        evidence = np.clip(np.cumsum(rng.choice([-1, 0, 1], size=len(nights), p=[0.2, 0.6, 0.2])) + 8, -10, 10)
        for night, e in zip(nights, evidence):
            rows.append({"role_id": role, "as_of": night, "task_resistance": 3.05, "evidence_total": float(e),
                         "barrier_total": 1.0, "growth": 1.0, "pct_time_3plus": 70.0})
    scored = score_frame(pd.DataFrame(rows))
    write(warehouse, "aijri_results", scored.assign(evidence_refreshed=True, catalogue_hash="h", run_id="r"))
    policy = AlertPolicy(persistence_nights=2, margin_points=1.0)
    history = warehouse.execute("SELECT role_id, title, as_of, aijri, zone, sublabel FROM score_history").df()
    compared = 0
    for since in (nights[150], nights[250], nights[350]):
        full = [(a.alert_id, a.as_of) for a in detect_crossings(history, policy, since=since)]
        windowed = [(a.alert_id, a.as_of) for a in detect_alerts(warehouse, policy, since=since)
                    if a.kind != "source_health"]
        assert windowed == full
        compared += len(full)
    assert compared > 3  # the walk crosses often enough for the comparison to mean something
