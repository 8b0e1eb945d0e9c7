"""What the pages explain: each dimension's published and tonight's value and what moved it, the
lineage one click away, claim links, totals-only roles, score movements and their causes, the
degraded-night banner, the index's downloads and the methodology page (issue 13, the site)."""

from __future__ import annotations

import csv
import html as html_text
import io
import json
import re
from pathlib import Path

from core.vocabulary import DIMENSIONS
from scoring.aijri import load_method
from scoring.rubric import band_label, load_rubric
from tests.site.site_helpers import CLAIM_URL, LAYOFFS_SHA, LAYOFFS_URL
from website.build import SITE_DIR
from website.pages import INDEX_COLUMNS, zones_sentence


def read(site, rel: str) -> str:
    return (site["dir"] / rel).read_text(encoding="utf-8")


def row_of(html: str, dimension: str) -> str:
    return re.search(rf'<tr class="origin-\w+" data-dimension="{dimension}">(.*?)</tr>', html, re.S).group(1)


def cell(row: str, label: str) -> str:
    return re.search(rf'data-label="{label}">(.*?)</t[dh]>', row, re.S).group(1)


def section(html: str, element_id: str) -> str:
    return re.search(rf'<section class="lineage" id="{element_id}">(.*?)</section>', html, re.S).group(1)


def test_each_dimension_shows_published_value_tonights_value_and_what_moved_it(explained):
    html = read(explained, "roles/mlops-engineer.html")
    company = row_of(html, "company_actions")
    assert cell(company, "baseline").strip() == "+2" and cell(company, "tonight").strip() == "+1"
    words = cell(company, "what moved it")
    assert "Refreshed from data to +1, down 1 from the published +2" in words
    assert "AI/Data layoffs decayed headcount 254.1 vs 952.9 a year earlier (-73.3 %): band (-inf, -60 %)" in words
    assert "a rise counts against the role" in words and "capped to -2..+1 → +1" in words
    wage = row_of(html, "wage_trends")
    assert cell(wage, "baseline").strip() == "+1" and cell(wage, "tonight").strip() == "+1"
    assert "Carried at its last good value +1, 3 day(s) old (as published)" in cell(wage, "what moved it")
    assert "too few of its inputs had usable data tonight" in cell(wage, "what moved it")


def test_lineage_is_one_click_away_with_url_fetch_time_and_sha256(explained):
    html = read(explained, "roles/mlops-engineer.html")
    assert 'href="#lineage-company_actions"' in row_of(html, "company_actions")
    lineage = section(html, "lineage-company_actions")
    assert f'<a href="{LAYOFFS_URL}" rel="noopener noreferrer">{LAYOFFS_URL}</a>' in lineage
    assert "2026-11-21 02:05:00" in lineage and f"<code>{LAYOFFS_SHA}</code>" in lineage
    assert "layoff_headcount 2026-11-22 = 120.00 count" in lineage
    # a signal that could not be used is named with its reason, without a fetch
    wage = section(html, "lineage-wage_trends")
    assert "<code>salary_yoy_real_itjw</code> not used (request_failed): itjobswatch failed tonight" in wage
    # the role's JSON carries the same lineage for machines
    data = json.loads(read(explained, "roles/mlops-engineer.json"))
    [company] = [e for e in data["evidence"] if e["dimension"] == "company_actions"]
    [fetch] = company["signals"][0]["fetches"]
    assert (fetch["url"], fetch["sha256"], company["published"]) == (LAYOFFS_URL, LAYOFFS_SHA, 2)


def test_claims_link_to_their_own_sources(explained):
    lineage = section(read(explained, "roles/mlops-engineer.html"), "lineage-expert_consensus")
    assert "“WEF expects ML-specialist demand to grow about 40% by 2030.”" in lineage
    assert f'<a href="{CLAIM_URL}" rel="noopener noreferrer">source: www.weforum.org</a>' in lineage


def test_a_totals_only_role_explains_why_its_rows_do_not_sum_to_its_total(explained):
    html = read(explained, "roles/devops-engineer.html")
    note = re.search(r'<p class="not-public" id="totals-note">(.*?)</p>', html, re.S).group(1)
    assert "publishes only an evidence total, not its five dimensions" in note
    assert "2 of 5 dimensions could be refreshed from data (they sum to 0)" in note
    assert "keeps the published total -5 until every dimension can be refreshed" in note
    assert html.count('<tr class="origin-refreshed"') == 2
    assert "totals-note" not in read(explained, "roles/mlops-engineer.html")  # its rows are its total


def test_movements_page_names_role_change_dimension_signal_and_cause(explained):
    html = read(explained, "changes.html")
    night = re.search(r'<section class="night" id="night-2026-11-22">(.*?)</section>', html, re.S).group(1)
    mlops = re.search(r'<tr data-role="mlops-engineer" data-causes="evidence">(.*?)</tr>', night, re.S).group(1)
    assert "42.6 → 41.0" in mlops and "-1.6" in mlops and ">evidence<" in mlops
    assert "Company Actions +2 → +1 (evidence: layoff_headcount_change)" in mlops
    edit = re.search(r'<section class="night" id="night-2026-11-21">(.*?)</section>', html, re.S).group(1)
    cloud = re.search(r'<tr data-role="cloud-architect" data-causes="catalogue">(.*?)</tr>', edit, re.S).group(1)
    assert "51.5 → 54.3" in cloud and "+2.8" in cloud and "catalogue edit" in cloud and "AI growth 1 → 2" in cloud
    assert "Green (Accelerated)" in cloud
    assert 'data-role="devops-engineer"' not in html  # its refreshed rows are not in its score: nothing moved
    # each card's headline says how far tonight moved it, why, and links to the night
    card = read(explained, "roles/mlops-engineer.html")
    moved = re.search(r'<p class="moved" id="moved">(.*?)</p>', card, re.S).group(1)
    assert " ".join(moved.split()) == ('-1.6 from 2026-11-21, caused by evidence: '
                                       '<a href="../changes.html#night-2026-11-22">what moved it</a>.')
    assert 'id="moved"' not in read(explained, "roles/devops-engineer.html")
    # the same movements as downloads
    data = json.loads(read(explained, "changes.json"))["movements"]
    assert [(m["as_of"], m["role_id"], m["causes"]) for m in data] == [
        ("2026-11-22", "mlops-engineer", ["evidence"]), ("2026-11-21", "cloud-architect", ["catalogue"])]
    rows = list(csv.DictReader(io.StringIO(read(explained, "changes.csv"))))
    assert [(r["role_id"], r["change"], r["causes"]) for r in rows] == [
        ("mlops-engineer", "-1.6", "evidence"), ("cloud-architect", "2.8", "catalogue")]


def test_a_degraded_night_shows_a_banner_on_every_page(explained, site):
    pages = sorted(p for p in explained["dir"].rglob("*.html"))
    assert len(pages) == 6
    for page in pages:
        banner = re.search(r'<aside class="banner degraded" id="night-banner" role="status">(.*?)</aside>',
                           page.read_text(), re.S)
        assert banner, page
        text = " ".join(html_text.unescape(re.sub(r"<[^>]+>", "", banner.group(1))).split())
        assert "Degraded night (as of 2026-11-22)" in text
        assert "Failing source: IT Jobs Watch (2 of 3 request(s) failed: http_error ×2)" in text
        assert "carried at their last good value: MLOps Engineer Wage Trends (+1, 3 days old)" in text
        assert "request failed (the published values stand): DevOps Engineer Job Posting Trends" in text
    # a site built from nights with no failing source has no banner
    assert all("night-banner" not in p.read_text() for p in site["dir"].rglob("*.html"))


def test_index_offers_csv_and_json_downloads_and_sort_and_filter_controls(explained):
    html = read(explained, "index.html")
    assert '<a href="index.csv" download>CSV</a>' in html and '<a href="index.json">JSON</a>' in html
    rows = list(csv.DictReader(io.StringIO(read(explained, "index.csv"))))
    assert tuple(rows[0]) == INDEX_COLUMNS
    assert [(r["id"], r["aijri"], r["zone"]) for r in rows] == [
        ("cloud-architect", "54.3", "Green"), ("devops-engineer", "10.7", "Red"), ("mlops-engineer", "41.0", "Yellow")]
    assert {k: [r[k] for r in json.loads(read(explained, "index.json"))["roles"]] for k in ("id", "aijri")} == {
        "id": ["cloud-architect", "devops-engineer", "mlops-engineer"], "aijri": [54.3, 10.7, 41.0]}
    for key in ("title", "aijri", "zone", "change", "as_of"):
        assert f'data-sort-key="{key}"' in html
    assert 'id="filter-text"' in html and 'id="filter-zone"' in html
    assert '<script src="site.js" defer></script>' in html and "script-src 'self'" in html
    assert (explained["dir"] / "site.js").read_bytes() == (SITE_DIR / "site.js").read_bytes()


def test_methodology_page_shows_the_formula_zones_and_every_rubric_band_from_their_files(explained):
    html = read(explained, "methodology.html")
    method, rubric = load_method(), load_rubric(version="rubric-v1")  # what the fixture's results name
    assert f"methodology <strong>{method.version}</strong>" in html and f"<strong>{rubric.version}</strong>" in html
    assert f"EM = 1 + {method.em_per_point} × evidence total" in html
    assert f"AIJRI = (raw − {method.raw_floor}) / {method.raw_span} × 100" in html
    assert f"{method.green_min}" in html and "Yellow</span> 25–47.9" in html
    for dim in DIMENSIONS:
        block = re.search(rf'<section class="dimension" id="rubric-{dim}">(.*?)</section>', html, re.S).group(1)
        for metric, spec in rubric.dimensions[dim].inputs.items():
            row = re.search(rf'<tr data-metric="{metric}">(.*?)</tr>', block, re.S).group(1)
            for raw in (-2, -1, 0, 1, 2):
                assert band_label(raw, spec) in row, (metric, raw)
            assert f">{spec.max_age_days}<" in row


def test_zone_thresholds_are_stated_once_and_read_from_the_method(explained):
    """No template restates a threshold: every page words the zones from scoring/method.toml."""
    sentence = zones_sentence(load_method())
    assert sentence == "Green ≥ 48, Yellow 25–47.9, Red < 25"
    assert sentence in html_text.unescape(read(explained, "index.html"))
    assert sentence in html_text.unescape(read(explained, "roles/mlops-engineer.html"))  # the chart's caption
    for template in Path(SITE_DIR).glob("*.j2"):
        text = template.read_text()
        assert not re.search(r"\b(47\.9|48|25)\b", text), template.name


def test_history_chart_axis_fits_the_data_with_the_zone_bands_it_spans():
    from datetime import date, timedelta

    from website.charts import chart_points, history_chart

    def chart(values):
        nights = [(date(2026, 1, 1) + timedelta(days=i), v, "Yellow" if 25 <= v < 48 else "Green" if v >= 48 else "Red",
                   None) for i, v in enumerate(values)]
        return history_chart(chart_points(nights), title="t")

    narrow = chart([42.6, 44.3, 44.3, 41.0, 42.6])
    ys = [p["y"] for p in narrow["points"]]
    assert 0 < narrow["low"] <= 41.0 and 44.3 <= narrow["high"] < 100
    assert max(ys) - min(ys) > narrow["plot_h"] / 4  # a 3.3-point move is visible, not 3 % of the height
    assert [b["zone"] for b in narrow["bands"]] == ["Yellow"] or 48 <= narrow["high"]
    assert all(narrow["top"] - 0.01 <= y <= narrow["top"] + narrow["plot_h"] + 0.01 for y in ys)
    wide = chart([10.7, 30.0, 55.0])
    assert [b["zone"] for b in wide["bands"]] == ["Green", "Yellow", "Red"]
    assert {t["v"] for t in wide["ticks"] if t["boundary"]} == {25.0, 48.0}
    assert wide["low"] < 10.7 and wide["high"] > 55.0


def internal_links(site_dir: Path) -> list[tuple[Path, str]]:
    """(page, link) for every href and src of every page that stays inside the site."""
    out = []
    for page in sorted(site_dir.rglob("*.html")):
        for link in re.findall(r'(?:href|src)="([^"]*)"', page.read_text()):
            if not re.match(r"^[a-z][a-z0-9+.-]*:", link):
                out.append((page, html_text.unescape(link)))
    return out


def broken_links(site_dir: Path) -> list[str]:
    broken = []
    for page, link in internal_links(site_dir):
        path, _, fragment = link.partition("#")
        target = (page.parent / path).resolve() if path else page
        if not target.is_file() or site_dir.resolve() not in target.parents:
            broken.append(f"{page.name}: {link} (no file)")
        elif fragment and f'id="{fragment}"' not in target.read_text():
            broken.append(f"{page.name}: {link} (no element #{fragment})")
    return broken


def test_every_internal_link_and_download_resolves(explained, site):
    for built in (explained, site):
        links = internal_links(built["dir"])
        targets = {link.partition("#")[0].rsplit("/", 1)[-1] for _, link in links}
        assert {"index.csv", "index.json", "changes.csv", "changes.json", "methodology.html", "site.js",
                "style.css", "mlops-engineer.json"} <= targets
        assert broken_links(built["dir"]) == []
    assert any(link == "#lineage-company_actions" for _, link in internal_links(explained["dir"]))


def test_the_link_check_finds_a_broken_link_and_a_missing_anchor(explained, tmp_path):
    import shutil

    copy = tmp_path / "site"
    shutil.copytree(explained["dir"], copy)
    (copy / "changes.csv").unlink()
    page = copy / "roles" / "mlops-engineer.html"
    page.write_text(page.read_text().replace('id="lineage-wage_trends"', 'id="gone"'))
    found = broken_links(copy)
    assert "index.html: changes.csv (no file)" not in found  # the index links the page, not the CSV
    assert "changes.html: changes.csv (no file)" in found
    assert "mlops-engineer.html: #lineage-wage_trends (no element #lineage-wage_trends)" in found
