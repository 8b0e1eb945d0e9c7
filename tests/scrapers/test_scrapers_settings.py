"""HttpSettings from the lead's settings.toml, and the observation helpers."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from scrapers.base import OBSERVATION_COLUMNS, ScraperError, SourceRequest, empty_observations, observations_frame
from scrapers.http import HttpSettings

SETTINGS_TOML = Path(__file__).resolve().parents[2] / "core" / "settings.toml"


def test_defaults_are_polite():
    s = HttpSettings()
    assert s.user_agent_header == "jobzone/0.1 (+contact: ops@example.org)"
    assert s.interval_for("www.itjobswatch.co.uk") == 2.0
    assert s.interval_for("unknown.example") == s.default_interval
    assert s.max_bytes == 20 * 1024 * 1024 and s.backoff_max > 0 and s.retries >= 1


@pytest.mark.skipif(not SETTINGS_TOML.is_file(), reason="core/settings.toml not written yet")
def test_from_the_http_table_of_settings_toml():
    table = tomllib.loads(SETTINGS_TOML.read_text())["http"]
    s = HttpSettings.from_mapping(table)
    assert s.contact == table["contact"]
    for host, seconds in table.get("host_intervals", {}).items():
        assert s.interval_for(host) == seconds


def test_from_mapping_aliases_and_rejects_typos():
    s = HttpSettings.from_mapping({"host_intervals": {"127.0.0.1": 0}, "retries": 1})
    assert s.interval_for("127.0.0.1:8080") == 0.0 and s.retries == 1
    with pytest.raises(ScraperError, match="retires"):
        HttpSettings.from_mapping({"retires": 3})


def test_observation_frame_shape_and_nulls():
    empty = empty_observations()
    assert tuple(empty.columns) == OBSERVATION_COLUMNS and len(empty) == 0
    frame = observations_frame([{"source": "x", "series_key": "x:1", "subject": "s", "geography": "US",
                                 "metric": "m", "period_start": None, "period_end": None, "value": None,
                                 "unit": "count"}])
    assert frame.value.isna().all() and frame.detail.isna().all() and frame.fetch_id.isna().all()


def test_post_request_key_ignores_secrets():
    a = SourceRequest(source="bls", url="https://api.bls.gov/x", method="post",
                      json={"seriesid": ["A"], "registrationkey": "k1"})
    b = SourceRequest(source="bls", url="https://api.bls.gov/x", method="POST", json={"seriesid": ["A"]})
    c = SourceRequest(source="bls", url="https://api.bls.gov/x", method="POST", json={"seriesid": ["B"]})
    assert a.key == b.key != c.key and a.method == "POST" and "k1" not in repr(a)
    assert SourceRequest(source="x", url="https://e.org/a").key == "https://e.org/a"


def test_outcome_sets_and_csv_content_types_are_defined_once():
    from scrapers.http import ANSWERED_OUTCOMES, CSV_CONTENT_TYPES, FAILED_OUTCOMES, OK, OUTCOMES, UNCHANGED
    from scrapers.registry import SOURCES

    assert ANSWERED_OUTCOMES == {OK, UNCHANGED}
    assert ANSWERED_OUTCOMES | FAILED_OUTCOMES == set(OUTCOMES) and not ANSWERED_OUTCOMES & FAILED_OUTCOMES
    for name in ("indeed", "fred", "layoffs", "warn"):  # every CSV download
        assert SOURCES[name].allowed_content_types is CSV_CONTENT_TYPES, name
