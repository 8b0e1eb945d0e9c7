"""Runtime settings from `core/settings.toml` (or JOBZONE_CONFIG / --config)."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import ConfigError

DEFAULT_SETTINGS_FILE = Path(__file__).with_name("settings.toml")
CONFIG_ENV = "JOBZONE_CONFIG"


@dataclass(frozen=True)
class Settings:
    http: dict
    schedule: dict
    alerts: dict
    demo: dict
    sources: dict = field(default_factory=dict)
    flow: dict = field(default_factory=dict)
    path: Path = field(default=DEFAULT_SETTINGS_FILE)


def load_settings(path: str | os.PathLike | None = None) -> Settings:
    chosen = Path(path or os.environ.get(CONFIG_ENV) or DEFAULT_SETTINGS_FILE)
    try:
        raw = tomllib.loads(chosen.read_text())
    except OSError as exc:
        raise ConfigError(f"{chosen}: cannot read settings: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{chosen}: bad TOML: {exc}") from None
    try:
        return Settings(http=raw["http"], schedule=raw["schedule"], alerts=raw["alerts"],
                        demo=raw.get("demo", {}), sources=raw.get("sources", {}),
                        flow=raw.get("flow", {}), path=chosen)
    except KeyError as exc:
        raise ConfigError(f"{chosen}: missing section [{exc.args[0]}]") from None
