"""Pure detection: zone/sub-label crossings with flap suppression, and source health."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from scoring.alerts import AlertPolicy, alert_id, describe_crossing, detect_crossings, evidence_moves, zone_alerts
from scoring.source_alerts import detect_source_failures

D0 = date(2026, 11, 1)
POLICY = AlertPolicy(persistence_nights=2, margin_points=1.0, source_failure_nights=3)


def zone_of(aijri: float) -> str:
    return "Green" if aijri >= 48 else "Yellow" if aijri >= 25 else "Red"


def sublabel_of(zone: str) -> str | None:
    return {"Green": "Transforming", "Yellow": "Urgent"}.get(zone)


class Sensor:
    """Ticks one night at a time; each tick reads the history so far with the previous night as cursor."""

    def __init__(self, policy: AlertPolicy = POLICY, role: str = "mlops-engineer") -> None:
        self.policy, self.role, self.rows, self.night = policy, role, [], None
        self.fired: list = []

    def tick(self, aijri: float, sublabel: str | None = "auto") -> list:
        night = D0 if self.night is None else self.night + timedelta(days=1)
        zone = zone_of(aijri)
        self.rows.append({"role_id": self.role, "title": "MLOps Engineer", "as_of": night, "aijri": aijri,
                          "zone": zone, "sublabel": sublabel_of(zone) if sublabel == "auto" else sublabel})
        new = detect_crossings(pd.DataFrame(self.rows), self.policy, since=self.night)
        self.night = night
        self.fired.extend(new)
        return new


def test_first_run_has_no_previous_state_so_no_alert():
    s = Sensor()
    assert s.tick(49.0) == []


def test_no_change_no_alert():
    s = Sensor()
    for v in (42.6, 42.6, 43.0, 42.1):
        assert s.tick(v) == []


def test_crossing_alerts_once_when_persistence_is_met():
    s = Sensor()
    assert s.tick(46.0) == []
    assert s.tick(48.4) == []            # night 1 in Green, only 0.4 past the boundary
    [alert] = s.tick(48.6)               # night 2: persistence met
    assert (alert.kind, alert.from_state, alert.to_state) == ("zone", "Yellow (Urgent)", "Green (Transforming)")
    assert alert.began == D0 + timedelta(days=1) and alert.as_of == D0 + timedelta(days=2)
    assert (alert.from_aijri, alert.to_aijri, alert.change) == (46.0, 48.6, 2.6)
    assert alert.reason == "persistence" and alert.nights == 2
    assert s.tick(49.0) == [] and s.tick(48.2) == []  # stays Green: nothing more


def test_crossing_back_alerts_again():
    s = Sensor()
    for v in (46.0, 48.5, 48.5):
        s.tick(v)
    assert len(s.fired) == 1
    assert s.tick(47.5) == []
    [back] = s.tick(47.6)
    assert (back.from_state, back.to_state) == ("Green (Transforming)", "Yellow (Urgent)")
    assert back.alert_id != s.fired[0].alert_id


def test_flapping_around_the_boundary_never_alerts():
    s = Sensor()
    for v in (47.9, 48.1, 47.9, 48.1, 47.9, 48.1, 47.9):
        assert s.tick(v) == []


def test_margin_crossing_alerts_immediately():
    s = Sensor()
    s.tick(46.0)
    [alert] = s.tick(49.0)                # 1.0 past 48: margin met on the first night
    assert alert.reason == "margin" and alert.nights == 1
    s2 = Sensor()
    s2.tick(30.0)
    [down] = s2.tick(24.0)                # 1.0 below 25
    assert (down.from_state, down.to_state, down.reason) == ("Yellow (Urgent)", "Red", "margin")


def test_zone_persistence_counts_nights_whatever_the_sublabel():
    s = Sensor()
    s.tick(46.0)
    assert s.tick(48.2, "Transforming") == []
    [alert] = s.tick(48.3, "Accelerated")
    assert alert.to_state == "Green (Accelerated)" and alert.began == D0 + timedelta(days=1)


def test_sublabel_change_alerts_after_persistence():
    s = Sensor()
    s.tick(42.6, "Urgent")
    assert s.tick(42.6, "Moderate") == []
    [alert] = s.tick(42.6, "Moderate")
    assert (alert.kind, alert.from_state, alert.to_state) == ("sublabel", "Yellow (Urgent)", "Yellow (Moderate)")


def test_persistence_one_alerts_on_the_first_night():
    s = Sensor(AlertPolicy(persistence_nights=1, margin_points=5))
    s.tick(47.9)
    assert len(s.tick(48.0)) == 1


def test_rerun_of_the_same_night_gives_the_same_alert_id():
    s = Sensor()
    for v in (46.0, 48.5, 48.5):
        s.tick(v)
    history = pd.DataFrame(s.rows)
    again = detect_crossings(history, POLICY, since=D0 + timedelta(days=1))
    assert [a.alert_id for a in again] == [s.fired[0].alert_id]
    whole = detect_crossings(history, POLICY)  # no cursor: the whole history, same identity
    assert [a.alert_id for a in whole] == [s.fired[0].alert_id]
    assert detect_crossings(history, POLICY, since=D0 + timedelta(days=2)) == []
    expected = alert_id("zone", "mlops-engineer", "Yellow (Urgent)", "Green (Transforming)", D0 + timedelta(days=1))
    assert s.fired[0].alert_id == expected


def test_missed_night_is_not_lost():
    """The run of the confirming night failed: the next run (cursor unchanged) still fires it."""
    s = Sensor()
    for v in (46.0, 48.5, 48.5, 48.7):
        s.rows.append({"role_id": "r", "title": "R", "as_of": D0 + timedelta(days=len(s.rows)), "aijri": v,
                       "zone": zone_of(v), "sublabel": None})
    [alert] = detect_crossings(pd.DataFrame(s.rows), POLICY, since=D0 + timedelta(days=1))
    assert alert.as_of == D0 + timedelta(days=2)


def test_roles_are_independent_and_nan_sublabels_are_none():
    rows = []
    for i, (a, b) in enumerate([(46.0, 20.0), (49.5, 20.0), (49.5, 26.5)]):
        rows.append({"role_id": "a", "as_of": pd.Timestamp(D0 + timedelta(days=i)), "aijri": a, "zone": zone_of(a),
                     "sublabel": float("nan")})
        rows.append({"role_id": "b", "as_of": pd.Timestamp(D0 + timedelta(days=i)), "aijri": b, "zone": zone_of(b),
                     "sublabel": float("nan")})
    alerts = detect_crossings(pd.DataFrame(rows), POLICY)
    assert [(a.subject, a.from_state, a.to_state) for a in alerts] == [("a", "Yellow", "Green"), ("b", "Red", "Yellow")]


def test_message_names_role_zones_change_evidence_and_link():
    s = Sensor()
    for v in (46.0, 48.5, 48.6):
        s.tick(v)
    evidence = pd.DataFrame([
        {"role_id": "mlops-engineer", "dimension": "job_posting_trends", "as_of": date(2026, 3, 2), "score": 1},
        {"role_id": "mlops-engineer", "dimension": "wage_trends", "as_of": date(2026, 3, 2), "score": 1},
        {"role_id": "mlops-engineer", "dimension": "job_posting_trends", "as_of": D0 + timedelta(days=1), "score": 2},
        {"role_id": "mlops-engineer", "dimension": "wage_trends", "as_of": D0 + timedelta(days=5), "score": -1},
    ])
    [alert] = zone_alerts(pd.DataFrame(s.rows), evidence, POLICY,
                          link_for=lambda rid: f"https://jobzone.example/roles/{rid}.html")
    msg = alert.message
    assert "MLOps Engineer" in msg and "Yellow (Urgent) -> Green (Transforming)" in msg
    assert "46.0" in msg and "48.6" in msg and "+2.6" in msg
    assert "Job Posting Trends +1 -> +2" in msg and "Wage Trends" not in msg  # wage moved only later
    assert msg.endswith("Role page: https://jobzone.example/roles/mlops-engineer.html")
    assert evidence_moves(evidence, "mlops-engineer", None, D0) == []
    quiet = describe_crossing(alert, [], None)
    assert "No evidence dimension moved." in quiet and "Role page" not in quiet


def _health(source: str, night: date, ok: int, failed: int, run: str = "r", unchanged: int = 0) -> dict:
    return {"source": source, "run_id": f"{run}-{night}", "as_of": night, "requests": ok + failed + unchanged,
            "ok": ok, "unchanged": unchanged, "failed": failed, "outcomes": '{"unreachable": %d}' % failed}


def test_source_failing_n_nights_raises_one_alert_then_recovers():
    nights = [D0 + timedelta(days=i) for i in range(7)]
    rows = [_health("itjobswatch", nights[0], 3, 0)]
    rows += [_health("itjobswatch", n, 0, 3) for n in nights[1:5]]          # 4 failing nights
    rows += [_health("itjobswatch", nights[5], 0, 0, unchanged=3)]          # 304s count as healthy
    rows += [_health("indeed", n, 2, 0) for n in nights[:6]]
    frame = pd.DataFrame(rows)
    alerts = detect_source_failures(frame, POLICY)
    assert [(a.subject, a.from_state, a.to_state, a.as_of) for a in alerts] == [
        ("itjobswatch", "ok", "failing", nights[3]), ("itjobswatch", "failing", "ok", nights[5])]
    assert alerts[0].kind == "source_health" and alerts[0].began == nights[1]
    assert "3 consecutive night(s)" in alerts[0].message and "unreachable x3" in alerts[0].message
    assert detect_source_failures(frame, POLICY, since=nights[3]) == [alerts[1]]
    assert [a.alert_id for a in detect_source_failures(frame, POLICY)] == [a.alert_id for a in alerts]


def test_a_night_with_any_successful_run_is_not_a_failure():
    nights = [D0 + timedelta(days=i) for i in range(4)]
    rows = [_health("bls", n, 0, 1, run="a") for n in nights]
    rows.append(_health("bls", nights[2], 1, 0, run="b"))  # a rerun that night worked
    assert detect_source_failures(pd.DataFrame(rows), POLICY) == []


def test_policy_from_settings_and_validation():
    p = AlertPolicy.from_settings({"persistence_nights": 3, "margin_points": 2.5, "source_failure_nights": 4})
    assert (p.persistence_nights, p.margin_points, p.source_failure_nights, p.green_min, p.yellow_min) == (
        3, 2.5, 4, 48.0, 25.0)
    with pytest.raises(ValueError):
        AlertPolicy(persistence_nights=0)
    assert detect_crossings(pd.DataFrame(), POLICY) == [] and detect_source_failures(pd.DataFrame(), POLICY) == []
