"""Smoke tests of the benchmark code at tiny sizes. No timing is asserted anywhere: only that the
pieces run, agree with the real code where they replicate it, and report every documented key."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from benchmarks.baseline import detect_loop
from benchmarks.bench_nightly import StepClock
from benchmarks.common import median, percentile, ratio
from core.settings import load_settings

REPO = Path(__file__).resolve().parents[2]
REQUIRED_KEYS = ("cold_vs_bound", "cold_speedup_vs_sequential", "prefect_share", "warm_vs_cold", "scoring_seconds",
                 "scoring_speedup_vs_loop", "peak_rss_mb", "query_p50_ms", "scale_scoring_seconds", "scale_peak_rss_mb",
                 "scale_query_p50_ms")


def test_statistics_helpers():
    assert percentile([5.0, 1.0, 3.0], 50) == 3.0
    assert percentile([0.0, 10.0], 95) == pytest.approx(9.5)
    assert median([2.0, 4.0]) == 3.0
    assert ratio(3.0, 0.0) is None and ratio(3.0, 1.5) == 2.0


def test_step_clock_counts_overlapping_steps_once():
    clock = StepClock()
    clock.spans = [("collect_host", 0.0, 4.0), ("collect_host", 1.0, 5.0), ("refresh", 6.0, 7.0),
                   ("score", 6.5, 8.0)]
    assert clock.covered(0.0, 10.0) == pytest.approx(7.0)  # [0,5] + [6,8]
    assert clock.covered(2.0, 6.5) == pytest.approx(3.5)
    assert clock.by_step() == {"collect_host": 5.0, "refresh": 1.0, "score": 1.5}


def test_step_clock_wraps_and_restores_the_night_steps():
    from flows import night

    original = night.score
    with StepClock() as clock:
        assert night.score is not original and night.score.__wrapped__ is original
        assert clock.spans == []
    assert night.score is original


def test_loop_zone_detection_follows_persistence_and_margin():
    d = [date(2026, 1, k) for k in range(1, 8)]
    rows = [("a", d[0], 40.0, "Yellow", None), ("a", d[1], 48.2, "Green", None),  # one night, inside margin
            ("a", d[2], 47.0, "Yellow", None), ("a", d[3], 48.3, "Green", None), ("a", d[4], 48.4, "Green", None),
            ("b", d[0], 30.0, "Yellow", None), ("b", d[1], 20.0, "Red", None)]  # 5 points past: at once
    assert detect_loop(rows) == [("a", d[4], "Yellow", "Green"), ("b", d[1], "Yellow", "Red")]


@pytest.mark.slow
def test_seeded_history_matches_the_real_formula(tmp_path):
    import duckdb

    from benchmarks import seed
    from scoring.aijri import score

    world = seed.build(tmp_path / "w", roles=4, nights=12, obs_nights=1)
    assert world.rows["aijri_results"] == 4 * 12
    assert world.rows["evidence_scores"] >= 4 * 5 * 12
    assert world.rows["observations"] == world.rows["tonight_observations"]
    con = duckdb.connect(str(Path(world.home) / "warehouse.duckdb"), read_only=True)
    rows = con.execute("SELECT task_resistance, evidence_total, barrier_total, growth, pct_time_3plus, aijri, zone,"
                       " sublabel FROM aijri_results").fetchall()
    con.close()
    for tr, e, b, g, pct, aijri, zone, sublabel in rows:
        expected = score(tr, e, b, g, pct)
        assert (aijri, zone, sublabel) == (expected.aijri, expected.zone, expected.sublabel)


@pytest.mark.slow
def test_quick_run_prints_one_json_object_with_every_key(tmp_path):
    env = dict(os.environ, JOBZONE_BENCH_CACHE=str(tmp_path / "cache"))
    env.pop("PREFECT_API_URL", None)
    env.pop("PREFECT_HOME", None)  # the benchmark keeps its own Prefect home under the cache
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--json", "--roles", "6", "--nights", "10"],
                          cwd=str(REPO), env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout)
    for key in REQUIRED_KEYS:
        assert isinstance(result[key], (int, float)), key
    assert result["machine"]["cores"] and result["machine"]["python"]
    assert set(result["meets_target"]) == set(REQUIRED_KEYS)
    nightly = result["details"]["nightly"]
    assert nightly["cold"]["status"] in ("completed", "degraded")
    assert nightly["cold"]["requests"]["itjobswatch"] == 6 + 1  # pages + robots.txt
    # the second night is HN's backfill (every thread the first night listed), so warm is the third
    hn = {night: nightly[night]["requests"]["hn.algolia.com"] for night in ("cold", "backfill", "warm")}
    assert hn["backfill"] > hn["cold"] > 0 and hn["backfill"] > hn["warm"], hn
    assert nightly["backfill"]["requests"]["itjobswatch"] == 0 and isinstance(result["backfill_wall_s"], float)
    # every role x dimension the cold refresh wrote is counted (how many refreshed depends on the rubric)
    assert nightly["refreshed_dims"]["cold"]["all"] == 6 * 5 >= nightly["refreshed_dims"]["cold"]["refreshed"]
    assert result["details"]["scoring"]["loop"]["results"] == 6
    # scored under the rubric the loop baseline computes, whatever the shipped default
    assert result["details"]["scoring"]["ours"]["rubric"] == "rubric-v1" != load_settings().flow["rubric"]
    assert result["details"]["query"]["site_mb"] > 0 and result["publish_at_scale_s"] > 0  # copy + marts + site
    assert result["scale_roles"] == 8 and result["details"]["scale_scoring"]["ours"]["results_added"] == 8
    assert isinstance(result["ideal_speedup_vs_sequential"], float)


def test_table_renders_every_measure():
    from benchmarks.__main__ import TARGETS, table

    result = {"machine": {"cores": 2, "python": "3.11", "platform": "x", "memory_gb": 1, "duckdb": "d",
                          "pandas": "p", "prefect": "f"}, "roles": 3, "nights": 4, "seconds": 1.0,
              **{k: 1.0 for k in TARGETS}, "ideal_speedup_vs_sequential": 1.0,
              "meets_target": {k: True for k in TARGETS}, "details": {}}
    text = table(result)
    assert "2 cores" in text and "Python 3.11" in text
    assert text.count("yes") == len(TARGETS)
