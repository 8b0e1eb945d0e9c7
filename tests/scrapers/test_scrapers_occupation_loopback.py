"""The occupation sources' real fetch path on a loopback server over their own samples:
requests_for -> polite fetch -> archive -> parse, then a conditional GET that changes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from tests.scrapers.scrapers_helpers import one

from scrapers import ai_exposure, bls_ep, hn, oews
from scrapers.archive import RawArchive
from scrapers.gather import gather
from scrapers.loopback import sample_server

pytestmark = pytest.mark.slow

DEV = [{"role_id": "software-developer", "soc": ["15-1252"], "onet_soc": ["15-1252.00"]}]


def night(source, fast, tmp_path, validators=None, roles=DEV, **kw):
    with sample_server(source.SAMPLES) as srv:
        return gather([source.SOURCE], roles, fast, validators, RawArchive(tmp_path / "raw"),
                      base_urls=srv.base_urls(), **kw), srv


def test_bls_ep_workbook_then_not_modified(fast, tmp_path):
    archive = RawArchive(tmp_path / "raw")
    with sample_server(bls_ep.SAMPLES) as srv:  # one server: the validators are keyed by URL
        first = gather([bls_ep.SOURCE], DEV, fast, None, archive, base_urls=srv.base_urls())
        assert [f.outcome for f in first.fetches] == ["ok"]
        assert one(first.observations, subject="15-1252", metric="ep_change_pct") == pytest.approx(15.8)
        assert first.observations.fetch_id.eq(first.fetches[0].fetch_id).all()
        assert archive.has(first.fetches[0].sha256)
        again = gather([bls_ep.SOURCE], DEV, fast, first.validators(), archive, base_urls=srv.base_urls())
    assert [f.outcome for f in again.fetches] == ["unchanged"] and again.observations.empty
    assert [f.status for f in again.fetches] == [304]


def test_oews_years_present_and_a_year_not_out_is_an_outcome(fast, tmp_path):
    result, _ = night(oews, fast, tmp_path, today=date(2025, 12, 3))
    by_year = {f.request.context["year"]: f.outcome for f in result.fetches}
    assert by_year == {2024: "ok", 2023: "ok", 2022: "http_error", 2021: "http_error"}  # no sample: 404
    obs = result.observations
    assert one(obs, subject="15-1252", metric="oews_annual_median", period_start="2024-05-01") == 133_080
    assert one(obs, subject="15-1252", metric="oews_annual_median", period_start="2023-05-01") == 132_270


def test_ai_exposure_every_study_release(fast, tmp_path):
    result, _ = night(ai_exposure, fast, tmp_path)
    assert {f.outcome for f in result.fetches} == {"ok"} and len(result.fetches) == 5
    obs = result.observations
    assert one(obs, subject="15-1252", metric="ms_ai_applicability") == pytest.approx(0.2838686405582842)
    assert one(obs, subject="15-1252", metric="aei_observed_exposure") == pytest.approx(0.288)
    assert one(obs, subject="SOC2010:15-1132", metric="aioe") == pytest.approx(1.200923)


def test_hn_two_nights_from_an_empty_store(fast, tmp_path):
    roles = [{"role_id": "php-developer", "hn": {"include": [r"\bPHP\b"]}}]
    first, _ = night(hn, fast, tmp_path, roles=roles, today=date(2023, 9, 25))
    assert [f.outcome for f in first.fetches] == ["ok"] and "hitsPerPage=1000" in first.fetches[0].url
    listed = first.observations
    # the demo's list names the April 2011 thread, the one thread the samples hold
    assert list(listed.series_key) == ["hn:thread:2011-04"] and list(listed.subject) == ["2396027"]
    # what the plan step reads back from the warehouse (`Source.stored`): the listed rows, fetched tonight
    stored = listed.assign(fetched_at=first.fetches[0].fetched_at)
    state = hn.SOURCE.stored.state(stored)
    assert state == {"threads": {"2011-04": 2396027}, "counted": {}}
    second, _ = night(hn, fast, tmp_path, roles=roles, today=date(2023, 9, 26), source_options={"hn": {"stored": state}})
    assert [f.outcome for f in second.fetches] == ["ok", "ok"] and "hitsPerPage=20" in second.fetches[0].url
    obs = second.observations
    assert one(obs, metric="hn_posts") == 6 and one(obs, series_key="hn:role:php-developer:posts") == 1
