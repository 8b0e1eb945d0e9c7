"""Build the scoring benchmark's world: a synthetic catalogue, tonight's parsed payloads, and a
warehouse already holding years of nightly history.

* `tonight`: the simulator's payloads for the catalogue, fetched and parsed by the real scrapers
  (`build_requests` + `collect`, no politeness: this is setup, not the thing measured), pickled as
  the list of `GatherResult` the nightly flow hands to `night.refresh`.
* history (SQL, fast): for every role and every night of the last `nights` nights, one
  `evidence_scores` row per dimension (scores drift in steps of about 2-4 months, and the last
  `settle_nights` nights hold what the real refresh makes of tonight's payloads, so tonight is a
  steady-state night, not the first one after synthetic history), one
  `aijri_results` row computed with the methodology constants, one `metrics` row per rubric
  metric, one `runs` row per night and one `source_health` row per source per night.
* observations: the previous `obs_nights` nights' rows, i.e. tonight's rows re-keyed to an earlier
  fetch (IT Jobs Watch periods shifted back a day per night), so the guards and the history read
  have what a real warehouse would hold after those nights.
"""

from __future__ import annotations

import pickle
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.common import SCORING_RUBRIC
from sim import catalogue_gen
from sim.simserver import SimServer

DIMENSIONS = catalogue_gen.DIMENSIONS
SOURCES_HEALTH = ("itjobswatch", "indeed", "bls", "fred", "layoffs", "warn", "claims")


@dataclass
class ScoringWorld:
    work: Path
    home: Path
    catalogue: Path
    gathered: Path
    as_of: date
    roles: int
    nights: int
    obs_nights: int
    seconds: dict[str, float]
    rows: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, (Path, date)) else v) for k, v in self.__dict__.items()}


def _validate():
    """The rows' checks as the night's collect step runs them, as the bodies arrive."""
    from functools import partial

    from scoring.validation import validate_observations

    return partial(validate_observations, run_id="seed")


def gather_tonight(roles: list, as_of: date, home_raw: Path) -> list:
    """Tonight's GatherResults for the roles, from the simulator (no pacing), validated as they arrive."""
    from scrapers.archive import RawArchive
    from scrapers.gather import build_requests, collect
    from scrapers.http import HttpSettings
    from scrapers.registry import SOURCES

    sources = [s for n, s in SOURCES.items() if n != "claims"]
    with SimServer(roles, as_of=as_of) as sim:
        http = HttpSettings(user_agent="jobzone/0.1 (+benchmark setup)", rate_limits={}, default_interval=0.0,
                            retries=1, backoff_factor=0.01)
        options = {"fred": {"series": ["CPIAUCSL", "AHETPI", "JTSJOL"]}, **sim.source_options()}
        reqs = build_requests(sources, [r.lookup_keys() for r in roles], sim.base_urls(), options, today=as_of)
        by_host: dict[str, list] = {}
        for req in reqs:
            by_host.setdefault(req.url.split("/")[2], []).append(req)
        archive = RawArchive(home_raw)
        return [collect(group, sources, http, {}, archive, validate=_validate()) for group in by_host.values()]


def _claims_result(catalogue_dir: Path, as_of: date):
    """The claims file is a local fetch in the nightly; parse it the same way."""
    from scrapers.base import RequestOptions
    from scrapers.gather import collect
    from scrapers.registry import SOURCES

    claims = SOURCES["claims"]
    reqs = claims.requests_for([], RequestOptions(options={"path": str(catalogue_dir / "expert-claims.yaml")},
                                                  today=as_of))
    for req in reqs:
        req.allowed_content_types = claims.allowed_content_types
    return collect(reqs, [claims], None, {}, None, validate=_validate())


def role_statics(catalogue_dir: Path) -> pd.DataFrame:
    from core.catalogue import load_catalogue

    cat = load_catalogue(catalogue_dir)
    rows = []
    for r in cat:
        row = {"role_id": r.id, "title": r.title, "tr": r.tr, "barrier_total": r.barrier_sum,
               "growth": float(r.growth.score), "pct3": r.pct_time_3plus, "catalogue_hash": cat.hashes[r.id]}
        for d in DIMENSIONS:
            row[f"base_{d}"] = r.evidence[d].score
        rows.append(row)
    frame = pd.DataFrame(rows)
    # days between evidence steps, per role (str hash() is salted per process: use a stable one)
    frame["period"] = [60 + (sum(map(ord, rid)) % 5) * 15 for rid in frame["role_id"]]
    return frame


def settled_evidence(gathered: list, catalogue_dir: Path, as_of: date) -> pd.DataFrame:
    """Tonight's evidence per role x dimension, as the real refresh computes it from tonight's payloads.

    The last `settle_nights` of seeded history use these scores, so tonight is a steady-state night
    (zones move only where the data really moved) rather than the first night after synthetic history.
    """
    from core.catalogue import load_catalogue
    from scoring.refresh import refresh_evidence
    from scoring.rubric import load_rubric

    frames = [g.observations for g in gathered if len(g.observations)]
    tonight = pd.concat(frames, ignore_index=True)
    # the rubric the measured night scores with: settled under another, tonight would cross zones
    result = refresh_evidence(tonight, None, load_catalogue(catalogue_dir), None, as_of, "seed-settle",
                              load_rubric(version=SCORING_RUBRIC))
    ev = result.evidence[["role_id", "dimension", "score"]].copy()
    ev["score"] = pd.to_numeric(ev["score"], errors="coerce")
    return ev.dropna(subset=["score"]).astype({"score": "int64"}).rename(columns={"score": "settled"})


def seed_history(con, statics: pd.DataFrame, as_of: date, nights: int, settled: pd.DataFrame | None = None,
                 settle_nights: int = 0) -> dict[str, int]:
    """Insert `nights` nights of history before `as_of` (SQL; the warehouse is migrated)."""
    from scoring.aijri import load_method
    from scoring.rubric import load_rubric

    m = load_method()
    rubric = load_rubric(version=SCORING_RUBRIC)
    metrics = sorted(rubric.metrics())
    start = as_of - timedelta(days=nights)
    con.register("seed_roles", statics)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE seed_days AS
        SELECT CAST(DATE '{start.isoformat()}' + CAST(i AS INTEGER) AS DATE) AS as_of, CAST(i AS INTEGER) AS d
        FROM range({nights}) t(i)""")
    dims = ", ".join(f"('{d}')" for d in DIMENSIONS)
    base_case = " ".join(f"WHEN '{d}' THEN r.base_{d}" for d in DIMENSIONS)
    settled = settled if settled is not None and len(settled) else pd.DataFrame(
        {"role_id": pd.Series(dtype=str), "dimension": pd.Series(dtype=str), "settled": pd.Series(dtype="int64")})
    con.register("seed_settled", settled)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE seed_ev AS
        SELECT r.role_id, dim.dimension, dy.as_of, dy.d,
               CAST(CASE WHEN dy.d >= {nights - settle_nights} AND st.settled IS NOT NULL THEN st.settled
                    ELSE greatest(-2, least(2, (CASE dim.dimension {base_case} END)
                    + CAST(hash(r.role_id, dim.dimension, dy.d // r.period) % 3 AS INTEGER) - 1)) END
               AS INTEGER) AS score
        FROM seed_roles r CROSS JOIN (VALUES {dims}) dim(dimension) CROSS JOIN seed_days dy
        LEFT JOIN seed_settled st ON st.role_id = r.role_id AND st.dimension = dim.dimension""")
    con.unregister("seed_settled")
    con.execute("""
        INSERT INTO runs BY NAME
        SELECT 'seed-' || strftime(as_of, '%Y%m%d') AS run_id, 'nightly' AS kind,
               CAST(as_of AS TIMESTAMPTZ) AS started_at, CAST(as_of AS TIMESTAMPTZ) + INTERVAL 20 MINUTE AS finished_at,
               'completed' AS status, as_of, '{}' AS summary
        FROM seed_days""")
    con.execute("""
        INSERT INTO evidence_scores BY NAME
        SELECT e.role_id, e.dimension, e.as_of, coalesce(held.version, 0) + 1 AS version, e.score,
               'refreshed' AS origin, 'ok' AS status,
               0.8 AS confidence, 0 AS age_days, '{"seeded": true}' AS inputs,
               'seeded history: score ' || e.score AS rationale, 'rubric-v1' AS rubric_version, e.score AS rubric_score,
               md5(e.role_id || e.dimension || CAST(e.as_of AS VARCHAR)) AS content_hash,
               'seed-' || strftime(e.as_of, '%Y%m%d') AS run_id, CAST(e.as_of AS TIMESTAMPTZ) AS created_at
        FROM seed_ev e LEFT JOIN (SELECT role_id, dimension, as_of, max(version) AS version FROM evidence_scores
                                  GROUP BY ALL) held USING (role_id, dimension, as_of)""")
    em, bm, gm = float(m.em_per_point), float(m.bm_per_point), float(m.gm_per_point)
    floor, span = float(m.raw_floor), float(m.raw_span)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE seed_aijri AS
        WITH t AS (SELECT role_id, as_of, CAST(sum(score) AS DOUBLE) AS e FROM seed_ev GROUP BY role_id, as_of),
        f AS (
            SELECT t.role_id, t.as_of, r.tr, t.e, r.barrier_total, r.growth, r.pct3, r.catalogue_hash,
                   1 + {em} * t.e AS em, 1 + {bm} * r.barrier_total AS bm, 1 + {gm} * r.growth AS gm
            FROM t JOIN seed_roles r USING (role_id)),
        u AS (SELECT *, tr * em * bm * gm AS raw, (tr * em * bm * gm - {floor}) / {span} * 100 AS unrounded FROM f),
        a AS (SELECT *, floor(least(greatest(unrounded, {float(m.clamp_min)}), {float(m.clamp_max)}) * 10 + 0.5) / 10
                        AS aijri FROM u)
        SELECT *, CASE WHEN aijri >= {float(m.green_min)} THEN 'Green'
                       WHEN aijri >= {float(m.yellow_min)} THEN 'Yellow' ELSE 'Red' END AS zone
        FROM a""")
    con.execute(f"""
        INSERT INTO aijri_results BY NAME
        SELECT role_id, as_of, 1 AS version, tr AS task_resistance, e AS evidence_total, barrier_total, growth,
               pct3 AS pct_time_3plus, em, bm, gm, raw, unrounded AS aijri_unrounded, aijri, zone,
               CASE zone WHEN 'Green' THEN (CASE WHEN growth >= {m.accelerated_min_growth} THEN 'Accelerated'
                                                 ELSE '{m.green_default}' END)
                         WHEN 'Yellow' THEN (CASE WHEN pct3 >= {float(m.urgent_min_pct_time_3plus)} THEN 'Urgent'
                                                  ELSE '{m.yellow_below_threshold}' END) END AS sublabel,
               unrounded <> least(greatest(unrounded, {float(m.clamp_min)}), {float(m.clamp_max)}) AS clamped,
               true AS evidence_refreshed, CAST(NULL AS DOUBLE) AS override_aijri,
               CAST(NULL AS VARCHAR) AS override_note,
               '{m.version}' AS methodology_version, 'rubric-v1' AS rubric_version, catalogue_hash,
               md5(role_id || CAST(as_of AS VARCHAR)) AS content_hash, 'seed-' || strftime(as_of, '%Y%m%d') AS run_id,
               CAST(as_of AS TIMESTAMPTZ) AS created_at
        FROM seed_aijri""")
    metric_values = ", ".join(f"('{x}')" for x in metrics)
    con.execute(f"""
        INSERT INTO metrics BY NAME
        SELECT r.role_id, mt.metric, dy.as_of, 1 AS version,
               (CAST(hash(r.role_id, mt.metric, dy.d // 7) % 1000 AS DOUBLE) - 500) / 2500 AS value,
               'fraction' AS unit, 'ok' AS status, '{{}}' AS inputs, md5('[]') AS lineage_id, 'rubric-v1' AS rubric_version,
               md5(r.role_id || mt.metric || CAST(dy.as_of AS VARCHAR)) AS content_hash,
               'seed-' || strftime(dy.as_of, '%Y%m%d') AS run_id, CAST(dy.as_of AS TIMESTAMPTZ) AS created_at
        FROM seed_roles r CROSS JOIN (VALUES {metric_values}) mt(metric) CROSS JOIN seed_days dy""")
    # the seeded metrics rest on no observations: one empty lineage set (migration 008)
    con.execute("INSERT INTO lineage_sets VALUES (md5('[]'), '[]', now())")
    sources = ", ".join(f"('{s}')" for s in SOURCES_HEALTH)
    con.execute(f"""
        INSERT INTO source_health BY NAME
        SELECT s.source, 'seed-' || strftime(dy.as_of, '%Y%m%d') AS run_id, dy.as_of, 10 AS requests, 10 AS ok,
               0 AS unchanged, 0 AS failed, '{{"ok": 10}}' AS outcomes
        FROM (VALUES {sources}) s(source) CROSS JOIN seed_days dy""")
    con.unregister("seed_roles")
    return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchall()[0][0]
            for t in ("runs", "evidence_scores", "aijri_results", "metrics", "source_health")}


def seed_observations(con, gathered: list, as_of: date, obs_nights: int) -> int:
    """The previous nights' observations: tonight's rows re-keyed to earlier fetches."""
    from flows.steps.record import _fetch_rows

    frames = [g.observations for g in gathered if len(g.observations)]
    if not frames or obs_nights <= 0:
        return 0
    tonight = pd.concat(frames, ignore_index=True)
    fetches = _fetch_rows([f for g in gathered for f in g.fetches], "seed")
    for k in range(1, obs_nights + 1):
        day = as_of - timedelta(days=k)
        run_id = "seed-" + day.strftime("%Y%m%d")
        obs = tonight.copy()
        obs["fetch_id"] = f"seed{k}-" + obs["fetch_id"].astype(str)
        itjw = obs["source"] == "itjobswatch"
        for col in ("period_start", "period_end"):
            shifted = pd.to_datetime(obs.loc[itjw, col]) - pd.Timedelta(days=k)
            obs[col] = obs[col].astype(object)
            obs.loc[itjw, col] = shifted.dt.date.to_numpy()
        obs["run_id"] = run_id
        f = fetches.copy()
        f["fetch_id"] = f"seed{k}-" + f["fetch_id"].astype(str)
        f["run_id"] = run_id
        f["fetched_at"] = pd.Timestamp(day, tz="UTC")
        con.register("seed_obs", obs)
        con.register("seed_fetch", f)
        con.execute("INSERT INTO observations BY NAME SELECT *, now() AS loaded_at FROM seed_obs")
        con.execute("INSERT INTO fetches BY NAME SELECT * FROM seed_fetch")
        con.unregister("seed_obs")
        con.unregister("seed_fetch")
    return con.execute("SELECT count(*) FROM observations").fetchall()[0][0]


def build(work: str | Path, roles: int = 1000, nights: int = 1095, obs_nights: int = 1,
          as_of: date = date(2026, 6, 30), seed: int = 0, settle_nights: int = 60) -> ScoringWorld:
    from core.paths import Home
    from flows.steps.plan import load_catalogue_stage
    from core.catalogue import load_catalogue
    from warehouse.db import open_warehouse

    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    home = Home.resolve(work / "home").ensure()
    catalogue_dir = work / "roles"
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    sims = catalogue_gen.write_catalogue(catalogue_dir, roles, seed, as_of=as_of)
    seconds["catalogue"] = time.perf_counter() - t
    t = time.perf_counter()
    gathered = gather_tonight(sims, as_of, home.raw)
    gathered.append(_claims_result(catalogue_dir, as_of))
    with open(work / "gathered.pkl", "wb") as fh:
        pickle.dump(gathered, fh, protocol=pickle.HIGHEST_PROTOCOL)
    seconds["gather_tonight"] = time.perf_counter() - t
    t = time.perf_counter()
    settled = settled_evidence(gathered, catalogue_dir, as_of) if settle_nights > 0 else None
    seconds["settle_evidence"] = time.perf_counter() - t
    t = time.perf_counter()
    statics = role_statics(catalogue_dir)
    with open_warehouse(home.warehouse) as con:
        # setup, not the thing measured: let DuckDB use memory for the bulk inserts
        con.execute("SET memory_limit = '8GB'")
        con.execute("SET preserve_insertion_order = false")
        load_catalogue_stage(con, load_catalogue(catalogue_dir), "seed-catalogue")
        rows = seed_history(con, statics, as_of, nights, settled, min(settle_nights, nights))
        rows["observations"] = seed_observations(con, gathered, as_of, obs_nights)
        con.execute("CHECKPOINT")
    seconds["seed_history"] = time.perf_counter() - t
    rows["tonight_observations"] = int(sum(len(g.observations) for g in gathered))
    rows["tonight_fetches"] = int(sum(len(g.fetches) for g in gathered))
    return ScoringWorld(work, home.root, catalogue_dir, work / "gathered.pkl", as_of, roles, nights, obs_nights,
                        seconds, rows)
