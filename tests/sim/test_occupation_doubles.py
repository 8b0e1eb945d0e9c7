"""The doubles of HN (hn.algolia.com), Employment Projections and OEWS (one host, www.bls.gov)
and the exposure studies (raw.githubusercontent.com, huggingface.co): served by the simulated
hosts, parsed by the real parsers, every synthetic role's occupation found, faults named."""

from __future__ import annotations

from datetime import date

import pytest

from scrapers.ai_exposure.simulated import FULL_RELEASE
from scrapers.gather import gather
from scrapers.http import HttpSettings
from scrapers.registry import SOURCES
from sim import catalogue_gen as gen
from sim.simserver import HOSTS, SimServer

pytestmark = pytest.mark.slow  # real loopback servers

AS_OF = date(2026, 6, 30)
NEW = ("hn", "bls_ep", "oews", "ai_exposure")


@pytest.fixture(scope="module")
def roles():
    return gen.sim_roles(6, seed=5)


def _run(sim: SimServer, roles, names=NEW, options=None):
    http = HttpSettings(user_agent="jobzone-test/0.1", contact="t@example.org", connect_timeout=1.0, read_timeout=1.0,
                        total_timeout=10.0, retries=1, backoff_factor=0.01, backoff_max=0.05, default_interval=0.0,
                        rate_limits={sim.netloc(h): 0.0 for h in HOSTS})
    source_options = {**sim.source_options(), **(options or {})}
    return gather([SOURCES[n] for n in names], [r.lookup_keys() for r in roles], http, None, None, sim.base_urls(),
                  source_options=source_options, today=sim.as_of)


def test_every_role_has_its_occupation_and_hn_keys(roles):
    for role in roles:
        keys = role.lookup_keys()
        assert keys["soc"] == [f"15-{1000 + int(role.id[-4:]):04d}"]
        assert keys["onet_soc"] == [keys["soc"][0] + ".00"]
        assert keys["hn"]["include"] and keys["hn"]["where"] == "header"


def test_a_cold_night_on_the_new_hosts(roles):
    with SimServer(roles, as_of=AS_OF, seed=5) as sim:
        result = _run(sim, roles)
        outcomes = {(f.source, f.outcome) for f in result.fetches}
        # OEWS 2021..2025 are out by June 2026 (2025 from May): every year answers
        assert outcomes == {(n, "ok") for n in NEW}, [(f.url, f.outcome, f.detail) for f in result.fetches]
        counts = sim.request_counts()
        # (+ robots.txt once per host) hn: the whole thread list; bls.gov: 1 workbook + 5 OEWS years
        assert counts["hn.algolia.com"] == 2 and counts["www.bls.gov"] == 7
        assert counts["raw.githubusercontent.com"] == 5 and counts["huggingface.co"] == 2
        obs = result.observations
        socs = {r.lookup_keys()["soc"][0] for r in roles}
        assert socs <= set(obs[(obs.source == "oews") & (obs.metric == "oews_annual_median")].subject)
        assert set(obs[obs.source == "oews"].period_start.astype(str)) == {f"{y}-05-01" for y in range(2021, 2026)}
        assert socs <= set(obs[(obs.source == "bls_ep") & (obs.metric == "ep_change_pct")].subject)
        assert socs <= set(obs[obs.metric == "aei_observed_exposure"].subject)
        assert {s + ".00" for s in socs} <= set(obs[obs.metric == "gpts_exposure_beta"].subject)
        # a full release (the roles' occupations among ~800), never an excerpt the metric refuses
        for metric in ("aei_observed_exposure", "gpts_exposure_beta", "ms_ai_applicability", "aioe"):
            assert (obs.metric == metric).sum() == FULL_RELEASE, metric
        threads = obs[obs.metric == "hn_thread_comments"]
        assert len(threads) == 183 and threads.period_start.min() == date(2011, 4, 1)


def test_hn_counts_each_role_once_the_threads_are_known(roles):
    with SimServer(roles, as_of=AS_OF, seed=5) as sim:
        june = 1_000_000 + 2026 * 12 + 6
        result = _run(sim, roles, ("hn",), {"hn": {"stored": {"threads": {"2026-06": june}}}})
        assert [f.outcome for f in result.fetches] == ["ok", "ok"] and "hitsPerPage=20" in result.fetches[0].url
        obs = result.observations
        total = obs[obs.metric == "hn_posts"].value.item()
        per_role = obs[obs.metric == "hn_role_posts"].set_index("subject").value
        assert set(per_role.index) == {r.id for r in roles}
        assert 0 < per_role.sum() <= total and (per_role > 0).all()


def test_faults_on_the_new_hosts_are_outcomes_never_zeros(roles):
    with SimServer(roles, as_of=AS_OF, seed=5) as sim:
        sim.set_fault("hn.algolia.com", "layout")
        sim.set_fault("www.bls.gov", "layout")
        sim.set_fault("huggingface.co", "http_5xx")
        sim.set_fault("raw.githubusercontent.com", "implausible")
        result = _run(sim, roles)
        by_source = {}
        for f in result.fetches:
            by_source.setdefault((f.source, f.url.split("/")[2]), set()).add(f.outcome)
        assert by_source[("hn", sim.netloc("hn.algolia.com"))] == {"parse_error"}
        assert by_source[("bls_ep", sim.netloc("www.bls.gov"))] == {"parse_error"}
        assert by_source[("oews", sim.netloc("www.bls.gov"))] == {"parse_error"}
        assert by_source[("ai_exposure", sim.netloc("huggingface.co"))] == {"http_error"}
        # implausible scores parse (the guards and bands judge them later), never as zeros
        ms = result.observations[result.observations.metric == "ms_ai_applicability"]
        assert len(ms) == FULL_RELEASE and (ms.value > 1).any()
