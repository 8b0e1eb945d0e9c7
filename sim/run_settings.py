"""Settings for a run against the simulator: a settings TOML derived from core/settings.toml
with its host-keyed tables re-keyed to the sim hosts' loopback netlocs, and the shipped
per-host intervals scaled for a benchmark.

`write_settings` needs only the netlocs, so it serves both the in-process `SimServer` and the
out-of-process `SimProcess`.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from scrapers.registry import host_politeness
from sim.hosts import FRED_SERIES, HOSTS, LAYOFFS_PATH, REAL_HOSTS, SIMULATED, WARN_PATH

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SETTINGS = REPO_ROOT / "core" / "settings.toml"


def write_settings(path: str | Path, netlocs: Mapping[str, str], as_of: date, allowed: Mapping[str, float], *,
                   intervals: Mapping[str, float] | None = None, connect_timeout: float = 2.0,
                   read_timeout: float = 2.0, total_timeout: float = 30.0, retries: int = 1,
                   backoff_factor: float = 0.05, backoff_max: float = 0.2, retry_after_max: int = 2,
                   max_bytes: int = 20_000_000, user_agent: str | None = None,
                   recheck: bool | Mapping[str, float] = False,
                   alerts: Mapping[str, Any] | None = None, flow: Mapping[str, Any] | None = None,
                   extra_http: Mapping[str, Any] | None = None) -> Path:
    """A settings TOML for a run against simulated hosts, based on core/settings.toml.

    `[http]`: the shipped table with host-keyed tables re-keyed to the sim netlocs: host_intervals
    (the hosts' allowed rates unless `intervals` says otherwise) and, with `recheck`, the shipped
    host_recheck_after (True) or the given seconds per sim host (a mapping); without it no
    recheck horizon, so nights a few seconds apart all ask the sources (fault tests simulate
    separate days). Short timeouts and backoff. `[flow]`: no host retries by default (a retry of
    an unreachable host waits 5 + 30 s). `[sources]`: FRED series, layoffs/WARN at the sim.
    """
    with open(DEFAULT_SETTINGS, "rb") as fh:
        doc: dict[str, Any] = tomllib.load(fh)
    chosen = {h: float((intervals or {}).get(h, allowed.get(h, 0.0))) for h in HOSTS}
    github = f"http://{netlocs['github']}"
    shipped = dict(doc.get("http", {}))
    shipped_recheck = shipped.pop("host_recheck_after", {})
    shipped.pop("host_intervals", None)
    shipped.pop("rate_limits", None)
    shipped.pop("recheck_after", None)
    http: dict[str, Any] = {
        **shipped,
        "user_agent": user_agent or "jobzone/0.1 (+simulated run)",
        "contact": "sim@jobzone.invalid",
        "connect_timeout": connect_timeout, "read_timeout": read_timeout, "total_timeout": total_timeout,
        "retries": retries, "backoff_factor": backoff_factor, "backoff_max": backoff_max,
        "retry_after_max": retry_after_max, "max_bytes": max_bytes, "default_interval": 0.0,
        **dict(extra_http or {}),
        "host_intervals": {netlocs[h]: chosen[h] for h in HOSTS},
    }
    if recheck is True:
        shipped_recheck = {**host_politeness()[1], **shipped_recheck}  # the sources' own, then the file's
        http["host_recheck_after"] = {netlocs[h]: float(shipped_recheck[REAL_HOSTS[h]])
                                      for h in HOSTS if REAL_HOSTS[h] in shipped_recheck}
    elif recheck:
        http["host_recheck_after"] = {netlocs[h]: float(v) for h, v in recheck.items()}
    doc["http"] = http
    doc["flow"] = {**doc.get("flow", {}), "host_retries": 0, "host_retry_delays": [0.5], **dict(flow or {})}
    doc["alerts"] = {**doc.get("alerts", {}), **dict(alerts or {})}
    doc["demo"] = {**doc.get("demo", {}), "as_of": as_of.isoformat()}
    doc["sources"] = {**doc.get("sources", {}),
                      "fred": {"series": list(FRED_SERIES)},
                      "layoffs": {"location": github + LAYOFFS_PATH},
                      "warn": {"location": github + WARN_PATH},
                      **{name: dict(src.simulation.options({h: f"http://{netlocs[h]}" for h in src.hosts}))
                         for name, src in SIMULATED.items() if src.simulation.options is not None}}
    path = Path(path)
    path.write_text(dump_toml(doc), encoding="utf-8")
    return path


def dump_toml(doc: Mapping[str, Any]) -> str:
    """A minimal TOML writer for nested tables of str/int/float/bool/lists (enough for settings)."""
    lines: list[str] = []

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(value(x) for x in v) + "]"
        raise TypeError(f"cannot write {type(v).__name__} to TOML")

    def table(prefix: str, t: Mapping[str, Any]) -> None:
        scalars = {k: v for k, v in t.items() if not isinstance(v, Mapping)}
        tables = {k: v for k, v in t.items() if isinstance(v, Mapping)}
        if prefix:
            lines.append(f"[{prefix}]")
        for k, v in scalars.items():
            lines.append(f"{json.dumps(str(k))} = {value(v)}")
        if prefix:
            lines.append("")
        for k, v in tables.items():
            table(f"{prefix}.{json.dumps(str(k))}" if prefix else json.dumps(str(k)), v)

    table("", doc)
    return "\n".join(lines) + "\n"


def scaled_intervals(scale: float) -> dict[str, float]:
    """The real hosts' intervals from core/settings.toml, multiplied by `scale`, per sim host."""
    with open(DEFAULT_SETTINGS, "rb") as fh:
        cfg = tomllib.load(fh)
    table = {**host_politeness()[0], **cfg.get("http", {}).get("host_intervals", {})}
    default = float(cfg.get("http", {}).get("default_interval", 1.0))
    return {h: float(table.get(REAL_HOSTS[h], default)) * scale for h in HOSTS}
