"""Night health through Prefect (issue 13): the copy holds the finished night, a degraded night is a
named state, the summary is markdown tables, the site is a link artifact, a failed publish reopens the run."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from core.errors import NightFailed
from core.paths import Home
from tests.support.samples import demo_config, demo_samples_copy

pytestmark = pytest.mark.slow



@pytest.fixture(scope="module")
def config(tmp_path_factory):
    """No waiting on retries; a source failing one night raises its alert (the demo's IT Jobs Watch 404s)."""
    path = demo_config(tmp_path_factory.mktemp("cfg") / "settings.toml", replace=(
        ("retries = 3", "retries = 0"), ("host_retries = 2", "host_retries = 0"),
        ("source_failure_nights = 3", "source_failure_nights = 1")))
    return str(path)


@pytest.fixture(scope="module")
def demo_night(tmp_path_factory, config):
    """The demo night with no IT Jobs Watch page at all: the source fails (and alerts)."""
    from flows.nightly import nightly

    tmp = tmp_path_factory.mktemp("health")
    samples = demo_samples_copy(tmp / "samples", drop=("itjobswatch", "/jobs/uk/mlops.do"))
    home = Home.resolve(tmp / "home")
    state = nightly(home=str(home.root), config=config, demo=True, samples=str(samples), return_state=True)
    return home, state


def rows(path: Path, sql: str, params=()):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def test_the_analyst_copy_holds_the_nights_finished_run_and_its_alerts(demo_night):
    home, state = demo_night
    summary = state.result()
    run_id = summary["run_id"]
    (status, finished_at, stored), = rows(home.analyst_copy, "SELECT status, finished_at, summary FROM runs"
                                                             " WHERE run_id = ?", [run_id])
    assert status == "degraded" and finished_at is not None
    assert '"failing_sources": ["itjobswatch"]' in stored
    # The newest run in the copy is this one, finished: no `running` row is ever published.
    assert rows(home.analyst_copy, "SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1") == [(run_id,)]
    assert rows(home.analyst_copy, "SELECT count(*) FROM runs WHERE status = 'running'") == [(0,)]
    alerts = "SELECT alert_id, kind, subject, status FROM alerts WHERE run_id = ? ORDER BY alert_id"
    in_warehouse = rows(home.warehouse, alerts, [run_id])
    assert ("source_health", "itjobswatch") in [(k, s) for _, k, s, _ in in_warehouse]
    assert rows(home.analyst_copy, alerts, [run_id]) == in_warehouse  # recorded, and delivered (logged) too


def test_a_degraded_night_ends_in_prefects_completed_state_named_degraded(demo_night):
    _, state = demo_night
    assert state.type.value == "COMPLETED" and state.name == "Degraded"
    assert "failing sources: itjobswatch" in state.message
    assert state.result()["status"] == "degraded"


def _artifacts(flow_run_id):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])))
    return {a.key: a for a in found}


def test_the_summary_artifact_is_markdown_tables_and_the_site_is_a_link_artifact(demo_night):
    home, state = demo_night
    artifacts = _artifacts(state.state_details.flow_run_id)
    summary = artifacts["nightly-summary"]
    assert summary.type == "markdown"
    text = summary.data
    assert "| status | **degraded** |" in text
    assert "| failing sources | itjobswatch |" in text
    (aijri, zone, sub), = rows(home.warehouse, "SELECT aijri, zone, sublabel FROM latest_scores"
                                               " WHERE role_id = 'devops-engineer'")
    assert "| role | AIJRI | zone | sub-label |" in text and f"| devops-engineer | {aijri} | {zone} | {sub or ''} |" in text
    # every IT Jobs Watch page of the catalogue answered 404 (the layout has none)
    (asked,), = rows(home.warehouse, "SELECT count(*) FROM fetches WHERE source = 'itjobswatch' AND outcome = 'http_error'")
    assert asked > 1 and "| source | http_error | ok |" in text and f"| itjobswatch | {asked} | 0 |" in text
    assert "| status | kind | subject | change | message |" in text and "| logged | source_health | itjobswatch |" in text
    # Every line of the summary outside the headings is part of a table.
    body = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    assert body and all(ln.startswith("|") and ln.endswith("|") for ln in body), body
    # Prefect stores a link artifact as markdown: [text](link)
    link = artifacts["site"]
    assert link.data == f"[jobzone site as of 2026-03-02]({(home.site / 'index.html').resolve().as_uri()})"
    assert (home.site / "index.html").is_file()


def test_a_failed_publish_reopens_the_closed_run_as_failed_and_keeps_the_standing_publication(
        tmp_path, config, monkeypatch):
    from flows.nightly import nightly
    from flows.steps import publish as publish_step

    home = Home.resolve(tmp_path / "home")
    nightly(home=str(home.root), config=config, demo=True)
    copy_before = home.analyst_copy.read_bytes()

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(publish_step, "publish_night", broken)
    with pytest.raises(NightFailed, match="failed in publish: OSError") as failed:
        nightly(home=str(home.root), config=config, demo=True, as_of="2026-03-03")
    assert failed.value.exit_code == 3
    (status, finished_at, stored), = rows(home.warehouse, "SELECT status, finished_at, summary FROM runs"
                                                          " WHERE as_of = DATE '2026-03-03'")
    assert status == "failed" and finished_at is not None and '"step": "publish"' in stored
    assert home.analyst_copy.read_bytes() == copy_before
