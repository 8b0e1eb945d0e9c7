"""rubric-v2 Job Posting Trends: the role's share of HN Who is hiring? posts, year on year."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.scoring.metrics_v2_helpers import lineage, metrics, o


def hn(month, role_posts, total):
    start = pd.Timestamp(month + "-01")
    end = start + pd.offsets.MonthEnd(0)
    share = round(100.0 * role_posts / total, 4)
    return [o("hn", "hn:role:mlops-engineer:posts", "mlops-engineer", "hn_role_posts", start, end, float(role_posts),
              "count", geo="world", fetch=f"f-hn-{month}"),
            o("hn", "hn:role:mlops-engineer:share", "mlops-engineer", "hn_role_share_pct", start, end, share, "pct",
              geo="world", fetch=f"f-hn-{month}")]


def test_hn_share_of_three_threads_vs_a_year_earlier():
    rows = [r for m, k in (("2024-12", 8), ("2025-01", 10), ("2025-02", 12), ("2025-12", 12), ("2026-01", 15),
                           ("2026-02", 18)) for r in hn(m, k, 300)]
    got = metrics(rows, "hn_share_yoy")["hn_share_yoy"]
    now, before = (12 + 15 + 18) / 3 / 3, (8 + 10 + 12) / 3 / 3
    assert got["status"] == "ok" and got["value"] == pytest.approx(now / before - 1, abs=1e-6)
    assert got["sample_size"] == 75 and len(lineage(got)) == 12


def test_hn_without_the_year_earlier_threads_is_insufficient_history():
    rows = [r for m in ("2025-12", "2026-01", "2026-02") for r in hn(m, 10, 300)]
    got = metrics(rows, "hn_share_yoy")["hn_share_yoy"]
    assert got["status"] == "insufficient_history" and "2024-12" in got["note"]
