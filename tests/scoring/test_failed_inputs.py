"""A request that fails tonight: which role inputs it fed, and the dimensions they carry whole.

Issue 14: an access-denied page (200, parse_error) left the role's postings out of the history,
the metric read "no data" and Job Posting Trends was rebuilt from the sector proxy alone. Now
every input that reads a failed request is `request_failed` and its dimension carries, for
every source (IT Jobs Watch pages, Indeed files, BLS batches, FRED/BLS CPI deflators, the
layoffs feed, claims), naming the failed input in its status.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from core.catalogue import Lookup, load_catalogue
from scoring.failed_inputs import failed_inputs, mark_failed
from scoring.metrics import RoleSpec, compute_metrics
from scoring.refresh import refresh_evidence
from scoring.dimensions import score_dimensions
from scoring.rubric import load_rubric

REPO = Path(__file__).resolve().parents[2]
CATALOGUE = load_catalogue(REPO / "roles")
RUBRIC = load_rubric(version="rubric-v1")  # these pin rubric-v1, which stays selectable
AS_OF = date(2026, 3, 2)


def req(source, outcome="parse_error", key=None, **context) -> dict:
    return {"source": source, "key": key or f"{source}:{sorted(context.items())}", "outcome": outcome,
            "context": context}


def pairs(frame: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(frame["role_id"], frame["metric"]))


def spec(role_id, country="GB", sectors=("Software Development",), bls=(), industries=(), slug=None,
         geography="UK") -> RoleSpec:
    lookup = {"itjobswatch": {"slug": slug or role_id, "kind": "permanent"},
              "indeed": {"country": country, "sectors": list(sectors)}, "bls_series": list(bls),
              "layoff_industries": list(industries)}
    return RoleSpec(role_id, geography, Lookup.model_validate(lookup))


ROLES = [spec("a", bls=["OEUN1"], industries=["AI"]), spec("b", country="US", sectors=(), bls=["OEUN2"]),
         spec("c", industries=["Retail"], geography="US")]


def test_nothing_failed_nothing_marked():
    answered = [req("itjobswatch", "ok", slug="a", kind="permanent"), req("indeed", "unchanged", kind="sector")]
    assert failed_inputs(answered, ROLES, RUBRIC).empty
    assert failed_inputs(None, ROLES, RUBRIC).empty


def test_a_failed_page_marks_its_own_roles_page_inputs_only():
    failed = failed_inputs([req("itjobswatch", "http_error", slug="A", kind="permanent", role_ids=["a"])], ROLES, RUBRIC)
    assert pairs(failed) == {("a", "postings_yoy_role"), ("a", "salary_yoy_nominal_itjw"), ("a", "salary_yoy_real_itjw")}
    assert set(failed["outcome"]) == {"http_error"}
    # the other kind's page of the same slug is another page
    assert failed_inputs([req("itjobswatch", slug="a", kind="contract")], ROLES, RUBRIC).empty


def test_a_failed_indeed_file_marks_the_countries_it_serves():
    sector_gb = failed_inputs([req("indeed", kind="sector", countries=["GB"], sectors=["Software Development"])],
                              ROLES, RUBRIC)
    assert pairs(sector_gb) == {("a", "postings_yoy_sector"), ("c", "postings_yoy_sector")}
    ai = failed_inputs([req("indeed", "too_large", kind="ai_share", countries=["GB", "US"])], ROLES, RUBRIC)
    assert pairs(ai) == {(r, "ai_share_pp_change") for r in "abc"}
    unknown = failed_inputs([req("indeed", kind="something_new", countries=["US"])], ROLES, RUBRIC)
    assert {r for r, _ in pairs(unknown)} == {"b"} and len(unknown) > 1  # every Indeed input of b


def test_a_failed_bls_batch_marks_the_roles_whose_series_it_carried():
    failed = failed_inputs([req("bls", series=["OEUN2", "CUUR0000SA0"])], ROLES, RUBRIC)
    # b's OEWS series; and with FRED's CPI (the first US choice) not asked tonight, the failed BLS
    # CPI decides the US deflator: a's real OEWS and c's (a US role) real IT Jobs Watch pay
    assert ("b", "salary_yoy_nominal_oews") in pairs(failed) and ("b", "salary_yoy_real_oews") in pairs(failed)
    assert ("a", "salary_yoy_nominal_oews") not in pairs(failed)
    assert ("a", "salary_yoy_real_oews") in pairs(failed) and ("c", "salary_yoy_real_itjw") in pairs(failed)
    # with FRED's CPI answering tonight, the failed BLS CPI was never going to be used
    fred_ok = req("fred", "ok", series_id="CPIAUCSL")
    failed = failed_inputs([fred_ok, req("bls", series=["OEUN2", "CUUR0000SA0"])], ROLES, RUBRIC)
    assert pairs(failed) == {("b", "salary_yoy_nominal_oews"), ("b", "salary_yoy_real_oews")}


def test_a_failed_fred_cpi_marks_the_real_terms_inputs_it_deflates():
    failed = failed_inputs([req("fred", "unreachable", series_id="CPIAUCSL"), req("bls", "ok", series=["CUUR0000SA0"])],
                           ROLES, RUBRIC)
    assert pairs(failed) == {("a", "salary_yoy_real_oews"), ("b", "salary_yoy_real_oews"),
                             ("c", "salary_yoy_real_itjw")}
    assert failed_inputs([req("fred", series_id="JTSJOL")], ROLES, RUBRIC).empty  # feeds no score


def test_the_layoffs_feed_and_claims_feed_every_role_that_reads_them():
    layoffs = failed_inputs([req("layoffs", role_industries=["AI", "Retail"])], ROLES, RUBRIC)
    assert pairs(layoffs) == {(r, m) for r in "ac" for m in ("layoff_headcount_change", "layoff_events_change")}
    claims = failed_inputs([req("claims")], ROLES, RUBRIC)
    assert pairs(claims) == {(r, "expert_net_direction") for r in "abc"}
    assert failed_inputs([req("warn")], ROLES, RUBRIC).empty  # WARN notices feed no rubric input


def _metrics(rows: dict[str, tuple[str, float | None]], role_id="mlops-engineer") -> pd.DataFrame:
    """A metrics frame for one role: {metric: (status, value)}."""
    out = []
    for metric, (status, value) in rows.items():
        out.append({"role_id": role_id, "metric": metric, "as_of": pd.Timestamp(AS_OF), "value": value,
                    "unit": "fraction", "status": status, "note": f"{metric} note", "sample_size": 200.0,
                    "observed_to": pd.Timestamp(AS_OF) - timedelta(days=1), "inputs": "{}", "lineage": "[]",
                    "rubric_version": RUBRIC.version})
    return pd.DataFrame(out)


def jpt(rows) -> dict:
    scores = score_dimensions(_metrics(rows), RUBRIC, AS_OF, validate=False)
    return scores[scores["dimension"] == "job_posting_trends"].iloc[0].to_dict()


def test_a_failed_primary_carries_the_dimension_rather_than_scoring_the_proxy():
    s = jpt({"postings_yoy_role": ("request_failed", None), "postings_yoy_sector": ("ok", -0.4),
             "postings_yoy_country": ("ok", -0.4)})
    assert pd.isna(s["score"]) and s["status"] == "request_failed:postings_yoy_role"
    assert "a request it reads failed tonight" in s["rationale"]
    # a failed proxy carries it too: the role's own count alone is not what the rubric scores
    s = jpt({"postings_yoy_role": ("ok", 0.2), "postings_yoy_sector": ("request_failed", None),
             "postings_yoy_country": ("ok", -0.4)})
    assert pd.isna(s["score"]) and s["status"] == "request_failed:postings_yoy_sector"


def test_a_failed_fallback_that_would_not_have_been_read_changes_nothing():
    ok = {"postings_yoy_role": ("ok", 0.2), "postings_yoy_sector": ("ok", 0.0)}
    base = jpt({**ok, "postings_yoy_country": ("ok", -0.4)})
    s = jpt({**ok, "postings_yoy_country": ("request_failed", None)})
    assert (s["score"], s["status"], s["rationale"]) == (base["score"], "ok", base["rationale"])
    s = jpt({"postings_yoy_role": ("ok", 0.2), "postings_yoy_sector": ("no_data", None),
             "postings_yoy_country": ("request_failed", None)})
    assert pd.isna(s["score"]) and s["status"] == "request_failed:postings_yoy_country"


def _page(end, postings, prior):
    end = pd.Timestamp(end)
    rows = []
    for e, v in ((end, postings), (end - pd.DateOffset(years=1), prior)):
        rows.append({"source": "itjobswatch", "series_key": "itjobswatch:permanent:mlops", "subject": "mlops",
                     "geography": "UK", "metric": "postings", "period_start": e - pd.DateOffset(months=6)
                     + timedelta(days=1), "period_end": e, "value": v, "unit": "count", "detail": None,
                     "fetch_id": f"page-{end.date()}"})
    return rows


def _sector(day, value):
    day = pd.Timestamp(day)
    return {"source": "indeed", "series_key": "indeed:sector:GB:Software Development:total",
            "subject": "Software Development", "geography": "GB", "metric": "sector_postings_index",
            "period_start": day, "period_end": day, "value": value, "unit": "index", "detail": None,
            "fetch_id": f"sector-{day.date()}"}


def test_the_refresh_carries_a_dimension_whose_page_failed_and_marks_the_metric():
    """The night as the flow runs it: the failed page's rows are left out of the history and
    the failed request is passed in; the sector index alone would have said -2."""
    night1 = refresh_evidence(pd.DataFrame(_page("2026-03-01", 185.0, 154.0)), None, CATALOGUE, None,
                              date(2026, 3, 1), "r1", RUBRIC)
    e1 = night1.evidence.set_index(["role_id", "dimension"]).loc[("mlops-engineer", "job_posting_trends")]
    assert e1["origin"] == "refreshed" and e1["score"] == 1
    tonight = pd.DataFrame([_sector("2026-03-02", 70.0), _sector("2025-03-03", 100.0)])  # -30 %: -2 alone
    failed = req("itjobswatch", "parse_error", key="itjobswatch:/jobs/uk/mlops.do", slug="mlops", kind="permanent")
    kw = dict(roles=CATALOGUE, previous=night1.evidence, as_of=AS_OF, run_id="r2", rubric=RUBRIC)
    before_fix = refresh_evidence(tonight, None, **kw)  # (no requests given: what the code did)
    e = before_fix.evidence.set_index(["role_id", "dimension"]).loc[("mlops-engineer", "job_posting_trends")]
    assert e["origin"] == "refreshed" and e["score"] == -2
    result = refresh_evidence(tonight, None, **kw, requests=[failed])
    e = result.evidence.set_index(["role_id", "dimension"]).loc[("mlops-engineer", "job_posting_trends")]
    assert (e["origin"], int(e["score"]), e["status"]) == ("carried", 1, "request_failed:postings_yoy_role")
    assert "itjobswatch:/jobs/uk/mlops.do parse_error" in e["rationale"]
    m = result.metrics.set_index(["role_id", "metric"]).loc[("mlops-engineer", "postings_yoy_role")]
    assert m["status"] == "request_failed" and pd.isna(m["value"])
    assert json.loads(m["inputs"])["failed_request"]["outcome"] == "parse_error"
    # the other catalogue roles did not read that page
    others = result.metrics[(result.metrics["role_id"] != "mlops-engineer")]
    assert not (others["status"] == "request_failed").any()


def test_mark_failed_touches_only_the_named_pairs():
    metrics = compute_metrics(pd.DataFrame(_page("2026-03-01", 185.0, 154.0)), CATALOGUE, AS_OF, RUBRIC)
    failed = failed_inputs([req("itjobswatch", slug="mlops", kind="permanent")], CATALOGUE, RUBRIC)
    marked = mark_failed(metrics, failed)
    changed = marked["status"] != metrics["status"]
    assert set(zip(marked.loc[changed, "role_id"], marked.loc[changed, "metric"])) <= pairs(failed)
    assert changed.any() and marked.loc[~changed].equals(metrics.loc[~changed])
    assert mark_failed(metrics, failed.iloc[0:0]) is metrics
