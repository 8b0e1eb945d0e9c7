"""Progress on long work (core/progress.py): done/total and an ETA per host; the night's final state."""

from __future__ import annotations

import pytest

from core import progress
from core.progress import Count, Tally, duration


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def counts():
    seen: list[tuple[str, Count]] = []
    progress.listen(None, lambda name, count: seen.append((name, count)))
    yield seen
    progress.listen(None)


def test_a_real_nights_it_jobs_watch_host_counts_out_its_pages_with_an_eta(counts):
    clock = Clock()
    tally = Tally("fetch www.itjobswatch.co.uk", 1001, clock=clock)
    clock.now += 30  # waiting for robots.txt and a task slot is not page time
    tally.begin()
    assert str(counts[-1][1]) == "0/1001, ETA unknown"
    for _ in range(412):
        clock.now += 2.0
        tally.tick()
    name, count = counts[-1]
    assert name == "fetch www.itjobswatch.co.uk" and (count.done, count.total) == (412, 1001)
    assert count.seconds_each == pytest.approx(2.0)
    assert count.eta_seconds == pytest.approx(589 * 2.0)
    assert str(count) == "412/1001, ETA 19 min 38 s"
    tally.finish()
    assert str(counts[-1][1]) == "1001/1001" and counts[-1][1].eta_seconds == 0


def test_durations_read_as_a_person_says_them():
    assert [duration(s) for s in (0, 44.6, 60, 725, 3600, 7380)] == [
        "0 s", "45 s", "1 min 00 s", "12 min 05 s", "1 h 00 min", "2 h 03 min"]


def test_with_no_count_listener_a_tally_reports_to_nobody():
    progress.listen(None)
    tally = Tally("fetch x", 3)
    tally.tick()
    assert tally.count().done == 1


@pytest.mark.slow
def test_each_host_of_a_night_counts_its_requests_out_to_the_listener(tmp_path, counts):
    """The night's collect step on the bundled samples (loopback), without Prefect."""
    from flows import night

    stages: list[tuple[str, str, str]] = []
    progress.listen(lambda *a: stages.append(a), lambda name, count: counts.append((name, count)))
    # interruptible(): as a night does (a new night clears whatever stopped an earlier one here).
    with night.interruptible(), night.sources_for(demo=True) as base_urls:
        plan = night.plan(home=str(tmp_path / "home"), as_of=None, catalogue_dir=None, config=None,
                          base_urls=base_urls, demo=True)
        for host in plan.hosts:
            night.collect_host(plan, host)
    for host, requests in plan.requests_by_host.items():
        seen = [c for name, c in counts if name == f"fetch {host}"]
        assert [c.done for c in seen] == list(range(len(requests))) + [len(requests)], host
        assert {c.total for c in seen} == {len(requests)}
        assert all(c.eta_seconds is not None for c in seen[1:])
    # The samples lack two IT Jobs Watch pages: that host is degraded (⚠), the claims file is done (✓).
    finished = {name: status for name, status, _ in stages if status != "running"}
    loopback = next(h for h in plan.hosts if h.startswith("127.0.0.1"))
    assert finished[f"fetch {loopback}"] == "degraded" and finished["fetch local-files"] == "done"


def _report(status: str, failing: list[str], errors: list[str]):
    from flows.steps.finish import NightReport

    return NightReport({"status": status, "failing_sources": failing, "catalogue_errors": errors},
                       "", [], [], [])


def test_a_degraded_night_is_prefects_completed_named_degraded_and_says_why():
    from flows.nightly import final_state

    state = final_state(_report("degraded", ["fred", "itjobswatch"], ["roles/x.yaml: bad"]))
    assert (state.type.value, state.name) == ("COMPLETED", "Degraded")
    assert state.message == "degraded: failing sources: fred, itjobswatch; 1 catalogue file(s) skipped"
    completed = final_state(_report("completed", [], []))
    assert (completed.type.value, completed.name, completed.message) == ("COMPLETED", "Completed", "completed")
