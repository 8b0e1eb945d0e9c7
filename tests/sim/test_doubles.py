"""The doubles sources bring for the simulator (boards: three ATS hosts; ons): served by the
simulated hosts, parsed by the real parsers, and their faults named."""

from __future__ import annotations

import math
from datetime import date

import pytest

from scrapers.gather import gather
from scrapers.http import HttpSettings
from scrapers.registry import SOURCES
from sim import catalogue_gen as gen
from sim.simserver import HOSTS, SimServer

pytestmark = pytest.mark.slow  # real loopback servers

AS_OF = date(2026, 6, 30)
ATS_HOSTS = ("boards-api.greenhouse.io", "api.lever.co", "api.ashbyhq.com")


@pytest.fixture(scope="module")
def roles():
    return gen.sim_roles(24, seed=3)


def _run(sim: SimServer, roles, validators=None):
    http = HttpSettings(user_agent="jobzone-test/0.1", contact="t@example.org", connect_timeout=1.0, read_timeout=1.0,
                        total_timeout=10.0, retries=1, backoff_factor=0.01, backoff_max=0.05, default_interval=0.0,
                        rate_limits={sim.netloc(h): 0.0 for h in HOSTS})
    return gather([SOURCES["boards"], SOURCES["ons"]], [r.lookup_keys() for r in roles], http, validators, None,
                  sim.base_urls(), source_options=sim.source_options(), today=sim.as_of)


def test_every_ats_host_serves_its_boards_and_the_roles_postings_are_there(roles):
    with SimServer(roles, as_of=AS_OF, seed=3) as sim:
        result = _run(sim, roles)
        assert {f.outcome for f in result.fetches} == {"ok"}, [(f.url, f.outcome, f.detail) for f in result.fetches]
        counts = sim.request_counts()
        # 24 roles -> 8 watched companies: 4 Greenhouse, 2 Ashby, 2 Lever (+ robots.txt each)
        assert [counts[h] for h in ATS_HOSTS] == [5, 3, 3] and counts["www.ons.gov.uk"] == 2
        obs = result.observations
        totals = obs[obs.metric == "board_open_postings"]
        assert len(totals) == 8 and (totals.value >= 3).all()
        titles = obs[obs.metric == "board_posting"].detail.str.contains("Sim Role")
        assert titles.any()
        cpi = obs[obs.source == "ons"]
        assert set(cpi.series_key) == {"ons:D7BT"} and str(cpi.period_start.max()) == "2026-05-01"


def test_a_month_later_postings_opened_and_closed(roles):
    with SimServer(roles, as_of=AS_OF, seed=3) as sim:
        before = set(_run(sim, roles).observations.query("metric == 'board_posting'").series_key)
        sim.advance(30)
        after = set(_run(sim, roles).observations.query("metric == 'board_posting'").series_key)
        assert before - after and after - before


def test_board_faults_are_outcomes_never_zeros(roles):
    with SimServer(roles, as_of=AS_OF, seed=3) as sim:
        sim.set_fault("api.lever.co", "layout")
        sim.set_fault("api.ashbyhq.com", "layout", variant="empty")
        sim.set_fault("boards-api.greenhouse.io", "http_5xx")
        sim.set_fault("www.ons.gov.uk", "layout")
        result = _run(sim, roles)
        by_host = {}
        for f in result.fetches:
            by_host.setdefault(f.url.split("/")[2], set()).add(f.outcome)
        assert by_host[sim.netloc("api.lever.co")] == {"parse_error"}
        assert by_host[sim.netloc("boards-api.greenhouse.io")] == {"http_error"}
        assert by_host[sim.netloc("www.ons.gov.uk")] == {"parse_error"}
        empty = result.observations[result.observations.metric == "board_open_postings"]
        assert len(empty) == 2 and all(math.isnan(v) for v in empty.value)  # the two Ashby boards
        lever = next(f for f in result.fetches if f.source == "boards" and "/v0/postings/" in f.url)
        assert "Lever answer is not a list" in lever.detail
