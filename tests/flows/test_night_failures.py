"""How a night ends when it does not finish: signals, failed steps, a future as-of (no Prefect here;
the whole nights are in tests/faults/test_hostile_night.py)."""

import signal
from datetime import date, timedelta

import pytest

from core.errors import FutureAsOfError, NightFailed, NightInterrupted
from flows.steps import interrupt
from flows.steps.asof import check_as_of, what_if_home
from flows.steps.runs import finish_run, record_failure, start_run
from warehouse import queries
from warehouse.db import open_warehouse


@pytest.fixture
def no_watchdog(monkeypatch):
    # The watchdog ends a process that has not exited GRACE_SECONDS after a signal: not pytest's.
    monkeypatch.setattr(interrupt, "GRACE_SECONDS", 10**6)


def test_sigterm_inside_a_night_raises_night_interrupted_and_the_handler_is_put_back(no_watchdog):
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(NightInterrupted) as err:
        with interrupt.interruptible():
            signal.raise_signal(signal.SIGTERM)
            pytest.fail("the signal did not stop the night")
    assert err.value.code == 143 and err.value.exit_code == 143
    assert isinstance(err.value, SystemExit) and not isinstance(err.value, Exception)  # nothing swallows it
    assert signal.getsignal(signal.SIGTERM) is before


def test_once_stopping_the_fetch_loop_stops_at_its_next_lookup_and_the_next_night_starts_clean(no_watchdog):
    validators = {"itjobswatch:/a": ("etag", None, None, None)}
    with interrupt.interruptible():
        view = interrupt.watching(validators)
        assert view.get("itjobswatch:/a") == validators["itjobswatch:/a"] and view.get("nope") is None
        assert interrupt.watching({})  # `validators or {}` keeps even an empty view
        interrupt.stop_fetching()
        with pytest.raises(interrupt.FetchStopped):
            view.get("itjobswatch:/a")
    with interrupt.interruptible():
        assert not interrupt.stopping()
        assert interrupt.watching(validators).get("itjobswatch:/a") is not None


def test_a_failed_step_marks_the_running_run_failed_and_names_step_and_cause(home):
    with open_warehouse(home.warehouse) as con:
        start_run(con, "n1", "nightly", date(2026, 3, 3))
    cause = FileExistsError(17, "File exists")
    cause.filename = str(home.raw / "ab")
    failure = record_failure(home, "n1", cause, "fetch 127.0.0.1:8080")
    assert isinstance(failure, NightFailed) and failure.exit_code == 3
    assert str(failure) == (f"the night failed in fetch 127.0.0.1:8080: FileExistsError: [Errno 17] File exists: "
                            f"'{home.raw / 'ab'}' (run n1 recorded as failed)")
    with open_warehouse(home.warehouse) as con:
        assert queries.run_status(con, "n1") == "failed"


def test_a_signal_marks_it_interrupted_and_a_finished_run_is_never_rewritten(home):
    with open_warehouse(home.warehouse) as con:
        start_run(con, "n1", "nightly", date(2026, 3, 3))
        start_run(con, "n2", "nightly", date(2026, 3, 4))
        finish_run(con, "n2", "completed", {})
    interrupted = record_failure(home, "n1", NightInterrupted(signal.SIGTERM), "refresh")
    assert isinstance(interrupted, NightInterrupted)
    assert str(interrupted).startswith("interrupted by SIGTERM during refresh (run n1 recorded as interrupted")
    record_failure(home, "n2", RuntimeError("late"), "finish")
    with open_warehouse(home.warehouse) as con:
        assert (queries.run_status(con, "n1"), queries.run_status(con, "n2")) == ("interrupted", "completed")


def test_a_future_as_of_is_refused_unless_forced():
    today = date(2026, 12, 3)
    assert check_as_of("2026-12-03", today=today) == (today, False)
    assert check_as_of(None, today=today) == (None, False)
    with pytest.raises(FutureAsOfError, match=r"^--as-of 2026-12-04: is in the future \(today is 2026-12-03\)"):
        check_as_of("2026-12-04", option="--as-of", today=today)
    assert check_as_of("2026-12-04", force=True, today=today) == (today + timedelta(days=1), True)


def test_a_what_if_home_starts_from_a_copy_and_leaves_the_shared_warehouse_alone(home):
    with open_warehouse(home.warehouse) as con:
        start_run(con, "n1", "nightly", date(2026, 3, 3))
    what_if = what_if_home(home, date(2027, 1, 1))
    assert what_if.root == home.root / "what-if" / "2027-01-01"
    with open_warehouse(what_if.warehouse) as con:
        start_run(con, "w1", "what-if", date(2027, 1, 1))
        assert queries.run_status(con, "n1") == "running"
    with open_warehouse(home.warehouse) as con:
        assert queries.run_status(con, "w1") is None
    assert what_if_home(home, date(2027, 1, 1)).root == what_if.root  # recomputed afresh, in the same place
    with open_warehouse(what_if.warehouse) as con:
        assert queries.run_status(con, "w1") is None
