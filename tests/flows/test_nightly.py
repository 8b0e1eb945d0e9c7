"""The nightly flow end to end, through Prefect, on the bundled real samples served on loopback."""

import hashlib
import json
import shutil

import duckdb
import pytest

from core.errors import NightFailed
from core.paths import REPO_ROOT, Home
from flows.replay import replay
from scrapers.archive import RawArchive
from scrapers.registry import SOURCES
from tests.support.samples import demo_samples_copy

pytestmark = pytest.mark.slow

SETTINGS = REPO_ROOT / "core" / "settings.toml"
TABLES = ("aijri_results", "evidence_scores", "observations", "metrics", "fetches", "alerts", "catalogue_versions")


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    """Settings for tests: no waiting on retries for a dead host."""
    text = SETTINGS.read_text().replace("retries = 3", "retries = 0").replace(
        "host_retries = 2", "host_retries = 0").replace("connect_timeout = 5.0", "connect_timeout = 1.0")
    path = tmp_path_factory.mktemp("cfg") / "settings.toml"
    path.write_text(text)
    return str(path)


def night(home, config, **kwargs):
    from flows.nightly import nightly

    return nightly(home=str(home), config=config, **kwargs)


def snapshot(path):
    with duckdb.connect(str(path), read_only=True) as con:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in TABLES}


def query(path, sql, params=()):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def test_demo_night_refreshes_mlops_publishes_and_a_rerun_adds_nothing(tmp_path, config):
    home = Home.resolve(tmp_path / "home")
    first = night(home.root, config, demo=True)
    assert first["as_of"] == "2026-03-02"
    # IT Jobs Watch pages of every role but MLOps and the OEWS 2021 and 2022 national files
    # are not in the samples (404): degraded, not failed.
    assert first["status"] == "degraded" and first["failing_sources"] == ["itjobswatch", "oews"]
    assert first["refresh"]["observations"] > 1000 and first["refresh"]["quarantined"] == 0

    dims = query(home.warehouse, "SELECT dimension, score, origin, confidence, rationale FROM evidence_history"
                                 " WHERE role_id = 'mlops-engineer' AND as_of = DATE '2026-03-02' ORDER BY dimension")
    assert len(dims) == 5
    assert all(score is not None and rationale for _, score, _, _, rationale in dims)
    by_dim = {d: (s, o, c, r) for d, s, o, c, r in dims}
    assert by_dim["job_posting_trends"][:2] == (1, "refreshed")
    assert "185 vs 154 (+20.1 %)" in by_dim["job_posting_trends"][3]
    assert sum(1 for s, o, c, r in by_dim.values() if o == "refreshed" and c is not None) >= 4

    total = sum(s for s, *_ in by_dim.values())
    (aijri, zone, refreshed), = query(home.warehouse, "SELECT aijri, zone, evidence_refreshed FROM latest_scores"
                                                      " WHERE role_id = 'mlops-engineer'")
    from scoring.aijri import score
    assert aijri == score(3.05, total, 1, 1, 70).aijri and refreshed
    # Every role has a baseline per dimension, so every role refreshes what the samples cover (at
    # least its layoffs and the GB AI share) and scores on the sum of its five stored dimensions.
    from core.catalogue import load_catalogue

    catalogue = load_catalogue()
    scored = {r: (a, refreshed) for r, a, refreshed in query(
        home.warehouse, "SELECT role_id, aijri, evidence_refreshed FROM latest_scores")}
    assert set(scored) == set(catalogue.roles) and len(scored) == 19
    totals = dict(query(home.warehouse, "SELECT role_id, sum(score) FROM evidence_history WHERE as_of = ? GROUP BY 1",
                        [first["as_of"]]))
    for role in catalogue:
        expected = score(role.tr, totals[role.id], role.barrier_sum, role.growth.score, role.pct_time_3plus,
                         published_sublabel=role.published.sublabel)
        assert scored[role.id] == (expected.aijri, True), role.id

    assert home.analyst_copy.exists() and (home.site / "roles" / "mlops-engineer.html").exists()
    from warehouse.publish import DICTIONARY_CSV, MARTS, mart_files

    assert sorted(p.name for p in home.marts.iterdir()) == sorted(
        [name for view in MARTS for name in mart_files(view)] + [DICTIONARY_CSV])
    assert {"lineage.parquet", "run_log.csv", "alert_log.parquet"} <= {p.name for p in home.marts.iterdir()}
    assert query(home.analyst_copy, "SELECT count(*) FROM latest_scores") == [(19,)]

    # every new source stored its observations; HN found its thread (the list) ...
    stored = dict(query(home.warehouse, "SELECT source, count(*) FROM observations GROUP BY 1"))
    assert {"bls_ep", "oews", "ai_exposure", "hn"} <= set(stored)
    assert query(home.warehouse, "SELECT subject FROM observations WHERE metric = 'hn_thread_comments'") == [
        ("2396027",)]
    # ... and counts it the next night, from what the plan step read back of the warehouse
    counted = night(home.root, config, demo=True)
    assert counted["status"] == "degraded" and counted["refresh"]["quarantined"] == 0
    added = query(home.warehouse, "SELECT DISTINCT o.source, o.metric FROM observations o JOIN fetches f USING (fetch_id)"
                                  " WHERE f.run_id = ? ORDER BY 2", [counted["run_id"]])
    # (the nightly list is the short page, a request of its own: parsed once, then unchanged)
    assert added == [("hn", "hn_posts"), ("hn", "hn_role_posts"), ("hn", "hn_role_share_pct"),
                     ("hn", "hn_thread_comments")]
    roles = dict(query(home.warehouse, "SELECT subject, value FROM observations WHERE metric = 'hn_role_posts'"))
    # of the six posts: Groupon's "Big Data" (MLOps, data engineering) and "programmers", Rally's
    # "development/operations", "Generalist engineer" and "backend", Tinkercad's "distributed systems",
    # the Prague "C# developer"; the roles without an `hn` key are not counted
    assert roles == {"mlops-engineer": 1, "devops-engineer": 1, "cloud-architect": 1, "programmer": 1,
                     "data-engineer": 1, "backend-api-developer": 1, "full-stack-developer": 1,
                     "application-software-developer": 1}

    before = snapshot(home.warehouse)
    published = {p: p.stat().st_mtime_ns for p in (home.analyst_copy, home.site / "index.html")}
    second = night(home.root, config, demo=True)
    assert second["refresh"]["observations"] == 0 and second["score"]["results_added"] == 0
    # Same inputs as the first run (same bodies, same 404s): the evidence and publication stand.
    assert second["refresh"]["unchanged"] is True and second["refresh"]["origins"] == first["refresh"]["origins"]
    assert second["publish"]["unchanged"] is True
    assert {p: p.stat().st_mtime_ns for p in published} == published
    outcomes = query(home.warehouse, "SELECT DISTINCT outcome FROM fetches WHERE run_id = ?", [second["run_id"]])
    assert set(o for (o,) in outcomes) <= {"unchanged", "http_error"}
    after = snapshot(home.warehouse)
    for table in ("aijri_results", "evidence_scores", "metrics", "observations", "alerts", "catalogue_versions"):
        assert after[table] == before[table], table
    assert set(before["fetches"]) <= set(after["fetches"])  # the fetch log only grows

    # Replay rebuilds the same observations from the archive alone.
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        report = replay(con, RawArchive(home.raw))
    stored = query(home.warehouse, "SELECT count(*) FROM observations")[0][0]
    assert (report.identical, report.changed, report.new) == (stored, 0, 0) and not report.errors

    # explain: every refreshed metric traces to a fetch whose archived bytes hash to its sha256.
    from cli.app import app
    from typer.testing import CliRunner
    out = CliRunner().invoke(app, ["--home", str(home.root), "explain", "mlops-engineer", "--json"])
    doc = json.loads(out.stdout)
    assert doc["result"]["aijri"] == aijri
    fetched = [f for d in doc["dimensions"] for m in d["metrics"] for f in m["fetches"]]
    assert any(f["url"].endswith("/itjobswatch/jobs/uk/mlops.do") for f in fetched)
    archive = RawArchive(home.raw)
    for f in fetched:
        assert hashlib.sha256(archive.get(f["sha256"])).hexdigest() == f["sha256"]

    # The backtest replays the rubric over the sample history (Indeed reaches back to 2020).
    out = CliRunner().invoke(app, ["--home", str(home.root), "backtest", "--from", "2024-01-01", "--to", "2026-03-01",
                                   "--step-days", "28", "--json"])
    bt = json.loads(out.stdout)
    mlops = next(r for r in bt["summary"] if r["role_id"] == "mlops-engineer")
    assert mlops["steps"] == len([p for p in bt["path"] if p["role_id"] == "mlops-engineer"]) > 20
    assert mlops["steps_refreshed"] > 0 and mlops["crossings"] >= mlops["reversals"] >= 0


def _doctored_samples(tmp_path, replace):
    samples = demo_samples_copy(tmp_path / "samples")
    page = samples / "itjobswatch" / "mlops_permanent_uk_2026-03-02.html"
    text = page.read_text()
    for old, new in replace:
        assert old in text
        text = text.replace(old, new)
    page.write_text(text)
    return samples


def test_poisoned_values_are_quarantined_and_move_no_zone(tmp_path, config):
    home = Home.resolve(tmp_path / "home")
    night(home.root, config, demo=True)
    clean = query(home.warehouse, "SELECT role_id, aijri, zone FROM latest_scores ORDER BY 1")
    samples = _doctored_samples(tmp_path, [
        ('<td class="fig">185</td>', '<td class="fig">9,250</td>'),  # postings x50
        ('(50<sup>th</sup> Percentile)</td><td class="fig">-</td>', '(50<sup>th</sup> Percentile)</td><td class="fig">&#163;5</td>'),
    ])
    poisoned = night(home.root, config, demo=True, samples=str(samples), as_of="2026-03-03")
    assert poisoned["refresh"]["quarantined"] >= 2
    checks = query(home.warehouse, "SELECT metric, value, check_name FROM quarantine WHERE run_id = ? ORDER BY 1",
                   [poisoned["run_id"]])
    assert ("postings", 9250.0) in [(m, v) for m, v, _ in checks]
    assert ("median_salary", 5.0) in [(m, v) for m, v, _ in checks]
    # Quarantined values never reach the warehouse's observations, so never a score.
    assert query(home.warehouse, "SELECT count(*) FROM observations WHERE source = 'itjobswatch'"
                                 " AND subject = 'mlops' AND value IN (9250, 5)") == [(0,)]
    after = query(home.warehouse, "SELECT role_id, aijri, zone FROM latest_scores ORDER BY 1")
    assert [(r, z) for r, _, z in after] == [(r, z) for r, _, z in clean]
    assert query(home.warehouse, "SELECT count(*) FROM alerts WHERE kind = 'zone'") == [(0,)]


def test_a_role_whose_sources_all_fail_keeps_yesterdays_evidence_marked_carried(tmp_path, config):
    home = Home.resolve(tmp_path / "home")
    catalogue = tmp_path / "roles"
    shutil.copytree(REPO_ROOT / "roles", catalogue)
    night(home.root, config, demo=True, catalogue=str(catalogue))
    yesterday = query(home.warehouse, "SELECT dimension, score FROM evidence_history WHERE role_id = 'mlops-engineer'"
                                      " AND as_of = DATE '2026-03-02' ORDER BY 1")
    published_before = home.analyst_copy.read_bytes()
    dead = "http://127.0.0.1:9"  # discard port: nothing listens
    # every registered web source (a source left out would be fetched from its real host)
    bases = {s: dead for s in SOURCES if s != "claims"}
    (catalogue / "expert-claims.yaml").unlink()
    summary = night(home.root, config, base_urls=bases, as_of="2026-03-03", catalogue=str(catalogue))
    assert summary["status"] == "degraded"
    today = query(home.warehouse, "SELECT dimension, score, origin, age_days FROM evidence_history"
                                  " WHERE role_id = 'mlops-engineer' AND as_of = DATE '2026-03-03' ORDER BY 1")
    assert [(d, s) for d, s, _, _ in today] == yesterday
    assert {o for _, _, o, _ in today} == {"carried"} and {a for *_, a in today} == {1}
    assert query(home.warehouse, "SELECT count(*) FROM alerts WHERE kind = 'zone'") == [(0,)]
    health = query(home.warehouse, "SELECT source, failed, ok FROM source_health WHERE run_id = ? ORDER BY 1",
                   [summary["run_id"]])
    assert all(failed > 0 and ok == 0 for _, failed, ok in health)
    # The published copy was replaced by tonight's (degraded but good) night, and is readable.
    assert home.analyst_copy.read_bytes() != published_before
    assert query(home.analyst_copy, "SELECT max(as_of) FROM score_history") [0][0].isoformat() == "2026-03-03"

    # The same night again with the sources back: the bodies are unchanged (nothing parsed), but the
    # requests that failed now succeed, so the refresh must be recomputed, not skipped as unchanged.
    rerun = night(home.root, config, demo=True, as_of="2026-03-03", catalogue=str(catalogue))
    assert not rerun["refresh"].get("unchanged")
    # Only HN stores anything new: its plan reads its stored state (the first demo night lists the
    # threads, the next counts the newest thread's posts); every other body is unchanged, so unparsed.
    added = query(home.warehouse, "SELECT DISTINCT o.source FROM observations o JOIN fetches f USING (fetch_id)"
                                  " WHERE f.run_id = ?", [rerun["run_id"]])
    assert added == [("hn",)] and rerun["refresh"]["observations"] > 0, (added, rerun["refresh"])
    origins = query(home.warehouse, "SELECT origin FROM evidence_history WHERE role_id = 'mlops-engineer'"
                                    " AND as_of = DATE '2026-03-03'")
    assert ("refreshed",) in origins


def test_a_failure_of_our_own_code_fails_the_run_visibly_and_publishes_nothing(tmp_path, config, monkeypatch):
    from flows import night as steps

    home = Home.resolve(tmp_path / "home")
    night(home.root, config, demo=True)
    copy_before = home.analyst_copy.read_bytes()
    page_before = (home.site / "roles" / "mlops-engineer.html").read_bytes()

    def broken_score(plan):
        raise RuntimeError("a bug in scoring")

    monkeypatch.setattr(steps, "score", broken_score)
    # One error naming the step and the cause (the CLI prints it as one line, exit 3); the bug is its cause.
    with pytest.raises(NightFailed, match="failed in score: RuntimeError: a bug in scoring") as failed:
        night(home.root, config, demo=True, as_of="2026-03-03")
    assert isinstance(failed.value.__cause__, RuntimeError) and failed.value.exit_code == 3
    (status, summary), = query(home.warehouse, "SELECT status, summary FROM runs WHERE as_of = DATE '2026-03-03'")
    assert status == "failed" and "a bug in scoring" in summary
    assert home.analyst_copy.read_bytes() == copy_before
    assert (home.site / "roles" / "mlops-engineer.html").read_bytes() == page_before
