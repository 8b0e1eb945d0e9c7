"""rubric-v2 Company Actions: the role's openings at the watch-list, and its companies' WARN notices."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from tests.scoring.metrics_v2_helpers import AS_OF, V2, lineage, metrics, o


def board(company, night, n_role, n_other, published="2025-01-01"):
    out = [o("boards", f"boards:ashby:{company}", company, "board_open_postings", night, night,
             float(n_role + n_other), "count", fetch=f"f-b-{company}-{night}")]
    for i in range(n_role + n_other):
        title = "MLOps Engineer" if i < n_role else "Account Executive"
        out.append(o("boards", f"boards:ashby:{company}:{i}", company, "board_posting", published, night, 1.0, "count",
                     detail=json.dumps({"title": title}), fetch=f"f-b-{company}-{night}"))
    return out


def warn(company, day, headcount, n=0):
    return o("warn", f"warn:watchlist:CA:{company}{n}", company, "watchlist_layoff_headcount", day, day,
             float(headcount), "count", geo="CA", fetch="f-warn")


def test_board_net_openings_over_90_days_then_watchlist_layoffs():
    night, earlier = "2026-03-02", "2025-12-02"
    rows = (board("Acme", earlier, 4, 3) + board("Acme", night, 6, 1) + board("Newco", night, 5, 0)
            + [warn("Acme", "2025-11-01", 200), warn("Acme", "2024-11-01", 100, 1), warn("Other", "2025-11-01", 999)])
    got = metrics(rows, "board_openings_change", "watchlist_layoff_change")
    openings, layoffs = got["board_openings_change"], got["watchlist_layoff_change"]
    # Newco was not read 90 days ago: its 5 openings are not counted
    assert openings["value"] == pytest.approx((6 - 4) / 4) and "net openings over 90 days" in openings["note"]
    assert len(lineage(openings)) == 10
    assert json.loads(openings["inputs"])["companies"] == ["Acme"]
    w = lambda d: math.exp(-d / V2.layoffs.time_constant_days)  # noqa: E731
    now = 200 * w((AS_OF - pd.Timestamp("2025-11-01")).days)
    before = 100 * w((AS_OF - pd.Timedelta(days=365) - pd.Timestamp("2024-11-01")).days)
    assert layoffs["value"] == pytest.approx(now / max(before, V2.layoffs.headcount_floor) - 1)
    assert {e["subject"] for e in lineage(layoffs)} == {"Acme"}


def test_one_board_night_is_insufficient_history():
    got = metrics(board("Acme", "2026-03-02", 2, 2), "board_openings_change")["board_openings_change"]
    assert got["status"] == "insufficient_history"
