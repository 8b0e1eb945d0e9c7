"""rubric-v2 AI Tool Maturity: the exposure studies' rank of the role's occupations, and its change."""

from __future__ import annotations

import pytest

from tests.scoring.metrics_v2_helpers import metrics, o


def exposure(study, metric, code, end, value):
    return o("ai_exposure", f"ai_exposure:{study}:{code}:{metric}", code, metric, end, end, value, "fraction",
             fetch=f"f-{study}-{end}")


def _release(study, metric, end, role_value, n=400, shift=0.0):
    rows = [exposure(study, metric, f"{11 + i // 9000:02d}-{i % 9000 + 1000:04d}", end, i / n + shift)
            for i in range(n)]
    return rows + [exposure(study, metric, "15-1252", end, role_value)]


def test_exposure_rank_among_all_occupations_and_its_change():
    rows = (_release("microsoft_ai_applicability", "ms_ai_applicability", "2024-08-01", 0.5001)
            + _release("microsoft_ai_applicability", "ms_ai_applicability", "2025-08-29", 0.9001)
            # an excerpt of 30 occupations ranks nothing
            + [exposure("gpts_are_gpts", "gpts_exposure_beta", f"15-{1200 + i}.00", "2025-10-03", 0.1) for i in range(30)]
            + [exposure("gpts_are_gpts", "gpts_exposure_beta", "15-1252.00", "2025-10-03", 0.99)])
    got = metrics(rows, "ai_exposure_rank", "ai_exposure_rank_change")
    level, change = got["ai_exposure_rank"], got["ai_exposure_rank_change"]
    above = sum(1 for i in range(400) if i / 400 < 0.9001)  # occupations below the role's 0.9001
    assert level["value"] == pytest.approx((above + 1) / 401, abs=1e-4)
    assert level["sample_size"] == 401 and "gpts_are_gpts" not in level["note"]
    below_half = sum(1 for i in range(400) if i / 400 < 0.5001)
    assert change["value"] == pytest.approx((above + 1) / 401 - (below_half + 1) / 401, abs=1e-3)
    assert change["status"] == "ok"
