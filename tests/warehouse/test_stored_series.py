"""A source's plan-time state from its stored observations (`Source.stored`, `queries.stored_series`):
HN's known threads and the day each was last counted."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from flows.steps.plan import _stored_states
from scrapers.base import RequestOptions
from scrapers.hn.fetch import requests_for
from scrapers.registry import SOURCES
from warehouse.queries import stored_series
from warehouse.store import write

LIST_KEY = "hn:/api/v1/search_by_date?tags=story,author_whoishiring&query=hiring&hitsPerPage=20&page=0"
SEPT, AUG = 37351667, 36956867


def at(day: int) -> pd.Timestamp:
    return pd.Timestamp(f"2023-09-{day:02d} 02:00", tz="UTC")


def fetch(fetch_id, key, outcome, day):
    return {"fetch_id": fetch_id, "source": "hn", "url": "http://127.0.0.1:9/hn" + key[3:], "request_key": key,
            "outcome": outcome, "fetched_at": at(day)}


def row(fetch_id, metric, subject, month, value):
    start = dt.date(2023, month, 1)
    return {"source": "hn", "series_key": "hn:posts" if metric == "hn_posts" else f"hn:thread:2023-{month:02d}",
            "subject": str(subject), "geography": "world", "metric": metric, "period_start": start,
            "period_end": start.replace(day=28), "value": value, "unit": "count", "detail": None, "fetch_id": fetch_id}


@pytest.fixture
def stored(warehouse):
    write(warehouse, "fetches", pd.DataFrame([
        fetch("l1", LIST_KEY, "ok", 2),
        fetch("a1", f"hn:/api/v1/items/{AUG}", "ok", 2),
        fetch("s1", f"hn:/api/v1/items/{SEPT}", "ok", 2),
        # the September thread answered again on the 5th with the same body: nothing parsed,
        # and on the 6th with a 500 (not an answer)
        fetch("s2", f"hn:/api/v1/items/{SEPT}", "unchanged", 5),
        fetch("s3", f"hn:/api/v1/items/{SEPT}", "http_error", 6),
        fetch("o1", "other", "ok", 9)]))
    write(warehouse, "observations", pd.DataFrame([
        row("l1", "hn_thread_comments", SEPT, 9, 120.0), row("l1", "hn_thread_comments", AUG, 8, 700.0),
        row("a1", "hn_posts", AUG, 8, 410.0), row("s1", "hn_posts", SEPT, 9, 95.0),
        {**row("o1", "hn_posts", 1, 7, 5.0), "source": "other"}]))
    return warehouse


def test_the_read_dates_each_row_by_the_last_answer_of_its_request(stored):
    frame = stored_series(stored, "hn", ("hn_thread_comments", "hn_posts"))
    assert set(frame.subject) == {str(SEPT), str(AUG)}  # another source's rows are not read
    by = {(r.metric, r.subject): r for r in frame.itertuples()}
    assert by[("hn_posts", str(SEPT))].fetched_at == at(5)  # the unchanged answer counts; the 500 does not
    assert by[("hn_posts", str(AUG))].fetched_at == at(2) and by[("hn_posts", str(AUG))].value == 410.0
    assert len(stored_series(stored, "hn", ("hn_posts",))) == 2


def test_hn_state_from_the_read_plans_only_the_unsettled_thread(stored):
    state = SOURCES["hn"].stored.state(stored_series(stored, "hn", SOURCES["hn"].stored.metrics))
    assert state == {"threads": {"2023-08": AUG, "2023-09": SEPT},
                     "counted": {str(AUG): "2023-09-02", str(SEPT): "2023-09-05"}}
    reqs = requests_for([{"role_id": "dev", "hn": {"include": ["python"]}}],
                        _options(state, dt.date(2023, 10, 8)))
    # the short nightly list, then both threads: neither was counted 35 days past its month's
    # start (August on 2 September, September on the 5th), so both still collect posts
    assert [r.url.rsplit("/", 1)[-1] for r in reqs[1:]] == [str(AUG), str(SEPT)]
    assert "hitsPerPage=20" in reqs[0].url


def test_a_state_the_source_cannot_read_is_reported_and_planned_as_empty():
    broken = pd.DataFrame({"metric": ["hn_posts"], "series_key": ["hn:posts"], "subject": ["1"],
                           "period_start": [dt.date(2023, 9, 1)], "value": [3.0], "fetched_at": [None]})
    options: dict = {"hn": {"backfill": False}}
    errors: list[str] = []
    _stored_states({"hn": broken}, options, errors)
    assert "stored" not in options["hn"] and len(errors) == 1
    assert errors[0].startswith("hn: stored state unreadable") and "has no fetched_at" in errors[0]


def _options(state, today):
    return RequestOptions(today=today, options={"stored": state})
