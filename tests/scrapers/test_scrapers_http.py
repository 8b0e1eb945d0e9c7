"""scrapers.http against real loopback servers: every failure is a typed outcome."""

from __future__ import annotations

import hashlib
import time

import pytest
import urllib3.util.retry
from tests.scrapers.scrapers_helpers import free_port, raw_server
from werkzeug.wrappers import Response

from scrapers import politeness
from scrapers.base import SourceRequest
from scrapers.http import HttpSettings, detect_encoding, fetch_many, fetch_one, make_fetch_id, same_site

pytestmark = pytest.mark.slow

CSV = ("text/csv", "text/plain")


class _FakeClock:
    """A `time` for one module: `monotonic()` moves only by what `sleep()` is asked to wait."""

    def __init__(self) -> None:
        self.now, self.waits = 1000.0, []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def _record_waits(monkeypatch, module) -> list[float]:
    """Record (and skip) every `time.sleep` `module` asks for; its other clocks stay real."""
    waits: list[float] = []
    fake = type("time", (), {"sleep": staticmethod(waits.append), "time": staticmethod(time.time),
                             "monotonic": staticmethod(time.monotonic)})
    monkeypatch.setattr(module, "time", fake)
    return waits


def req(url: str, **kw) -> SourceRequest:
    kw.setdefault("allowed_content_types", CSV)
    return SourceRequest(source="test", url=url, **kw)


def paths(server) -> list[str]:
    return [r.path for r, _ in server.log]


def test_ok_sends_user_agent_and_records_metadata(server, fast):
    server.expect_request("/data.csv").respond_with_data("a,b\n1,2\n", content_type="text/csv; charset=utf-8",
                                                         headers={"ETag": '"v1"'})
    res = fetch_one(req(server.url_for("/data.csv")), fast)
    assert res.outcome == "ok" and res.status == 200
    assert res.body == b"a,b\n1,2\n" and res.bytes == 8
    assert res.sha256 == hashlib.sha256(b"a,b\n1,2\n").hexdigest()
    assert res.etag == '"v1"' and res.encoding == "utf-8" and res.replacements == 0
    assert res.decoded_text() == "a,b\n1,2\n"
    sent = server.log[-1][0].headers
    assert sent["User-Agent"] == "jobzone-test/0.1 (+contact: tests@example.org)"
    assert sent["From"] == "tests@example.org"
    assert res.fetch_id == make_fetch_id(res.key, res.fetched_at)


def test_retries_500_then_succeeds(server, fast):
    server.expect_oneshot_request("/flaky.csv").respond_with_data("boom", status=500)
    server.expect_oneshot_request("/flaky.csv").respond_with_data("boom", status=503)
    server.expect_request("/flaky.csv").respond_with_data("ok\n", content_type="text/csv")
    res = fetch_one(req(server.url_for("/flaky.csv")), fast)
    assert res.outcome == "ok" and res.body == b"ok\n"
    assert paths(server).count("/flaky.csv") == 3


def test_persistent_500_is_http_error_after_bounded_retries(server, fast):
    server.expect_request("/down.csv").respond_with_data("boom", status=500)
    res = fetch_one(req(server.url_for("/down.csv")), fast)
    assert res.outcome == "http_error" and res.status == 500
    assert paths(server).count("/down.csv") == fast.retries + 1


def test_404_is_not_retried(server, fast):
    server.expect_request("/gone.csv").respond_with_data("no", status=404)
    res = fetch_one(req(server.url_for("/gone.csv")), fast)
    assert res.outcome == "http_error" and res.status == 404
    assert paths(server).count("/gone.csv") == 1


def test_429_honours_retry_after(server, fast, monkeypatch):
    server.expect_oneshot_request("/busy.csv").respond_with_data("slow down", status=429, headers={"Retry-After": "1"})
    server.expect_request("/busy.csv").respond_with_data("ok\n", content_type="text/csv")
    waits = _record_waits(monkeypatch, urllib3.util.retry)
    res = fetch_one(req(server.url_for("/busy.csv")), fast)
    assert res.outcome == "ok" and paths(server).count("/busy.csv") == 2
    assert waits == [1.0]  # the wait the server asked for, before the one retry


def test_304_with_stored_etag_is_unchanged(server, fast):
    def handler(request):
        if request.headers.get("If-None-Match") == '"abc"':
            return Response(status=304, headers={"ETag": '"abc"'})
        return Response("x,y\n", content_type="text/csv", headers={"ETag": '"abc"'})

    server.expect_request("/cond.csv").respond_with_handler(handler)
    url = server.url_for("/cond.csv")
    res = fetch_one(req(url), fast, ('"abc"', "Tue, 03 Mar 2026 00:00:00 GMT", "f" * 64))
    assert res.outcome == "unchanged" and res.status == 304 and res.body is None
    assert res.sha256 == "f" * 64  # carried from the previous run
    sent = server.log[-1][0].headers
    assert sent["If-None-Match"] == '"abc"' and sent["If-Modified-Since"] == "Tue, 03 Mar 2026 00:00:00 GMT"


def test_same_body_is_unchanged(server, fast):
    server.expect_request("/same.csv").respond_with_data("same\n", content_type="text/csv")
    first = fetch_one(req(server.url_for("/same.csv")), fast)
    again = fetch_one(req(server.url_for("/same.csv")), fast, first.validator())
    assert first.outcome == "ok" and again.outcome == "unchanged"
    assert again.sha256 == first.sha256 and again.body is None


def test_robots_disallow_never_hits_the_url(server, fast):
    server.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /private/\n")
    server.expect_request("/private/data.csv").respond_with_data("secret", content_type="text/csv")
    server.expect_request("/public.csv").respond_with_data("ok", content_type="text/csv")
    results = fetch_many([req(server.url_for("/private/data.csv")), req(server.url_for("/public.csv"))], fast)
    assert [r.outcome for r in results] == ["disallowed", "ok"]
    assert "/private/data.csv" not in paths(server)
    assert paths(server).count("/robots.txt") == 1  # once per host per run


def test_robots_server_error_means_disallow_all(server, fast):
    server.expect_request("/robots.txt").respond_with_data("oops", status=500)
    server.expect_request("/x.csv").respond_with_data("x", content_type="text/csv")
    res = fetch_one(req(server.url_for("/x.csv")), fast)
    assert res.outcome == "disallowed" and "robots.txt" in res.detail
    assert "/x.csv" not in paths(server)


def test_oversized_body_is_too_large(server, fast):
    server.expect_request("/big.csv").respond_with_data("x" * 5000, content_type="text/csv")
    res = fetch_one(req(server.url_for("/big.csv"), max_bytes=1000), fast)
    assert res.outcome == "too_large" and res.body is None


def test_oversized_body_without_content_length_is_cut_while_streaming(fast):
    def respond(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/csv")
        h.send_header("Connection", "close")
        h.end_headers()
        for _ in range(20):
            h.wfile.write(b"y" * 1000)

    with raw_server(respond) as (base, _seen):
        res = fetch_one(req(base + "/stream.csv"), HttpSettings(**{**fast.__dict__, "max_bytes": 4000}))
    assert res.outcome == "too_large"


def test_offhost_redirect_is_refused(server, fast):
    server.expect_request("/moved.csv").respond_with_data("", status=302,
                                                          headers={"Location": "http://example.com/stolen.csv"})
    res = fetch_one(req(server.url_for("/moved.csv")), fast)
    assert res.outcome == "offhost_redirect" and "example.com" in res.detail


def test_same_host_redirect_is_followed(server, fast):
    server.expect_request("/old.csv").respond_with_data("", status=301, headers={"Location": "/new.csv"})
    server.expect_request("/new.csv").respond_with_data("new\n", content_type="text/csv")
    res = fetch_one(req(server.url_for("/old.csv")), fast)
    assert res.outcome == "ok" and res.body == b"new\n" and res.final_url.endswith("/new.csv")


def test_truncated_body_is_a_typed_failure(fast):
    def respond(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/csv")
        h.send_header("Content-Length", "1000")
        h.end_headers()
        h.wfile.write(b"only a few bytes")
        h.wfile.flush()

    with raw_server(respond) as (base, _seen):
        res = fetch_one(req(base + "/short.csv"), fast)
    assert res.outcome == "unreachable" and "truncated" in res.detail
    assert res.body is None


def test_non_utf8_bytes_are_counted(server, fast):
    server.expect_request("/latin.csv").respond_with_data(b"item,price\nwidget,\xa3100\nother,\xa35\n",
                                                          content_type="text/csv; charset=utf-8")
    res = fetch_one(req(server.url_for("/latin.csv")), fast)
    assert res.outcome == "ok" and res.replacements == 2
    assert res.decoded_text().count("\ufffd") == 2 and "replaced" in res.detail


def test_charset_from_header_or_meta():
    assert detect_encoding(b"abc", "text/csv; charset=ISO-8859-1") == "iso8859-1"
    assert detect_encoding(b'<html><head><meta charset="windows-1252">', "text/html") == "cp1252"
    assert detect_encoding(b"plain", None) == "utf-8"


def test_wrong_content_type_is_refused(server, fast):
    server.expect_request("/page.csv").respond_with_data("<html>login</html>", content_type="text/html")
    res = fetch_one(req(server.url_for("/page.csv")), fast)
    assert res.outcome == "bad_content_type" and "text/html" in res.detail and res.body is None


def test_unreachable_port(fast):
    res = fetch_one(req(f"http://127.0.0.1:{free_port()}/x.csv"), fast)
    assert res.outcome == "unreachable" and res.status is None


def test_per_host_rate_limit(server, fast):
    for name in ("a", "b", "c"):
        server.expect_request(f"/{name}.csv").respond_with_data(name, content_type="text/csv")
    polite = HttpSettings(**{**fast.__dict__, "rate_limits": {"127.0.0.1": 0.5}})
    start = time.monotonic()
    results = fetch_many([req(server.url_for("/a.csv")), req(server.url_for("/b.csv"))], polite)
    elapsed = time.monotonic() - start
    assert [r.outcome for r in results] == ["ok", "ok"]
    assert elapsed >= 0.5  # a lower bound guaranteed by design; no upper bound is asserted
    assert paths(server) == ["/robots.txt", "/a.csv", "/b.csv"]  # strictly sequential, in order


def test_a_retry_waits_for_the_hosts_politeness_slot(server, fast, monkeypatch):
    # urllib3 retries at once after a first 5xx; the retry must still keep the host's interval.
    server.expect_oneshot_request("/flaky.csv").respond_with_data("boom", status=500)
    server.expect_request("/flaky.csv").respond_with_data("ok\n", content_type="text/csv")
    polite = HttpSettings(**{**fast.__dict__, "rate_limits": {"127.0.0.1": 0.5}, "backoff_factor": 0.0})
    server.log.clear()
    clock = _FakeClock()
    monkeypatch.setattr(politeness, "time", clock)  # the limiter's clock: it moves only when it waits
    res = fetch_one(req(server.url_for("/flaky.csv")), polite)
    assert res.outcome == "ok" and paths(server) == ["/robots.txt", "/flaky.csv", "/flaky.csv"]
    # robots.txt, the first try and the retry: three requests, each a whole interval after the last
    assert clock.waits == [pytest.approx(0.5), pytest.approx(0.5)]


def test_different_hosts_are_grouped_and_order_is_kept(server, fast):
    server.expect_request("/one.csv").respond_with_data("1", content_type="text/csv")

    def respond(h):
        body = b"2"
        h.send_response(200)
        h.send_header("Content-Type", "text/csv")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    with raw_server(respond) as (base, seen):
        results = fetch_many([req(base + "/two.csv"), req(server.url_for("/one.csv")), req(base + "/three.csv")],
                             fast)
    assert [r.body for r in results] == [b"2", b"1", b"2"]
    assert seen == ["/robots.txt", "/two.csv", "/three.csv"]


def test_post_json_body(server, fast):
    server.expect_request("/api", method="POST", json={"seriesid": ["X"]}).respond_with_json({"status": "ok"})
    res = fetch_one(SourceRequest(source="bls", url=server.url_for("/api"), method="POST", json={"seriesid": ["X"]},
                                  allowed_content_types=("application/json",)), fast)
    assert res.outcome == "ok" and res.method == "POST" and res.key.startswith("POST ")


def test_local_file_location(tmp_path, fast):
    path = tmp_path / "layoffs.csv"
    path.write_bytes(b"company\nX\n")
    first = fetch_one(req(str(path)), fast)
    assert first.outcome == "ok" and first.body == b"company\nX\n"
    again = fetch_one(req(path.as_uri()), fast, first.validator())
    assert again.outcome == "unchanged"
    assert fetch_one(req(str(tmp_path / "missing.csv")), fast).outcome == "unreachable"


def test_same_site_rules():
    assert same_site("https://www.itjobswatch.co.uk/a", "https://itjobswatch.co.uk/b")
    assert not same_site("https://www.itjobswatch.co.uk/a", "https://evil.co.uk/b")
    assert not same_site("https://a.github.io/x", "https://b.github.io/x")
    assert not same_site("https://api.bls.gov/x", "http://api.bls.gov/x")  # downgrade
    assert same_site("http://127.0.0.1:8000/a", "http://127.0.0.1:8000/b")
    assert not same_site("http://127.0.0.1:8000/a", "http://127.0.0.1:9000/b")
    assert not same_site("http://127.0.0.1:8000/a", "http://localhost:8000/b")


def test_a_url_checked_recently_is_not_asked_again(server, fast):
    from datetime import datetime, timedelta, timezone

    from scrapers.http import Validator

    server.expect_request("/daily.csv").respond_with_data("a\n1\n", content_type="text/csv")
    settings = HttpSettings(**{**fast.__dict__, "recheck_after": {"127.0.0.1": 3600}})
    first = fetch_one(req(server.url_for("/daily.csv")), settings)
    assert first.outcome == "ok"
    checked = first.validator()
    assert checked.checked_at == first.fetched_at
    again = fetch_one(req(server.url_for("/daily.csv")), settings, checked)
    assert again.outcome == "unchanged" and again.detail.startswith("not asked again")
    assert again.sha256 == first.sha256 and again.validator().checked_at == first.fetched_at
    assert paths(server).count("/daily.csv") == 1
    # Past the horizon the source is asked again.
    stale = Validator(*checked[:3], checked_at=datetime.now(timezone.utc) - timedelta(hours=2))
    assert fetch_one(req(server.url_for("/daily.csv")), settings, stale).outcome == "unchanged"
    assert paths(server).count("/daily.csv") == 2
