"""BLS API v2: request bodies and the OEWS / CPI envelopes."""

from __future__ import annotations

import json
import math
from datetime import date

import pytest
from tests.scrapers.scrapers_helpers import ctx, one, sample

from scrapers.base import ParseError, QuotaError, RequestOptions
from scrapers.bls import parse, requests_for


def test_oews_annual_median():
    df = parse(sample("bls/oews_OEUN000000000000015113413_web-dev-annual-median_2018.json"), ctx(source="bls"))
    assert len(df) == 1
    row = df.iloc[0]
    assert row.value == 69430
    assert (row.series_key, row.subject, row.geography) == (
        "bls:OEUN000000000000015113413", "OEUN000000000000015113413", "US")
    assert (row.metric, row.unit) == ("oews_annual_median", "USD/year")
    assert (row.period_start, row.period_end) == (date(2018, 5, 1), date(2018, 5, 31))


def test_v2_envelope_with_calculations():
    df = parse(sample("bls/timeseries_v2_APU0000701111_2022_catalog_calculations.json"), ctx(source="bls"))
    level = df[df.series_key == "bls:APU0000701111"]
    yoy = df[df.metric == "cpi_yoy_pct"]
    assert len(level) == len(yoy) == 12
    assert one(level, period_start="2022-12-01") == pytest.approx(0.522)
    assert one(yoy, period_start="2022-12-01") == pytest.approx(34.5)
    assert one(yoy, period_start="2022-11-01") == pytest.approx(35.8)
    assert set(yoy.unit) == {"pct"}


def _envelope(series, status="REQUEST_SUCCEEDED", message=()):
    return json.dumps({"status": status, "responseTime": 10, "message": list(message),
                       "Results": {"series": series}}).encode()


def test_cpi_index_and_top_coded_dash():
    body = _envelope([
        {"seriesID": "CUUR0000SA0", "data": [
            {"year": "2025", "period": "M09", "periodName": "September", "value": "324.800", "footnotes": [{}],
             "calculations": {"pct_changes": {"1": "0.3", "12": "3.0"}}}]},
        {"seriesID": "OEUS060000000000015125215", "data": [
            {"year": "2024", "period": "A01", "value": "-",
             "footnotes": [{"code": "5", "text": "This wage is equal to or greater than $239,200 per year."}]}]},
    ])
    df = parse(body, ctx(source="bls"))
    assert one(df, metric="cpi_index", period_end="2025-09-30") == pytest.approx(324.8)
    assert one(df, metric="cpi_yoy_pct", period_end="2025-09-30") == pytest.approx(3.0)
    top = df[df.metric == "oews_annual_p90"].iloc[0]
    assert math.isnan(top.value)  # top-coded: not published, never 0
    assert "footnote 5" in top.detail and "239,200" in top.detail
    assert top.geography == "CA"


def test_quota_refusal_is_a_recorded_failure_not_data():
    body = _envelope([], status="REQUEST_NOT_PROCESSED",
                     message=["Request could not be serviced, as the daily threshold for total number of requests "
                              "allocated to the user has been reached."])
    with pytest.raises(QuotaError, match="REQUEST_NOT_PROCESSED.*daily threshold"):
        parse(body, ctx(source="bls"))


def test_missing_results_names_the_key():
    with pytest.raises(ParseError, match="Results.series"):
        parse(b'{"status": "REQUEST_SUCCEEDED"}', ctx(source="bls"))


def test_request_bodies_batch_dedupe_and_hide_the_key():
    roles = [{"role_id": f"r{i}", "bls_series": [f"OEUN0000000000000151252{i:02d}"]} for i in range(30)]
    roles.append({"role_id": "dup", "bls_series": ["oeun000000000000015125200"]})
    keyless = requests_for(roles, RequestOptions(today=date(2026, 3, 2), env={}))
    assert [len(r.json["seriesid"]) for r in keyless] == [25, 6]  # 30 + CPI default, keyless limit 25
    body = keyless[0].json
    assert body["startyear"] == "2024" and body["endyear"] == "2026"
    assert body["catalog"] is True and body["calculations"] is True
    assert "registrationkey" not in body
    assert keyless[0].method == "POST" and keyless[0].url == "https://api.bls.gov/publicAPI/v2/timeseries/data/"
    keyed = requests_for(roles, RequestOptions(today=date(2026, 3, 2), env={"BLS_API_KEY": "sekrit-123"}))
    assert [len(r.json["seriesid"]) for r in keyed] == [31]
    assert keyed[0].json["registrationkey"] == "sekrit-123"
    assert "sekrit" not in repr(keyed[0]) and "sekrit" not in keyed[0].key
    # the key does not change the request identity used for validators
    keyed_again = requests_for(roles, RequestOptions(today=date(2026, 3, 2), env={"BLS_API_KEY": "other"}))
    assert keyed_again[0].key == keyed[0].key
    assert requests_for([], RequestOptions(options={"extra_series": []})) == []


def test_cpi_series_key_goes_to_bls_or_fred():
    from scrapers.fred import requests_for as fred_requests

    roles = [{"role_id": "a", "cpi_series": "CUSR0000SA0"}, {"role_id": "b", "cpi_series": "GBRCPIALLMINMEI"}]
    bls_ids = requests_for(roles, RequestOptions(env={}, options={"extra_series": []}))[0].json["seriesid"]
    assert bls_ids == ["CUSR0000SA0"]
    fred_ids = [r.context["series_id"] for r in fred_requests(roles, RequestOptions(options={"series": []}))]
    assert fred_ids == ["GBRCPIALLMINMEI"]
