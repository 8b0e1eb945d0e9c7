"""Benchmark 3: scoring at scale.

Evidence refresh + AIJRI + history + zone detection for N roles (1,000) with years (3) of nightly
history already in the warehouse, through the real night steps: `night.refresh` (validate,
guards, metrics, rubric, carry, history writes), `night.score` (AIJRI, results history) and
`night.alert` (crossing detection over the score history, recording, delivery with no targets).
Run in a child process so its peak RSS (resource.getrusage) is its own.

Reference: `benchmarks.baseline.loop_scoring`, the same work as row-by-row Python loops over
the same rows, also in a child process. Ratio reported: loop seconds / our seconds.

    python -m benchmarks.bench_scoring --roles 1000 --nights 1095      # standalone
    python -m benchmarks.bench_scoring --roles 3649 --nights 365 --no-loop   # the scale point
"""

from __future__ import annotations

import argparse
import json
import pickle
import shutil
import time
from datetime import date
from pathlib import Path
from typing import Any

from core.fingerprint import code_digest
from benchmarks.common import SCORING_RUBRIC, cache_root, emit_result, peak_rss_mb, quiet_env, run_child, scoring_settings

DEFAULT_AS_OF = date(2026, 6, 30)

#: the code that shapes the seeded world: a change rebuilds the cached world
_WORLD_CODE = ("benchmarks/seed.py", "sim/*.py", "warehouse/migrations/*.sql", "warehouse/views.sql",
               "scrapers/**/*.py", "core/catalogue.py", "flows/steps/*.py", "scoring/aijri.py", "scoring/method.toml")


def _code_fingerprint() -> str:
    """Changes whenever the code that shapes the seeded world changes (so a cached world is rebuilt)."""
    return code_digest(_WORLD_CODE)[:12]


def world(roles: int, nights: int, obs_nights: int, as_of: date = DEFAULT_AS_OF, seed: int = 0,
          fresh: bool = False) -> dict[str, Any]:
    """The seeded world (built once per parameters and code version, then reused)."""
    from benchmarks import seed as seeding

    key = f"scoring-r{roles}-n{nights}-o{obs_nights}-s{seed}-{as_of.isoformat()}-{_code_fingerprint()}"
    work = cache_root() / key
    done = work / "WORLD.json"
    if done.exists() and not fresh:
        info = json.loads(done.read_text())
        info["reused"] = True
        return info
    if work.exists():
        shutil.rmtree(work)
    # one world of each shape (the 3-year world and the scale point): they are GBs, so an older
    # version of the same shape goes
    for stale in cache_root().glob(f"scoring-r{roles}-n{nights}-*") if cache_root().exists() else []:
        shutil.rmtree(stale, ignore_errors=True)
    built = seeding.build(work, roles=roles, nights=nights, obs_nights=obs_nights, as_of=as_of, seed=seed)
    seeded = Path(built.home) / "warehouse.duckdb"
    pristine = work / "seeded.duckdb"
    shutil.move(seeded, pristine)
    info = built.as_dict()
    info.update(pristine=str(pristine), reused=False)
    done.write_text(json.dumps(info, indent=1, default=str))
    return info


def fresh_home(info: dict[str, Any]) -> Path:
    """A copy of the seeded warehouse for one measured run (the run writes to it)."""
    home = Path(info["home"])
    target = home / "warehouse.duckdb"
    for leftover in (target, Path(f"{target}.wal")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(info["pristine"], target)
    return home


# --------------------------------------------------------------------------- children

def child_ours(args: argparse.Namespace) -> None:
    from flows import night

    with open(args.gathered, "rb") as fh:
        gathered = pickle.load(fh)
    plan = night.plan(args.home, args.as_of, args.catalogue, args.config, {})
    rss_before = peak_rss_mb()
    steps: dict[str, float] = {}
    t = time.perf_counter()
    refreshed = night.refresh(plan, gathered)
    steps["refresh"] = time.perf_counter() - t
    t = time.perf_counter()
    scored = night.score(plan)
    steps["score"] = time.perf_counter() - t
    t = time.perf_counter()
    alerted = night.alert(plan)
    steps["alert"] = time.perf_counter() - t
    handled = alerted.get("handled", {})
    emit_result({
        "seconds": sum(steps.values()), "steps": steps, "peak_rss_mb": peak_rss_mb(), "rubric": plan.settings.flow.get("rubric"),
        "rss_before_steps_mb": rss_before, "observations_added": refreshed.get("observations"),
        "quarantined": refreshed.get("quarantined"), "evidence_rows": refreshed.get("evidence_rows"),
        "results_added": scored.get("results_added"),
        "alerts_detected": handled.get("detected") if isinstance(handled, dict) else None,
    })


def child_loop(args: argparse.Namespace) -> None:
    from benchmarks.baseline import loop_scoring

    with open(args.gathered, "rb") as fh:
        gathered = pickle.load(fh)
    cols = ["source", "series_key", "subject", "geography", "metric", "period_start", "period_end", "value", "unit",
            "detail"]
    tonight = [tuple(row) for g in gathered if len(g.observations)
               for row in g.observations[cols].astype(object).itertuples(index=False, name=None)]
    del gathered
    result = loop_scoring(tonight, Path(args.pristine), Path(args.catalogue), date.fromisoformat(args.as_of),
                          Path(args.scratch))
    result["peak_rss_mb"] = peak_rss_mb()
    emit_result(result)


# --------------------------------------------------------------------------- the benchmark

def run(roles: int = 1000, nights: int = 1095, obs_nights: int = 1, fresh: bool = False,
        timeout: float = 1800.0, log=print, loop: bool = True) -> dict[str, Any]:
    """Our steps on a fresh copy of the world, and (`loop`) the row-by-row baseline."""
    t = time.perf_counter()
    info = world(roles, nights, obs_nights, fresh=fresh)
    log(f"  scoring world: {roles} roles x {nights} nights ({'reused' if info['reused'] else 'built'} in "
        f"{time.perf_counter() - t:.0f} s): {info['rows']}")
    home = fresh_home(info)
    env = quiet_env(Path(info["work"]) / "prefect")
    env.pop("JOBZONE_ALERT_URLS", None)
    config = scoring_settings(Path(info["work"]) / f"settings-{SCORING_RUBRIC}.toml")
    common = ["--home", str(home), "--catalogue", info["catalogue"], "--gathered", info["gathered"],
              "--as-of", info["as_of"], "--config", str(config)]
    log("  scoring: running the real steps (refresh, score, alert) in a child process ...")
    ours = run_child("bench_scoring", ["--child", "ours", *common], env=env, timeout=timeout)
    log(f"  scoring: ours {ours['seconds']:.1f} s {json.dumps({k: round(v, 2) for k, v in ours['steps'].items()})},"
        f" peak RSS {ours['peak_rss_mb']:.0f} MB")
    if loop:
        scratch = Path(info["work"]) / "loop-scratch.duckdb"
        scratch.unlink(missing_ok=True)
        log("  scoring: running the row-by-row loop baseline in a child process ...")
        loop = run_child("bench_scoring", ["--child", "loop", *common, "--pristine", info["pristine"],
                                           "--scratch", str(scratch)], env=env, timeout=timeout)
        scratch.unlink(missing_ok=True)
        log(f"  scoring: loop {loop['seconds']:.1f} s")
    else:
        loop = {"seconds": None}
    return {
        "roles": roles, "nights": nights, "obs_nights": obs_nights, "world_rows": info["rows"],
        "scoring_seconds": ours["seconds"], "scoring_steps": ours["steps"], "peak_rss_mb": ours["peak_rss_mb"],
        "loop_seconds": loop["seconds"], "loop_steps": {k: v for k, v in loop.items() if k.endswith("_s")},
        "scoring_speedup_vs_loop": loop["seconds"] / ours["seconds"] if ours["seconds"] and loop["seconds"] else None,
        "ours": ours, "loop": loop, "home": str(home), "work": info["work"], "catalogue": info["catalogue"],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--child", choices=["ours", "loop"])
    parser.add_argument("--home")
    parser.add_argument("--catalogue")
    parser.add_argument("--gathered")
    parser.add_argument("--as-of")
    parser.add_argument("--config", help="settings file of the measured night (the rubric pinned)")
    parser.add_argument("--pristine")
    parser.add_argument("--scratch")
    parser.add_argument("--roles", type=int, default=1000)
    parser.add_argument("--nights", type=int, default=1095)
    parser.add_argument("--obs-nights", type=int, default=1)
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached world")
    parser.add_argument("--no-loop", action="store_true", help="skip the row-by-row baseline (as the scale point does)")
    args = parser.parse_args(argv)
    if args.child == "ours":
        return child_ours(args)
    if args.child == "loop":
        return child_loop(args)
    print(json.dumps(run(args.roles, args.nights, args.obs_nights, args.fresh, loop=not args.no_loop), indent=1,
                     default=str))


if __name__ == "__main__":
    main()
