"""rubric-v2 Expert Consensus: BLS projected growth against all occupations, and its revision."""

from __future__ import annotations

from datetime import date

import pytest

from tests.scoring.metrics_v2_helpers import lineage, metrics, o


def ep(soc, vintage, pct):
    return o("bls_ep", f"bls_ep:{soc}:change_pct", soc, "ep_change_pct", date(vintage, 1, 1), date(vintage, 12, 31),
             pct, "pct", detail=f"vintage {vintage}-{(vintage + 10) % 100}", fetch=f"f-ep-{vintage}")


def test_projected_growth_against_all_occupations_and_revision():
    rows = [ep("00-0000", 2023, 4.0), ep("00-0000", 2024, 3.1), ep("15-1252", 2023, 17.9), ep("15-1252", 2024, 15.8),
            ep("15-2051", 2024, 33.5)]
    got = metrics(rows, "projected_growth_vs_all", "projection_revision")
    growth, revision = got["projected_growth_vs_all"], got["projection_revision"]
    assert growth["value"] == pytest.approx((15.8 + 33.5) / 2 - 3.1)
    assert "vs +3.1 % for all occupations" in growth["note"]
    assert {e["subject"] for e in lineage(growth)} == {"15-1252", "15-2051", "00-0000"}
    assert revision["value"] == pytest.approx(15.8 - 17.9)  # only 15-1252 has two vintages
    assert len(lineage(revision)) == 2
