"""End to end: gather() against the loopback sample server, then again with validators."""

from __future__ import annotations

import pytest
from tests.scrapers.scrapers_helpers import SAMPLES

from scrapers.archive import RawArchive
from scrapers.base import OBSERVATION_COLUMNS, Source
from scrapers.claims.settings import EXAMPLE_PATH
from scrapers.gather import gather
from scrapers.http import HttpSettings
from scrapers.loopback import sample_base_urls, sample_server, serve_samples
from scrapers.registry import SOURCES

ROLES = [
    {"role_id": "mlops-engineer", "itjobswatch": {"slug": "mlops", "kind": "permanent"},
     "indeed": {"country": "GB", "sectors": ["Software Development", "Mathematics"]},
     "bls_series": ["OEUN000000000000015113413"], "layoff_industries": ["AI", "Data", "Infrastructure"]},
    {"role_id": "developer", "itjobswatch": {"slug": "developer", "kind": "permanent"},
     "indeed": {"country": "US", "sectors": ["Software Development"]}},
    {"role_id": "qa-engineer", "itjobswatch": {"slug": "qa engineer", "kind": "contract"}},
    {"role_id": "bare"},  # every key may be missing
]
OPTIONS = {"claims": {"path": str(EXAMPLE_PATH)}, "bls": {"extra_series": ["APU0000701111"]}}


@pytest.fixture
def loopback_settings() -> HttpSettings:
    return HttpSettings(user_agent="jobzone-test/0.1", contact="tests@example.org", retries=1,
                        backoff_factor=0.01, rate_limits={"127.0.0.1": 0.0}, default_interval=0.0)


def test_every_source_has_the_same_shape():
    assert set(SOURCES) == {"itjobswatch", "indeed", "bls", "fred", "layoffs", "warn", "claims", "boards", "ons", "hn", "bls_ep",
                            "oews", "ai_exposure"}
    for name, source in SOURCES.items():
        assert isinstance(source, Source) and source.name == name
        assert source.licence and source.attribution and source.allowed_content_types
        assert callable(source.requests_for) and callable(source.parse)


@pytest.mark.slow
def test_gather_end_to_end_then_unchanged(tmp_path, loopback_settings):
    archive = RawArchive(tmp_path / "raw")
    with sample_server(SAMPLES) as server:
        first = gather(SOURCES.values(), ROLES, loopback_settings, None, archive, server.base_urls(),
                       source_options=OPTIONS)
        assert first.errors == []
        assert {f.outcome for f in first.fetches} == {"ok"}, [(f.url, f.outcome, f.detail) for f in first.fetches]
        obs = first.observations
        assert tuple(obs.columns) == OBSERVATION_COLUMNS
        assert obs.fetch_id.notna().all()
        assert set(obs.fetch_id) == {f.fetch_id for f in first.fetches}
        # observations land for each role's keys
        postings = obs[(obs.metric == "postings") & (obs.source == "itjobswatch")]
        assert set(postings.series_key) >= {"itjobswatch:permanent:mlops", "itjobswatch:permanent:developer",
                                            "itjobswatch:contract:qa engineer"}
        assert 185 in set(postings.value) and 34634 in set(postings.value)
        sectors = obs[obs.metric == "sector_postings_index"]
        assert set(zip(sectors.geography, sectors.subject, strict=True)) == {
            ("GB", "Software Development"), ("GB", "Mathematics"), ("US", "Software Development")}
        assert set(obs[obs.metric == "ai_share_postings"].subject) == {"GB", "US"}
        assert 69430 in set(obs[obs.metric == "oews_annual_median"].value)
        # these roles name no occupation and no HN patterns: the occupation sources and HN have
        # their own loopback nights (test_scrapers_occupation_loopback.py)
        assert set(obs.source) == set(SOURCES) - {"hn", "bls_ep", "oews", "ai_exposure"}
        # no duplicate warehouse keys (observations primary key)
        key = ["fetch_id", "series_key", "subject", "metric", "period_end"]
        assert not obs.duplicated(key).any()
        # every body is archived under its sha256
        for f in first.fetches:
            assert archive.has(f.sha256)
        # the Indeed AI file is shared by both roles: fetched once
        assert sum(1 for m, p, _ in server.requests if p.endswith("/AI_posting.csv")) == 1

        second = gather(SOURCES.values(), ROLES, loopback_settings, first.validators(), archive,
                        server.base_urls(), source_options=OPTIONS)
    assert {f.outcome for f in second.fetches} == {"unchanged"}
    assert len(second.observations) == 0
    assert tuple(second.observations.columns) == OBSERVATION_COLUMNS
    # Same validators; only the time of the check moved on.
    assert {k: v[:3] for k, v in second.validators().items()} == {k: v[:3] for k, v in first.validators().items()}


@pytest.mark.slow
def test_parse_errors_and_failures_do_not_stop_the_night(tmp_path, loopback_settings):
    pages = tmp_path / "samples"
    (pages / "itjobswatch").mkdir(parents=True)
    (pages / "itjobswatch" / "broken.html").write_text("<html><body>maintenance</body></html>")
    (pages / "layout.toml").write_text('[itjobswatch]\n"/jobs/uk/broken.do" = "itjobswatch/broken.html"\n')
    roles = [{"role_id": "a", "itjobswatch": {"slug": "broken"}}, {"role_id": "b", "itjobswatch": {"slug": "absent"}}]
    with serve_samples(pages) as base:
        result = gather(["itjobswatch"], roles, loopback_settings, {}, RawArchive(tmp_path / "raw"),
                        sample_base_urls(base, {"itjobswatch": {}}))
    outcomes = {f.url.rsplit("/", 1)[1]: (f.outcome, f.detail) for f in result.fetches}
    assert outcomes["broken.do"][0] == "parse_error" and "table.summary" in outcomes["broken.do"][1]
    assert outcomes["absent.do"][0] == "http_error"
    assert len(result.observations) == 0
    assert result.validators() == {}  # a parse_error body is parsed again next run


@pytest.mark.slow
def test_rows_validated_as_they_arrive_are_the_rows_validated_at_the_end(tmp_path, loopback_settings, monkeypatch):
    """`collect(validate=...)` checks chunks beside the fetch loop; the night's good rows and
    quarantine are the same as one validation of everything after the last body."""
    import pandas as pd

    from scrapers import gather as gather_module
    from scrapers.gather import build_requests, collect
    from scoring.validation import by_source, validate_observations

    def poisoned(frame: pd.DataFrame) -> pd.DataFrame:
        # every IT Jobs Watch rank made negative: out of its band, so those rows are held back
        rank = frame["metric"] == "rank"
        return frame.assign(value=frame["value"].where(~rank, -5.0))

    def validate(frame: pd.DataFrame):
        return validate_observations(poisoned(frame), "r1")

    monkeypatch.setattr(gather_module, "VALIDATE_CHUNK_ROWS", 40)  # many chunks, not one
    with sample_server(SAMPLES) as server:
        reqs = build_requests(list(SOURCES.values()), ROLES, server.base_urls(), OPTIONS)
        checked = collect(reqs, SOURCES.values(), loopback_settings, None, RawArchive(tmp_path / "a"), validate=validate)
        plain = collect(reqs, SOURCES.values(), loopback_settings, None, RawArchive(tmp_path / "b"))
    assert plain.quarantine is None
    good, quarantine = validate_observations(poisoned(plain.observations), "r1")
    # the fetches differ between the two collections (fetch_id is per fetch): compare by position
    ids = dict(zip([f.fetch_id for f in checked.fetches], [f.fetch_id for f in plain.fetches]))
    got = checked.observations.assign(fetch_id=checked.observations["fetch_id"].map(ids))
    pd.testing.assert_frame_equal(got, good)
    held = by_source(checked.quarantine).assign(fetch_id=lambda q: q["fetch_id"].map(ids))
    assert len(held) == len(quarantine) and "rank" in set(held["metric"])
    cols = ["source", "fetch_id", "series_key", "subject", "metric", "period_end", "check_name"]
    assert sorted(map(tuple, held[cols].astype(str).to_numpy())) == sorted(map(tuple, quarantine[cols].astype(str).to_numpy()))
