"""Fixtures for the scrapers tests: fast HTTP settings and a loopback pytest-httpserver."""

from __future__ import annotations


import pytest

from scrapers.http import HttpSettings


@pytest.fixture
def fast() -> HttpSettings:
    """Settings for loopback tests: tiny backoff, no pacing unless a test asks for it."""
    return HttpSettings(user_agent="jobzone-test/0.1", contact="tests@example.org", connect_timeout=2,
                        read_timeout=5, total_timeout=20, retries=2, backoff_factor=0.01, backoff_max=0.05,
                        retry_after_max=2, rate_limits={}, default_interval=0.0)


@pytest.fixture
def server(httpserver_ipv4):
    """pytest-httpserver on 127.0.0.1; unknown paths (robots.txt included) answer 404 = allow-all."""
    httpserver_ipv4.no_handler_status_code = 404
    yield httpserver_ipv4
    httpserver_ipv4.clear()
