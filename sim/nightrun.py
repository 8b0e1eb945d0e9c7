"""Run the real nightly flow in a child process, reporting each stage on stdout as it happens.

`jobzone run` cannot be pointed at a simulator (it has no base-URL option), so fault tests and
benchmarks use this: the same `flows.nightly.nightly` with `base_urls`. Every stage report is
one line, flushed at once, so a parent can `kill -9` the child at a chosen point::

    STAGE <name> <status> <detail>
    RESULT <json summary>          (last line on success)

    python -m sim.nightrun --home H --catalogue C --config S --as-of 2026-06-30 \
        --base-urls '{"itjobswatch": "http://127.0.0.1:PORT", ...}'

`--pause-at "refresh:running"` makes the child stop (sleep) when that stage report arrives, so
the parent can kill it there deterministically (the report is printed first).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
QUIET_PREFECT = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
}


def child_env(prefect_home: str | os.PathLike, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a nightly child: quiet Prefect with its own home, repo importable."""
    env = dict(os.environ)
    env.pop("PREFECT_API_URL", None)
    env.update(QUIET_PREFECT)
    env["PREFECT_HOME"] = str(prefect_home)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.update(extra or {})
    return env


def command(home: str | os.PathLike, catalogue: str | os.PathLike, config: str | os.PathLike, as_of: str,
            base_urls: dict[str, str], pause_at: str | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "sim.nightrun", "--home", str(home), "--catalogue", str(catalogue),
           "--config", str(config), "--as-of", as_of, "--base-urls", json.dumps(base_urls)]
    if pause_at:
        cmd += ["--pause-at", pause_at]
    return cmd


def main(argv: list[str] | None = None) -> int:
    for key, value in QUIET_PREFECT.items():
        os.environ.setdefault(key, value)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", required=True)
    parser.add_argument("--catalogue", required=True)
    parser.add_argument("--config", required=True)
    parser.add_argument("--as-of", required=True)
    parser.add_argument("--base-urls", required=True, help="JSON object: source name -> base URL")
    parser.add_argument("--pause-at", help="'<stage>:<status>': sleep when this stage report arrives")
    args = parser.parse_args(argv)

    from flows.nightly import nightly
    from core import progress

    def on_stage(name: str, status: str, detail: str) -> None:
        print(f"STAGE {name} {status} {detail}".rstrip(), flush=True)
        if args.pause_at and args.pause_at == f"{name}:{status}":
            print(f"PAUSED {name} {status}", flush=True)
            time.sleep(3600)

    progress.listen(on_stage)
    summary = nightly(home=args.home, catalogue=args.catalogue, config=args.config, as_of=args.as_of,
                      base_urls=json.loads(args.base_urls))
    print("RESULT " + json.dumps(summary, default=str), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
