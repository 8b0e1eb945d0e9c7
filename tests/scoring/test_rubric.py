"""The rubric: config validation, bands, direction, combination, confidence, calibration."""

from __future__ import annotations

import json
import tomllib
from datetime import timedelta

import pandas as pd
import pytest

from core.errors import ConfigError
from scoring.metrics import compute_metrics
from scoring.validation import validate_observations
from scoring.dimensions import score_dimensions
from scoring.rubric import (
    RUBRIC_FILE, RubricError, band_index, input_score, load_rubric, parse_rubric, round_half_away,
)

RUBRIC = load_rubric(version="rubric-v1")  # these pin rubric-v1, which stays selectable
AS_OF = pd.Timestamp("2026-03-02")


def metric(metric: str, value: float | None, status: str = "ok", *, role_id: str = "r", observed_to=AS_OF,
           sample_size=None, note: str | None = None, unit: str = "fraction") -> dict:
    return {"role_id": role_id, "metric": metric, "as_of": AS_OF, "value": value, "unit": unit, "status": status,
            "sample_size": sample_size, "observed_to": observed_to, "note": note or f"{metric}={value}",
            "inputs": "{}", "lineage": "[]", "rubric_version": RUBRIC.version}


def scores(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    return score_dimensions(frame, RUBRIC, AS_OF).set_index("dimension")


def test_shipped_rubric_loads():
    assert RUBRIC.version == "rubric-v1"
    assert RUBRIC.dimensions["ai_tool_maturity"].inputs["ai_share_pp_change"].direction == "lower_is_better"
    assert set(RUBRIC.metrics()) >= {"postings_yoy_role", "layoff_headcount_change", "expert_net_direction"}


def test_calibration_mlops_185_vs_154_is_plus_one():
    end = pd.Timestamp("2026-03-02")
    rows = [{"source": "itjobswatch", "series_key": "itjobswatch:permanent:mlops", "subject": "mlops",
             "geography": "UK", "metric": "postings", "period_start": e - pd.DateOffset(months=6) + timedelta(days=1),
             "period_end": e, "value": v, "unit": "count", "detail": None, "fetch_id": "f"}
            for e, v in ((end, 185.0), (end - pd.DateOffset(years=1), 154.0))]
    good, _ = validate_observations(pd.DataFrame(rows), "t")
    metrics = compute_metrics(good, {"mlops-engineer": {"itjobswatch": {"slug": "mlops"}}}, AS_OF, RUBRIC)
    jpt = score_dimensions(metrics, RUBRIC, AS_OF).set_index("dimension").loc["job_posting_trends"]
    assert jpt["score"] == 1 and jpt["status"] == "ok"
    assert "185 vs 154" in jpt["rationale"]
    assert jpt["rationale"] == "UK postings 185 vs 154 (+20.1 %) → +1 under rubric-v1 band [+10 %, +30 %)"
    assert jpt["rubric_version"] == "rubric-v1"
    used = json.loads(jpt["inputs"])["used"][0]
    assert used["value"] == pytest.approx(185 / 154 - 1) and used["band"] == "[+10 %, +30 %)"


@pytest.mark.parametrize("value, expected", [
    (-0.30000001, -2), (-0.30, -1), (-0.10000001, -1), (-0.10, 0), (0.0, 0), (0.09999999, 0),
    (0.10, 1), (110 / 100 - 1, 1), (0.2999999, 1), (0.30, 2), (130 / 100 - 1, 2), (5.0, 2),
])
def test_band_edges_are_half_open_lower_inclusive(value, expected):
    spec = RUBRIC.dimensions["job_posting_trends"].inputs["postings_yoy_role"]
    assert input_score(value, spec)[0] == expected


def test_band_index_on_every_edge():
    t = (-2.0, -1.0, 1.0, 2.0)
    assert [band_index(v, t) for v in (-2.5, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0)] == [-2, -1, 0, 0, 1, 2, 2]


@pytest.mark.parametrize("pp, expected", [
    (-2.0, 1),   # share falling fast: raw -2 -> +2, clamped to +1 (country-wide proxy)
    (-0.5, 1),   # falling: +1
    (-0.25, 0),  # on the edge: the 0 band is [-0.25, +1.0)
    (0.5, 0),
    (1.0, -1),   # faster automation lowers the score
    (4.96, -1),  # raw +2 -> -2, clamped to -1
])
def test_ai_tool_maturity_points_the_other_way(pp, expected):
    s = scores([metric("ai_share_pp_change", pp, unit="pp")]).loc["ai_tool_maturity"]
    assert s["score"] == expected
    if pp >= 1.0:
        assert "inverted" in s["rationale"]


def test_faster_rising_ai_share_never_scores_higher():
    spec = RUBRIC.dimensions["ai_tool_maturity"].inputs["ai_share_pp_change"]
    values = [x / 10 for x in range(-30, 60)]
    got = [input_score(v, spec)[0] for v in values]
    assert got == sorted(got, reverse=True)


def test_weighted_combination_rounds_half_away_from_zero_and_uses_fallbacks():
    s = scores([
        metric("postings_yoy_role", 0.20, note="UK postings 185 vs 154 (+20.1 %)"),  # +1, weight 0.75
        metric("postings_yoy_sector", None, status="stale"),
        metric("postings_yoy_country", -0.073, note="GB index -7.3 %"),  # -1, fallback with weight 0.25
    ]).loc["job_posting_trends"]
    assert s["score"] == 1  # 0.75 - 0.25 = 0.5 -> 1
    assert "weighted 0.75/0.25 = +0.50 → +1 under rubric-v1" in s["rationale"]
    assert "fallback for postings_yoy_sector" in s["rationale"]
    assert s["confidence"] == pytest.approx(0.75 + 0.25 * 0.75, abs=1e-3)  # a fallback counts 0.75 of its weight
    s2 = scores([metric("postings_yoy_role", 0.20), metric("postings_yoy_sector", -0.5)]).loc["job_posting_trends"]
    assert s2["score"] == 0  # 0.75 * 1 + 0.25 * -2 = 0.25
    assert [round_half_away(x) for x in (0.5, -0.5, 0.49, -1.5, 2.5)] == [1, -1, 0, -2, 3]


def test_confidence_reflects_freshness_and_sample():
    old = AS_OF - pd.Timedelta(days=21)  # at the staleness limit: freshness 0.5
    s = scores([metric("postings_yoy_role", 0.2, observed_to=old, sample_size=75)]).loc["job_posting_trends"]
    assert s["confidence"] == pytest.approx(0.75 * 0.5 * (75 / 150), abs=1e-3)


def test_no_usable_signal_leaves_the_score_empty_with_the_reason():
    s = scores([metric("postings_yoy_role", None, status="no_lookup_key"),
                metric("postings_yoy_sector", 0.1, status="stale")]).loc["job_posting_trends"]
    assert pd.isna(s["score"]) and s["status"] == "stale" and pd.isna(s["confidence"])
    wage = scores([metric("posted_wage_growth", 0.04)]).loc["wage_trends"]
    assert pd.isna(wage["score"]) and wage["status"] == "insufficient_coverage"


def _document() -> dict:
    return tomllib.loads(RUBRIC_FILE.read_text())


@pytest.mark.parametrize("mutate, where", [
    (lambda d: d["dimensions"]["job_posting_trends"]["inputs"]["postings_yoy_role"].update(thresholds=[0.3, 0.1, -0.1, -0.3]),
     "dimensions.job_posting_trends.inputs.postings_yoy_role.thresholds"),
    (lambda d: d["dimensions"]["wage_trends"]["inputs"]["posted_wage_growth"].update(wieght=1),
     "dimensions.wage_trends.inputs.posted_wage_growth.wieght: unknown key"),
    (lambda d: d["dimensions"].pop("expert_consensus"), "dimensions: "),
    (lambda d: d["dimensions"]["wage_trends"]["inputs"]["salary_yoy_nominal_itjw"].update(fallback_for="nope"),
     "dimensions.wage_trends.inputs"),
    (lambda d: d["dimensions"]["ai_tool_maturity"]["inputs"]["ai_share_pp_change"].update(clamp=[1, -1]),
     "dimensions.ai_tool_maturity.inputs.ai_share_pp_change.clamp"),
    (lambda d: d["layoffs"].update(time_constant_days=0), "layoffs.time_constant_days"),
    (lambda d: d.pop("version"), "version"),
])
def test_bad_config_names_the_key_path(mutate, where):
    doc = _document()
    mutate(doc)
    with pytest.raises(RubricError) as info:
        parse_rubric(doc, "rubric.toml")
    assert where in str(info.value)
    assert isinstance(info.value, ConfigError)


def test_unreadable_or_bad_toml(tmp_path):
    with pytest.raises(RubricError, match="cannot read"):
        load_rubric(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("version = \n")
    with pytest.raises(RubricError, match="bad TOML"):
        load_rubric(bad)
