"""An analyst's session in another process: holds the published copy open and keeps querying it.

    python -m tests.support.analyst_reader COPY STOPFILE

Opens COPY read-only once, prints READY, then every ~20 ms runs two analyst queries until STOPFILE
exists. Prints one JSON line: queries run, errors, the distinct (result count, newest as_of) it saw
on its open connection, and what a *new* connection sees at the end.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    import duckdb

    copy, stop = (argv or sys.argv[1:])[:2]
    con = duckdb.connect(copy, read_only=True)
    print("READY", flush=True)
    seen: set[tuple] = set()
    errors: list[str] = []
    queries = 0
    while not Path(stop).exists():
        try:
            n, newest = con.execute("SELECT count(*), max(as_of) FROM aijri_results").fetchall()[0]
            latest = con.execute("SELECT count(*), max(as_of) FROM latest_scores").fetchall()[0]
            seen.add((n, str(newest), latest[0], str(latest[1])))
            queries += 2
        except Exception as exc:  # noqa: BLE001 - what the analyst would see is the finding
            errors.append(f"{type(exc).__name__}: {exc}"[:300])
        time.sleep(0.02)
    try:
        con.execute("SELECT count(*) FROM latest_scores").fetchall()
        still_open_ok = True
    except Exception as exc:  # noqa: BLE001
        errors.append(f"after the swap: {type(exc).__name__}: {exc}"[:300])
        still_open_ok = False
    con.close()
    fresh = duckdb.connect(copy, read_only=True)
    new_view = fresh.execute("SELECT count(*), max(as_of) FROM aijri_results").fetchall()[0]
    fresh.close()
    print(json.dumps({"queries": queries, "errors": errors, "seen": sorted(seen), "still_open_ok": still_open_ok,
                      "new_connection": [new_view[0], str(new_view[1])]}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
