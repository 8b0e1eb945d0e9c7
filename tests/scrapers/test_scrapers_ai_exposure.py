"""AI exposure studies: every study's real sample, sniffed without flags; releases; malformed files."""

from __future__ import annotations

import codecs
import math
from datetime import date

import pytest
from tests.scrapers.scrapers_helpers import ctx, one

from scrapers.ai_exposure import parse, requests_for
from scrapers.ai_exposure import settings as S
from scrapers.base import ParseError, RequestOptions, ScraperError
from scrapers.ai_exposure import SAMPLES
from scrapers.oews import SAMPLES as OEWS_SAMPLES


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


MS = "microsoft_soc_ai_applicability_scores.csv"
GPTS = "openai_gpts-are-gpts_occ_level_excerpt_15-xxxx.csv"
AIOE = "felten_AIOE_DataAppendix.xlsx"
LM_AIOE = "felten_LanguageModeling_AIOE_and_AIIE.xlsx"
AEI = "anthropic_aei_job_exposure_excerpt_via_brdaly.csv"


def test_software_developers_in_every_study():
    ms = parse(sample(MS), ctx(source="ai_exposure"))
    assert len(ms) == 785
    assert one(ms, subject="15-1252", metric="ms_ai_applicability") == pytest.approx(0.2838686405582842)
    assert ms.period_start.iloc[0] == date(2025, 8, 29)
    gpts = parse(sample(GPTS), ctx(source="ai_exposure"))
    assert one(gpts, subject="15-1252.00", metric="gpts_exposure_beta") == pytest.approx(0.8684210526315789)
    assert "SOC 15-1252" in gpts[gpts.subject == "15-1252.00"].detail.iloc[0]
    aei = parse(sample(AEI), ctx(source="ai_exposure"))
    assert one(aei, subject="15-1252", metric="aei_observed_exposure") == pytest.approx(0.288)
    assert one(aei, subject="15-1251", metric="aei_observed_exposure") == pytest.approx(0.7451)
    assert one(aei, subject="53-7121", metric="aei_observed_exposure") == 0.0  # a published zero stays a zero
    aioe = parse(sample(AIOE), ctx(source="ai_exposure"))
    assert len(aioe) == 774
    assert one(aioe, subject="SOC2010:15-1132", metric="aioe") == pytest.approx(1.200923)
    assert "15-1252" not in set(aioe.subject)  # SOC 2010 codes never pose as 2018 ones
    lm = parse(sample(LM_AIOE), ctx(source="ai_exposure"))
    assert one(lm, subject="SOC2010:15-1132", metric="lm_aioe") == pytest.approx(0.8815646)
    assert lm.period_start.iloc[0] == date(2023, 3, 7)


def test_each_study_is_its_own_series_dated_by_its_release():
    frames = [parse(sample(f), ctx(source="ai_exposure")) for f in (MS, GPTS, AEI, AIOE, LM_AIOE)]
    prefixes = {key.split(":")[1] for f in frames for key in f.series_key}
    assert prefixes == set(S.STUDIES)
    aei = frames[2]
    assert "release 2026-03 (dated to the month)" in aei.detail.iloc[0]


def test_a_second_release_is_a_second_point_of_the_same_series(monkeypatch):
    ms = S.STUDIES["microsoft_ai_applicability"]
    later = S.Release("2026-09", date(2026, 9, 1), "/microsoft/working-with-ai/abc/soc_ai_applicability_scores.csv")
    monkeypatch.setitem(S.STUDIES, ms.name, S.Study(**{**ms.__dict__, "releases": ms.releases + (later,)}))
    with pytest.raises(ParseError, match="which release"):
        parse(sample(MS), ctx(source="ai_exposure"))
    first = parse(sample(MS), ctx(source="ai_exposure", release="2025-08"))
    second = parse(sample(MS), ctx("http://127.0.0.1/ai_exposure" + later.path, "ai_exposure"))
    assert set(first.series_key) == set(second.series_key)
    assert (first.period_start.iloc[0], second.period_start.iloc[0]) == (date(2025, 8, 29), date(2026, 9, 1))
    assert len(requests_for([{"role_id": "d", "soc": "15-1252"}], RequestOptions(options={"studies": [ms.name]}))) == 2


def test_malformed_variants_are_named():
    with pytest.raises(ParseError, match="matches no known study"):
        parse(OEWS_SAMPLES.joinpath("national_M2024_dl_excerpt_15-xxxx.csv").read_bytes(), ctx(source="ai_exposure"))
    with pytest.raises(ParseError, match="ai_applicability_score"):
        parse(sample(MS).replace(b"ai_applicability_score", b"score"), ctx(source="ai_exposure",
                                                                              study="microsoft_ai_applicability"))
    with pytest.raises(ParseError, match="unknown study 'nope'"):
        parse(sample(MS), ctx(source="ai_exposure", study="nope"))
    with pytest.raises(ParseError, match="no occupation rows"):
        parse(sample(MS).splitlines()[0], ctx(source="ai_exposure"))
    with pytest.raises(ParseError, match="not an O\\*NET-SOC code"):
        parse(sample(GPTS).replace(b"15-1252.00,", b"15-1252,"), ctx(source="ai_exposure"))
    with pytest.raises(ParseError, match="cannot read a number from 'high'"):
        parse(sample(AEI).replace(b"15-1252,0.288", b"15-1252,high"), ctx(source="ai_exposure"))
    blank = parse(sample(AEI).replace(b"15-1252,0.288", b"15-1252,"), ctx(source="ai_exposure"))
    assert math.isnan(one(blank, subject="15-1252"))  # an empty cell is "not published", never 0
    with pytest.raises(ParseError, match="appears twice"):
        parse(sample(AEI) + b"15-1252,0.3\n", ctx(source="ai_exposure"))
    with pytest.raises(ParseError, match="not a readable xlsx"):
        parse(sample(AIOE)[:20_000], ctx(source="ai_exposure"))


def test_bom_is_dropped_before_the_header_is_read():
    df = parse(codecs.BOM_UTF8 + sample(MS), ctx(source="ai_exposure"))
    assert one(df, subject="15-1252") == pytest.approx(0.2838686405582842)


def test_requests_one_per_release_when_a_role_names_an_occupation():
    assert requests_for([{"role_id": "x"}], RequestOptions()) == []
    reqs = requests_for([{"role_id": "d", "soc": "15-1252"}], RequestOptions(base_url="http://127.0.0.1:9/ai"))
    assert len(reqs) == sum(len(s.releases) for s in S.STUDIES.values())
    assert all(r.url.startswith("http://127.0.0.1:9/ai/") for r in reqs)
    assert {r.context["study"] for r in reqs} == set(S.STUDIES)
    with pytest.raises(ScraperError, match="ai_exposure.studies: unknown study \\['nope'\\]"):
        requests_for([{"role_id": "d", "soc": "15-1252"}], RequestOptions(options={"studies": ["nope"]}))


def test_declarations_fit_what_the_parser_emits():
    from pydantic import TypeAdapter, ValidationError
    from tests.scrapers.declarations_helpers import check_hosts, check_samples, check_vocabulary

    from scrapers.ai_exposure import SOURCE, schema
    from scrapers.ai_exposure.lookup import LOOKUP

    frames = [parse(sample(f), ctx(source="ai_exposure")) for f in (MS, GPTS, AEI, AIOE, LM_AIOE)]
    assert check_vocabulary(schema, frames) == set(schema.METRICS)
    check_hosts(schema, [r.url for r in requests_for([{"role_id": "d", "soc": "15-1252"}], RequestOptions())])
    check_samples(SOURCE, SAMPLES)
    onet = TypeAdapter(LOOKUP["onet_soc"][0])
    assert onet.validate_python(["15-1299.08"]) == ["15-1299.08"]
    with pytest.raises(ValidationError):
        onet.validate_python(["15-1299"])
