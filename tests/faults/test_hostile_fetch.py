"""Hostile fetches (issue 14): payloads and servers that used to hang a night or fail it unclearly.

* a host that drips its response headers, or a Content-Length body, at a byte a second: the fetch's
  total deadline (`http.total_timeout`) holds for the whole response, the fetch is a recorded
  `unreachable` naming that deadline, the server sees the client hang up before it has sent
  everything, the night completes degraded and every other host's data loads (slow: a real night);
* a UTF-8 byte-order mark at the start of any text payload parses exactly like the payload without it
  (every text parser reads through `scrapers.text.decode_text`);
* a claim whose `source_url` is `javascript:` is refused on its own, named (file, claims[i], id,
  field) in the claims fetch's recorded detail, and the file's other claims load.
"""

from __future__ import annotations

import codecs
import dataclasses
from datetime import UTC, date, datetime

import pandas as pd
import pytest
import yaml

from scrapers import bls, claims, fred, indeed, itjobswatch, layoffs, warn
from scrapers.claims.settings import EXAMPLE_PATH
from scrapers.gather import parse_result
from scrapers.http import OK, FetchResult, detect_encoding
from scrapers.base import SourceRequest
from tests.scrapers.scrapers_helpers import ctx, sample
from scrapers.registry import SOURCES

D1 = date(2026, 6, 30)
BAD_URL = "javascript:alert(document.cookie)"

# ---------------------------------------------------------------------------------------- BOMs

#: one real sample per text parser: (parser, sample, context, the Content-Type its host declares)
BOM_CASES = {
    "indeed": (indeed.parse, sample("indeed-hiring-lab/aggregate_job_postings_GB.csv"),
               ctx(source="indeed", kind="aggregate", countries=["UK"]), "text/plain; charset=utf-8"),
    "fred": (fred.parse, sample("fred/fredgraph_CPIAUCSL_to-2025-08.csv"),
             ctx("https://fred.stlouisfed.org/graph/fredgraph.csv?id=CPIAUCSL", "fred", series_id="CPIAUCSL"),
             "text/csv; charset=utf-8"),
    "layoffs": (layoffs.parse, sample("layoffs/layoffs_fyi_kaggle_2026-01-28.csv"), ctx(source="layoffs"),
                "text/plain; charset=utf-8"),
    "warn": (warn.parse, sample("warn/warn_processed_consolidated_excerpt.csv"), ctx(source="warn"),
             "text/plain; charset=utf-8"),
    "bls": (bls.parse, sample("bls/timeseries_v2_APU0000701111_2022_catalog_calculations.json"),
            ctx(source="bls"), "application/json;charset=UTF-8"),
    "itjobswatch": (itjobswatch.parse, sample("itjobswatch/mlops_permanent_uk_2026-03-02.html"),
                    ctx("https://www.itjobswatch.co.uk/jobs/uk/mlops.do", "itjobswatch", slug="mlops",
                        kind="permanent"), "text/html; charset=utf-8"),
    "claims": (claims.parse, EXAMPLE_PATH.read_bytes(), ctx(str(EXAMPLE_PATH), "claims"), None),
}


@pytest.mark.parametrize("told", ["detected", "utf-8", None])
@pytest.mark.parametrize("name", list(BOM_CASES))
def test_a_bom_at_the_start_of_a_text_payload_parses_like_the_payload(name, told):
    """`told`: the encoding the parser is handed (`ParseContext.encoding`): what the fetch layer
    detects from the body and the host's Content-Type, the bare charset the header declares (as a
    fetch recorded before this fix and replays hand it on), or nothing."""
    parse, body, context, content_type = BOM_CASES[name]

    def as_fetched(payload: bytes):
        encoding = detect_encoding(payload, content_type) if told == "detected" else told
        return dataclasses.replace(context, encoding=encoding)

    plain = parse(body, as_fetched(body))
    assert len(plain) > 0
    with_bom = parse(codecs.BOM_UTF8 + body, as_fetched(codecs.BOM_UTF8 + body))
    pd.testing.assert_frame_equal(with_bom, plain)


# ---------------------------------------------------------------------------------------- claims


def _claims_fetch(body: bytes, where: str) -> FetchResult:
    req = SourceRequest(source="claims", url=where)
    return FetchResult(url=where, source="claims", status=None, outcome=OK, fetched_at=datetime(2026, 7, 1, tzinfo=UTC),
                       body=body, request=req, encoding=detect_encoding(body, None))


def test_a_javascript_claim_url_refuses_that_claim_names_it_and_keeps_the_rest():
    doc = yaml.safe_load(EXAMPLE_PATH.read_text())
    bad_id = doc["claims"][1]["id"]
    doc["claims"][1]["source_url"] = BAD_URL
    where = "/catalogue/roles/expert-claims.yaml"
    result = _claims_fetch(yaml.safe_dump(doc, sort_keys=False).encode(), where)

    frame = parse_result(claims.SOURCE, result)

    assert result.outcome == OK, result.detail
    assert set(frame.series_key) == {f"claims:{c['id']}" for i, c in enumerate(doc["claims"]) if i != 1}
    assert where in result.detail and "claims[1]" in result.detail and bad_id in result.detail
    assert "source_url" in result.detail and "refused" in result.detail
    assert BAD_URL not in " ".join(frame.detail)


def test_a_file_whose_every_claim_is_refused_is_a_parse_error_naming_them():
    doc = yaml.safe_load(EXAMPLE_PATH.read_text())
    for c in doc["claims"]:
        c["source_url"] = BAD_URL
    result = _claims_fetch(yaml.safe_dump(doc).encode(), "roles/expert-claims.yaml")
    frame = parse_result(claims.SOURCE, result)
    assert len(frame) == 0 and result.outcome == "parse_error"
    assert all(f"claims[{i}]" in result.detail for i in range(len(doc["claims"])))


# ---------------------------------------------------------------------------------------- drips

DRIP = {"interval": 1.0, "max_seconds": 15.0}  # a byte a second; the server's hang-stop for a client that waits
TOTAL_TIMEOUT = 4.0
READ_TIMEOUT = 2.0  # longer than the drip's gap: a per-read timeout alone never fires


@pytest.fixture(scope="module")
def drip_night(tmp_path_factory):
    from sim import catalogue_gen
    from sim.simserver import SimServer
    from tests.faults.conftest import FAST_INTERVALS, night

    tmp = tmp_path_factory.mktemp("hostile-fetch")
    roles = catalogue_gen.write_catalogue(tmp / "roles", 6, seed=14, as_of=D1)
    claims_path = tmp / "roles" / "expert-claims.yaml"
    doc = yaml.safe_load(claims_path.read_text())
    claim = {"role_id": roles[0].id, "direction": 1, "as_of": D1.isoformat(), "reviewed_by": "issue 14"}
    # claims[0] cited properly, claims[1] citing a script, then whatever the generator wrote
    doc["claims"][:0] = [{**claim, "id": "hostile-cited", "claim": "A claim cited to a real page.",
                          "source_url": "https://example.org/hostile/cited"},
                         {**claim, "id": "hostile-javascript-url", "claim": "A claim whose citation is a script.",
                          "source_url": BAD_URL}]
    claims_path.write_text(yaml.safe_dump(doc, sort_keys=False))
    with SimServer(roles, as_of=D1, intervals=FAST_INTERVALS) as sim:
        config = sim.write_settings(tmp / "settings.toml", read_timeout=READ_TIMEOUT, total_timeout=TOTAL_TIMEOUT)
        sim.set_fault("fred", "drip_headers", paths=["id=CPIAUCSL"], **DRIP)
        # not two in a row: a host whose requests run out of the deadline twice running is not asked again
        sim.set_fault("fred", "drip_body", paths=["id=JTSJOL"], **DRIP)
        summary = night(tmp / "home", tmp / "roles", config, D1, sim.base_urls())
        drips = list(sim.hosts["fred"].drips)
    yield {"summary": summary, "drips": drips, "db": tmp / "home" / "warehouse.duckdb", "claims_path": claims_path,
           "good_claims": [c["id"] for c in doc["claims"] if c["id"] != "hostile-javascript-url"]}


def _fetches(world) -> list[dict]:
    from tests.support.checks import json_rows

    return json_rows(world["db"], "SELECT * FROM fetches WHERE run_id = ?", [world["summary"]["run_id"]])


@pytest.mark.slow
def test_a_dripping_host_degrades_the_night_and_the_others_load(drip_night):
    from tests.support.checks import rows

    summary = drip_night["summary"]
    assert summary["status"] == "degraded" and summary["failing_sources"] == ["fred"], summary["failing_sources"]
    by_source: dict[str, set[str]] = {}
    for f in _fetches(drip_night):
        if "CPIAUCSL" not in f["url"] and "JTSJOL" not in f["url"]:
            by_source.setdefault(f["source"], set()).add(f["outcome"])
    assert by_source == {s: {"ok"} for s in SOURCES}  # every registered source asked, and answered
    loaded = {s for (s,) in rows(drip_night["db"], "SELECT DISTINCT source FROM observations WHERE run_id = ?",
                                 [summary["run_id"]])}
    assert {"itjobswatch", "indeed", "bls", "fred", "claims"} <= loaded
    series = {k for (k,) in rows(drip_night["db"], "SELECT DISTINCT series_key FROM observations WHERE source ="
                                 " 'fred' AND run_id = ?", [summary["run_id"]])}
    assert series == {"fred:AHETPI"}


@pytest.mark.slow
@pytest.mark.parametrize("series, phase", [("CPIAUCSL", "headers"), ("JTSJOL", "body")])
def test_a_dripped_fetch_is_unreachable_naming_the_total_deadline(drip_night, series, phase):
    [fetch] = [f for f in _fetches(drip_night) if f"id={series}" in f["url"]]
    assert fetch["outcome"] == "unreachable", fetch["detail"]
    assert "total deadline" in fetch["detail"] and "http.total_timeout" in fetch["detail"], fetch["detail"]
    assert phase in fetch["detail"], fetch["detail"]


@pytest.mark.slow
@pytest.mark.parametrize("kind, series", [("drip_headers", "CPIAUCSL"), ("drip_body", "JTSJOL")])
def test_the_dripping_server_saw_the_client_hang_up_before_it_had_sent_everything(drip_night, kind, series):
    drips = [d for d in drip_night["drips"] if d.kind == kind and f"id={series}" in d.path]
    # one attempt: a fetch past its total deadline is not retried
    assert len(drips) == 1, drips
    [drip] = drips
    assert drip.client_hung_up and not drip.finished, drip
    assert 0 < drip.sent < drip.total, drip


@pytest.mark.slow
def test_the_nights_javascript_claim_is_refused_by_name_and_the_other_claims_load(drip_night):
    from tests.support.checks import rows

    [fetch] = [f for f in _fetches(drip_night) if f["source"] == "claims"]
    assert fetch["outcome"] == "ok"
    detail = fetch["detail"] or ""
    assert str(drip_night["claims_path"]) in detail and "claims[1]" in detail, detail
    assert "hostile-javascript-url" in detail and "source_url" in detail, detail
    stored = {k for (k,) in rows(drip_night["db"], "SELECT series_key FROM observations WHERE source = 'claims'"
                                 " AND run_id = ?", [drip_night["summary"]["run_id"]])}
    assert stored == {f"claims:{i}" for i in drip_night["good_claims"]}
