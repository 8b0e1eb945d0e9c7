"""The simulator in a child process (`sim.simproc.SimProcess`): it serves the same world as the
in-process `SimServer` would, and its control port drives faults, dates, counts and settings."""

from __future__ import annotations

import time
from datetime import date, timedelta
from html import escape

import pytest
import requests

from core.settings import load_settings
from scrapers.http import HttpSettings
from sim import catalogue_gen as gen
from sim import payloads
from sim.hosts import HOSTS, XSS_PAYLOADS
from sim.simproc import SimProcess
from sim.world import SimWorld

pytestmark = pytest.mark.slow  # a child process serving on loopback

AS_OF = date(2026, 6, 30)
SEED = 1
N_ROLES = 3
FRED_INTERVAL = 0.4  # only fred is rate-limited, so the other tests never meet a 429


@pytest.fixture(scope="module")
def roles():
    return gen.sim_roles(N_ROLES, seed=SEED)


@pytest.fixture(scope="module")
def proc(roles):
    with SimProcess(N_ROLES, seed=SEED, as_of=AS_OF, intervals={"fred": FRED_INTERVAL}) as sim:
        yield sim


@pytest.fixture
def sim(proc):
    proc.reset_hits()
    yield proc
    proc.clear_faults()
    proc.set_as_of(AS_OF)


@pytest.fixture(scope="module")
def http():
    session = requests.Session()
    session.trust_env = False  # loopback: never through a proxy from the environment
    yield session
    session.close()


def _page_path(roles, i: int = 0) -> str:
    return SimWorld(roles, AS_OF, seed=SEED).role_paths("itjobswatch", [roles[i].id])[0]


def _expected(roles, host: str, path: str, as_of: date = AS_OF) -> bytes:
    return payloads.body(SimWorld(roles, as_of, seed=SEED), host, path)[0]


def test_the_child_serves_the_same_world_as_in_process(sim, roles, http):
    path = _page_path(roles)
    resp = http.get(sim.base_urls()["itjobswatch"] + path, timeout=10)
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/html")
    assert resp.content == _expected(roles, "itjobswatch", path)
    assert 'id="headline_statistics"' in resp.text
    assert sim.request_counts()["itjobswatch"] == 1
    assert sim.hits_on("itjobswatch", path) == 1
    sim.reset_hits()
    assert sim.request_counts() == {h: 0 for h in HOSTS}


def test_base_urls_point_at_the_childs_netlocs(sim):
    urls = sim.base_urls()
    assert urls["itjobswatch"] == f"http://{sim.netloc('itjobswatch')}"
    assert urls["indeed"].startswith(f"http://{sim.netloc('github')}/")
    assert len({sim.netloc(h) for h in HOSTS}) == len(HOSTS)  # one port per host


def test_an_etag_revalidates_to_304(sim, roles, http):
    url = sim.base_urls()["itjobswatch"] + _page_path(roles)
    first = http.get(url, timeout=10)
    again = http.get(url, headers={"If-None-Match": first.headers["ETag"]}, timeout=10)
    assert again.status_code == 304 and again.content == b""


def test_faults_are_switched_through_the_control_port(sim, roles, http):
    url = sim.base_urls()["itjobswatch"] + _page_path(roles)
    sim.set_fault("itjobswatch", "http_5xx", count=1)
    assert http.get(url, timeout=10).status_code == 503
    assert http.get(url, timeout=10).status_code == 200  # the burst of one is over
    sim.set_fault("itjobswatch", "xss", roles=[roles[0].id])
    assert escape(XSS_PAYLOADS[0]) in http.get(url, timeout=10).text
    other = sim.base_urls()["itjobswatch"] + _page_path(roles, 1)
    assert escape(XSS_PAYLOADS[0]) not in http.get(other, timeout=10).text  # only the named role
    sim.clear_faults("itjobswatch")
    assert http.get(url, timeout=10).content == _expected(roles, "itjobswatch", _page_path(roles))


def test_moving_the_date_and_bumping_change_the_pages(sim, roles, http):
    path = _page_path(roles)
    url = sim.base_urls()["itjobswatch"] + path
    later = AS_OF + timedelta(days=7)
    sim.set_as_of(later)
    assert sim.state()["as_of"] == later.isoformat()
    assert http.get(url, timeout=10).content == _expected(roles, "itjobswatch", path, later)
    sim.set_as_of(AS_OF)
    sim.bump([roles[0].id])
    assert http.get(url, timeout=10).content != _expected(roles, "itjobswatch", path)
    other = _page_path(roles, 1)
    assert http.get(sim.base_urls()["itjobswatch"] + other, timeout=10).content == \
        _expected(roles, "itjobswatch", other)


def test_the_rate_limit_answers_429_and_is_counted(sim, roles, http):
    url = sim.base_urls()["fred"] + "/graph/fredgraph.csv?id=CPIAUCSL"
    time.sleep(FRED_INTERVAL + 0.1)  # whatever fred served before is out of the window
    assert http.get(url, timeout=10).status_code == 200
    too_soon = http.get(url, timeout=10)
    assert too_soon.status_code == 429 and int(too_soon.headers["Retry-After"]) >= 1
    assert sim.request_counts()["fred"] == 1
    assert sim.rejected_counts()["fred"] == 1
    assert sim.politeness_bound() == (pytest.approx(FRED_INTERVAL), "fred")


def test_write_settings_uses_the_childs_netlocs(sim, tmp_path):
    settings = load_settings(sim.write_settings(tmp_path / "settings.toml", read_timeout=0.9))
    http = HttpSettings.from_mapping(settings.http)
    assert http.read_timeout == 0.9
    assert http.interval_for(sim.netloc("fred")) == FRED_INTERVAL
    assert http.interval_for(sim.netloc("itjobswatch")) == 0.0
    assert settings.demo["as_of"] == AS_OF.isoformat()


def test_stop_ends_the_child_and_frees_its_ports(roles):
    with SimProcess(1, seed=SEED, as_of=AS_OF) as sim:
        child = sim.proc
        url = sim.base_urls()["itjobswatch"] + "/robots.txt"
        session = requests.Session()
        session.trust_env = False
        assert session.get(url, timeout=10).status_code == 200
    assert sim.proc is None and child.returncode == 0  # it exited when its stdin closed
    with pytest.raises(requests.ConnectionError):
        session.get(url, timeout=2)
