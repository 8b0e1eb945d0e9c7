from decimal import Decimal

import pandas as pd
import pytest

from core.errors import InputRangeError
from scoring.aijri import load_method, score, score_frame, sublabel_of, zone_of

PUBLISHED = [
    # role, TR, evidence, barriers, growth, pct 3+, AIJRI, zone, sublabel
    ("MLOps Engineer", 3.05, 5, 1, 1, 70, 42.6, "Yellow", "Urgent"),
    ("DevOps Engineer", 1.70, -5, 1, 0, None, 10.7, "Red", None),
    ("Cloud Architect", 3.85, 2, 3, 1, None, 51.5, "Green", "Transforming"),
]


@pytest.mark.parametrize("role,tr,e,b,g,pct,aijri,zone,sub", PUBLISHED)
def test_reproduces_every_published_score(role, tr, e, b, g, pct, aijri, zone, sub):
    result = score(tr, e, b, g, pct, published_sublabel=sub if pct is None else None)
    assert result.aijri == aijri
    assert (result.zone, result.sublabel) == (zone, sub)
    assert result.methodology_version == load_method().version


def test_mlops_worked_example_modifiers():
    r = score(3.05, 5, 1, 1, 70)
    assert (r.em, r.bm, r.gm) == (1.2, 1.02, 1.05)
    assert round(r.raw, 4) == 3.9199
    assert r.aijri_unrounded == pytest.approx(42.6212, abs=1e-4)


@pytest.mark.parametrize("aijri,growth,zone,sub", [
    (68.2, 2, "Green", "Accelerated"),   # ML/AI Engineer
    (58.2, 2, "Green", "Accelerated"),   # DevSecOps Engineer
    (66.4, 1, "Green", "Transforming"),  # Solutions Architect
    (49.9, 1, "Green", "Transforming"),  # Cloud Security Engineer
    (57.1, 1, "Green", "Transforming"),  # Application Security Engineer
    (27.8, 0, "Yellow", "Urgent"),       # Data Engineer (task time 3+ >= 40 %)
    (28.6, 1, "Yellow", "Urgent"),       # Full-Stack Developer
    (19.0, -1, "Red", None),             # Data Scientist
    (10.4, 0, "Red", None),              # Data Analyst
])
def test_other_published_zones(aijri, growth, zone, sub):
    m = load_method()
    assert zone_of(aijri, m) == zone
    assert sublabel_of(zone, growth, 60.0, m) == sub


def test_zone_edges_use_the_rounded_figure():
    m = load_method()
    assert zone_of(48.0, m) == "Green" and zone_of(47.9, m) == "Yellow"
    assert zone_of(25.0, m) == "Yellow" and zone_of(24.9, m) == "Red"


def test_yellow_below_forty_percent_is_moderate_from_config():
    assert score(3.05, 5, 1, 1, 39.9).sublabel == "Moderate"
    assert score(3.05, 5, 1, 1, 40).sublabel == "Urgent"


def test_half_up_rounding_on_the_decimal_value():
    # TR 1.7, evidence 0, barriers 0, growth 0 -> raw 1.7 -> (1.7-0.54)/7.93*100 = 14.628...
    # Find an exact .x5 tie: raw = 0.54 + 7.93 * 0.2505 = 2.526465 -> AIJRI 25.05 exactly.
    m = load_method()
    exact = (Decimal("2.526465") - m.raw_floor) / m.raw_span * 100
    assert exact == Decimal("25.05")
    r = score(2.526465, 0, 0, 0)
    assert r.aijri == 25.1  # half-up; banker's rounding would give 25.0


def test_clamps_and_flags_out_of_range_results():
    top = score(5.0, 10, 10, 2)
    assert top.aijri == 100.0 and top.clamped and top.aijri_unrounded > 100
    bottom = score(1.0, -10, 0, -2)
    assert bottom.aijri == 0.0 and not bottom.clamped


@pytest.mark.parametrize("kwargs", [
    dict(task_resistance=0.9, evidence_total=0, barrier_total=0, growth=0),
    dict(task_resistance=3, evidence_total=11, barrier_total=0, growth=0),
    dict(task_resistance=3, evidence_total=0, barrier_total=-1, growth=0),
    dict(task_resistance=3, evidence_total=0, barrier_total=0, growth=3),
    dict(task_resistance=3, evidence_total=0, barrier_total=0, growth=0, pct_time_3plus=101),
])
def test_out_of_range_inputs_are_rejected(kwargs):
    with pytest.raises(InputRangeError):
        score(**kwargs)


def test_boundaries_give_aijri_and_evidence_distance():
    r = score(3.05, 5, 1, 1, 70)
    up, down = r.boundaries
    assert (up.to_zone, up.aijri_points, up.evidence_steps) == ("Green", 5.4, 4)
    assert (down.to_zone, down.aijri_points, down.evidence_steps) == ("Red", -17.7, -11)
    # The step count is exact: one point fewer does not change the zone, that many does.
    assert score(3.05, 5 + 3, 1, 1, 70).zone == "Yellow"
    assert score(3.05, 5 + 4, 1, 1, 70).zone == "Green"
    assert score(3.05, 5 - 10, 1, 1, 70).zone == "Yellow"
    assert score(3.05, 5 - 11, 1, 1, 70).zone == "Red"


def test_unreachable_boundary_is_reported_as_none():
    (up,) = score(1.70, -5, 1, 0).boundaries
    assert up.to_zone == "Yellow" and up.evidence_steps is None


def test_vectorised_agrees_with_scalar_everywhere_on_the_grid():
    rows = [dict(task_resistance=tr / 100, evidence_total=e, barrier_total=b, growth=g, pct_time_3plus=55.0)
            for tr in range(100, 501, 35) for e in range(-10, 11, 3) for b in (0, 3, 10) for g in (-2, 0, 2)]
    frame = score_frame(pd.DataFrame(rows))
    for row, out in zip(rows, frame.itertuples()):
        expected = score(**row)
        assert (out.aijri, out.zone, out.sublabel) == (expected.aijri, expected.zone, expected.sublabel)


def test_zones_ranges_and_boundaries_are_the_methods_wherever_scoring_checks_them():
    """method.toml holds the zone boundaries, input ranges and AIJRI scale once: the results
    models and the alert policy read them instead of repeating 48 / 25 / -10..10 / 0..100."""
    from scoring.aijri import ZONES
    from scoring.alerts import ZONE_RANK, AlertPolicy
    from scoring.results import AijriResults

    m = load_method()
    policy = AlertPolicy()
    assert (policy.green_min, policy.yellow_min) == (float(m.green_min), float(m.yellow_min))
    assert sorted(ZONE_RANK, key=ZONE_RANK.get) == list(ZONES)
    columns = AijriResults.to_schema().columns
    expected = dict(m.ranges, override_aijri=(m.clamp_min, m.clamp_max), aijri=(m.clamp_min, m.clamp_max))
    for name, (lo, hi) in expected.items():
        stats = {k: v for check in columns[name].checks for k, v in check.statistics.items()}
        assert (Decimal(str(stats["min_value"])), Decimal(str(stats["max_value"]))) == (lo, hi), name
    [zone_check] = columns["zone"].checks
    assert sorted(zone_check.statistics["allowed_values"]) == sorted(ZONES)


def test_a_green_role_without_a_task_table_that_falls_to_yellow_has_no_sublabel_not_its_green_one():
    # Cloud Architect (published Green, Transforming, no task table) with evidence -2 lands in Yellow:
    # which Yellow sub-label is unknown without the task table, and "Transforming" is not one.
    fallen = score(3.85, -2, 3, 1, None, published_sublabel="Transforming")
    assert fallen.zone == "Yellow" and fallen.sublabel is None
    kept = score(3.85, -2, 3, 1, None, published_sublabel="Urgent")  # a published Yellow label stands
    assert (kept.zone, kept.sublabel) == ("Yellow", "Urgent")
    frame = pd.DataFrame({"task_resistance": [3.85, 3.85, 3.85], "evidence_total": [-2, -2, 2],
                          "barrier_total": [3, 3, 3], "growth": [1, 1, 1], "pct_time_3plus": [None, None, None],
                          "published_sublabel": ["Transforming", "Urgent", "Transforming"]})
    out = score_frame(frame)
    assert list(zip(out.zone, out.sublabel)) == [("Yellow", None), ("Yellow", "Urgent"), ("Green", "Transforming")]
