"""A rerun of the night whose requests were all checked within their hosts' recheck horizon
(the shipped `http.host_recheck_after`): those hosts send nothing and get no Prefect task, and
their collection still records every request, as not asked again."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from flows import night as night_steps
from sim import catalogue_gen
from sim.simserver import SimServer
from tests.faults.conftest import FAST_INTERVALS, night

pytestmark = pytest.mark.slow

D1 = date(2026, 6, 30)


def test_a_rerun_gives_no_task_to_a_host_with_nothing_due(tmp_path, monkeypatch):
    from prefect.context import TaskRunContext

    calls: list[tuple[str, bool]] = []
    collect = night_steps.collect_host

    def recording(plan, host):
        calls.append((host, TaskRunContext.get() is not None))
        return collect(plan, host)

    monkeypatch.setattr(night_steps, "collect_host", recording)
    roles = catalogue_gen.write_catalogue(tmp_path / "roles", 6, seed=5, as_of=D1)
    with SimServer(roles, as_of=D1, intervals=FAST_INTERVALS) as sim:
        config = sim.write_settings(tmp_path / "settings.toml", read_timeout=2.0, recheck=True)
        home = tmp_path / "home"
        runs = [night(home, tmp_path / "roles", config, D1, sim.base_urls())]
        hosts = {host for host, _ in calls}
        # cold: every web host a task; the catalogue's local files (claims) are read in the flow
        assert {host for host, in_task in calls if not in_task} == {"local-files"} and len(hosts) > 10
        calls.clear()
        # the night on which HN counts the threads the cold night listed: HN is due, the rest are not
        runs.append(night(home, tmp_path / "roles", config, D1, sim.base_urls()))
        assert {host for host, _ in calls} == hosts and 0 < sum(in_task for _, in_task in calls) < len(hosts) - 1
        calls.clear()
        sim.reset_hits()
        warm = night(home, tmp_path / "roles", config, D1, sim.base_urls())
        assert sum(sim.request_counts().values()) == 0  # nothing reached any host
    assert {host for host, _ in calls} == hosts and not any(in_task for _, in_task in calls)
    assert warm["status"] == runs[-1]["status"] == "completed" and warm["refresh"]["unchanged"] is True
    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as con:
        rows = con.execute("SELECT source, outcome, detail FROM fetches WHERE run_id = ?", [warm["run_id"]]).fetchall()
        cold = {s for (s,) in con.execute("SELECT DISTINCT source FROM fetches WHERE run_id = ?",
                                          [runs[0]["run_id"]]).fetchall()}
    # every source's requests recorded, none sent (local files are read again: they have no horizon)
    assert len(rows) > 20 and {s for s, _, _ in rows} == cold
    web = [(o, d) for s, o, d in rows if s != "claims"]
    assert {o for o, _ in web} == {"unchanged"} and all(d.startswith("not asked again") for _, d in web)
