"""Backtest: replay the rubric over the Indeed sample history and count crossings and reversals."""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from tests.support.catalogues import CLASSIC_ROLES
from core.catalogue import DIMENSIONS, load_catalogue
from scoring.backtest import _crossings, backtest
from scoring.rubric import load_rubric

REPO = Path(__file__).resolve().parents[2]
CATALOGUE = load_catalogue(CLASSIC_ROLES)  # two totals-only roles: see its README
MLOPS = CATALOGUE.get("mlops-engineer")
RUBRIC = load_rubric()


@lru_cache(maxsize=1)
def indeed_history() -> pd.DataFrame:
    """The real Indeed samples (GB) through the real parser."""
    from scrapers.base import ParseContext
    from scrapers.registry import SOURCES

    samples = REPO / "scrapers" / "samples" / "indeed-hiring-lab"
    when = datetime(2026, 8, 20, tzinfo=timezone.utc)
    frames = []
    for name, kind in (("aggregate_job_postings_GB.csv", "aggregate"), ("AI_posting.csv", "ai_share"),
                       ("job_postings_by_sector_GB_2024-08-15_tech-sectors-excerpt.csv", "sector"),
                       ("posted-wage-growth-by-country.csv", "wage_growth")):
        frame = SOURCES["indeed"].parse((samples / name).read_bytes(),
                                        ParseContext(f"sample/{name}", "indeed", when, {"kind": kind, "countries": ["GB"]}))
        frames.append(frame.assign(fetch_id=f"fetch-{kind}"))
    return pd.concat(frames, ignore_index=True)


def stub_aijri(frame: pd.DataFrame) -> pd.DataFrame:
    """Stands in for scoring.aijri.score_frame: a zone boundary at evidence_total 3 makes crossings visible."""
    aijri = 40.0 + 2.5 * frame["evidence_total"].to_numpy(float)
    return frame.assign(aijri=aijri, zone=np.where(aijri >= 48, "Green", "Yellow"), sublabel=None)


def test_backtest_over_the_indeed_history_counts_crossings_and_reversals():
    result = backtest(indeed_history(), [MLOPS], RUBRIC, "2021-03-01", "2024-08-01", step_days=14, aijri=stub_aijri)
    path = result.path
    assert len(path) == len(pd.date_range("2021-03-01", "2024-08-01", freq="14D"))
    assert set(DIMENSIONS) <= set(path.columns)
    # the Indeed series feed job_posting_trends and ai_tool_maturity; the rest are carried from the card
    assert path["job_posting_trends"].nunique() > 1
    assert (path["company_actions"] == MLOPS.evidence["company_actions"].score).all()
    assert path["refreshed"].all()
    summary = result.summary.set_index("role_id").loc["mlops-engineer"]
    crossings = (path["zone"] != path["zone"].shift()).iloc[1:].sum()
    assert summary["crossings"] == crossings == len(result.crossings)
    assert summary["crossings"] > 0  # the 2021 rebound and the 2022-23 fall cross the stub's boundary
    assert summary["reversals"] == result.crossings["reversed_on"].notna().sum()
    assert summary["noise_rate"] == summary["reversals"] / summary["crossings"]
    # every reversal really returned to the old zone within 30 days
    for c in result.crossings.dropna(subset=["reversed_on"]).itertuples():
        assert pd.Timestamp(c.reversed_on) - pd.Timestamp(c.as_of) <= pd.Timedelta(days=30)


def test_backtest_with_the_published_formula():
    result = backtest(indeed_history(), CATALOGUE, RUBRIC, "2023-01-02", "2023-06-30", step_days=28)
    summary = result.summary.set_index("role_id")
    assert set(summary.index) == set(CATALOGUE.roles)
    # totals-only roles never refresh all five dimensions from Indeed alone: their published total stands
    devops = result.path[result.path["role_id"] == "devops-engineer"]
    assert (devops["evidence_total"] == -5).all() and (devops["aijri"] == 10.7).all()
    assert (devops["zone"] == "Red").all() and summary.at["devops-engineer", "crossings"] == 0
    mlops = result.path[result.path["role_id"] == "mlops-engineer"]
    assert mlops["zone"].isin(["Red", "Yellow", "Green"]).all() and mlops["aijri"].between(0, 100).all()


def test_crossing_and_reversal_counting():
    dates = pd.date_range("2024-01-01", periods=10, freq="7D")
    zones = ["Yellow", "Green", "Yellow", "Yellow", "Yellow", "Yellow", "Yellow", "Green", "Green", "Green"]
    path = pd.DataFrame({"role_id": "r", "as_of": dates, "zone": zones, "aijri": 0.0})
    c = _crossings(path, reversal_days=30)
    assert list(zip(c["from_zone"], c["to_zone"])) == [("Yellow", "Green"), ("Green", "Yellow"), ("Yellow", "Green")]
    # Y->G reversed a week later; G->Y only comes back after 35 days (not within 30); the last never does
    assert c["reversed_on"].notna().tolist() == [True, False, False]
