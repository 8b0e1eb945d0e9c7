"""The nightly refresh end to end: quarantine never moves a score, carry, totals, overrides."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pandas as pd

from tests.support.catalogues import CLASSIC_ROLES
from core.catalogue import DIMENSIONS, Override, load_catalogue
from scoring.models import EvidenceScores
from scoring.refresh import EVIDENCE_COLUMNS, empty_evidence, evidence_totals, refresh_evidence
from scoring.rubric import load_rubric

REPO = Path(__file__).resolve().parents[2]
CATALOGUE = load_catalogue(CLASSIC_ROLES)  # two totals-only roles: see its README
RUBRIC = load_rubric(version="rubric-v1")  # these pin rubric-v1, which stays selectable
MLOPS = CATALOGUE.get("mlops-engineer")
AS_OF = date(2026, 3, 2)


def itjw(value, end, metric="postings", unit="count", slug="mlops", fetch="tonight"):
    end = pd.Timestamp(end)
    return {"source": "itjobswatch", "series_key": f"itjobswatch:permanent:{slug}", "subject": slug, "geography": "UK",
            "metric": metric, "period_start": end - pd.DateOffset(months=6) + timedelta(days=1), "period_end": end,
            "value": value, "unit": unit, "detail": None, "fetch_id": fetch}


def page(end, postings, prior_postings, median, prior_median, slug="mlops", fetch="tonight"):
    """One IT Jobs Watch page: current period and the same period a year earlier."""
    end = pd.Timestamp(end)
    before = end - pd.DateOffset(years=1)
    rows = [itjw(postings, end, slug=slug, fetch=fetch), itjw(prior_postings, before, slug=slug, fetch=fetch)]
    for e, m in ((end, median), (before, prior_median)):
        rows += [itjw(m, e, "median_salary", "GBP/year", slug=slug, fetch=fetch),
                 itjw(120.0, e, "salaries_quoted", slug=slug, fetch=fetch)]
    return rows


def evidence_of(result, role_id="mlops-engineer") -> pd.DataFrame:
    return result.evidence[result.evidence["role_id"] == role_id].set_index("dimension")


def test_a_poisoned_observation_is_quarantined_and_changes_nothing():
    history = pd.DataFrame(page("2026-03-01", 184.0, 154.0, 70000.0, 65000.0, fetch="yesterday"))
    clean = pd.DataFrame(page("2026-03-02", 185.0, 154.0, 70000.0, 65000.0))
    poisoned = clean.copy()
    poisoned.loc[0, "value"] = 185.0 * 50                                             # a count x50
    poisoned.loc[(poisoned["metric"] == "median_salary").idxmax(), "value"] = 5.0     # a salary of £5

    base = refresh_evidence(clean, history, CATALOGUE, None, AS_OF, "run-clean", RUBRIC)
    bad = refresh_evidence(poisoned, history, CATALOGUE, None, AS_OF, "run-bad", RUBRIC)

    assert base.quarantine.empty
    checks = sorted(bad.quarantine["check_name"])
    assert checks == ["plausibility:overnight_jump", "schema:itjobswatch_median_pay_in_sane_band"]
    assert set(bad.quarantine["run_id"]) == {"run-bad"} and set(bad.quarantine["fetch_id"]) == {"tonight"}
    assert 9250.0 not in bad.good["value"].tolist() and 5.0 not in bad.good["value"].tolist()
    for dim in ("job_posting_trends", "wage_trends"):
        assert evidence_of(bad).at[dim, "score"] == evidence_of(base).at[dim, "score"]
        assert evidence_of(bad).at[dim, "origin"] == "refreshed"
    assert evidence_of(base).at["job_posting_trends", "score"] == 1
    totals = lambda r: evidence_totals(r.evidence, CATALOGUE).set_index("role_id")["evidence_total"]  # noqa: E731
    pd.testing.assert_series_equal(totals(bad), totals(base))


def test_poison_without_history_carries_the_last_good_value_marked_quarantined():
    previous = refresh_evidence(pd.DataFrame(page("2026-02-20", 185.0, 154.0, 70000.0, 65000.0)), None, CATALOGUE,
                                None, date(2026, 2, 20), "r0", RUBRIC).evidence
    poisoned = pd.DataFrame(page("2026-03-02", 185.0 * 50, 154.0, 70000.0, 65000.0))
    poisoned.loc[poisoned["metric"] == "postings", "value"] = [9250.0, -1.0]  # and the year-earlier count is broken
    result = refresh_evidence(poisoned, None, CATALOGUE, previous, AS_OF, "r1", RUBRIC)
    jpt = evidence_of(result).loc["job_posting_trends"]
    assert (jpt["score"], jpt["origin"], jpt["status"]) == (1, "carried", "quarantined")
    assert jpt["age_days"] == 10


def test_when_every_source_fails_previous_evidence_is_carried_with_its_age():
    night1 = refresh_evidence(pd.DataFrame(page("2026-03-02", 185.0, 154.0, 70000.0, 65000.0)), None, CATALOGUE,
                              None, AS_OF, "r1", RUBRIC)
    assert evidence_of(night1).at["job_posting_trends", "origin"] == "refreshed"
    night2 = refresh_evidence(pd.DataFrame(), None, CATALOGUE, night1.evidence, date(2026, 3, 12), "r2", RUBRIC)
    e = evidence_of(night2)
    assert (e["origin"] == "carried").all()
    assert e.at["job_posting_trends", "score"] == 1 and e.at["job_posting_trends", "age_days"] == 10
    assert e.at["job_posting_trends", "rubric_version"] == "rubric-v1"
    assert "carried +1 (held since 2026-03-02, 10 d)" in e.at["job_posting_trends", "rationale"]
    # the other dimensions never left the published card: their age counts from the card's date
    assert e.at["company_actions", "score"] == MLOPS.evidence["company_actions"].score
    assert e.at["company_actions", "age_days"] == 10
    assert json.loads(e.at["company_actions", "inputs"])["carried_from"]["since"] == "2026-03-02"
    first = json.loads(evidence_of(night1).at["company_actions", "inputs"])["carried_from"]
    assert first["catalogue"] == MLOPS.evidence["company_actions"].basis
    night3 = refresh_evidence(None, None, CATALOGUE, night2.evidence, date(2026, 3, 19), "r3", RUBRIC)
    assert evidence_of(night3).at["job_posting_trends", "age_days"] == 17
    # nothing became 0 and the total stands
    t = evidence_totals(night3.evidence, CATALOGUE).set_index("role_id")
    assert t.at["mlops-engineer", "evidence_total"] == MLOPS.baseline_evidence_total
    assert not t.at["mlops-engineer", "refreshed"]


def test_previous_read_back_from_the_warehouse_shape():
    """The lead's `current_evidence` rows: published baseline, DuckDB dtypes, extra columns."""
    prev = pd.DataFrame([{"role_id": "mlops-engineer", "dimension": d, "as_of": pd.Timestamp("2026-03-02"),
                          "score": MLOPS.evidence[d].score, "origin": "published", "status": "published",
                          "confidence": float("nan"), "age_days": pd.NA, "inputs": "{}", "rationale": "basis",
                          "rubric_version": None, "rubric_score": pd.NA, "run_id": "x"} for d in DIMENSIONS])
    prev["score"] = prev["score"].astype("int32")
    result = refresh_evidence(pd.DataFrame(), None, CATALOGUE, prev, date(2026, 4, 1), "r", RUBRIC)
    e = evidence_of(result)
    assert (e["origin"] == "carried").all() and (e["age_days"] == 30).all()
    assert e["score"].tolist() == [MLOPS.evidence[d].score for d in DIMENSIONS]


def _all_five(slug: str, role_id: str, industry: str) -> list[dict]:
    rows = page("2026-03-02", 300.0, 200.0, 90000.0, 80000.0, slug=slug)
    for day, v in (("2026-03-01", 9.4), ("2025-03-02", 4.4)):
        rows.append({"source": "indeed", "series_key": "indeed:ai_share:GB", "subject": "GB", "geography": "GB",
                     "metric": "ai_share_postings", "period_start": pd.Timestamp(day), "period_end": pd.Timestamp(day),
                     "value": v, "unit": "pct", "detail": None, "fetch_id": "ai"})
    for day, n in (("2026-02-01", 100.0), ("2025-02-01", 400.0), ("2025-01-15", 300.0), ("2025-11-01", 50.0)):
        rows.append({"source": "layoffs", "series_key": f"layoffs:Co:{day}", "subject": "Co", "geography": "US",
                     "metric": "layoff_headcount", "period_start": pd.Timestamp(day), "period_end": pd.Timestamp(day),
                     "value": n, "unit": "count", "detail": industry, "fetch_id": "lay"})
    rows.append({"source": "claims", "series_key": f"claims:{role_id}", "subject": role_id, "geography": "global",
                 "metric": "expert_claim", "period_start": pd.Timestamp("2026-01-01"),
                 "period_end": pd.Timestamp("2026-01-01"), "value": 1.0, "unit": "direction", "detail": "{}",
                 "fetch_id": "claims"})
    return rows


def test_a_totals_only_role_keeps_its_published_total_unless_all_five_refresh():
    cloud = CATALOGUE.get("cloud-architect")
    assert not cloud.evidence
    partial = pd.DataFrame(page("2026-03-02", 300.0, 200.0, 90000.0, 80000.0, slug="cloud architect"))
    r = refresh_evidence(partial, None, CATALOGUE, None, AS_OF, "r", RUBRIC)
    e = evidence_of(r, "cloud-architect")
    assert e.at["job_posting_trends", "origin"] == "refreshed"
    assert e.at["ai_tool_maturity", "origin"] == "published" and pd.isna(e.at["ai_tool_maturity", "score"])
    assert e.at["ai_tool_maturity", "status"] == "not_refreshed"
    t = evidence_totals(r.evidence, CATALOGUE).set_index("role_id").loc["cloud-architect"]
    assert (t["evidence_total"], bool(t["refreshed"]), t["n_refreshed"]) == (2.0, False, 2)
    assert "published total" in t["basis"]

    full = refresh_evidence(pd.DataFrame(_all_five("cloud architect", "cloud-architect", "Infrastructure")), None,
                            CATALOGUE, None, AS_OF, "r", RUBRIC)
    e = evidence_of(full, "cloud-architect")
    assert (e["origin"] == "refreshed").all(), e[["origin", "status", "rationale"]]
    t = evidence_totals(full.evidence, CATALOGUE).set_index("role_id").loc["cloud-architect"]
    assert bool(t["refreshed"]) and t["evidence_total"] == float(e["score"].sum())
    assert "all 5 dimensions refreshed" in t["basis"]


def test_overrides_apply_after_the_rubric_and_expire():
    override = Override(target="job_posting_trends", value=-1, who="A. Analyst", why="postings absorbed into ML titles",
                        expires=date(2026, 6, 1))
    roles = [MLOPS.model_copy(update={"overrides": [override]})]
    data = pd.DataFrame(page("2026-03-02", 185.0, 154.0, 70000.0, 65000.0))
    on = evidence_of(refresh_evidence(data, None, roles, None, AS_OF, "r", RUBRIC)).loc["job_posting_trends"]
    assert (on["score"], on["origin"], on["rubric_score"], on["status"]) == (-1, "override", 1, "ok")
    assert "A. Analyst" in on["rationale"] and "pre-override score +1" in on["rationale"]
    assert json.loads(on["inputs"])["before_override"]["score"] == 1

    last_day = evidence_of(refresh_evidence(data, None, roles, None, date(2026, 6, 1), "r", RUBRIC))
    assert last_day.at["job_posting_trends", "origin"] == "override"  # in force up to and including `expires`
    after = refresh_evidence(data, None, roles, None, date(2026, 6, 2), "r", RUBRIC)
    jpt = evidence_of(after).loc["job_posting_trends"]
    assert jpt["origin"] != "override" and jpt["score"] == 1

    # carrying an overridden dimension carries the pre-override value, not the override
    night1 = refresh_evidence(data, None, roles, None, AS_OF, "r1", RUBRIC)
    later = evidence_of(refresh_evidence(pd.DataFrame(), None, [MLOPS], night1.evidence, date(2026, 6, 10), "r2", RUBRIC))
    assert (later.at["job_posting_trends", "score"], later.at["job_posting_trends", "origin"]) == (1, "carried")


def test_evidence_frame_shape():
    result = refresh_evidence(pd.DataFrame(page("2026-03-02", 185.0, 154.0, 70000.0, 65000.0)), None, CATALOGUE,
                              None, AS_OF, "r", RUBRIC)
    ev = result.evidence
    assert list(ev.columns) == EVIDENCE_COLUMNS
    assert len(ev) == len(CATALOGUE) * len(DIMENSIONS)
    assert str(ev["score"].dtype) == "Int64" and str(ev["age_days"].dtype) == "Int64"
    assert (ev["as_of"] == pd.Timestamp(AS_OF)).all()
    EvidenceScores.validate(ev)
    refreshed = ev[ev["origin"] == "refreshed"]
    assert refreshed["confidence"].between(0, 1).all() and (refreshed["rubric_version"] == "rubric-v1").all()
    assert refreshed["inputs"].map(lambda s: "used" in json.loads(s)).all()
    assert set(result.metrics["role_id"]) == set(CATALOGUE.roles)


def test_real_samples_through_the_parsers():
    from scrapers.base import ParseContext
    from scrapers.registry import SOURCES

    samples = REPO / "scrapers" / "samples"
    when = datetime(2026, 3, 2, 3, tzinfo=timezone.utc)
    parts = {
        "itjw": SOURCES["itjobswatch"].parse((samples / "itjobswatch/mlops_permanent_uk_2026-03-02.html").read_bytes(),
                                             ParseContext("https://www.itjobswatch.co.uk/jobs/uk/mlops.do", "itjobswatch", when)),
        "agg": SOURCES["indeed"].parse((samples / "indeed-hiring-lab/aggregate_job_postings_GB.csv").read_bytes(),
                                       ParseContext("x", "indeed", when, {"kind": "aggregate"})),
        "ai": SOURCES["indeed"].parse((samples / "indeed-hiring-lab/AI_posting.csv").read_bytes(),
                                      ParseContext("x", "indeed", when, {"kind": "ai_share", "countries": ["GB"]})),
        "layoffs": SOURCES["layoffs"].parse((samples / "layoffs/layoffs_fyi_kaggle_2026-01-28.csv").read_bytes(),
                                            ParseContext("x", "layoffs", when)),
    }
    for name, frame in parts.items():
        frame["fetch_id"] = f"fetch-{name}"
    tonight = pd.concat(parts.values(), ignore_index=True)
    # The Indeed samples were fetched months after the card's date (their newest rows are from
    # August 2026): rows dated after the night are refused unless they are not after the fetch.
    strict = refresh_evidence(tonight, None, CATALOGUE, None, AS_OF, "demo", RUBRIC)
    assert set(strict.quarantine["check_name"]) == {"plausibility:future_period"}
    assert set(strict.quarantine["source"]) == {"indeed"}
    fetched_on = max(pd.Timestamp(f["period_end"].max()) for f in parts.values())
    result = refresh_evidence(tonight, None, CATALOGUE, None, AS_OF, "demo", RUBRIC, fetched_on=fetched_on)
    assert result.quarantine.empty
    assert evidence_of(result).equals(evidence_of(strict))  # the metrics never read past the night anyway
    jpt = evidence_of(result).loc["job_posting_trends"]
    assert jpt["score"] == 1 and jpt["origin"] == "refreshed"
    assert "185 vs 154" in jpt["rationale"]
    lineage = result.metrics.set_index(["role_id", "metric"]).at[("mlops-engineer", "postings_yoy_role"), "lineage"]
    assert {x["fetch_id"] for x in json.loads(lineage)} == {"fetch-itjw"}
    ai = evidence_of(result).loc["ai_tool_maturity"]
    assert ai["origin"] == "refreshed" and ai["score"] == -1  # GB AI share +3.7 pp in a year


def test_one_evidence_totals_rule_serves_the_refresh_the_score_stage_and_the_baseline():
    """scoring.refresh.evidence_totals is the rule; scoring.results.evidence_totals (the score
    stage) only relabels it, and with nothing held every role's total is its catalogue baseline."""
    from scoring.results import evidence_totals as score_stage_totals

    for night in (refresh_evidence(pd.DataFrame(page("2026-03-02", 300.0, 200.0, 90000.0, 80000.0,
                                                     slug="cloud architect")), None, CATALOGUE, None, AS_OF, "r",
                                   RUBRIC).evidence,
                  refresh_evidence(pd.DataFrame(_all_five("cloud architect", "cloud-architect", "Infrastructure")),
                                   None, CATALOGUE, None, AS_OF, "r", RUBRIC).evidence):
        rule = evidence_totals(night, CATALOGUE).set_index("role_id")
        stage = score_stage_totals(CATALOGUE, night).set_index("role_id")
        pd.testing.assert_series_equal(stage["evidence_total"], rule["evidence_total"])
        assert stage["evidence_refreshed"].tolist() == rule["refreshed"].tolist()
    for held in (pd.DataFrame(), empty_evidence()):
        stage = score_stage_totals(CATALOGUE, held).set_index("role_id")
        rule = evidence_totals(held, CATALOGUE).set_index("role_id")
        for role in CATALOGUE:
            assert stage.at[role.id, "evidence_total"] == rule.at[role.id, "evidence_total"] \
                == role.baseline_evidence_total
            assert not stage.at[role.id, "evidence_refreshed"]


def test_a_carried_baseline_says_what_it_was_a_card_figure_a_split_or_jobzones_assessment():
    shipped = load_catalogue(REPO / "roles")
    night = refresh_evidence(pd.DataFrame(), None, shipped, None, AS_OF, "r1", RUBRIC)
    words = {"published": "from the published card (", "split": "from the catalogue's baseline, split of the published total (",
             "jobzone": "from the catalogue's baseline, jobzone's assessment ("}
    seen = set()
    for role_id in shipped.roles:
        role = shipped.get(role_id)
        e = evidence_of(night, role.id)
        for dim, base in role.evidence.items():
            if e.at[dim, "origin"] == "carried":
                assert words[base.origin or "published"] in e.at[dim, "rationale"], (role.id, dim)
                seen.add(base.origin or "published")
    assert seen == set(words)
