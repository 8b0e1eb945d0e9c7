"""A fetch's total deadline holds for the whole response: connect, headers and body.

A server that drips a byte more often than the read timeout defeats a per-read timeout (it
restarts on every byte), so the deadline must end the transfer itself. The evidence here is what
the server saw (the client hung up before the drip ended) and what the fetch recorded (an
`unreachable` outcome whose detail names `http.total_timeout`), never elapsed seconds.
"""

from __future__ import annotations

import dataclasses
import socket
import threading

import pytest
from tests.scrapers.scrapers_helpers import drip_server

from scrapers.base import SourceRequest
from scrapers.http import fetch_many, fetch_one

BODY = b"date,value\n" + b"2026-01-01,1.0\n" * 40


def _settings(fast):
    # the drip (a byte every 0.2 s) is well inside the read timeout: only the total deadline can end it
    return dataclasses.replace(fast, read_timeout=2.0, total_timeout=1.0, retries=2)


@pytest.mark.slow
@pytest.mark.parametrize("drip, phase", [("headers", "headers"), ("body", "body")])
def test_a_dripping_response_is_cut_at_the_total_deadline(fast, drip, phase):
    with drip_server(BODY, drip) as (base, logs):
        result = fetch_one(SourceRequest("test", base + "/slow.csv"), _settings(fast))
    assert result.outcome == "unreachable", result.detail
    assert "total deadline" in result.detail and "http.total_timeout" in result.detail and phase in result.detail
    assert result.body is None
    # one attempt, ended by the client before the server had sent everything; not retried
    [log] = logs
    assert log.client_hung_up and not log.finished and 0 < log.sent < log.total, log


@pytest.mark.slow
def test_a_dripping_robots_txt_is_cut_at_the_total_deadline(fast):
    robots = "User-agent: *\n" + "Disallow: /private/\n" * 20
    with drip_server(BODY, "robots", robots=robots) as (base, logs):
        result = fetch_one(SourceRequest("test", base + "/data.csv"), _settings(fast))
    assert result.outcome == "unreachable", result.detail
    assert "robots.txt" in result.detail and "total deadline" in result.detail
    [log] = logs
    assert log.path == "/robots.txt" and log.client_hung_up and not log.finished, log


@pytest.mark.slow
def test_a_host_that_runs_out_of_the_deadline_twice_running_is_not_asked_again(fast):
    with drip_server(BODY, "headers") as (base, logs):
        reqs = [SourceRequest("test", f"{base}/{n}.csv") for n in range(4)]
        results = fetch_many(reqs, _settings(fast))
    assert [r.outcome for r in results] == ["unreachable"] * 4
    assert all("total deadline" in r.detail for r in results[:2])
    assert all(r.detail.startswith("not asked: the last 2 requests") for r in results[2:])
    assert [log.path for log in logs] == ["/0.csv", "/1.csv"]  # the server never saw the others


def test_the_deadline_watchdog_ends_a_read_blocked_on_a_socket():
    """No server: one end of a socket pair never answers; the watchdog ends the blocked recv."""
    from scrapers.deadline import Deadline

    ours, theirs = socket.socketpair()
    got: list[bytes] = []
    with ours, theirs, Deadline(0.3, "test deadline") as deadline:
        deadline.watch(ours)
        reader = threading.Thread(target=lambda: got.append(ours.recv(10)), daemon=True)
        reader.start()
        reader.join(10)  # a hang-stop for a broken watchdog, not a timing assertion
        assert not reader.is_alive() and got == [b""]
        assert deadline.expired and deadline.detail("headers").startswith("test deadline")


def test_a_socket_watched_after_the_deadline_is_shut_at_once():
    from scrapers.deadline import Deadline

    ours, theirs = socket.socketpair()
    with ours, theirs, Deadline(0.0, "test deadline") as deadline:
        deadline.watch(ours)
        assert deadline.expired and ours.recv(10) == b""
