"""The serving process: registers the nightly deployment with its cron and runs it when due.

Run as `python -m flows.serve` (never at import: the runner's spawned child re-imports
modules, and a module-level serve() would re-enter itself and hang the run).
"""

from __future__ import annotations

import argparse


def serve_nightly(deployment: str, cron: str, timezone: str, parameters: dict) -> None:
    from prefect.deployments.runner import EntrypointType
    from prefect.schedules import Cron

    from flows.nightly import nightly

    nightly.serve(
        name=deployment,
        schedules=[Cron(cron, timezone=timezone)],
        parameters=parameters,
        # Stopping `jobzone serve` (a restart, a deploy) must not pause the nightly schedule.
        pause_on_shutdown=False,
        entrypoint_type=EntrypointType.MODULE_PATH,
        print_starting_message=True,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deployment", required=True)
    parser.add_argument("--cron", required=True)
    parser.add_argument("--timezone", required=True)
    parser.add_argument("--home", required=True)
    parser.add_argument("--config")
    parser.add_argument("--catalogue")
    parser.add_argument("--demo", action="store_true")
    args = parser.parse_args(argv)
    params = {"home": args.home, "demo": args.demo}
    if args.config:
        params["config"] = args.config
    if args.catalogue:
        params["catalogue"] = args.catalogue
    serve_nightly(args.deployment, args.cron, args.timezone, params)


if __name__ == "__main__":
    main()
