"""Benchmark 4: analyst queries on the published analyst copy at full size.

The warehouse from the scoring benchmark (1,000 roles x 3 years of nightly history + tonight) is
published with the real `warehouse.publish.publish_night` (analyst copy: CHECKPOINT, copy,
verify, swap; the Parquet marts; the site), whose seconds are reported too. A fresh child process then opens the copy read-only, as an analyst's session would,
and times each query `repeat` times after one warm-up run: p50 / p95 / first (cold) run.

    SELECT * FROM latest_scores
    SELECT * FROM score_history WHERE role_id = ? ORDER BY as_of
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from benchmarks.common import emit_result, median, peak_rss_mb, percentile, quiet_env, run_child

QUERIES = {
    "latest_scores": ("SELECT * FROM latest_scores", []),
    "score_history_one_role": ("SELECT * FROM score_history WHERE role_id = ? ORDER BY as_of", ["{role}"]),
}


def publish(warehouse: Path, work: Path, catalogue: Path | None) -> dict[str, Any]:
    """The real nightly publication (analyst copy, marts, site) into `work`; its seconds and sizes.

    Not a target of the issue, but the night's other step that grows with history: at 1,000
    roles x 3 years it took 143 s and 2.4 GB before the site stopped holding every night of
    every role at once (now measured here on every run).
    """
    from core.catalogue import load_catalogue
    from core.paths import Home
    from warehouse.db import open_warehouse
    from flows.steps.publish import publish_night

    home = Home(Path(work)).ensure()
    started = time.perf_counter()
    with open_warehouse(warehouse) as con:
        pub = publish_night(con, home, catalogue=load_catalogue(catalogue) if catalogue else None, force=True)
    seconds = time.perf_counter() - started
    site_bytes = sum(p.stat().st_size for p in home.site.rglob("*") if p.is_file())
    return {"seconds": seconds, "copy": home.analyst_copy, "site_files": len(pub.site), "site_mb": site_bytes / 1e6}


def child(args: argparse.Namespace) -> None:
    import duckdb

    started = time.perf_counter()
    con = duckdb.connect(args.copy, read_only=True)
    connect_s = time.perf_counter() - started
    out: dict[str, Any] = {"connect_ms": connect_s * 1000, "queries": {}}
    for name, (sql, params) in QUERIES.items():
        bound = [p.format(role=args.role) for p in params]
        t = time.perf_counter()
        rows = con.execute(sql, bound).fetchall()
        first = time.perf_counter() - t
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            con.execute(sql, bound).fetchall()
            times.append(time.perf_counter() - t)
        out["queries"][name] = {"rows": len(rows), "first_ms": first * 1000, "p50_ms": median(times) * 1000,
                                "p95_ms": percentile(times, 95) * 1000, "runs": len(times)}
    out["tables"] = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0]
                     for t in ("aijri_results", "evidence_scores", "metrics", "observations")}
    out["peak_rss_mb"] = peak_rss_mb()
    con.close()
    emit_result(out)


def run(warehouse: Path, work: Path, role: str = "sim-role-0500", repeat: int = 25, log=print,
        catalogue: Path | None = None) -> dict[str, Any]:
    published = publish(Path(warehouse), Path(work), catalogue)
    dest = published["copy"]
    seconds = published["seconds"]
    log(f"  query: published in {seconds:.1f} s (analyst copy {dest.stat().st_size / 1e6:.0f} MB, marts, site "
        f"{published['site_files']} files {published['site_mb']:.0f} MB)")
    result = run_child("bench_query", ["--child", "--copy", str(dest), "--role", role, "--repeat", str(repeat)],
                       env=quiet_env(Path(work) / "prefect"))
    q = result["queries"]
    log(f"  query: latest_scores p50 {q['latest_scores']['p50_ms']:.1f} ms, one role's score_history p50 "
        f"{q['score_history_one_role']['p50_ms']:.1f} ms")
    return {"publish_seconds": seconds, "copy_mb": dest.stat().st_size / 1e6, "site_mb": published["site_mb"],
            **result,
            "query_p50_ms": max(v["p50_ms"] for v in q.values())}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--copy")
    parser.add_argument("--role", default="sim-role-0500")
    parser.add_argument("--repeat", type=int, default=25)
    parser.add_argument("--warehouse", help="standalone: the warehouse to publish and query")
    parser.add_argument("--work", help="standalone: where to put the analyst copy")
    args = parser.parse_args(argv)
    if args.child:
        return child(args)
    print(json.dumps(run(Path(args.warehouse), Path(args.work), args.role, args.repeat), indent=1, default=str))


if __name__ == "__main__":
    main()
