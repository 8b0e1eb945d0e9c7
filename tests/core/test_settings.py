"""Issue 13: settings are validated (unknown/misspelt key, missing section, wrong type name the key),
and the settings reference in docs/ is generated from the one definition and kept current."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from core.errors import ConfigError
from core.settings import DEFAULT_SETTINGS_FILE, ENVIRONMENT, load_settings

REPO = Path(__file__).resolve().parents[2]
SHIPPED = DEFAULT_SETTINGS_FILE.read_text()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "settings.toml"
    path.write_text(text)
    return path


def test_the_shipped_settings_load_with_their_types():
    s = load_settings()
    assert s.http["retries"] == 3 and s.http["host_intervals"]["www.itjobswatch.co.uk"] == 2.0
    assert s.schedule == {"cron": "0 2 * * *", "timezone": "Europe/London", "deployment": "nightly"}
    assert s.demo["as_of"] == "2026-03-02" and s.flow["host_retry_delays"] == [5, 30]
    assert s.sources["fred"]["series"] == ["CPIAUCSL", "AHETPI", "JTSJOL"]


@pytest.mark.parametrize("edit, message", [
    (lambda t: t.replace("retries = 3", "retires = 3"), "[http] retires: unknown key"),
    (lambda t: t.replace("margin_points = 1.0", "margin_points = 1.0\nmargin_pionts = 2"),
     "[alerts] margin_pionts: unknown key"),
    (lambda t: t.replace("retries = 3", 'retries = "3"'), "[http] retries: Input should be a valid integer (got '3')"),
    (lambda t: t.replace("persistence_nights = 2", "persistence_nights = 0"),
     "[alerts] persistence_nights: Input should be greater than or equal to 1 (got 0)"),
    (lambda t: t.replace('"www.itjobswatch.co.uk" = 2.0', '"www.itjobswatch.co.uk" = "fast"'),
     "[http] host_intervals.www.itjobswatch.co.uk: Input should be a valid number (got 'fast')"),
    (lambda t: t.replace('timezone = "Europe/London"', 'timezone = "Europe/Londn"'),
     "[schedule] timezone: 'Europe/Londn' is not a known IANA time zone"),
    (lambda t: t.replace('cron = "0 2 * * *"', 'cron = "0 2 * *"'), "[schedule] cron: '0 2 * *' is not a five-field"),
    (lambda t: t.replace('as_of = "2026-03-02"', 'as_of = "2 March"'), "[demo] as_of: '2 March' is not a date"),
    (lambda t: t.replace("[schedule]", "[schedul]"), "[schedule]: missing section"),
    (lambda t: t.replace("history_days = 1100", ""), "[flow] history_days: missing key"),
    (lambda t: t + "\n[extra]\nx = 1\n", "[extra]: unknown key"),
])
def test_a_bad_key_is_a_config_error_naming_the_file_and_the_key(tmp_path, edit, message):
    path = write(tmp_path, edit(SHIPPED))
    with pytest.raises(ConfigError) as err:
        load_settings(path)
    assert str(err.value).startswith(f"{path}: ") and message in str(err.value), str(err.value)
    assert "\n" not in str(err.value)


def test_every_problem_is_named_at_once(tmp_path):
    path = write(tmp_path, SHIPPED.replace("retries = 3", "retires = 3").replace("[alerts]", "[alert]"))
    text = str(pytest.raises(ConfigError, load_settings, path).value)
    for part in ("[http] retries: missing key", "[http] retires: unknown key", "[alerts]: missing section",
                 "[alert]: unknown key"):
        assert part in text


def test_bad_toml_and_a_missing_file_name_the_file(tmp_path):
    assert "bad TOML" in str(pytest.raises(ConfigError, load_settings, write(tmp_path, "[http\n")).value)
    assert "cannot read settings" in str(pytest.raises(ConfigError, load_settings, tmp_path / "none.toml").value)


def test_the_settings_reference_is_current():
    from core.settings_doc import DOC_PATH, render

    assert DOC_PATH.read_text() == render(), "run: python -m core.settings_doc --write"
    doc = DOC_PATH.read_text()
    shipped = tomllib.loads(SHIPPED)
    for section, table in shipped.items():
        assert f"## [{section}]" in doc
        if section != "sources":
            for key in table:
                assert f"| `{key}`" in doc, f"[{section}] {key} is not in the reference"
    for name in ENVIRONMENT:
        assert f"| `{name}` |" in doc


def test_every_environment_variable_the_code_reads_is_in_the_reference():
    pattern = re.compile(r"\b(JOBZONE_[A-Z_]+|BLS_API_KEY|PREFECT_API_URL)\b")
    used: set[str] = set()
    for path in REPO.glob("*/**/*.py"):
        if path.parts[len(REPO.parts)] in ("tests", ".venv", "jobzone.egg-info"):
            continue
        used |= set(pattern.findall(path.read_text(encoding="utf-8")))
    assert used - set(ENVIRONMENT) == set(), "add them to core.settings.ENVIRONMENT"
    assert set(ENVIRONMENT) - used == set(), "documented but never read"
