"""The scoring engine's equivalence harness: fixed inputs in, every output the engine makes out.

Two worlds, each a catalogue plus a list of nights (tonight's parsed observations and every
request with its outcome and context), kept under `tests/scoring/fixtures/equivalence/`:

* `demo`: the bundled real samples as `jobzone run --demo` fetches and parses them (3 roles,
  two of them totals-only), one night;
* `sim`: a 30-role simulated catalogue (`sim/`) over six nights, doctored so that every metric
  family, fallback, carry, override, quarantine (schema, salary band, future date, a jump held
  two nights and accepted on its third), failed request (a page, a BLS batch, a CPI series, an
  Indeed file, the layoffs and claims files) and staleness shows up at least once.

`run_world` plays a world's nights through the real night steps (`night.plan`, `night.refresh`,
`night.score`) against a fresh warehouse and returns what the engine made of each night: the
metrics (value, status, unit, note, sample size, inputs, lineage), the rubric's dimension
scores, the evidence in force (score, origin, confidence, rationale), the quarantine, and the
AIJRI results stored. `tests/scoring/test_engine_equivalence.py` compares that to the expected
output captured from the engine of record; this module's `build` (run by hand:
`python -m tests.support.equivalence build`) captures both the inputs and the expected output.
"""

from __future__ import annotations

import json
import lzma
import math
import shutil
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Iterator

import pandas as pd

from tests.support.samples import RUBRIC_V1, shipped_settings

FIXTURES = Path(__file__).resolve().parents[1] / "scoring" / "fixtures" / "equivalence"
WORLDS = ("demo", "sim")

#: what each output table is keyed by (rows are compared in this order)
KEYS = {
    "metrics": ["role_id", "metric"],
    "scores": ["role_id", "dimension"],
    "evidence": ["role_id", "dimension"],
    "quarantine": ["source", "series_key", "metric", "period_start", "period_end", "stage", "check_name"],
    "aijri": ["role_id"],
}
#: columns holding JSON text: compared parsed (floats inside at the same tolerance; lineage as a set)
JSON_COLUMNS = {"inputs", "lineage"}
REL_TOL, ABS_TOL = 1e-9, 1e-12


# --------------------------------------------------------------------------- a gather from the fixture
@dataclass
class _Request:
    """What the night reads of a `SourceRequest`: its context."""

    context: dict


# --------------------------------------------------------------------------- reading and running
def _read(path: Path) -> Any:
    with lzma.open(path, "rt", encoding="utf-8") as fh:
        return json.load(fh)


def _write(path: Path, doc: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with lzma.open(path, "wt", encoding="utf-8", preset=9) as fh:
        json.dump(doc, fh, sort_keys=True, separators=(",", ":"), default=str)


def _observations(doc: dict) -> pd.DataFrame:
    frame = pd.DataFrame(doc["rows"], columns=doc["columns"])
    for col in ("period_start", "period_end"):
        frame[col] = pd.to_datetime(frame[col]).dt.date
    return frame


def _gathered(night: dict) -> list:
    from scrapers.gather import GatherResult
    from scrapers.http import FetchResult

    fetches = [FetchResult(url=f["url"], source=f["source"], status=None, outcome=f["outcome"],
                           fetched_at=pd.Timestamp(f["fetched_at"]).to_pydatetime(), key=f["key"],
                           fetch_id=f["fetch_id"], request=_Request(f["context"])) for f in night["fetches"]]
    return [GatherResult(fetches, _observations(night["observations"]))]


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict]:
    out = []
    for row in frame[columns].astype(object).to_dict("records"):
        out.append({k: _plain(v) for k, v in row.items()})
    return out


def _plain(v: Any) -> Any:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if hasattr(v, "item"):  # numpy scalars
        return _plain(v.item())
    return v


@contextmanager
def _spy() -> Iterator[list]:
    """Every `RefreshResult` the refresh step produces (the step imports the function when it runs)."""
    import scoring.refresh as refresh_module

    real, seen = refresh_module.refresh_evidence, []

    def spy(*args, **kwargs):
        result = real(*args, **kwargs)
        seen.append(result)
        return result

    refresh_module.refresh_evidence = spy
    try:
        yield seen
    finally:
        refresh_module.refresh_evidence = real


_METRICS = ["role_id", "metric", "value", "unit", "status", "note", "sample_size", "observed_to", "inputs",
            "lineage", "rubric_version"]
_SCORES = ["role_id", "dimension", "score", "status", "confidence", "inputs", "rationale", "rubric_version"]
_EVIDENCE = ["role_id", "dimension", "score", "origin", "status", "confidence", "age_days", "inputs", "rationale",
             "rubric_version", "rubric_score"]
_QUARANTINE = ["source", "series_key", "subject", "metric", "period_start", "period_end", "value", "stage",
               "check_name", "failure"]
_AIJRI = ["role_id", "version", "task_resistance", "evidence_total", "aijri_unrounded", "aijri", "zone", "sublabel",
          "evidence_refreshed", "rubric_version"]


def run_world(world: str, work: Path, fixtures: Path = FIXTURES) -> list[dict]:
    """Every night of `world` through the real steps in a fresh home under `work`; per night, the outputs."""
    from flows import night
    from warehouse.db import open_warehouse

    base = fixtures / world
    nights = _read(base / "nights.json.xz")
    home = work / f"home-{world}"
    shutil.rmtree(home, ignore_errors=True)
    work.mkdir(parents=True, exist_ok=True)
    # the engine of record scored rubric-v1, which stays selectable after the default moved on
    config = str(shipped_settings(work / "settings-rubric-v1.toml", (RUBRIC_V1,)))
    out = []
    for n in nights:
        plan = night.plan(str(home), n["as_of"], str(base / "roles"), config, {})
        gathered = _gathered(n)
        night.record_fetches(plan, gathered)
        with _spy() as seen:
            summary = night.refresh(plan, gathered)
        night.score(plan)
        result = seen[-1] if seen else None
        with open_warehouse(plan.home.warehouse) as con:
            aijri = con.execute("SELECT * FROM aijri_results WHERE as_of = ?", [plan.as_of]).df()
        aijri = aijri.sort_values("version").drop_duplicates("role_id", keep="last")
        quarantine = result.quarantine.rename(columns={"check": "check_name"}) if result is not None else None
        out.append({
            "as_of": n["as_of"], "label": n["label"],
            "summary": {k: summary.get(k) for k in ("observations", "quarantined", "evidence_rows", "origins")},
            "metrics": [] if result is None else _records(result.metrics, _METRICS),
            "scores": [] if result is None else _records(result.scores, _SCORES),
            "evidence": [] if result is None else _records(result.evidence, _EVIDENCE),
            "quarantine": [] if result is None else _records(quarantine, [c for c in _QUARANTINE
                                                                           if c in quarantine.columns]),
            "aijri": _records(aijri, _AIJRI),
        })
    return out


# --------------------------------------------------------------------------- comparing
def _close(a: Any, b: Any, where: str, problems: list[str]) -> None:
    if isinstance(a, bool) or isinstance(b, bool):
        if a != b:
            problems.append(f"{where}: {a!r} != {b!r}")
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if not math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL):
            problems.append(f"{where}: {a!r} != {b!r}")
    elif isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            problems.append(f"{where}: keys {sorted(set(a) ^ set(b))} differ")
        for k in sorted(set(a) & set(b)):
            _close(a[k], b[k], f"{where}.{k}", problems)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            problems.append(f"{where}: {len(a)} items != {len(b)}")
        for i, (x, y) in enumerate(zip(a, b)):
            _close(x, y, f"{where}[{i}]", problems)
    elif a != b:
        problems.append(f"{where}: {a!r} != {b!r}")


def _unordered(entries: list) -> list:
    """Lineage is a set of observation keys: rows tied on period_end come back from the warehouse
    in no fixed order (DuckDB's ORDER BY is not stable across threads), so the order is no result."""
    return sorted(entries, key=lambda e: json.dumps(e, sort_keys=True, default=str))


def _sort_key(row: dict, keys: list[str]) -> tuple:
    return tuple("" if row.get(k) is None else str(row.get(k)) for k in keys)


def compare(actual: list[dict], expected: list[dict], limit: int = 40) -> list[str]:
    """Every difference between two runs of a world (empty: identical to the tolerance)."""
    problems: list[str] = []
    if [n["as_of"] for n in actual] != [n["as_of"] for n in expected]:
        return [f"nights {[n['as_of'] for n in actual]} != {[n['as_of'] for n in expected]}"]
    for got, want in zip(actual, expected):
        night = f"{want['label']} {want['as_of']}"
        _close(got["summary"], want["summary"], f"{night} summary", problems)
        for table, keys in KEYS.items():
            rows_got = sorted(got[table], key=lambda r: _sort_key(r, keys))
            rows_want = sorted(want[table], key=lambda r: _sort_key(r, keys))
            if len(rows_got) != len(rows_want):
                problems.append(f"{night} {table}: {len(rows_got)} rows != {len(rows_want)}")
            for g, w in zip(rows_got, rows_want):
                where = f"{night} {table} {'/'.join(str(w.get(k)) for k in keys[:2])}"
                if set(g) != set(w):
                    problems.append(f"{where}: columns {sorted(set(g) ^ set(w))} differ")
                for col in sorted(set(g) & set(w)):
                    a, b = g[col], w[col]
                    if col in JSON_COLUMNS and isinstance(a, str) and isinstance(b, str):
                        a, b = json.loads(a), json.loads(b)
                    if col == "lineage" and isinstance(a, list) and isinstance(b, list):
                        a, b = _unordered(a), _unordered(b)
                    _close(a, b, f"{where} {col}", problems)
            if len(problems) > limit:
                return problems[:limit] + ["..."]
    return problems


# --------------------------------------------------------------------------- building the fixture
def _fetch_doc(f) -> dict:
    return {"source": f.source, "key": f.key, "url": f.url, "fetch_id": f.fetch_id, "outcome": f.outcome,
            "fetched_at": str(f.fetched_at),
            "context": dict(f.request.context) if f.request is not None else {}}


def _obs_doc(frame: pd.DataFrame) -> dict:
    from scoring.observations import OBSERVATION_COLUMNS

    frame = frame[OBSERVATION_COLUMNS].astype(object)
    rows = [[_plain(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    return {"columns": list(OBSERVATION_COLUMNS), "rows": rows}


def _capture_demo(work: Path) -> list[dict]:
    """The demo's one night: the bundled samples fetched on loopback and parsed, as the demo does."""
    from core.catalogue import load_catalogue
    from flows import night

    roles = FIXTURES / "demo" / "roles"
    shutil.rmtree(roles, ignore_errors=True)
    shutil.copytree(Path(__file__).resolve().parents[2] / "roles", roles)
    load_catalogue(roles)
    with night.sources_for(demo=True) as base_urls:
        plan = night.plan(str(work / "demo-capture"), None, str(roles), None, base_urls, demo=True)
        gathered = [night.collect_host(plan, host) for host in plan.hosts]
    obs = pd.concat([g.observations for g in gathered if len(g.observations)], ignore_index=True)
    return [{"label": "demo", "as_of": plan.as_of.isoformat(), "observations": _obs_doc(obs),
             "fetches": [_fetch_doc(f) for g in gathered for f in g.fetches]}]


def _sim_catalogue(directory: Path, n: int, as_of: date) -> list:
    """The sim catalogue, with one totals-only role, one override, one own CPI and one bare role."""
    import yaml

    from sim import catalogue_gen

    shutil.rmtree(directory, ignore_errors=True)
    sims = catalogue_gen.write_catalogue(directory, n, 0, as_of=as_of)
    def edit(i: int, change) -> None:
        path = directory / f"{catalogue_gen.role_id(i)}.yaml"
        doc = yaml.safe_load(path.read_text())
        change(doc)
        path.write_text("# Synthetic role (sim.catalogue_gen, seed 0), edited for the equivalence fixture.\n"
                        + yaml.safe_dump(doc, sort_keys=False, width=120))
    def totals_only(doc):
        doc.pop("evidence")
        doc["evidence_total"] = {"value": 2, "citation": "equivalence fixture", "as_of": "2026-03-01"}
    def override(doc):
        doc["overrides"] = [{"target": "wage_trends", "value": -2, "who": "fixture", "why": "exercise overrides",
                             "expires": "2026-06-28"}]
    def own_cpi(doc):
        doc["lookup"]["cpi_series"] = "CPIAUCSL"
    def bare(doc):
        doc["lookup"] = {"bls_series": doc["lookup"]["bls_series"]}
    edit(7, totals_only)
    edit(8, override)
    edit(12, own_cpi)
    edit(13, bare)
    edit(14, lambda doc: doc["lookup"].update(layoff_industries=[]))
    return sims


def _doctor(label: str, day: date, obs: pd.DataFrame, fetches: list[dict]) -> tuple[pd.DataFrame, list[dict]]:
    """Tonight's faults for one sim night (see the module docstring)."""
    from sim import catalogue_gen

    def fail(match, outcome: str) -> None:
        nonlocal obs
        for f in fetches:
            if match(f):
                f["outcome"] = outcome
                obs = obs[obs["fetch_id"].astype(str) != f["fetch_id"]]

    def slug(i: int) -> str:
        return catalogue_gen.role_slug(i)

    page = lambda i: (lambda f: f["source"] == "itjobswatch" and f["context"].get("slug") == slug(i))  # noqa: E731
    def itjw(i: int, metric: str | None = None) -> pd.Series:
        m = (obs["source"] == "itjobswatch") & (obs["subject"].astype(str).str.lower() == slug(i))
        return m & (obs["metric"] == metric) if metric else m

    if label == "first":
        obs = obs.copy()
        obs.loc[itjw(11, "postings"), "value"] = -5.0  # every period fails the schema: `quarantined`
        newest = obs["period_end"] == obs.loc[itjw(15), "period_end"].max()
        obs = obs[~(itjw(15) & ~newest)]  # only the newest period: `insufficient_history`
        now = obs["period_end"] == obs.loc[itjw(16), "period_end"].max()
        obs.loc[itjw(16, "postings") & now, "value"] = 3.0  # too few ads: `insufficient_sample`
        obs.loc[itjw(16, "salaries_quoted") & now, "value"] = 2.0
        obs.loc[itjw(17, "median_salary") & ~now, "value"] = None  # `not_published`
    if label in ("faults", "confirm", "accept"):
        # a jump: role 5's current postings at 6x, three nights running (held, held, accepted)
        m = (obs["source"] == "itjobswatch") & (obs["subject"].astype(str).str.lower() == slug(5)) \
            & (obs["metric"] == "postings") & (obs["period_end"] == obs["period_end"].max())
        obs = obs.copy()
        obs.loc[m, "value"] = obs.loc[m, "value"].astype(float) * 6
    if label == "faults":
        fail(page(3), "http_error")
        fail(lambda f: f["source"] == "bls" and "CUUR0000SA0" in f["context"].get("series", []), "unreachable")
        obs = obs.copy()
        s6 = (obs["source"] == "itjobswatch") & (obs["subject"].astype(str).str.lower() == slug(6))
        obs.loc[s6 & (obs["metric"] == "postings"), "period_end"] = day + timedelta(days=40)  # future-dated
        s9 = (obs["source"] == "itjobswatch") & (obs["subject"].astype(str).str.lower() == slug(9))
        obs.loc[s9 & (obs["metric"] == "median_salary"), "value"] = 5.0  # outside the salary band
        s10 = (obs["source"] == "itjobswatch") & (obs["subject"].astype(str).str.lower() == slug(10))
        obs.loc[s10 & (obs["metric"] == "postings"), "value"] = -5.0  # fails the schema
    if label == "confirm":
        fail(lambda f: f["source"] == "fred" and f["context"].get("series_id") == "CPIAUCSL", "http_error")
        fail(lambda f: f["source"] == "indeed" and f["context"].get("kind") == "sector"
             and "GB" in f["context"].get("countries", []), "bad_content_type")
        fail(page(3), "http_error")
    if label == "accept":
        fail(lambda f: f["source"] in ("layoffs", "claims"), "parse_error")
        fail(lambda f: f["source"] == "indeed" and f["context"].get("kind") == "aggregate"
             and "US" in f["context"].get("countries", []), "unreachable")
    if label == "quiet":
        fail(lambda f: f["source"] == "warn", "http_error")
    if label == "stale":
        # weeks later, every source answers "unchanged": the held rows age past their limits
        obs = obs.iloc[0:0]
        for f in fetches:
            f["outcome"] = "unchanged"
    return obs, fetches


def _capture_sim(work: Path, roles: int = 30) -> list[dict]:
    from benchmarks.seed import _claims_result, gather_tonight

    as_of = date(2026, 6, 30)
    directory = FIXTURES / "sim" / "roles"
    sims = _sim_catalogue(directory, roles, as_of)
    plan = [("first", as_of - timedelta(days=5)), ("faults", as_of - timedelta(days=4)),
            ("confirm", as_of - timedelta(days=3)), ("accept", as_of - timedelta(days=2)),
            ("quiet", as_of - timedelta(days=1)), ("stale", as_of + timedelta(days=50))]
    nights = []
    for label, day in plan:
        gathered = gather_tonight(sims, day, work / f"raw-{label}")
        gathered.append(_claims_result(directory, day))
        obs = pd.concat([g.observations for g in gathered if len(g.observations)], ignore_index=True)
        # Indeed's daily files reach back years; the metrics read a year and a month of them
        old = (obs["source"] == "indeed") & (pd.to_datetime(obs["period_end"]) < pd.Timestamp(day - timedelta(days=420)))
        obs = obs[~old]
        fetches = [_fetch_doc(f) for g in gathered for f in g.fetches]
        obs, fetches = _doctor(label, day, obs, fetches)
        nights.append({"label": label, "as_of": day.isoformat(), "observations": _obs_doc(obs), "fetches": fetches})
    return nights


def build(work: Path) -> None:
    """Capture both worlds' inputs and the current engine's output of them."""
    for world, capture in (("demo", _capture_demo), ("sim", _capture_sim)):
        _write(FIXTURES / world / "nights.json.xz", capture(work))
        _write(FIXTURES / world / "expected.json.xz", run_world(world, work))
        print(f"{world}: captured", file=sys.stderr)


def expected(world: str, fixtures: Path = FIXTURES) -> list[dict]:
    return _read(fixtures / world / "expected.json.xz")


if __name__ == "__main__":
    import tempfile

    if sys.argv[1:] != ["build"]:
        sys.exit("usage: python -m tests.support.equivalence build")
    with tempfile.TemporaryDirectory(prefix="jobzone-equivalence-") as tmp:
        build(Path(tmp))
