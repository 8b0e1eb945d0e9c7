"""HN Who is hiring?: the real Algolia thread list and thread, role counts, the pure fetch plan."""

from __future__ import annotations

import codecs
import csv
import io
import json
from datetime import date

import pytest
from tests.scrapers.scrapers_helpers import ctx, one

from scrapers.base import ParseError, RequestOptions
from scrapers.hn import parse, requests_for
from scrapers.hn.fetch import HnState, plan, threads_to_count
from scrapers.hn import SAMPLES


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


PAGE0 = "algolia_search_by_date_whoishiring_page0_2023-09-25.json"
PAGE8 = "algolia_search_by_date_whoishiring_page8_2023-09-25.json"
APRIL_2011 = "algolia_items_2396027_april2011_first6children_excerpt.json"
PATTERNS = {"php-developer": {"include": [r"\bPHP\b"], "exclude": [], "where": "text"},
            "engineer": {"include": [r"engineer"], "exclude": [r"\bsales\b"], "where": "header"}}


def test_thread_list_names_each_month_with_its_comment_count():
    df = parse(sample(PAGE0), ctx(source="hn"))
    assert len(df) == 20 and set(df.metric) == {"hn_thread_comments"}
    sept = df[df.series_key == "hn:thread:2023-09"].iloc[0]
    assert (sept.subject, sept.value) == ("37351667", 500)
    assert (sept.period_start, sept.period_end) == (date(2023, 9, 1), date(2023, 9, 30))
    assert one(df, series_key="hn:thread:2022-02") == 899
    assert json.loads(sept.detail)["title"] == "Ask HN: Who is hiring? (September 2023)"


def test_thread_ids_agree_with_an_independent_list():
    listed = {r["id"]: r["title"] for r in csv.DictReader(io.StringIO(
        sample("akurilin_posts_whoishiring_threads_2023-12_2025-11.csv").decode()))}
    from scrapers.hn.parse import thread_month
    assert thread_month(listed["45800465"]) == date(2025, 11, 1)
    assert all(thread_month(t) is not None for t in listed.values())


def test_empty_last_page_is_an_outcome_not_a_zero():
    context = ctx(source="hn")
    df = parse(sample(PAGE8), context)
    assert df.empty and "no 'Who is hiring?' thread" in context.notes[0]


def test_april_2011_thread_counts_top_level_posts_and_role_matches():
    context = ctx(source="hn", patterns=PATTERNS, thread_id=2396027)
    df = parse(sample(APRIL_2011), context)
    posts = df[df.metric == "hn_posts"].iloc[0]
    assert posts.value == 6 and (posts.period_start, posts.period_end) == (date(2011, 4, 1), date(2011, 4, 30))
    assert json.loads(posts.detail)["comment_ids"] == [2396109, 2396375, 2396144, 2396433, 2396215, 2397552]
    php = df[df.series_key == "hn:role:php-developer:posts"].iloc[0]
    assert php.value == 1 and json.loads(php.detail)["comment_ids"] == [2396109]  # "Montreal - PHP/MySQL Developer"
    assert one(df, series_key="hn:role:php-developer:share") == pytest.approx(100 / 6, abs=1e-4)
    eng = json.loads(df[df.series_key == "hn:role:engineer:posts"].iloc[0].detail)
    # header-only matching: Groupon's "computery people" post mentions no engineer in its first line
    assert eng["comment_ids"] == [2396375, 2396433, 2397552] and eng["of"] == 6


def test_deleted_posts_are_not_posts_and_an_empty_thread_counts_nothing():
    doc = json.loads(sample(APRIL_2011))
    doc["children"][0].update(author=None, text=None)
    df = parse(json.dumps(doc).encode(), ctx(source="hn", patterns=PATTERNS))
    assert one(df, metric="hn_posts") == 5 and json.loads(df.detail.iloc[0])["deleted"] == 1
    doc["children"] = []
    context = ctx(source="hn", patterns=PATTERNS)
    assert parse(json.dumps(doc).encode(), context).empty
    assert "no top-level posts yet" in context.notes[0]


def test_malformed_variants_are_named():
    doc = json.loads(sample(APRIL_2011))
    with pytest.raises(ParseError, match="'children' missing"):
        parse(json.dumps({k: v for k, v in doc.items() if k != "children"}).encode(), ctx(source="hn", kind="thread"))
    with pytest.raises(ParseError, match="not a 'Who is hiring\\?' thread"):
        parse(json.dumps({**doc, "title": "Ask HN: Who wants to be hired? (April 2011)"}).encode(), ctx(source="hn"))
    with pytest.raises(ParseError, match="2396027 returned, 1 requested"):
        parse(sample(APRIL_2011), ctx(source="hn", thread_id=1))
    with pytest.raises(ParseError, match="'hits' \\(a list\\) missing"):
        parse(b'{"nbHits": 3}', ctx(source="hn", kind="threads"))
    with pytest.raises(ParseError, match="neither a thread list"):
        parse(b'{"message": "rate limited"}', ctx(source="hn"))
    with pytest.raises(ParseError, match="not JSON"):
        parse(b"<html>busy</html>", ctx(source="hn"))
    bad = {"bad": {"include": ["(unclosed"]}}
    context = ctx(source="hn", patterns=bad)
    df = parse(sample(APRIL_2011), context)
    assert set(df.metric) == {"hn_posts"} and "bad pattern" in context.notes[0]


def test_bom_is_dropped():
    assert len(parse(codecs.BOM_UTF8 + sample(PAGE0), ctx(source="hn"))) == 20


# --------------------------------------------------------------------------- the fetch plan (pure)

def months(start: date, end: date) -> list[date]:
    out, d = [], start
    while d <= end:
        out.append(d)
        d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return out


def test_fresh_store_asks_for_every_thread_then_counts_every_month_once():
    night1 = plan(HnState(), date(2026, 12, 3), PATTERNS)
    assert [r.context["kind"] for r in night1] == ["threads"] and "hitsPerPage=1000" in night1[0].url
    all_months = months(date(2011, 4, 1), date(2026, 12, 1))
    found = HnState(threads={m: 1000 + i for i, m in enumerate(all_months)})
    night2 = plan(found, date(2026, 12, 4), PATTERNS)
    items = [r for r in night2 if r.context["kind"] == "thread"]
    assert len(items) == len(all_months) == 189 and "hitsPerPage=20" in night2[0].url
    assert items[0].url.endswith("/api/v1/items/1000") and items[0].context["patterns"] == PATTERNS
    counted = {1000 + i: date(2026, 12, 4) for i in range(len(all_months))}
    night3 = plan(HnState(found.threads, counted), date(2026, 12, 5), PATTERNS)
    # November was counted 33 days after it opened: still settling, so counted again with December
    assert [r.context.get("month") for r in night3] == [None, "2026-11-01", "2026-12-01"]
    counted[1000 + len(all_months) - 2] = date(2026, 12, 6)
    night4 = plan(HnState(found.threads, counted), date(2026, 12, 7), PATTERNS)
    assert [r.context.get("month") for r in night4] == [None, "2026-12-01"]  # only the newest thread


def test_a_thread_is_recounted_until_it_settles():
    state = HnState(threads={date(2026, 11, 1): 7, date(2026, 12, 1): 8},
                    counted={7: date(2026, 11, 30), 8: date(2026, 12, 2)})
    assert threads_to_count(state, date(2026, 12, 3)) == [(date(2026, 11, 1), 7), (date(2026, 12, 1), 8)]
    settled = HnState(state.threads, {7: date(2026, 12, 6), 8: date(2026, 12, 3)})
    assert threads_to_count(settled, date(2026, 12, 3)) == []  # both counted today
    assert threads_to_count(settled, date(2026, 12, 7)) == [(date(2026, 12, 1), 8)]


def test_requests_for_reads_the_stored_state_and_the_role_patterns():
    roles = [{"role_id": "mlops-engineer", "hn": {"include": [r"\bMLOps\b"], "where": "header"}}, {"role_id": "x"}]
    stored = {"threads": {"2026-11": 7, "2026-12": 8}, "counted": {"7": "2026-12-10", "8": "2026-12-02"}}
    reqs = requests_for(roles, RequestOptions(base_url="http://127.0.0.1:9/hn", today=date(2026, 12, 3),
                                              options={"stored": stored}))
    assert [r.url for r in reqs] == [
        "http://127.0.0.1:9/hn/api/v1/search_by_date?tags=story,author_whoishiring&query=hiring&hitsPerPage=20&page=0",
        "http://127.0.0.1:9/hn/api/v1/items/8"]
    assert reqs[1].context["patterns"] == {"mlops-engineer": {"include": [r"\bMLOps\b"], "exclude": [],
                                                              "where": "header"}}
    assert requests_for([{"role_id": "x"}], RequestOptions()) == []


def test_declarations_fit_what_the_parser_emits():
    from pydantic import ValidationError
    from tests.scrapers.declarations_helpers import check_hosts, check_samples, check_vocabulary

    from scrapers.hn import SOURCE, schema
    from scrapers.hn.lookup import HnKey

    frames = [parse(sample(PAGE0), ctx(source="hn")), parse(sample(APRIL_2011), ctx(source="hn", patterns=PATTERNS))]
    assert check_vocabulary(schema, frames) == set(schema.METRICS)
    check_hosts(schema, [r.url for r in plan(HnState(threads={date(2026, 12, 1): 8}), date(2026, 12, 3), PATTERNS)])
    check_samples(SOURCE, SAMPLES)
    assert HnKey(include=[r"\bMLOps\b"]).where == "text"
    with pytest.raises(ValidationError, match="not a regex"):
        HnKey(include=["(unclosed"])
    with pytest.raises(ValidationError):
        HnKey(include=[])


def test_state_from_stored_observations():
    import pandas as pd

    from scrapers.base import ScraperError

    listed = parse(sample(PAGE0), ctx(source="hn"))
    counted = parse(sample(APRIL_2011), ctx(source="hn"))
    stored = pd.concat([listed, counted])[["metric", "subject", "period_start"]]
    stored["fetched_at"] = [pd.Timestamp("2023-09-25T02:00Z")] * len(listed) + [pd.Timestamp("2023-09-26T02:00Z")]
    state = HnState.from_observations(stored)
    assert state.threads[date(2023, 9, 1)] == 37351667 and state.threads[date(2011, 4, 1)] == 2396027
    assert state.counted == {2396027: date(2023, 9, 26)}
    todo = threads_to_count(state, date(2023, 9, 27))
    assert len(todo) == 20 and (date(2011, 4, 1), 2396027) not in todo  # settled long ago: never again
    stored.loc[stored.metric == "hn_posts", "fetched_at"] = None
    with pytest.raises(ScraperError, match="thread 2396027 has no fetched_at"):
        HnState.from_observations(stored)
