"""rubric-v2 Wage Trends: OEWS median pay per SOC, year on year, deflated by US CPI."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from core.catalogue import Lookup
from scoring.failed_inputs import failed_inputs
from scoring.metrics import RoleSpec

from tests.scoring.metrics_v2_helpers import ROLE, V2, lineage, metrics, o


def oews(soc, year, value):
    return o("oews", f"oews:US:{soc}:annual_median", soc, "oews_annual_median", date(year, 5, 1), date(year, 5, 31),
             value, "USD/year", fetch=f"f-oews-{year}")


def cpi(month, value):
    start = pd.Timestamp(month + "-01")
    return o("fred", "fred:CPIAUCSL", "CPIAUCSL", "cpi_index", start, start + pd.offsets.MonthEnd(0), value, "index")


def test_oews_per_soc_yoy_deflated_by_us_cpi():
    rows = [oews("15-1252", 2023, 132270.0), oews("15-1252", 2024, 133080.0),
            oews("15-2051", 2023, 108020.0), oews("15-2051", 2024, 112590.0), oews("15-1241", 2024, 1e5),
            cpi("2023-05", 300.0), cpi("2024-05", 309.0)]
    got = metrics(rows, "salary_yoy_nominal_soc", "salary_yoy_real_soc")
    nominal, real = got["salary_yoy_nominal_soc"], got["salary_yoy_real_soc"]
    a, b = 133080 / 132270 - 1, 112590 / 108020 - 1
    assert nominal["status"] == "ok" and nominal["value"] == pytest.approx((a + b) / 2)
    assert real["value"] == pytest.approx(((1 + a) / 1.03 - 1 + (1 + b) / 1.03 - 1) / 2)
    assert "15-1252 $133,080 vs $132,270" in nominal["note"] and "CPI +3.0 %" in real["note"]
    keys = {e["series_key"] for e in lineage(real)}
    assert {"oews:US:15-1252:annual_median", "oews:US:15-2051:annual_median", "fred:CPIAUCSL"} <= keys
    assert "oews:US:15-1241:annual_median" not in keys  # not the role's SOC


def test_oews_one_year_is_insufficient_history_and_no_soc_is_no_key():
    got = metrics([oews("15-1252", 2024, 133080.0)], "salary_yoy_nominal_soc")
    assert got["salary_yoy_nominal_soc"]["status"] == "insufficient_history"
    bare = RoleSpec("bare", "UK", Lookup.model_validate({}))
    assert metrics([oews("15-1252", 2024, 1.0e5)], "salary_yoy_real_soc", role=bare)["salary_yoy_real_soc"][
        "status"] == "no_lookup_key"


def test_a_failed_backfill_year_of_oews_feeds_nothing_once_two_newer_years_answered():
    reqs = [{"source": "oews", "key": f"oews:{y}", "outcome": o_, "context": {"year": y}}
            for y, o_ in ((2024, "ok"), (2023, "ok"), (2022, "http_error"))]
    assert failed_inputs(reqs, [ROLE], V2).empty
    reqs[0]["outcome"] = "http_error"
    got = failed_inputs(reqs, [ROLE], V2)
    assert set(got["metric"]) == {"salary_yoy_nominal_soc", "salary_yoy_real_soc"}
