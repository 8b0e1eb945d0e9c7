"""rubric-v2 Company Actions: the role's openings at the watch-list, and its companies' WARN notices."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from core.catalogue import Lookup
from scoring.metrics import RoleSpec, compute_metrics
from scoring.validation import validate_observations
from tests.scoring.metrics_v2_helpers import AS_OF, ROLE, V2, lineage, metrics, o


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


def test_a_role_without_board_patterns_beside_one_with_them_is_no_lookup_key():
    # Beside another role's patterns the keyless role's cell is NaN, not None (pandas 3 makes the
    # column str): it once reached json.loads and failed the demo night under rubric-v2.
    keyless = RoleSpec("data-analyst", "UK", Lookup.model_validate({}))
    rows = board("Acme", "2025-12-02", 4, 3) + board("Acme", "2026-03-02", 6, 1)
    good, _ = validate_observations(pd.DataFrame(rows), run_id="t")
    got = compute_metrics(good, [ROLE, keyless], AS_OF, V2, validated=True)
    mine = got[got["metric"] == "board_openings_change"].set_index("role_id")["status"].to_dict()
    assert mine == {"mlops-engineer": "ok", "data-analyst": "no_lookup_key"}
