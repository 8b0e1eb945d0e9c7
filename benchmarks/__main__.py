"""`python -m benchmarks [--json] [--only nightly,scoring,query] [--roles N] [--quick]`

Runs the jobzone benchmarks against the simulated sources and prints one table (or, with
--json, one JSON object). Every ratio is measured in the same run; the machine is printed with
the numbers. Progress goes to stderr.

1. cold nightly (1,000 roles, all sources, real Prefect flow): wall / politeness lower bound,
   speed-up vs a plain sequential script, Prefect's share of the wall time;
2. warm nightly (same payloads again): warm wall / cold wall;
3. scoring at scale (refresh + AIJRI + history + zone detection, 1,000 roles x 3 years of nightly
   history in the warehouse): seconds, speed-up vs row-by-row loops, peak RSS (child process);
   and the scale point: the same for 3,649 roles (the public AIJRI catalogue's size) x 1 year of
   nightly history (`scale_*`, no loop baseline);
4. analyst queries on the published copy at both sizes: p50 of `latest_scores` and of one role's
   `score_history`.

Both scoring worlds are built once and cached (`$JOBZONE_BENCH_CACHE`, else ~/.cache/jobzone-bench).
"""

from __future__ import annotations

import os
import sys

# Prefect reads its settings at import: quiet it, and keep its home out of ~/.prefect.
from benchmarks.common import cache_root

for _key, _value in {"DO_NOT_TRACK": "1", "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                     "PREFECT_LOGGING_LEVEL": "WARNING", "PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW": "ignore",
                     "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
                     "PREFECT_HOME": str(cache_root() / "prefect")}.items():
    os.environ.setdefault(_key, _value)
os.environ.pop("PREFECT_API_URL", None)

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

TARGETS = {
    "cold_vs_bound": ("<=", 1.10),
    "cold_speedup_vs_sequential": (">=", 0.9),  # x ideal_speedup_vs_sequential (see RELATIVE)
    "prefect_share": ("<=", 0.10),
    "warm_vs_cold": ("<=", 0.05),
    "scoring_seconds": ("<=", 1.0),
    "scoring_speedup_vs_loop": (">=", 20.0),
    "peak_rss_mb": ("<=", 400.0),
    "query_p50_ms": ("<=", 20.0),
    "scale_scoring_seconds": ("<=", 3.0),
    "scale_peak_rss_mb": ("<=", 500.0),
    "scale_query_p50_ms": ("<=", 20.0),
}
#: targets given as a fraction of another measure: key -> the measure
RELATIVE = {"cold_speedup_vs_sequential": "ideal_speedup_vs_sequential"}
#: the scale point: the public AIJRI catalogue's size, one year of nightly history
SCALE_ROLES, SCALE_NIGHTS = 3649, 365
LABELS = {
    "cold_vs_bound": ("1 cold nightly", "wall / politeness lower bound"),
    "cold_speedup_vs_sequential": ("1 cold nightly", "speed-up vs plain sequential script"),
    "prefect_share": ("1 cold nightly", "Prefect share of wall time"),
    "warm_vs_cold": ("2 warm nightly", "warm wall / cold wall"),
    "scoring_seconds": ("3 scoring at scale", "refresh+AIJRI+history+zones (s)"),
    "scoring_speedup_vs_loop": ("3 scoring at scale", "speed-up vs row-by-row loop"),
    "peak_rss_mb": ("3 scoring at scale", "peak RSS of the scoring process (MB)"),
    "query_p50_ms": ("4 analyst query", "p50, slower of the two queries (ms)"),
    "scale_scoring_seconds": ("3 scoring, scale", "3,649 roles x 1 year: seconds"),
    "scale_peak_rss_mb": ("3 scoring, scale", "3,649 roles x 1 year: peak RSS (MB)"),
    "scale_query_p50_ms": ("4 query, scale", "3,649 roles: p50, slower query (ms)"),
}


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _meets(key: str, value: float | None, result: dict[str, Any]) -> bool | None:
    if value is None:
        return None
    op, target = TARGETS[key]
    if key in RELATIVE:
        base = result.get(RELATIVE[key])
        if base is None:
            return None
        target *= base
    return value <= target if op == "<=" else value >= target


def _queries(out: dict[str, Any], prefix: str, scoring: dict[str, Any], roles: int) -> dict[str, Any]:
    from benchmarks import bench_query

    query = bench_query.run(scoring["home"] + "/warehouse.duckdb", scoring["work"],
                            role=f"sim-role-{max(1, roles // 2):04d}", log=_log, catalogue=scoring.get("catalogue"))
    out[f"{prefix}query_p50_ms"] = query["query_p50_ms"]
    out[f"{prefix}query_latest_scores_p50_ms"] = query["queries"]["latest_scores"]["p50_ms"]
    out[f"{prefix}query_score_history_p50_ms"] = query["queries"]["score_history_one_role"]["p50_ms"]
    out[f"{prefix}publish_at_scale_s"] = query["publish_seconds"]
    return query


def run(args: argparse.Namespace) -> dict[str, Any]:
    from benchmarks.common import machine

    only = set(args.only.split(",")) if args.only else {"nightly", "scoring", "query"}
    roles = args.roles or (20 if args.quick else 1000)
    nights = args.nights or (30 if args.quick else 1095)
    out: dict[str, Any] = {"machine": machine(), "roles": roles, "nights": nights, "started": time.time()}
    details: dict[str, Any] = {}
    if "scoring" in only or "query" in only:
        from benchmarks import bench_scoring

        _log(f"[3] scoring at scale: {roles} roles x {nights} nights of history")
        scoring = bench_scoring.run(roles, nights, args.obs_nights, fresh=args.fresh, log=_log)
        details["scoring"] = scoring
        if "scoring" in only:
            for key in ("scoring_seconds", "scoring_speedup_vs_loop", "peak_rss_mb"):
                out[key] = scoring[key]
        if "query" in only:
            _log("[4] analyst queries on the published copy")
            details["query"] = _queries(out, "", scoring, roles)
        scale_roles = args.scale_roles if args.scale_roles is not None else (8 if args.quick else SCALE_ROLES)
        scale_nights = args.scale_nights or (10 if args.quick else SCALE_NIGHTS)
        if scale_roles > 0:
            _log(f"[3s] scoring, scale point: {scale_roles} roles x {scale_nights} nights of history")
            scale = bench_scoring.run(scale_roles, scale_nights, args.obs_nights, fresh=args.fresh, log=_log,
                                      loop=False)
            details["scale_scoring"] = scale
            out["scale_roles"], out["scale_nights"] = scale_roles, scale_nights
            if "scoring" in only:
                out["scale_scoring_seconds"], out["scale_peak_rss_mb"] = scale["scoring_seconds"], scale["peak_rss_mb"]
            if "query" in only:
                _log("[4s] analyst queries on the published copy, scale point")
                details["scale_query"] = _queries(out, "scale_", scale, scale_roles)
    if "nightly" in only:
        from benchmarks import bench_nightly

        _log(f"[1,2] cold and warm nightly: {roles} roles, intervals x {args.scale:g} of settings.toml")
        nightly = bench_nightly.run(roles, args.scale, args.latency_scale, log=_log)
        details["nightly"] = nightly
        for key in ("cold_vs_bound", "cold_speedup_vs_sequential", "prefect_share", "warm_vs_cold"):
            out[key] = nightly.get(key)
        out["cold_wall_s"] = nightly["cold"]["wall"]
        out["politeness_bound_s"] = nightly["cold"]["bound"]
        out["warm_wall_s"] = nightly.get("warm", {}).get("wall")
        out["backfill_wall_s"] = nightly.get("backfill_wall_s")
        out["sequential_wall_s"] = nightly.get("sequential", {}).get("seconds")
        # the best any polite scheduler can do against the sequential script: its wall / the bound
        if out["sequential_wall_s"] and out["politeness_bound_s"]:
            out["ideal_speedup_vs_sequential"] = out["sequential_wall_s"] / out["politeness_bound_s"]
        out["cold_429s"] = sum(nightly["cold"]["rejected_429"].values())
        out["cold_arrival_gap_min_vs_interval"] = nightly["cold"]["arrival_gaps_vs_interval"][
            nightly["cold"]["bound_host"]]["min"]
    out["targets"] = {k: f"{op} {t:g}" + (f" x {RELATIVE[k]}" if k in RELATIVE else "") for k, (op, t) in TARGETS.items()}
    out["meets_target"] = {k: _meets(k, out.get(k), out) for k in TARGETS if k in out}
    out["seconds"] = time.time() - out.pop("started")
    out["details"] = details
    return out


def table(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = [f"jobzone benchmarks - {m['cores']} cores, Python {m['python']}, {m['platform']}, "
             f"{m['memory_gb']} GB RAM; duckdb {m['duckdb']}, pandas {m['pandas']}, prefect {m['prefect']}",
             f"roles {result['roles']}, history nights {result['nights']}; total {result['seconds']:.0f} s", ""]
    header = f"{'benchmark':<20} {'measure':<40} {'measured':>10} {'target':>9}  ok"
    lines += [header, "-" * len(header)]
    for key in TARGETS:
        if key not in result:
            continue
        value = result[key]
        bench, label = LABELS[key]
        if value is None:
            shown = "n/a"
        elif key in ("prefect_share", "warm_vs_cold"):
            shown = f"{value:.1%}"
        elif key in ("peak_rss_mb", "query_p50_ms", "scale_peak_rss_mb", "scale_query_p50_ms"):
            shown = f"{value:.1f}"
        else:
            shown = f"{value:.2f}"
        op, target = TARGETS[key]
        target_text = f"{op}{target:.0%}" if key in ("prefect_share", "warm_vs_cold") else f"{op}{target:g}"
        if key in RELATIVE:
            target_text = f"{op}{target:g}xideal"
        ok = {True: "yes", False: "NO", None: "?"}[result["meets_target"].get(key)]
        lines.append(f"{bench:<20} {label:<40} {shown:>10} {target_text:>9}  {ok}")
    extra = []
    if "cold_wall_s" in result:
        extra.append(f"cold wall {result['cold_wall_s']:.1f} s, politeness bound {result['politeness_bound_s']:.1f} s,"
                     f" HN backfill night {result.get('backfill_wall_s') or float('nan'):.1f} s,"
                     f" warm wall {result['warm_wall_s'] or float('nan'):.1f} s, sequential "
                     f"{result['sequential_wall_s'] or float('nan'):.1f} s; 429s from the simulated hosts "
                     f"{result['cold_429s']}, smallest accepted arrival gap "
                     f"{result['cold_arrival_gap_min_vs_interval'] or float('nan'):.2f} x interval")
    if "ideal_speedup_vs_sequential" in result:
        extra.append(f"ideal speed-up vs the sequential script (its wall / the bound) "
                     f"{result['ideal_speedup_vs_sequential']:.2f}x")
    if "query_latest_scores_p50_ms" in result:
        extra.append(f"latest_scores p50 {result['query_latest_scores_p50_ms']:.1f} ms, one role's score_history p50 "
                     f"{result['query_score_history_p50_ms']:.1f} ms; publishing copy + marts + site at that size "
                     f"{result['publish_at_scale_s']:.1f} s (no target)")
    if "scale_query_latest_scores_p50_ms" in result:
        extra.append(f"scale point: latest_scores p50 {result['scale_query_latest_scores_p50_ms']:.1f} ms, one role's "
                     f"score_history p50 {result['scale_query_score_history_p50_ms']:.1f} ms; publishing "
                     f"{result['scale_publish_at_scale_s']:.1f} s (no target)")
    sc = result["details"].get("scoring")
    if sc:
        extra.append("scoring steps (s): " + ", ".join(f"{k} {v:.1f}" for k, v in sc["scoring_steps"].items())
                     + f"; loop {sc['loop_seconds']:.1f} s")
    sc = result["details"].get("scale_scoring")
    if sc:
        extra.append("scale point scoring steps (s): "
                     + ", ".join(f"{k} {v:.1f}" for k, v in sc["scoring_steps"].items()))
    return "\n".join(lines + [""] + extra)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    parser.add_argument("--only", help="comma list of nightly, scoring, query (default: all)")
    parser.add_argument("--roles", type=int, help="roles (default 1000; --quick: 20)")
    parser.add_argument("--nights", type=int, help="nights of seeded history (default 1095; --quick: 30)")
    parser.add_argument("--obs-nights", type=int, default=1, help="nights of seeded observations (default 1)")
    parser.add_argument("--scale-roles", type=int,
                        help=f"roles of the scale point (default {SCALE_ROLES}; --quick: 8; 0 skips it)")
    parser.add_argument("--scale-nights", type=int,
                        help=f"nights of history of the scale point (default {SCALE_NIGHTS}; --quick: 10)")
    parser.add_argument("--scale", type=float, default=1 / 40,
                        help="allowed intervals = settings.toml host intervals x scale (default 1/40)")
    parser.add_argument("--latency-scale", type=float,
                        help="host latencies = typical real ones x this (default: scale)")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for a smoke run")
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached scoring world")
    args = parser.parse_args(argv)
    result = run(args)
    if args.json:
        print(json.dumps(result, default=str))
    else:
        print(table(result))


if __name__ == "__main__":
    main()
