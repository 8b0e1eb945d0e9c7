"""Benchmarks 1 and 2: the cold and the warm nightly through the real Prefect flow.

World: N synthetic roles (1,000) served by the simulator *in its own process*, one loopback port
per real host, each enforcing its allowed rate (429 + Retry-After when exceeded). Allowed rates =
the shipped `core/settings.toml` host intervals x `scale`; latencies = typical real latencies
x the same scale, so latency/interval keeps its real-world proportion. The run's settings give
the client exactly the allowed intervals.

1. **Cold**: empty home, `flows.nightly.nightly(...)` in this process (the Prefect ephemeral
   server is started beforehand by a trivial flow and reported separately).
   * `cold_vs_bound` = flow wall / politeness lower bound, the bound being the slowest host's
     accepted requests x its allowed interval (requests / allowed rate);
   * `cold_speedup_vs_sequential` = `baseline.sequential_night` wall / flow wall (the baseline
     uses the same per-host intervals);
   * `prefect_share` = (flow wall - time covered by the night's own step functions) / flow wall.
     Every `flows.night` step the flow calls is wrapped to record its [start, end]; the union
     of those intervals is the work, the rest is orchestration (task submission, state
     round-trips to the Prefect API, result handling, artifacts).
2. **Backfill**: the second night, when HN counts every thread the cold night listed (since
   April 2011, once): `backfill_wall_s`, no target.
3. **Warm**: the same flow again, same as_of, every payload unchanged (conditional GETs answer 304,
   the BLS POST returns the same hash): `warm_vs_cold` = warm wall / cold wall.

Every night also reports `refreshed_dims`: the role-dimensions its refresh left `refreshed` over
all it wrote (the refresh step's origin counts, so it costs nothing): under the shipped rubric-v2,
the issue-12 check that every role refreshes all five dimensions on the 1,000-role world.
`--rubric rubric-v1` runs the nights under another rubric (`[flow] rubric`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any, Callable

from benchmarks.common import peak_rss_mb

#: typical real latencies (seconds to the last byte) of the real hosts, before scaling
REAL_LATENCY = {"itjobswatch": 0.3, "github": 0.1, "bls": 0.4, "fred": 0.2}
STEPS = ("plan", "collect_host", "record_fetches", "refresh", "score", "publish", "alert", "finish", "fail")
DEFAULT_SCALE = 1 / 40


class StepClock:
    """Wraps the `flows.night` steps to record when each ran (thread-safe)."""

    def __init__(self, profile: tuple[str, ...] = (), profile_dir: Path | None = None) -> None:
        self.spans: list[tuple[str, float, float]] = []
        self._lock = threading.Lock()
        self._saved: dict[str, Callable] = {}
        #: steps run under pyinstrument (in their own thread, so the profile is theirs), each
        #: profile written to `profile_dir` as <step>-<n>.txt
        self.profile, self.profile_dir = set(profile), profile_dir

    def __enter__(self) -> StepClock:
        from flows import night

        for name in STEPS:
            fn = getattr(night, name, None)
            if fn is None:
                continue
            self._saved[name] = fn
            setattr(night, name, self._wrap(name, fn))
        return self

    def __exit__(self, *exc: Any) -> None:
        from flows import night

        for name, fn in self._saved.items():
            setattr(night, name, fn)

    def _wrap(self, name: str, fn: Callable) -> Callable:
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return self._profiled(name, fn, args, kwargs) if name in self.profile else fn(*args, **kwargs)
            finally:
                with self._lock:
                    self.spans.append((name, start, time.perf_counter()))
        timed.__wrapped__ = fn  # type: ignore[attr-defined]
        return timed

    def _profiled(self, name: str, fn: Callable, args: tuple, kwargs: dict) -> Any:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.001)
        profiler.start()
        try:
            return fn(*args, **kwargs)
        finally:
            profiler.stop()
            out = Path(self.profile_dir or ".") / f"{name}-{len([s for s in self.spans if s[0] == name])}.txt"
            out.write_text(profiler.output_text(unicode=False, color=False))
            print(f"  nightly: profile of {name} in {out}")

    def reset(self) -> None:
        self.spans.clear()

    def covered(self, start: float, end: float) -> float:
        """Seconds of [start, end] during which at least one step function was running."""
        spans = sorted((max(s, start), min(e, end)) for _, s, e in self.spans if e > start and s < end)
        total, cur_s, cur_e = 0.0, None, None
        for s, e in spans:
            if cur_e is None or s > cur_e:
                if cur_e is not None:
                    total += cur_e - cur_s
                cur_s, cur_e = s, e
            else:
                cur_e = max(cur_e, e)
        if cur_e is not None:
            total += cur_e - cur_s
        return total

    def by_step(self) -> dict[str, float]:
        """Wall seconds per step name (concurrent collect_host calls: first start to last end)."""
        out: dict[str, list[float]] = {}
        for name, s, e in self.spans:
            lo, hi = out.get(name, [s, e])
            out[name] = [min(lo, s), max(hi, e)]
        return {name: hi - lo for name, (lo, hi) in out.items()}


def _start_prefect() -> float:
    """Start the ephemeral Prefect server with a trivial flow; returns its seconds."""
    from prefect import flow

    @flow(name="benchmark-warmup")
    def warmup() -> int:
        return 1

    started = time.perf_counter()
    warmup()
    return time.perf_counter() - started


def _night(clock: StepClock, **kwargs: Any) -> dict[str, Any]:
    from flows.nightly import nightly

    clock.reset()
    started = time.perf_counter()
    summary = nightly(**kwargs)
    wall = time.perf_counter() - started
    covered = clock.covered(started, started + wall)
    return {"wall": wall, "covered": covered, "orchestration": wall - covered,
            "prefect_share": (wall - covered) / wall, "steps": clock.by_step(), "status": summary.get("status"),
            "failing_sources": summary.get("failing_sources"), "refresh": summary.get("refresh"),
            "refreshed_dims": refreshed_share(summary),
            "results_added": (summary.get("score") or {}).get("results_added")}


def refreshed_share(summary: dict[str, Any]) -> dict[str, int] | None:
    """{refreshed, all}: the role-dimensions tonight's refresh wrote, and how many were refreshed."""
    origins = (summary.get("refresh") or {}).get("origins")
    if not origins:
        return None
    return {"refreshed": int(origins.get("refreshed", 0)), "all": int(sum(origins.values()))}


def _sequential(sim, catalogue_dir: Path, as_of: date, config: Path) -> dict[str, Any]:
    from benchmarks.baseline import sequential_night
    from core.catalogue import load_catalogue
    from core.settings import load_settings
    from scrapers.gather import build_requests
    from scrapers.registry import SOURCES, catalogue_options

    settings = load_settings(config)
    catalogue = load_catalogue(catalogue_dir)
    options = {name: dict(table) for name, table in settings.sources.items()}
    for name, files in catalogue_options(catalogue_dir).items():  # claims, the boards watch-list
        options.setdefault(name, {}).update(files)
    reqs = build_requests(list(SOURCES.values()), [r.lookup_keys() for r in catalogue], sim.base_urls(), options,
                          today=as_of)
    web = [(r.source, r.method, r.url, r.json, dict(r.context)) for r in reqs if r.url.startswith("http")]
    intervals = {str(k): float(v) for k, v in settings.http["host_intervals"].items()}
    return sequential_night(web, intervals, catalogue_dir, as_of, settings.http["user_agent"])


def run(roles: int = 1000, scale: float = DEFAULT_SCALE, latency_scale: float | None = None,
        as_of: date = date(2026, 6, 30), seed: int = 0, work: Path | None = None, warm: bool = True,
        sequential: bool = True, rubric: str | None = None, log=print, profile: tuple[str, ...] = (),
        profile_dir: Path | None = None) -> dict[str, Any]:
    from sim import catalogue_gen
    from sim.simproc import SimProcess
    from sim.simserver import HOSTS, scaled_intervals

    intervals = scaled_intervals(scale)
    # a source's own double's hosts (the ATS APIs, ONS) get the fred-like default latency
    latency = {h: REAL_LATENCY.get(h, 0.2) * (scale if latency_scale is None else latency_scale) for h in HOSTS}
    own_work = work is None
    work = Path(work or tempfile.mkdtemp(prefix="jobzone-bench-nightly-"))
    try:
        catalogue_dir = work / "roles"
        catalogue_gen.write_catalogue(catalogue_dir, roles, seed, as_of=as_of)
        prefect_start = _start_prefect()
        log(f"  nightly: Prefect ephemeral server started in {prefect_start:.1f} s (not counted)")
        out: dict[str, Any] = {"roles": roles, "scale": scale, "intervals": intervals, "latency": latency,
                               "prefect_startup_s": prefect_start}
        with SimProcess(roles, seed, as_of, intervals=intervals, latency=latency) as sim, StepClock(profile, profile_dir) as clock:
            # the shipped per-host recheck horizons (wall-clock, not scaled): the warm night is a
            # same-night rerun, exactly what they are for
            config = sim.write_settings(work / "settings.toml", read_timeout=10.0, retries=2, recheck=True,
                                        flow={"rubric": rubric} if rubric else None)
            kwargs = dict(home=str(work / "home"), catalogue=str(catalogue_dir), config=str(config),
                          as_of=as_of.isoformat(), base_urls=sim.base_urls())
            log(f"  nightly: cold night, {roles} roles ...")
            cold = _night(clock, **kwargs)
            counts, rejected = sim.request_counts(), sim.rejected_counts()
            bound, host = sim.politeness_bound(counts)
            cold.update(requests=counts, rejected_429=rejected, bound=bound, bound_host=host,
                        arrival_gaps_vs_interval=sim.gap_summary())
            gaps = cold["arrival_gaps_vs_interval"][host]
            log(f"  nightly: cold refreshed role-dimensions {cold['refreshed_dims']}")
            log(f"  nightly: cold {cold['wall']:.1f} s, bound {bound:.1f} s ({host}), prefect share "
                f"{cold['prefect_share']:.1%}, 429s {sum(rejected.values())}, {host} arrival gaps min "
                f"{gaps['min']:.2f} / p1 {gaps['p01']:.2f} / median {gaps['median']:.2f} x interval")
            out["cold"] = cold
            if warm:
                # HN finds its threads on the first night and counts them all (the backfill since
                # 2011) on the next, so that night is the backfill, not a warm rerun: timed apart
                for name, what in (("backfill", "HN counts the threads the cold night found"),
                                   ("warm", "same payloads")):
                    sim.reset_hits()
                    log(f"  nightly: {name} night ({what}) ...")
                    out[name] = _night(clock, **kwargs)
                    out[name].update(requests=sim.request_counts(), rejected_429=sim.rejected_counts())
                    log(f"  nightly: {name} {out[name]['wall']:.1f} s, refreshed role-dimensions "
                        f"{out[name]['refreshed_dims']}")
            if sequential:
                sim.reset_hits()
                log("  nightly: plain sequential baseline ...")
                seq = _sequential(sim, catalogue_dir, as_of, config)
                seq.update(requests_by_host=sim.request_counts(), rejected_429=sim.rejected_counts())
                log(f"  nightly: sequential {seq['seconds']:.1f} s")
                out["sequential"] = seq
        out["rubric"] = rubric or "shipped"
        out["refreshed_dims"] = {name: out[name]["refreshed_dims"] for name in ("cold", "backfill", "warm")
                                 if name in out}
        out["cold_vs_bound"] = cold["wall"] / cold["bound"] if cold["bound"] else None
        out["prefect_share"] = cold["prefect_share"]
        if warm:
            out["warm_vs_cold"] = out["warm"]["wall"] / cold["wall"]
            out["backfill_wall_s"] = out["backfill"]["wall"]
        if sequential:
            out["cold_speedup_vs_sequential"] = out["sequential"]["seconds"] / cold["wall"]
        out["peak_rss_mb_benchmark_process"] = peak_rss_mb()
        return out
    finally:
        if own_work:
            shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--roles", type=int, default=1000)
    parser.add_argument("--scale", type=float, default=DEFAULT_SCALE)
    parser.add_argument("--latency-scale", type=float)
    parser.add_argument("--no-warm", action="store_true")
    parser.add_argument("--no-sequential", action="store_true")
    parser.add_argument("--rubric", help="score the nights under this rubric version (default: the shipped setting)")
    parser.add_argument("--profile", action="append", default=[], metavar="STEP",
                        help="profile this flows.night step (pyinstrument) on every night; repeatable")
    parser.add_argument("--profile-dir", type=Path, default=Path("."), help="where the profiles go")
    args = parser.parse_args(argv)
    from benchmarks.common import quiet_env

    for key, value in quiet_env().items():
        os.environ.setdefault(key, value)
    result = run(args.roles, args.scale, args.latency_scale, warm=not args.no_warm, sequential=not args.no_sequential,
                 rubric=args.rubric, profile=tuple(args.profile), profile_dir=args.profile_dir)
    print(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    main()
