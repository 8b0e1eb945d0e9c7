"""Runtime settings from `core/settings.toml` (or JOBZONE_CONFIG / --config), validated.

The pydantic models below are the one definition of every key: its type, its range and what it
means. A misspelt or unknown key, a missing section or key, and a wrong type are a `ConfigError`
naming the file and the key (`settings.toml: [http] retries: Input should be a valid integer`).
`docs/settings.md` is generated from them (`python -m core.settings_doc --write`), and a test
keeps it current. The steps read the validated values as plain mappings (`settings.http[...]`).
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.errors import ConfigError

DEFAULT_SETTINGS_FILE = Path(__file__).with_name("settings.toml")
CONFIG_ENV = "JOBZONE_CONFIG"

Seconds = Annotated[float, Field(ge=0)]
_CRON_FIELD = re.compile(r"^[0-9A-Za-z*/,\-?]+$")


class _Section(BaseModel):
    # strict: a string "3" for an integer is an error, not a silent conversion
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class HttpSection(_Section):
    """How we fetch: identity, timeouts, retries, politeness per host."""

    user_agent: str = Field(min_length=1, description="User-Agent product token and version; BLS refuses requests "
                                                      "without a contact.")
    contact: str = Field(description="Contact address added to the User-Agent.")
    connect_timeout: Seconds = Field(description="Seconds to wait for a connection.")
    read_timeout: Seconds = Field(description="Seconds to wait for each socket read.")
    total_timeout: Seconds = Field(description="Wall-clock cap in seconds for one fetch, headers and body included.")
    deadline_strikes: int = Field(ge=0, description="After this many fetches in a row to one host ran out of "
                                                    "total_timeout, the host's other requests wait for the next "
                                                    "night; 0 = always ask.")
    retries: int = Field(ge=0, description="Retries of one request on connection errors, 5xx and 429.")
    backoff_factor: Seconds = Field(description="Exponential backoff factor between retries, in seconds.")
    backoff_max: Seconds = Field(description="Longest wait between two retries, in seconds.")
    max_bytes: int = Field(gt=0, description="Largest response body accepted, in bytes.")
    default_interval: Seconds = Field(description="Minimum seconds between two requests to a host not listed in "
                                                  "host_intervals.")
    host_intervals: dict[str, Seconds] = Field(default_factory=dict, description="Minimum seconds between two "
                                               "requests, per host name (suffix match).")
    host_recheck_after: dict[str, Seconds] = Field(default_factory=dict, description="Seconds a URL checked with "
                                                   "its host stays fresh, per host name.")
    retry_after_max: int | None = Field(None, ge=0, description="Cap in seconds on a server's Retry-After.")
    max_redirects: int | None = Field(None, ge=0, description="Redirects followed per request (same site only).")
    max_workers: int | None = Field(None, gt=0, description="Hosts fetched at the same time.")
    obey_robots: bool | None = Field(None, description="Honour robots.txt (never turn off for a real source).")
    max_crawl_delay: Seconds | None = Field(None, description="A robots.txt Crawl-delay is honoured up to this.")


class FlowSection(_Section):
    """The nightly flow's own knobs."""

    host_retries: int = Field(ge=0, description="Prefect retries of one host's whole batch, only when the host "
                                                "could not be reached at all.")
    host_retry_delays: list[Seconds] = Field(description="Seconds before each of those retries.")
    history_days: int = Field(gt=0, description="Days of stored observations the metrics read each night.")
    rubric: str = Field("rubric-v2", pattern=r"^rubric-[A-Za-z0-9._-]+$",
                        description="Rubric version the night scores with (scoring/rubric*.toml: rubric-v1, "
                                    "rubric-v2); `jobzone backtest --rubric` replays another.")


class ScheduleSection(_Section):
    """When `jobzone serve` runs the nightly."""

    cron: str = Field(description="Cron expression (five fields) of the nightly deployment.")
    timezone: str = Field(description="IANA time zone the cron is read in, e.g. Europe/London.")
    deployment: str = Field(min_length=1, description="Name of the Prefect deployment.")

    @field_validator("cron")
    @classmethod
    def _five_fields(cls, value: str) -> str:
        parts = value.split()
        if len(parts) != 5 or not all(_CRON_FIELD.match(p) for p in parts):
            raise ValueError(f"{value!r} is not a five-field cron expression (minute hour day month weekday)")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not a known IANA time zone") from None
        return value


class AlertsSection(_Section):
    """When a crossing alerts, and how deliveries are retried (the URLs come from JOBZONE_ALERT_URLS)."""

    persistence_nights: int = Field(ge=1, description="Consecutive nights in the new zone before a crossing alerts.")
    margin_points: float = Field(ge=0, description="AIJRI points past the boundary that alert at once.")
    source_failure_nights: int = Field(ge=1, description="Nights in a row a source fails before it alerts.")
    site_base_url: str = Field(description="Base URL of the published site, for links in messages (empty: none).")
    max_delivery_attempts: int = Field(ge=1, description="Delivery attempts (one a night) before an alert is "
                                                         "abandoned.")


class DemoSection(_Section):
    """The offline demo (`jobzone run --demo`)."""

    as_of: date | None = Field(None, description="Evidence date of the demo night (YYYY-MM-DD).")

    @field_validator("as_of", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return date.fromisoformat(value)
            except ValueError:
                raise ValueError(f"{value!r} is not a date (YYYY-MM-DD)") from None
        return value


class SettingsFile(_Section):
    """The whole file: one table per section."""

    http: HttpSection
    flow: FlowSection
    schedule: ScheduleSection
    alerts: AlertsSection
    demo: DemoSection = Field(default_factory=DemoSection)
    sources: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Per-source options, one table per source ([sources.fred] series, "
                                          "[sources.layoffs] location, ...): see each scrapers/<name>/fetch.py.")


#: Every environment variable jobzone reads: name -> what it does. The settings reference lists
#: them, and a test checks that the code reads no other JOBZONE_ variable.
ENVIRONMENT: dict[str, str] = {
    "JOBZONE_HOME": "Data directory (default ./data); `--home` overrides it.",
    "JOBZONE_CONFIG": "Settings file (default core/settings.toml); `--config` overrides it.",
    "JOBZONE_ALERT_URLS": "Apprise URLs for alerts, space or comma separated. A secret: never logged or stored.",
    "BLS_API_KEY": "BLS API key (optional): longer series and more requests a day. A secret.",
    "JOBZONE_DUCKDB_MEMORY": "DuckDB memory limit of every connection (default 1GB); past it DuckDB spills to disk.",
    "JOBZONE_LOCK_WAIT_SECONDS": "How long a command waits for another process's lock on the warehouse (default 30).",
    "JOBZONE_DEBUG": "Set to 1 to see the traceback of an unexpected error after its one-line message.",
    "JOBZONE_CRASH_AT": "Fault suite only: kill the process at the named crash point.",
    "JOBZONE_BENCH_CACHE": "Benchmarks only: where the 3-year warehouse is cached (default ~/.cache/jobzone-bench).",
    "PREFECT_API_URL": "A Prefect server to use; unset, `jobzone serve` starts one on 127.0.0.1.",
}


@dataclass(frozen=True)
class Settings:
    http: dict
    schedule: dict
    alerts: dict
    demo: dict
    sources: dict = field(default_factory=dict)
    flow: dict = field(default_factory=dict)
    path: Path = field(default=DEFAULT_SETTINGS_FILE)


def _where(loc: tuple) -> str:
    if not loc:
        return "the file"
    head, rest = loc[0], [str(p) for p in loc[1:]]
    return f"[{head}] {'.'.join(rest)}" if rest else f"[{head}]"


def _problem(err: dict) -> str:
    where = _where(err["loc"])
    if err["type"] == "extra_forbidden":
        return f"{where}: unknown key"
    if err["type"] == "missing":
        return f"{where}: missing" + (" section" if len(err["loc"]) == 1 else " key")
    if err["type"] == "value_error":  # our own validators name the value already
        return f"{where}: {err['msg'].removeprefix('Value error, ')}"
    return f"{where}: {err['msg']} (got {err.get('input')!r})"


def validate_settings(raw: dict, path: Path) -> Settings:
    """The parsed TOML checked against `SettingsFile`; every problem named in one `ConfigError`."""
    try:
        model = SettingsFile.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(_problem(e) for e in exc.errors(include_url=False))
        raise ConfigError(f"{path}: {problems}") from None
    demo = model.demo.model_dump(exclude_none=True)
    if "as_of" in demo:
        demo["as_of"] = demo["as_of"].isoformat()
    return Settings(http=model.http.model_dump(exclude_none=True), schedule=model.schedule.model_dump(),
                    alerts=model.alerts.model_dump(), demo=demo,
                    sources={name: dict(table) for name, table in model.sources.items()},
                    flow=model.flow.model_dump(), path=path)


def load_settings(path: str | os.PathLike | None = None) -> Settings:
    chosen = Path(path or os.environ.get(CONFIG_ENV) or DEFAULT_SETTINGS_FILE)
    try:
        raw = tomllib.loads(chosen.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{chosen}: cannot read settings: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{chosen}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{chosen}: bad TOML: {exc}") from None
    return validate_settings(raw, chosen)
