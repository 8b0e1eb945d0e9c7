"""IT Jobs Watch parser on the real 2020 pages, the current layout, and broken pages."""

from __future__ import annotations

import math
import re
from datetime import date

import pytest
from tests.scrapers.scrapers_helpers import ctx, one, sample

from scrapers.base import OBSERVATION_COLUMNS, ParseError, RequestOptions
from scrapers.itjobswatch import SOURCE, parse, requests_for

DEV = "itjobswatch/developer_permanent_uk_2020-03-02.html"
DEV_NOW = "itjobswatch/developer_permanent_uk_2020-03-02_current-layout.html"
QA = "itjobswatch/qa-engineer_contract_uk_2020-03-06.html"
MLOPS = "itjobswatch/mlops_permanent_uk_2026-03-02.html"


def dev(path=DEV):
    return parse(sample(path), ctx("https://www.itjobswatch.co.uk/jobs/uk/developer.do", "itjobswatch",
                                   slug="developer", kind="permanent"))


def role_rows(frame, slug):
    return frame[frame.subject == slug]


def test_developer_page_postings_and_medians():
    df = dev()
    assert tuple(df.columns) == OBSERVATION_COLUMNS
    key = dict(series_key="itjobswatch:permanent:developer")
    assert one(df, metric="postings", period_end="2020-03-02", **key) == 34634
    assert one(df, metric="postings", period_end="2019-03-02", **key) == 43056
    assert one(df, metric="postings", period_end="2018-03-02", **key) == 54119
    assert one(df, metric="median_salary", period_end="2020-03-02", **key) == 50500
    assert one(df, metric="median_salary", period_end="2019-03-02", **key) == 50000
    assert one(df, metric="median_salary", period_end="2018-03-02", **key) == 47500
    assert one(df, metric="median_yoy_pct", period_end="2020-03-02", **key) == pytest.approx(1.00)
    assert one(df, metric="postings_share_pct", period_end="2020-03-02", **key) == pytest.approx(28.35)
    assert one(df, metric="salaries_quoted", period_end="2020-03-02", **key) == 29557
    assert one(df, metric="salary_p10", period_end="2020-03-02", **key) == 32363
    assert one(df, metric="salary_p90", period_end="2020-03-02", **key) == 85000
    assert one(df, metric="median_salary_ex_london", period_end="2020-03-02", **key) == 45000
    assert one(df, metric="rank", period_end="2018-03-02", **key) == 1


def test_developer_periods_are_six_months_ending_on_the_header_date():
    df = role_rows(dev(), "developer")
    assert sorted(set(zip(df.period_start, df.period_end, strict=True))) == [
        (date(2017, 9, 3), date(2018, 3, 2)),
        (date(2018, 9, 3), date(2019, 3, 2)),
        (date(2019, 9, 3), date(2020, 3, 2)),
    ]
    assert set(df.unit[df.metric == "median_salary"]) == {"GBP/year"}
    assert set(df.geography) == {"UK"}
    assert df.detail[df.metric == "postings"].iloc[0] == "Permanent jobs requiring a Developer"


def test_second_summary_table_is_the_all_it_baseline():
    df = dev()
    base = df[df.subject == "_all_permanent"]
    assert one(base, metric="postings", period_end="2020-03-02") == 116614
    assert one(base, metric="median_salary", period_end="2020-03-02") == 52500
    assert math.isnan(one(base, metric="median_yoy_pct", period_end="2019-03-02"))  # "-" on the page


def test_qa_contract_page_day_rates():
    df = parse(sample(QA), ctx("https://www.itjobswatch.co.uk/contracts/uk/qa%20engineer.do", "itjobswatch",
                                slug="qa engineer", kind="contract"))
    role = role_rows(df, "qa engineer")
    assert set(role.series_key) == {"itjobswatch:contract:qa engineer"}
    assert one(role, metric="postings", period_end="2020-03-06") == 148
    assert one(role, metric="postings", period_end="2019-03-06") == 253
    assert one(role, metric="postings", period_end="2018-03-06") == 239
    assert one(role, metric="median_daily_rate", period_end="2020-03-06") == 400
    assert one(role, metric="median_daily_rate", period_end="2019-03-06") == 425
    assert one(role, metric="median_daily_rate", period_end="2018-03-06") == 425
    assert one(role, metric="median_yoy_pct", period_end="2020-03-06") == pytest.approx(-5.88)
    assert math.isnan(one(role, metric="median_yoy_pct", period_end="2019-03-06"))  # "-" is null, not 0
    assert one(role, metric="salaries_quoted", period_end="2020-03-06") == 101
    assert one(role, metric="salary_p10", period_end="2020-03-06") == 263
    assert one(role, metric="salary_p90", period_end="2020-03-06") == 538
    assert one(role, metric="median_salary_ex_london", period_end="2020-03-06") == 360
    assert set(role.unit[role.metric.isin(["median_daily_rate", "salary_p10"])]) == {"GBP/day"}
    # the hourly-rate block (e.g. "UK median hourly rate" £32.50) is outside the vocabulary
    assert not (role.value == 32.5).any()
    assert "median_salary" not in set(role.metric)


def test_current_layout_gives_identical_numbers():
    old = role_rows(dev(DEV), "developer")
    new = role_rows(dev(DEV_NOW), "developer")
    cols = ["metric", "period_start", "period_end", "value", "unit"]
    shared = new[new.metric.isin(set(old.metric))]
    left = old[cols].sort_values(cols[:3]).reset_index(drop=True)
    right = shared[cols].sort_values(cols[:3]).reset_index(drop=True)
    assert left.equals(right)
    # the new percentile rows exist and are null ("-"), never 0
    assert new[new.metric.isin(["salary_p25", "salary_p75"])].value.isna().all()
    assert len(new[new.metric == "salary_p25"]) == 3
    assert new.detail[new.metric == "median_salary"].iloc[0] == "Median annual salary (50th Percentile)"


def test_mlops_demo_page_skill_label_and_nulls():
    df = parse(sample(MLOPS), ctx("https://www.itjobswatch.co.uk/jobs/uk/mlops.do", "itjobswatch",
                                   slug="mlops", kind="permanent"))
    role = role_rows(df, "mlops")
    assert one(role, metric="postings", period_end="2026-03-02") == 185
    assert one(role, metric="postings", period_end="2025-03-02") == 154
    assert math.isnan(one(role, metric="postings", period_end="2024-03-02"))
    assert role.detail[role.metric == "postings"].iloc[0] == "Permanent jobs citing MLOps"
    assert role[role.metric == "median_salary"].value.isna().all()
    assert (role.value.dropna() != 0).all()


def test_page_without_role_table_is_a_parse_error_naming_the_label():
    html = sample(DEV).decode()
    first = html.index('<table class="summary">')
    end = html.index("</table>", first) + len("</table>")
    broken = (html[:first] + html[end:]).encode()
    with pytest.raises(ParseError, match=r"Permanent/Contract jobs requiring a .*developer\.do"):
        dev_ctx = ctx("https://www.itjobswatch.co.uk/jobs/uk/developer.do", "itjobswatch", slug="developer",
                      kind="permanent")
        parse(broken, dev_ctx)


def test_page_without_any_summary_table_is_a_parse_error():
    with pytest.raises(ParseError, match=r"table\.summary.*x\.do"):
        parse(b"<html><body><p>Service unavailable</p></body></html>",
              ctx("https://www.itjobswatch.co.uk/jobs/uk/x.do", "itjobswatch", slug="x", kind="permanent"))


def test_role_table_without_postings_row_names_the_missing_label():
    html = sample(DEV_NOW).decode().replace("Permanent jobs requiring a Developer", "Jobs with Developer")
    with pytest.raises(ParseError, match="requiring a"):
        dev_ctx = ctx("https://www.itjobswatch.co.uk/jobs/uk/developer.do", "itjobswatch", slug="developer",
                      kind="permanent")
        parse(html.encode(), dev_ctx)


def test_dash_is_null_never_zero_and_rows_match_by_label_not_position():
    html = sample(DEV_NOW).decode()
    # swap two rows and blank a value: the numbers must follow their labels
    rows = re.findall(r"\t<tr><td>(?:Rank|Number of salaries quoted)</td>.*?</tr>\n", html)[:2]
    assert "Rank" in rows[0] and "29,557" in rows[1]  # both from the role table
    html = html.replace(rows[0], "@@A@@").replace(rows[1], rows[0]).replace("@@A@@", rows[1])
    html = html.replace('<td class="fig">34,634</td>', '<td class="fig">-</td>')
    df = parse(html.encode(), ctx("https://www.itjobswatch.co.uk/jobs/uk/developer.do", "itjobswatch",
                                  slug="developer", kind="permanent"))
    role = role_rows(df, "developer")
    assert math.isnan(one(role, metric="postings", period_end="2020-03-02"))
    assert one(role, metric="rank", period_end="2020-03-02") == 2
    assert one(role, metric="salaries_quoted", period_end="2020-03-02") == 29557


def test_contract_page_requested_as_permanent_is_refused():
    with pytest.raises(ParseError, match="contract row"):
        parse(sample(QA), ctx("https://www.itjobswatch.co.uk/jobs/uk/qa%20engineer.do", "itjobswatch",
                              slug="qa engineer", kind="permanent"))


def test_requests_for_builds_quoted_urls_and_dedupes():
    roles = [
        {"role_id": "devops", "itjobswatch": {"slug": "DevOps Engineer", "kind": "permanent"}},
        {"role_id": "devops-2", "itjobswatch": {"slug": "devops engineer"}},
        {"role_id": "qa", "itjobswatch": {"slug": "qa engineer", "kind": "contract"}},
        {"role_id": "nothing"},
        {"role_id": "empty", "itjobswatch": {}},
    ]
    reqs = requests_for(roles, RequestOptions())
    assert [r.url for r in reqs] == [
        "https://www.itjobswatch.co.uk/jobs/uk/devops%20engineer.do",
        "https://www.itjobswatch.co.uk/contracts/uk/qa%20engineer.do",
    ]
    assert reqs[0].context == {"slug": "devops engineer", "kind": "permanent", "role_ids": ["devops", "devops-2"]}
    assert reqs[0].allowed_content_types == SOURCE.allowed_content_types
    local = requests_for(roles[:1], RequestOptions(base_url="http://127.0.0.1:9/itjobswatch/"))
    assert local[0].url == "http://127.0.0.1:9/itjobswatch/jobs/uk/devops%20engineer.do"
