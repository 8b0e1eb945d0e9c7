"""rubric-v2: a version beside rubric-v1, proxies only as clamped fallbacks, and the MLOps card's
figures banded as docs/rubric-v2-calibration.md says (agreeing where it claims to)."""

from __future__ import annotations

import pandas as pd

from core.vocabulary import DIMENSIONS
from scoring.dimensions import score_dimensions
from scoring.metrics.engine import METRICS_COLUMNS
from scoring.rubric import input_score, load_rubric, versions
from core.catalogue import load_catalogue
from core.paths import REPO_ROOT
from core.vocabulary import DIMENSION_LABELS

V1, V2 = load_rubric(), load_rubric(version="rubric-v2")
AS_OF = pd.Timestamp("2026-03-02")
#: metrics about a whole country or sector (or industry), not the role
PROXIES = {"postings_yoy_sector", "postings_yoy_country", "posted_wage_growth", "ai_share_pp_change",
           "layoff_headcount_change", "layoff_events_change"}


def test_v2_ships_beside_v1_and_takes_its_guards_and_metric_parameters():
    assert versions()["rubric-v2"].name == "rubric-v2.toml" and V2.version == "rubric-v2"
    for table in ("guards", "cpi", "layoffs", "claims", "matching"):
        assert getattr(V2, table) == getattr(V1, table)


def test_every_proxy_is_a_fallback_clamped_to_one():
    seen = set()
    for dim in DIMENSIONS:
        for metric, spec in V2.dimensions[dim].inputs.items():
            if metric in PROXIES:
                seen.add(metric)
                assert spec.fallback_for is not None and spec.fallback_for not in PROXIES, metric
                assert -1 <= spec.clamp[0] and spec.clamp[1] <= 1, metric
            elif spec.fallback_for is None:
                assert spec.clamp[1] == 2 or metric == "watchlist_layoff_change", metric  # role-level evidence
    assert seen == PROXIES


def band(metric: str, value: float) -> int:
    return input_score(value, V2.input(metric)[1])[0]


def test_the_cards_posting_figure_bands_plus_one_as_published():
    # "185 postings in the 6 months to March 2026, against 154 a year earlier" -> Job Posting Trends +1
    assert band("postings_yoy_role", 185 / 154 - 1) == 1


def test_the_cards_pay_figure_is_a_documented_disagreement():
    # "Pay is up about 20 % year on year" (card: +1): deflated by 3.2 % US CPI it is +2 under v2
    assert band("salary_yoy_real_soc", 1.20 / 1.032 - 1) == 2


def _metrics(values: dict[str, tuple[str, float | None]]) -> pd.DataFrame:
    rows = [{"role_id": "mlops-engineer", "metric": m, "as_of": AS_OF, "value": v, "unit": "fraction", "status": s,
             "note": m, "sample_size": 200.0, "observed_to": AS_OF, "inputs": "{}", "lineage": "[]",
             "rubric_version": V2.version} for m, (s, v) in values.items()]
    return pd.DataFrame(rows, columns=METRICS_COLUMNS)


def test_the_demo_values_give_the_calibration_table():
    """The MLOps metrics the demo computes under rubric-v2 (docs/rubric-v2-calibration.md, column
    'what v2 read on the demo') give that page's v2 column; the card's column is the catalogue's."""
    ok, gone = "ok", ("insufficient_history", None)
    demo = {"postings_yoy_role": (ok, 185 / 154 - 1), "hn_share_yoy": ("no_data", None),
            "postings_yoy_sector": ("stale", -0.224), "postings_yoy_country": (ok, -0.0727),
            "board_openings_change": gone, "layoff_events_change": (ok, -0.7527),
            "watchlist_layoff_change": ("no_data", None), "layoff_headcount_change": (ok, -0.7333),
            "salary_yoy_real_itjw": ("not_published", None), "posted_wage_growth": (ok, 0.0400),
            "salary_yoy_real_soc": (ok, -0.0079), "salary_yoy_nominal_soc": (ok, 0.0242),
            "ai_exposure_rank": (ok, 0.8981), "ai_exposure_rank_change": gone, "ai_share_pp_change": (ok, 3.665),
            "projected_growth_vs_all": (ok, 21.55), "projection_revision": gone,
            "expert_net_direction": (ok, 0.3109)}
    assert set(demo) == set(V2.metrics())
    scores = score_dimensions(_metrics(demo), V2, AS_OF).set_index("dimension")["score"]
    doc = (REPO_ROOT / "docs" / "rubric-v2-calibration.md").read_text().replace("\u2212", "-")
    card = {dim: e.score for dim, e in load_catalogue().roles["mlops-engineer"].evidence.items()}
    labels = DIMENSION_LABELS
    signed = lambda x: f"{x:+d}" if x else "0"  # noqa: E731
    for dim in DIMENSIONS:
        agree = "yes" if scores[dim] == card[dim] else "no"
        assert f"| {labels[dim]} | {signed(card[dim])} | {signed(int(scores[dim]))} | {agree} |" in doc, dim
    assert scores["job_posting_trends"] == card["job_posting_trends"]  # where v2 claims to agree
