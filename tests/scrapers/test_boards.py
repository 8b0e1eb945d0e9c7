"""Hiring boards: the three ATS readers on their real samples, malformed answers, the watch-list,
requests, role title matching, `source parse` with no flags, and the fetch on loopback."""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import pytest
from datetime import UTC, datetime

from tests.scrapers.scrapers_helpers import one

from core.catalogue import Role
from scrapers.archive import RawArchive
from scrapers.base import ParseContext, ParseError, RequestOptions
from scrapers.boards import SOURCE, parse, requests_for, sniff
from scrapers.boards.match import role_counts, title_mask
from scrapers.boards.watchlist import WatchListError, load_watchlist
from scrapers.gather import gather
from scrapers.http import HttpSettings
from scrapers.loopback import sample_server

SAMPLES = Path(SOURCE.samples)
GITLAB = "greenhouse_gitlab_content-true_2026-07-18_trimmed.json"
LEVER = "lever_matchgroup_2026-07-18_trimmed.json"
LINEAR = "ashby_linear_comp_2026-07-18_trimmed.json"
ROOT = "ashby_root-access_2025-10-28.json"
NELO = "ashby_nelo_2025-10-28.json"
KRAKEN = "ashby_kraken_empty_2025-10-28.json"
NIGHT = datetime(2026, 7, 19, 2, 0, tzinfo=UTC)  # the night after the newest capture


def ctx(source: str = "boards", url: str = "/saved/board.json", **extra) -> ParseContext:
    return ParseContext(url=url, source=source, fetched_at=NIGHT, extra=extra)


def body(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def board(name: str, **extra):
    return parse(body(name), ctx(source="boards", **{**sniff(body(name), name), **extra}))


def postings(frame):
    rows = frame[frame.metric == "board_posting"]
    return {json.loads(d)["title"]: (k, s) for k, s, d in zip(rows.series_key, rows.period_start, rows.detail)}


def test_greenhouse_gitlab_two_jobs_listed_and_the_trimmed_total_noted():
    c = ctx(source="boards", ats="greenhouse", token="gitlab", company="GitLab", country="US")
    frame = parse(body(GITLAB), c)
    assert one(frame, metric="board_open_postings") == 2.0
    titles = postings(frame)
    assert set(titles) == {"Account Executive - Italy", "AI Engineer"}
    key, published = titles["AI Engineer"]
    assert key == "boards:greenhouse:gitlab:8565469002" and published == date(2026, 5, 29)
    assert set(frame.subject) == {"GitLab"} and set(frame.geography) == {"US"}
    assert c.notes == ["GitLab: meta.total 167 but 2 jobs listed"]
    ai = json.loads(frame[frame.series_key == key].detail.iloc[0])
    assert ai["department"] == "Enterprise Applications" and ai["location"] == "Remote, US"


def test_lever_matchgroup_epoch_dates_country_and_salary_range():
    frame = board(LEVER, company="Match Group", country="US")
    assert one(frame, metric="board_open_postings") == 2.0
    titles = postings(frame)
    assert titles["Android Engineer III"][1] == date(2026, 5, 19)  # createdAt 1779223091267 ms
    android = titles["Android Engineer III"][0]
    assert one(frame, series_key=f"{android}:posting_salary_min") == 150000.0
    assert one(frame, series_key=f"{android}:posting_salary_max") == 180000.0
    assert set(frame[frame.metric == "posting_salary_min"].unit) == {"USD/year"}
    korea = frame[frame.series_key == titles["Android Software Engineer (Azar)"][0]]
    assert korea.geography.iloc[0] == "KR"
    assert len(frame[frame.metric.str.startswith("posting_salary")]) == 2  # the second has no salaryRange


def test_ashby_compensation_hourly_and_equity_only_tiers():
    root = board(ROOT)
    assert one(root, metric="board_open_postings") == 4.0
    ml = postings(root)["Founding Engineer - Machine Learning"][0]
    assert set(root.subject) == {"root-access"}  # the token, read from the job URLs
    general = postings(root)["General Inquiry"][0]
    assert root[root.series_key.str.startswith(general + ":")].empty  # no pay published: no row, no zero
    firmware = postings(root)["Founding Engineer - Firmware / Embedded Software"][0]
    assert one(root, series_key=f"{firmware}:posting_salary_min") == 115000.0
    hourly = root[root.unit == "USD/hour"]
    assert sorted(hourly.value) == [30.0, 35.0]
    assert ml.startswith("boards:ashby:root-access:")
    nelo = board(NELO)
    scientist = postings(nelo)["Data Scientist (NYC, L5/L6)"][0]
    assert one(nelo, series_key=f"{scientist}:posting_salary_max") == 230000.0
    linear = board(LINEAR)
    assert one(linear, metric="board_open_postings") == 2.0
    assert linear[linear.metric.str.startswith("posting_salary")].empty  # compensationTiers: []


def test_the_night_comes_from_the_plan_not_the_fetch_clock():
    frame = parse(body(NELO), ctx(ats="ashby", token="nelo", night="2025-10-28"))
    assert {str(d) for d in frame.period_end} == {"2025-10-28"}
    reqs = requests_for([], RequestOptions(today=date(2026, 3, 2)))
    assert {r.context["night"] for r in reqs} == {"2026-03-02"}
    with pytest.raises(ParseError, match="bad 'night' 'yesterday'"):
        parse(body(NELO), ctx(ats="ashby", token="nelo", night="yesterday"))


def test_an_empty_board_is_a_null_total_and_a_note_never_a_zero():
    c = ctx(source="boards", ats="ashby", token="kraken", company="Kraken")
    frame = parse(body(KRAKEN), c)
    assert len(frame) == 1 and math.isnan(frame.value.iloc[0])
    assert frame.metric.iloc[0] == "board_open_postings" and "empty list" in frame.detail.iloc[0]
    assert c.notes == ["Kraken (ashby:kraken): empty list: the board lists nothing (empty or moved)"]


@pytest.mark.parametrize("name, mutate, message", [
    (GITLAB, lambda d: d.pop("jobs"), "Greenhouse answer lacks its 'jobs' list"),
    (GITLAB, lambda d: d["jobs"][1].pop("title"), "posting lacks 'title' at jobs[1]"),
    (LEVER, lambda d: d[0].pop("text"), "posting lacks 'text' at [0]"),
    (LEVER, lambda d: d[0].update(createdAt="yesterday"), "unreadable createdAt 'yesterday'"),
    (NELO, lambda d: d["jobs"][2].pop("id"), "posting lacks 'id' at jobs[2]"),
    (NELO, lambda d: d.update(jobs={"not": "a list"}), "Ashby answer lacks its 'jobs' list"),
])
def test_malformed_answers_raise_a_named_parse_error(name, mutate, message):
    document = json.loads(body(name))
    mutate(document)
    with pytest.raises(ParseError, match=message.replace("[", r"\[").replace("(", r"\(")):
        parse(json.dumps(document).encode(), ctx(source="boards", **sniff(body(name), name)))


def test_wrong_shapes_and_non_json_are_named():
    with pytest.raises(ParseError, match="not JSON"):
        parse(b"<html>moved</html>", ctx(source="boards", ats="lever", token="x"))
    with pytest.raises(ParseError, match="Lever answer is not a list"):
        parse(body(NELO), ctx(source="boards", ats="lever", token="nelo"))
    with pytest.raises(ParseError, match="cannot tell which ATS"):
        parse(b'{"ok": false, "error": "Document not found"}', ctx(source="boards"))
    with pytest.raises(ParseError, match="no board token"):
        parse(body(KRAKEN), ctx(source="boards", ats="ashby"))


def test_sniff_reads_the_ats_and_token_from_the_file():
    assert sniff(body(GITLAB), GITLAB) == {"ats": "greenhouse", "token": "gitlab"}
    assert sniff(body(LEVER), LEVER) == {"ats": "lever", "token": "matchgroup"}
    assert sniff(body(LINEAR), LINEAR) == {"ats": "ashby", "token": "linear"}
    assert sniff(body(KRAKEN), KRAKEN) == {"ats": "ashby", "token": "kraken"}  # no job URL: the file name
    assert sniff(body(KRAKEN), "saved.json") == {"ats": "ashby"}
    assert sniff(b"not json", "x.json") == {}


def test_the_shipped_watch_list_and_requests_per_ats_host():
    watch = load_watchlist(Path("roles/watchlists/boards.yaml"))
    assert {(c.ats, c.token) for c in watch.companies} >= {("greenhouse", "gitlab"), ("lever", "matchgroup"),
                                                            ("ashby", "kraken")}
    reqs = requests_for([{"role_id": "r"}], RequestOptions())
    urls = {r.context["token"]: r.url for r in reqs}
    assert urls["gitlab"] == "https://boards-api.greenhouse.io/v1/boards/gitlab/jobs?content=true"
    assert urls["matchgroup"] == "https://api.lever.co/v0/postings/matchgroup?mode=json"
    assert urls["linear"] == "https://api.ashbyhq.com/posting-api/job-board/linear?includeCompensation=true"
    assert len(reqs) == len(watch.companies)
    sim = requests_for([], RequestOptions(options={"bases": {"lever": "http://127.0.0.1:9/"}}))
    assert {r.url for r in sim if r.context["ats"] == "lever"} == {"http://127.0.0.1:9/v0/postings/matchgroup?mode=json"}


def test_a_bad_watch_list_is_named_by_file_and_field(tmp_path):
    path = tmp_path / "boards.yaml"
    path.write_text("version: 1\ncompanies:\n  - {company: X, ats: workday, token: x, sector: S, country: US}\n")
    with pytest.raises(WatchListError, match=r"boards.yaml: companies.0.ats: Input should be 'greenhouse'"):
        load_watchlist(path)
    path.write_text("version: 1\ncompanies:\n  - {company: X, ats: lever, token: x, sector: S, country: US}\n"
                    "  - {company: Y, ats: lever, token: X, sector: S, country: US}\n")
    with pytest.raises(WatchListError, match="board lever:X is listed twice"):
        load_watchlist(path)
    # a catalogue without a watch-list watches no board (a broken one is an error, above)
    assert requests_for([], RequestOptions(options={"watchlist": str(tmp_path / "missing.yaml")})) == []
    (tmp_path / "dir.yaml").mkdir()
    with pytest.raises(WatchListError, match="not a regular file"):
        requests_for([], RequestOptions(options={"watchlist": str(tmp_path / "dir.yaml")}))


def test_role_patterns_validate_in_the_catalogue_and_match_titles():
    doc = {"id": "x", "title": "X", "seniority": "mid", "growth": {"score": 0},
           "task_resistance": {"value": 3, "citation": "c"}, "barrier_total": {"value": 1, "citation": "c"},
           "evidence_total": {"value": 0, "citation": "c"}, "lookup": {"boards": {"include": ["(unclosed"]}}}
    with pytest.raises(Exception, match="bad regex"):
        Role.model_validate(doc)
    import pandas as pd

    titles = pd.Series(["Senior / Staff Fullstack Engineer", "Data Scientist (NYC, L5/L6)", "Senior Recruiter",
                        "Founding Engineer - Machine Learning", None])
    key = {"include": [r"full[- ]?stack", r"machine learning"], "exclude": ["recruit"], "seniority": ["senior"]}
    assert title_mask(titles, key).tolist() == [True, False, False, False, False]
    assert title_mask(titles, {"include": ["engineer"], "exclude": ["founding"]}).tolist() == [
        True, False, False, False, False]


def test_role_counts_per_company_and_night_from_stored_postings():
    import pandas as pd

    frame = pd.concat([board(ROOT), board(NELO), board(LINEAR)], ignore_index=True)
    lookups = [{"role_id": "ml", "boards": {"include": [r"machine learning", r"data scien"]}},
               {"role_id": "fullstack", "boards": {"include": [r"fullstack"], "seniority": ["staff"]}},
               {"role_id": "bare"}]
    counts = role_counts(frame, lookups).set_index(["role_id", "subject"])
    assert counts.loc[("ml", "root-access"), "matching"] == 1 and counts.loc[("ml", "root-access"), "postings"] == 4
    assert counts.loc[("ml", "nelo"), "matching"] == 1
    assert counts.loc[("ml", "linear"), "matching"] == 0  # a board that listed postings, none of them the role
    assert counts.loc[("fullstack", "linear"), "matching"] == 2
    assert "bare" not in counts.index.get_level_values(0)


def test_source_parse_needs_no_flags_on_any_sample(capsys):
    from typer.testing import CliRunner

    from cli.app import app

    for name in (GITLAB, LEVER, LINEAR, ROOT, NELO, KRAKEN):
        result = CliRunner().invoke(app, ["source", "parse", "boards", str(SAMPLES / name), "--json"])
        assert result.exit_code == 0, (name, result.output)
        rows = json.loads(result.output)
        assert rows[0]["metric"] == "board_open_postings", name


@pytest.mark.slow
def test_fetch_every_sample_board_on_loopback_and_a_404_board_is_an_outcome(tmp_path):
    watch = tmp_path / "boards.yaml"
    watch.write_text((Path("roles/watchlists/boards.yaml")).read_text()
                     + "  - {company: Gone, ats: greenhouse, token: gone, sector: S, country: US}\n")
    settings = HttpSettings(user_agent="jobzone-test/0.1", contact="t@example.org", retries=1, backoff_factor=0.01,
                            rate_limits={"127.0.0.1": 0.0}, default_interval=0.0)
    with sample_server() as server:
        result = gather([SOURCE], [], settings, None, RawArchive(tmp_path / "raw"), server.base_urls(),
                        source_options={"boards": {"watchlist": str(watch)}})
        outcomes = {f.request.context["token"]: f.outcome for f in result.fetches}
        assert outcomes == {"gitlab": "ok", "matchgroup": "ok", "linear": "ok", "root-access": "ok", "nelo": "ok",
                            "kraken": "ok", "gone": "http_error"}
        obs = result.observations
        totals = obs[obs.metric == "board_open_postings"].set_index("subject").value
        assert totals["GitLab"] == 2 and math.isnan(totals["Kraken"]) and "Gone" not in totals
        assert sum(1 for _, path, _ in server.requests if "/boards/" in path) == 7
