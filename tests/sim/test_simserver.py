"""The simulated sources: the real scrapers read them, and every fault surfaces as its outcome."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
import requests

from core.settings import load_settings
from scrapers.base import SourceRequest
from scrapers.gather import gather
from scrapers.http import HttpSettings, fetch_one
from scrapers.registry import SOURCES
from sim import catalogue_gen as gen
from sim.payloads import itjobswatch
from sim.simserver import HOSTS, XSS_PAYLOADS, SimServer, dump_toml, scaled_intervals

pytestmark = pytest.mark.slow  # real loopback servers

AS_OF = date(2026, 6, 30)
WEB_SOURCES = [s for name, s in SOURCES.items() if name != "claims"]


def _http(sim: SimServer, **over) -> HttpSettings:
    base = dict(user_agent="jobzone-test/0.1", contact="tests@example.org", connect_timeout=1.0, read_timeout=0.5,
                total_timeout=10.0, retries=1, backoff_factor=0.01, backoff_max=0.05, retry_after_max=1,
                default_interval=0.0, rate_limits={sim.netloc(h): sim.hosts[h].interval for h in HOSTS})
    base.update(over)
    return HttpSettings(**base)


def _gather(sim: SimServer, roles, http: HttpSettings | None = None, validators=None):
    return gather(WEB_SOURCES, [r.lookup_keys() for r in roles], http or _http(sim), validators, None,
                  sim.base_urls(), source_options={"fred": {"series": ["CPIAUCSL", "AHETPI", "JTSJOL"]},
                                                   **sim.source_options()},
                  today=sim.as_of)


def _page(sim: SimServer, role) -> SourceRequest:
    path = sim.world.role_paths("itjobswatch", [role.id])[0]
    return SourceRequest(source="itjobswatch", url=sim.url("itjobswatch", path),
                         allowed_content_types=("text/html",), context={"slug": role.slug, "kind": role.kind})


@pytest.fixture(scope="module")
def roles():
    return gen.sim_roles(6, seed=5)


@pytest.fixture
def sim(roles):
    with SimServer(roles, as_of=AS_OF) as server:
        yield server


def test_every_source_parses_and_the_numbers_are_the_worlds(sim, roles):
    result = _gather(sim, roles)
    assert {f.outcome for f in result.fetches} == {"ok"}, [(f.url, f.outcome, f.detail) for f in result.fetches]
    obs = result.observations
    assert set(obs["source"]) == {"itjobswatch", "indeed", "bls", "fred", "layoffs", "warn", "boards", "ons", "hn",
                                  "bls_ep", "oews", "ai_exposure"}
    for role in roles:
        numbers = itjobswatch.numbers(sim.world, sim.world.by_path[sim.world.role_paths("itjobswatch", [role.id])[0]])
        postings = obs[(obs["source"] == "itjobswatch") & (obs["metric"] == "postings")
                       & (obs["subject"] == role.slug)].sort_values("period_end", ascending=False)
        assert postings["value"].tolist() == [float(v) for v in numbers["postings"]]
        assert postings["period_end"].iloc[0] == AS_OF - timedelta(days=1)
    oews = obs[(obs["metric"] == "oews_annual_median") & (obs["source"] == "bls")]
    assert set(oews["subject"]) == {s for r in roles for s in r.bls_series}
    sectors = obs[obs["metric"] == "sector_postings_index"]
    assert set(sectors["subject"]) == {s for r in roles for s in r.sectors}


def test_unchanged_payloads_answer_304_or_same_hash(sim, roles):
    first = _gather(sim, roles)
    sim.reset_hits()
    second = _gather(sim, roles, validators=first.validators())
    assert {f.outcome for f in second.fetches} == {"unchanged"}
    gets = [h for h in sim.hits() if h.method == "GET" and h.path != "/robots.txt"]
    assert gets and all(h.status == 304 and h.conditional for h in gets)


def test_date_and_bump_change_only_what_they_should(sim, roles):
    first = _gather(sim, roles)
    sim.bump([roles[0].id])
    second = _gather(sim, roles, validators=first.validators())
    changed = {f.url for f in second.fetches if f.outcome == "ok"}
    assert changed == {sim.url("itjobswatch", sim.world.role_paths("itjobswatch", [roles[0].id])[0])}
    sim.advance(1)
    third = _gather(sim, roles, validators=second.validators())
    # a board none of whose postings opened or closed overnight answers the same (unchanged)
    yearly = ("bls_ep", "oews", "ai_exposure")  # annual files and pinned releases: the same bytes tomorrow
    assert all(f.outcome == "ok" for f in third.fetches if f.source not in ("warn", "boards", *yearly))
    assert {f.outcome for f in third.fetches if f.source in yearly} == {"unchanged"}
    assert any(f.outcome == "ok" for f in third.fetches if f.source == "boards")


def test_the_rate_limit_is_enforced_and_a_polite_client_never_meets_it(roles):
    # tolerance 0.5: a burst (gaps of a few ms) is still refused; scheduler jitter is not. The
    # server runs in this process, so it stamps a request's arrival only once its thread gets the
    # GIL back from the client's parsers: 35 ms late was seen at a 0.05 s interval (the next
    # request then "arrived" 24 ms after it, under the 25 ms limit). At 0.2 s the margin is 100 ms.
    interval = 0.2
    with SimServer(roles, as_of=AS_OF, intervals={h: interval for h in HOSTS}, tolerance=0.5) as sim:
        url = sim.url("fred", "/graph/fredgraph.csv?id=CPIAUCSL")
        statuses = [requests.get(url, timeout=2).status_code for _ in range(4)]
        assert 429 in statuses
        rejected = next(h for h in sim.hits("fred") if h.status == 429)
        assert rejected.path.endswith("CPIAUCSL")
        time.sleep(2 * interval)
        sim.reset_hits()
        result = _gather(sim, roles)
        assert {f.outcome for f in result.fetches} == {"ok"}
        assert sim.rejected_counts() == {h: 0 for h in HOSTS}
        counts = sim.request_counts()
        assert counts["itjobswatch"] == len(roles) + 1  # the pages and robots.txt
        bound, host = sim.politeness_bound()
        assert bound == pytest.approx(interval * max(counts.values())) and counts[host] == max(counts.values())


def test_retry_after_is_sent_with_429(roles):
    with SimServer(roles, as_of=AS_OF, intervals={"fred": 1.0}) as sim:
        url = sim.url("fred", "/graph/fredgraph.csv?id=CPIAUCSL")
        requests.get(url, timeout=2)
        resp = requests.get(url, timeout=2)
        assert resp.status_code == 429 and resp.headers["Retry-After"] == "1"


def test_5xx_burst_is_retried_and_recovers(sim, roles):
    sim.set_fault("itjobswatch", "http_5xx", roles=[roles[0].id], count=1)
    assert fetch_one(_page(sim, roles[0]), _http(sim, retries=1)).outcome == "ok"
    statuses = [h.status for h in sim.hits("itjobswatch") if h.path != "/robots.txt"]
    assert statuses == [503, 200]


def test_persistent_5xx_is_an_http_error(sim, roles):
    sim.set_fault("itjobswatch", "http_5xx", roles=[roles[0].id], status=500)
    result = fetch_one(_page(sim, roles[0]), _http(sim, retries=1))
    assert result.outcome == "http_error" and result.status == 500


def test_timeout_fault_sleeps_past_the_read_timeout(sim, roles):
    sim.set_fault("itjobswatch", "timeout", roles=[roles[1].id], seconds=3.0)
    # no clock here: had the 0.3 s read timeout not fired, the body would arrive after 3 s and be "ok"
    result = fetch_one(_page(sim, roles[1]), _http(sim, read_timeout=0.3, retries=0))
    assert result.outcome == "unreachable" and "timed out" in (result.detail or "").lower()
    assert fetch_one(_page(sim, roles[0]), _http(sim)).outcome == "ok"  # other roles unaffected


def test_truncated_body_is_unreachable_not_parsed(sim, roles):
    sim.set_fault("itjobswatch", "truncated", roles=[roles[0].id])
    result = fetch_one(_page(sim, roles[0]), _http(sim, retries=0))
    assert result.outcome == "unreachable" and "truncated" in (result.detail or "")
    assert result.body is None


@pytest.mark.parametrize("declare_length", [False, True])
def test_huge_body_hits_the_size_cap(sim, roles, declare_length):
    sim.set_fault("itjobswatch", "huge", roles=[roles[0].id], declare_length=declare_length)
    result = fetch_one(_page(sim, roles[0]), _http(sim, max_bytes=2_000_000))
    assert result.outcome == "too_large" and result.body is None


def test_offhost_redirect_is_not_followed(sim, roles):
    sim.set_fault("itjobswatch", "offhost_redirect", roles=[roles[0].id])
    result = fetch_one(_page(sim, roles[0]), _http(sim))
    assert result.outcome == "offhost_redirect"
    assert not [h for h in sim.hits() if h.path.startswith("/moved")]


def test_robots_disallow_is_obeyed(sim, roles):
    sim.set_fault("itjobswatch", "robots", roles=[roles[0].id])
    path = sim.world.role_paths("itjobswatch", [roles[0].id])[0]
    assert f"Disallow: {path}" in sim.robots_txt("itjobswatch")
    result = _gather(sim, roles)
    outcomes = {f.url: f.outcome for f in result.fetches}
    assert outcomes[sim.url("itjobswatch", path)] == "disallowed"
    assert sum(o == "ok" for o in outcomes.values()) == len(outcomes) - 1
    assert sim.hits("itjobswatch", path) == []


@pytest.mark.parametrize("variant", ["relabel", "remove"])
def test_itjobswatch_layout_change_is_a_parse_error(sim, roles, variant):
    sim.set_fault("itjobswatch", "layout", roles=[roles[0].id], variant=variant)
    result = _gather(sim, roles[:2])
    page = {f.url: f for f in result.fetches if f.source == "itjobswatch"}
    bad = page[sim.url("itjobswatch", sim.world.role_paths("itjobswatch", [roles[0].id])[0])]
    good = page[sim.url("itjobswatch", sim.world.role_paths("itjobswatch", [roles[1].id])[0])]
    assert bad.outcome == "parse_error" and "not found" in bad.detail
    assert good.outcome == "ok"


@pytest.mark.parametrize("host,source", [("github", "indeed"), ("github", "layoffs"), ("fred", "fred"),
                                         ("bls", "bls")])
def test_csv_and_json_layout_changes_are_parse_errors(sim, roles, host, source):
    paths = {"indeed": ["aggregate_job_postings"], "layoffs": ["layoffs.csv"], "fred": ["CPIAUCSL"],
             "bls": ["/publicAPI/"]}[source]
    sim.set_fault(host, "layout", paths=paths)
    result = _gather(sim, roles[:2])
    broken = [f for f in result.fetches if f.outcome == "parse_error"]
    assert broken and {f.source for f in broken} == {source}


def test_non_utf8_bytes_are_replaced_and_values_survive(sim, roles):
    sim.set_fault("itjobswatch", "non_utf8", roles=[roles[0].id])
    result = _gather(sim, roles[:1])
    page = next(f for f in result.fetches if f.source == "itjobswatch")
    assert page.outcome == "ok" and page.replacements > 0
    medians = result.observations[result.observations["metric"].isin(["median_salary", "median_daily_rate"])]
    assert medians["value"].notna().all() and len(medians) >= 3


def test_implausible_values_are_served(sim, roles):
    clean = _gather(sim, roles[:1]).observations
    sim.set_fault("itjobswatch", "implausible", roles=[roles[0].id])
    dirty = _gather(sim, roles[:1]).observations

    def first(frame, metric):
        rows = frame[(frame["metric"] == metric) & (frame["subject"] == roles[0].slug)]
        return rows.sort_values("period_end")["value"].iloc[-1]

    assert first(dirty, "postings") == 50 * first(clean, "postings")
    pay = "median_daily_rate" if roles[0].kind == "contract" else "median_salary"
    assert first(dirty, pay) == 5.0


def test_xss_payload_reaches_the_parsed_text(sim, roles):
    sim.set_fault("itjobswatch", "xss", roles=[roles[0].id])
    sim.set_fault("github", "xss", paths=["layoffs.csv"])
    obs = _gather(sim, roles[:1]).observations
    assert obs["detail"].astype(str).str.contains(XSS_PAYLOADS[0], regex=False).any()
    assert obs["subject"].astype(str).str.contains("onerror", regex=False).any()


def test_faults_switch_off_at_runtime(sim, roles):
    sim.set_fault("itjobswatch", "http_5xx", roles=[roles[0].id])
    assert fetch_one(_page(sim, roles[0]), _http(sim, retries=0)).outcome == "http_error"
    sim.clear_faults("itjobswatch")
    assert fetch_one(_page(sim, roles[0]), _http(sim, retries=0)).outcome == "ok"


def test_settings_file_drives_the_real_settings_loader(sim, tmp_path):
    path = sim.write_settings(tmp_path / "settings.toml", read_timeout=0.7)
    settings = load_settings(path)
    http = HttpSettings.from_mapping(settings.http)
    assert http.read_timeout == 0.7
    for host in HOSTS:
        assert http.interval_for(sim.netloc(host)) == sim.hosts[host].interval
    assert settings.sources["fred"]["series"] == ["CPIAUCSL", "AHETPI", "JTSJOL"]
    assert settings.demo["as_of"] == AS_OF.isoformat()


def test_dump_toml_round_trips():
    import tomllib

    doc = {"a": 1, "b": {"c": [1.5, "x"], "d": {"127.0.0.1:80": 0.5}, "e": True}}
    assert tomllib.loads(dump_toml(doc)) == doc


def test_scaled_intervals_follow_the_shipped_settings():
    scaled = scaled_intervals(0.5)
    assert scaled["itjobswatch"] == pytest.approx(1.0) and scaled["github"] == pytest.approx(0.25)
