"""BLS Employment Projections: the real 2024-34 workbook and the 2023-33 Table 1.2 excerpt."""

from __future__ import annotations

import codecs
import io
import json
import math
from datetime import date

import pytest
from tests.scrapers.scrapers_helpers import ctx, one

from scrapers.base import ParseError, RequestOptions
from scrapers.bls_ep import parse, requests_for
from scrapers.bls_ep import SAMPLES
from scrapers.ai_exposure import SAMPLES as AI_SAMPLES


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


WORKBOOK = "occupation_2024-34.xlsx"
TABLE_2023 = "table1.2_2023-33_excerpt_computer-math-and-footnotes.csv"
FACTORS_CSV = "table1.12_2024-34_excerpt_AI-mentions.csv"


@pytest.fixture(scope="module")
def vintage_2024():
    return parse(sample(WORKBOOK), ctx(source="bls_ep"))


def test_software_developers_2024_34_from_the_real_workbook(vintage_2024):
    dev = vintage_2024[vintage_2024.subject == "15-1252"]
    assert one(dev, metric="ep_change_pct") == pytest.approx(15.8)
    assert one(dev, metric="ep_employment_base", period_start="2024-01-01") == pytest.approx(1_693_800)
    assert one(dev, metric="ep_employment_projected", period_start="2024-01-01") == pytest.approx(1_961_400)
    assert one(dev, metric="ep_openings_annual_avg") == pytest.approx(115_200)
    assert one(dev, metric="ep_median_wage") == 133_080
    row = dev[dev.metric == "ep_change_pct"].iloc[0]
    assert (row.period_start, row.period_end) == (date(2024, 1, 1), date(2024, 12, 31))
    assert "vintage 2024-34" in row.detail and "Software developers" in row.detail


def test_whole_workbook_one_point_per_series(vintage_2024):
    assert vintage_2024.subject.nunique() == 1113  # every 2018 SOC line item and summary row of Table 1.2
    assert not vintage_2024.duplicated(["series_key", "period_start", "period_end"]).any()
    assert one(vintage_2024, subject="00-0000", metric="ep_change_pct") == pytest.approx(3.1)


def test_top_coded_wage_stays_null(vintage_2024):
    top = vintage_2024[(vintage_2024.metric == "ep_median_wage") & vintage_2024.detail.str.contains("top-coded")]
    assert len(top) > 0 and top.value.isna().all()
    assert ">=$239,200" in top.detail.iloc[0]


def test_table_1_12_factors_name_direction_and_ai(vintage_2024):
    factors = vintage_2024[vintage_2024.metric == "ep_utilization_factor"]
    rd = factors[factors.series_key == "bls_ep:15-1252:factor:541710"].iloc[0]
    claim = json.loads(rd.detail)
    assert rd.value == 1.0 and claim["mentions_ai"] and "artificial intelligence" in claim["text"]
    writers = factors[(factors.subject == "27-3042")]
    assert (writers.value == -1.0).any()
    assert set(factors.value.dropna()) == {1.0, -1.0}


def test_previous_vintage_gives_the_release_over_release_change(vintage_2024):
    old = parse(sample(TABLE_2023), ctx(source="bls_ep"))
    before = one(old, subject="15-1252", metric="ep_change_pct")
    after = one(vintage_2024, subject="15-1252", metric="ep_change_pct")
    assert (before, after) == (pytest.approx(17.9), pytest.approx(15.8))
    # same series key, one point per vintage: the release-over-release change is the difference
    assert set(old[old.subject == "15-1252"].series_key) <= set(vintage_2024.series_key)
    assert one(old, subject="15-1251", metric="ep_change_pct") == pytest.approx(-9.6)
    assert one(vintage_2024, subject="15-1251", metric="ep_change_pct") == pytest.approx(-6.0)


def test_cross_check_with_the_derived_table(vintage_2024):
    old = parse(sample(TABLE_2023), ctx(source="bls_ep"))
    import csv
    for rec in csv.DictReader(io.StringIO(sample("ep_release_over_release_15-xxxx_DERIVED.csv").decode())):
        assert one(old, subject=rec["soc"], metric="ep_change_pct") == pytest.approx(float(rec["pct_change_2023_33"]))
        assert one(vintage_2024, subject=rec["soc"], metric="ep_change_pct") == pytest.approx(
            float(rec["pct_change_2024_34"]))


def test_factors_csv_alone_reads_its_vintage_from_the_title():
    df = parse(sample(FACTORS_CSV), ctx(source="bls_ep"))
    assert len(df) == 49 and set(df.metric) == {"ep_utilization_factor"}
    adj = df[df.subject == "13-1031"].iloc[0]
    assert adj.value == -1.0 and (adj.period_start, adj.period_end) == (date(2024, 1, 1), date(2024, 12, 31))


def test_bom_and_renamed_headers():
    body = sample(TABLE_2023)
    with_bom = parse(codecs.BOM_UTF8 + body, ctx(source="bls_ep"))
    assert one(with_bom, subject="15-1252", metric="ep_change_pct") == pytest.approx(17.9)
    renamed = body.replace("Employment change, percent, 2023–33".encode(), b"Change pct")
    with pytest.raises(ParseError, match="Employment change, percent"):
        parse(renamed, ctx(source="bls_ep"))
    one_year = body.replace(b'"Employment, 2033"', b'"Projected jobs"')
    with pytest.raises(ParseError, match="two 'Employment, <year>' columns"):
        parse(one_year, ctx(source="bls_ep"))


def test_header_without_rows_missing_cells_and_bad_numbers():
    lines = sample(TABLE_2023).decode().splitlines()
    with pytest.raises(ParseError, match="no occupation rows"):
        parse("\n".join(lines[:2]).encode(), ctx(source="bls_ep"))
    dev = next(line for line in lines if ",15-1252," in line)
    cut = dev.split(",")
    cut[8] = "—"  # the published "unavailable" mark: null, never 0
    df = parse("\n".join(lines[:2] + [",".join(cut)]).encode(), ctx(source="bls_ep"))
    assert math.isnan(one(df, subject="15-1252", metric="ep_change_pct"))
    cut[8] = "lots"
    with pytest.raises(ParseError, match="row 3 change_pct.*'lots'"):
        parse("\n".join(lines[:2] + [",".join(cut)]).encode(), ctx(source="bls_ep"))


def test_damaged_workbook_and_missing_sheet():
    with pytest.raises(ParseError, match="not a readable xlsx"):
        parse(sample(WORKBOOK)[:50_000], ctx(source="bls_ep"))
    with pytest.raises(ParseError, match="no sheet matching"):
        parse(AI_SAMPLES.joinpath("felten_LanguageModeling_AIOE_and_AIIE.xlsx").read_bytes(), ctx(source="bls_ep"))


def test_requests_only_when_a_role_names_an_occupation():
    assert requests_for([{"role_id": "x"}], RequestOptions()) == []
    reqs = requests_for([{"role_id": "dev", "soc": ["15-1252"]}, {"role_id": "ml", "onet_soc": "15-2051.00"}],
                        RequestOptions(base_url="http://127.0.0.1:9/bls_ep",
                                       options={"archive_paths": ["/emp/archive/occupation_2023.xlsx"]}))
    assert [r.url for r in reqs] == ["http://127.0.0.1:9/bls_ep/emp/ind-occ-matrix/occupation.xlsx",
                                     "http://127.0.0.1:9/bls_ep/emp/archive/occupation_2023.xlsx"]
    assert [r.context["release"] for r in reqs] == ["current", "archive"]


def test_declarations_fit_what_the_parser_emits(vintage_2024):
    from tests.scrapers.declarations_helpers import check_hosts, check_samples, check_vocabulary

    from scrapers.bls_ep import SOURCE, schema

    old = parse(sample(TABLE_2023), ctx(source="bls_ep"))
    assert check_vocabulary(schema, [vintage_2024, old]) == set(schema.METRICS)
    check_hosts(schema, [r.url for r in requests_for([{"role_id": "d", "soc": ["15-1252"]}], RequestOptions())])
    check_samples(SOURCE, SAMPLES)


def test_a_broken_factors_sheet_keeps_the_projections():
    import csv

    from openpyxl import Workbook

    # a workbook of the two real excerpts (loading and re-saving the whole real one takes seconds)
    book = Workbook()
    for sheet, name in ((book.active, "Table 1.2"), (book.create_sheet(), "Table 1.12")):
        sheet.title = name
        rel = "table1.2_2024-34_excerpt_computer-math-and-footnotes.csv" if name == "Table 1.2" else FACTORS_CSV
        for row in csv.reader(io.StringIO(sample(rel).decode("utf-8"))):
            sheet.append(row)
    book["Table 1.12"]["E2"] = "Reasons"  # the factors column renamed
    out = io.BytesIO()
    book.save(out)
    context = ctx(source="bls_ep")
    df = parse(out.getvalue(), context)
    assert one(df, subject="15-1252", metric="ep_change_pct") == pytest.approx(15.8)
    assert "ep_utilization_factor" not in set(df.metric)
    assert "factors not read" in context.notes[0] and "Factors affecting occupational utilization" in context.notes[0]
