"""The static site: content, escaping, attributions, JSON, single-point charts and the atomic swap."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date

import pytest

from tests.site.site_helpers import GENERATED_AT, PAYLOAD, build_warehouse
from core.files import clean_swap_leftovers, swap_dir
from website import build as build_mod
from website.attribution import normalise_attributions, sources_of
from website.build import render_site
from website.formats import web_url


def read(site, rel: str) -> str:
    return (site["dir"] / rel).read_text(encoding="utf-8")


def test_files_are_pages_downloads_css_and_the_bundled_script(site):
    rel = sorted(str(p.relative_to(site["dir"])) for p in site["files"])
    assert rel == ["changes.csv", "changes.html", "changes.json", "index.csv", "index.html", "index.json",
                   "methodology.html",
                   "roles/cloud-architect.html", "roles/cloud-architect.json",
                   "roles/devops-engineer.html", "roles/devops-engineer.json",
                   "roles/mlops-engineer.html", "roles/mlops-engineer.json", "site.js", "style.css"]
    leftovers = [p.name for p in site["root"].iterdir() if ".tmp-" in p.name or ".old-" in p.name]
    assert leftovers == []


def test_index_lists_every_role_with_score_zone_change_and_sparkline(site):
    html = read(site, "index.html")
    for title in ("MLOps Engineer", "DevOps Engineer", "Cloud Architect"):
        assert title in html
    row = re.search(r'<tr class="zone-yellow" data-role="mlops-engineer"[^>]*>(.*?)</tr>', html, re.S).group(1)
    assert ">42.6<" in row and "Yellow (Urgent)" in row and "+1.6" in row and 'href="roles/mlops-engineer.html"' in row
    points = re.search(r'<polyline points="([^"]+)"', row).group(1).split()
    assert len(points) == 5
    assert "<title>MLOps Engineer: AIJRI history: 42.6 on 2026-11-17" in row


def test_role_page_follows_the_card(site):
    html = read(site, "roles/mlops-engineer.html")
    assert "Protective principles" in html and "Goal-Setting &amp; Moral Judgment" in html and "2/9" in html
    assert "Task Resistance = 6.00 − 2.95 = <strong>3.05</strong>" in html
    assert "25 % displacement, 65 % augmentation, 10 % not involved" in html
    evidence = re.search(r'<table id="evidence-table"[^>]*>(.*?)</table>', html, re.S).group(1)
    assert evidence.count("<tr class=\"origin-") == 5
    assert "Liability/Accountability" in html and "Barrier total: <strong>1</strong>" in html
    assert "EM = 1.20, BM = 1.02, GM = 1.05" in html
    assert "3.05 × 1.20 × 1.02 × 1.05 = 3.9199" in html
    assert "(3.9199 − 0.54) / 7.93 × 100 = <strong>42.6</strong>" in html
    assert "Zone: <strong>Yellow (Urgent)</strong>" in html and "70 % ≥ 40 % of task time scores 3+" in html
    assert re.search(r"To <strong>Green</strong> \(up, boundary 48\):\s+\+5\.4 AIJRI points; evidence \+3\.23", html)
    assert "To <strong>Red</strong>" in html
    chart = re.search(r'<svg class="chart" id="history-chart".*?</svg>', html, re.S).group(0)
    assert len(re.search(r'<polyline class="line" points="([^"]+)"', chart).group(1).split()) == 5
    assert chart.count('<circle class="point') == 5
    assert 'aria-labelledby="history-chart-title history-chart-desc"' in chart
    assert "<title>2026-11-20: 41.0 (Yellow (Urgent))</title>" in chart


def test_scraped_strings_are_escaped_never_markup(site):
    html = read(site, "roles/mlops-engineer.html")
    assert PAYLOAD not in html
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;&lt;img src=x onerror=" in html
    # the one script is the bundled site.js; none comes from data
    assert re.findall(r"<script[^>]*>", html) == ['<script src="../site.js" defer>'] and "<img" not in html


def test_attributions_in_footer_and_beside_evidence(site):
    html = read(site, "roles/mlops-engineer.html")
    footer = html[html.index('<footer class="site-footer">'):]
    for text in ("Source: IT Jobs Watch (CC BY-NC-SA 4.0)", "Source: Indeed Hiring Lab (CC BY 4.0)",
                 "U.S. Bureau of Labor Statistics (US public domain)", "FRED, Federal Reserve Bank of St. Louis"):
        assert text in footer
    wage = re.search(r'data-dimension="wage_trends">(.*?)</tr>', html, re.S).group(1)
    assert "Source: IT Jobs Watch (CC BY-NC-SA 4.0)" in wage and "FRED" in wage
    postings = re.search(r'data-dimension="job_posting_trends">(.*?)</tr>', html, re.S).group(1)
    assert "Source: IT Jobs Watch (CC BY-NC-SA 4.0)" in postings
    assert "Source: IT Jobs Watch" in read(site, "index.html")


def test_totals_only_role_says_task_table_not_public(site):
    html = read(site, "roles/devops-engineer.html")
    assert "Task table not public" in html and "jobzonerisk.com DevOps Engineer card (published TR)" in html
    assert "Per-dimension evidence not public" in html and "Barrier breakdown not public" in html
    assert "1.70 × 0.80 × 1.02 × 1.00 = 1.3872" in html and "Zone: <strong>Red</strong>" in html


def test_role_json_for_machines(site):
    data = json.loads(read(site, "roles/mlops-engineer.json"))
    assert data["latest"]["aijri"] == 42.6 and data["latest"]["zone"] == "Yellow"
    assert data["calculation"]["raw"] == pytest.approx(3.91986)
    assert [e["dimension"] for e in data["evidence"]] == ["job_posting_trends", "company_actions", "wage_trends",
                                                         "ai_tool_maturity", "expert_consensus"]
    assert data["evidence"][2]["rationale"].endswith(PAYLOAD)  # JSON carries the data, as data
    assert [h["aijri"] for h in data["history"]] == [42.6, 44.3, 44.3, 41.0, 42.6]
    assert data["history"][0]["as_of"] == "2026-11-17"
    index = json.loads(read(site, "index.json"))
    assert {r["id"] for r in index["roles"]} == {"mlops-engineer", "devops-engineer", "cloud-architect"}


def test_single_point_history_and_catalogue_from_the_warehouse(tmp_path):
    con, _ = build_warehouse(tmp_path / "w.duckdb", nights=[date(2026, 11, 21)], refreshed={})
    try:
        render_site(con, None, tmp_path / "site", GENERATED_AT)  # catalogue read from catalogue_versions
    finally:
        con.close()
    html = (tmp_path / "site" / "roles" / "mlops-engineer.html").read_text()
    chart = re.search(r'<svg class="chart".*?</svg>', html, re.S).group(0)
    assert len(re.search(r'<polyline class="line" points="([^"]+)"', chart).group(1).split()) == 1
    assert chart.count('<circle class="point') == 1 and "first result" in html
    assert "Task Resistance = 6.00 − 2.95" in html


def test_render_from_a_path_and_swap_keeps_the_old_site_on_failure(tmp_path, site, catalogue, monkeypatch):
    out = tmp_path / "site"
    render_site(site["warehouse"], catalogue, out, GENERATED_AT)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def boom(*args, **kwargs):
        raise RuntimeError("template exploded")

    monkeypatch.setattr(build_mod, "build_site", boom)
    with pytest.raises(RuntimeError):
        render_site(site["warehouse"], catalogue, out, GENERATED_AT)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_swap_dir_and_interrupted_swap_recovery(tmp_path):
    live, new = tmp_path / "site", tmp_path / "site.tmp-0000beef"
    live.mkdir(), new.mkdir()
    (live / "a").write_text("old"), (new / "a").write_text("new")
    swap_dir(new, live)
    assert (live / "a").read_text() == "new" and sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    # A crash between the two renames leaves only site.old-*: the next build puts it back first.
    (tmp_path / "site").rename(tmp_path / "site.old-0000cafe")
    clean_swap_leftovers(live)
    assert (live / "a").read_text() == "new"


def test_sources_detection_and_attribution_overrides():
    sources = normalise_attributions(None)
    assert sources_of({"inputs": '{"series_key": "bls:OEU123"}', "rationale": None}, sources) == ["bls"]
    assert sources_of({"inputs": None, "rationale": "Indeed Hiring Lab GB index"}, sources) == ["indeed"]
    assert sources_of({"inputs": '{"source": "nope"}', "rationale": "indeedx"}, sources) == []

    @dataclass
    class Descriptor:  # the shape of scrapers.base.Source
        name: str
        licence: str
        attribution: str
        homepage: str

    merged = normalise_attributions({
        "itjobswatch": Descriptor("itjobswatch", "CC BY-NC-SA 4.0", "Source: IT Jobs Watch", "https://www.itjobswatch.co.uk/"),
        "adzuna": {"name": "Adzuna", "licence": "by consent", "homepage": "javascript:alert(1)"},
    })
    assert merged["itjobswatch"]["text"] == "Source: IT Jobs Watch (CC BY-NC-SA 4.0)"
    assert merged["itjobswatch"]["name"] == "IT Jobs Watch"
    assert merged["adzuna"]["text"] == "Source: Adzuna (by consent)"
    assert web_url(merged["adzuna"]["homepage"]) is None


def test_years_of_nights_mark_zone_changes_and_list_the_newest(tmp_path):
    """Past MARK_EVERY_NIGHT_UP_TO nights the chart marks changes only, the table the newest 90."""
    from datetime import timedelta

    from core.catalogue import load_catalogue
    from website.charts import HISTORY_TABLE_ROWS, sparkline
    from website.model import SiteData, history_parts

    role = load_catalogue().roles["mlops-engineer"]
    start = date(2024, 1, 1)
    nights = []
    for i in range(400):
        zone = "Green" if 150 <= i < 160 else "Yellow"  # one excursion into Green and back
        nights.append((start + timedelta(days=i), 40.0 + (i % 7) / 10 if zone == "Yellow" else 49.0, zone,
                       "Urgent" if zone == "Yellow" else "Transforming"))
    data = SiteData(roles=[role], latest={}, history={role.id: nights}, evidence={})
    parts = history_parts(role, data)
    chart = parts["chart"]
    assert len(chart["polyline"].split()) == 400  # the line still passes through every night
    assert [p["as_of"] for p in chart["marked"]] == [nights[i][0] for i in (0, 150, 160, 399)]
    assert all(p["label"] for p in chart["marked"])
    assert [p["as_of"] for p in parts["history_table"]] == [n[0] for n in nights[::-1][:HISTORY_TABLE_ROWS]]
    assert parts["history_not_listed"] == 400 - HISTORY_TABLE_ROWS and len(parts["history"]) == 400
    line = sparkline(parts["history"], title="t", width=120)
    assert len(line["points"]) == 120 and line["points"][-1]["as_of"] == nights[-1][0]


def test_pages_show_the_stored_result_not_a_recomputed_one(tmp_path):
    """A stored result the formula would not give (other modifiers, score, zone, sub-label,
    clamping, methodology): the card, the index and the JSON show the stored one."""
    con, catalogue = build_warehouse(tmp_path / "w.duckdb", nights=[date(2026, 11, 21)], refreshed={})
    try:
        con.execute("UPDATE aijri_results SET em = 1.5, bm = 1.25, gm = 0.75, raw = 3.3333, aijri_unrounded = 33.31,"
                    " aijri = 33.3, zone = 'Yellow', sublabel = 'Moderate', clamped = true,"
                    " methodology_version = 'aijri-stored-test' WHERE role_id = 'mlops-engineer'")
        render_site(con, catalogue, tmp_path / "site", GENERATED_AT)
    finally:
        con.close()
    html = (tmp_path / "site" / "roles" / "mlops-engineer.html").read_text()
    calc = re.search(r'<ul class="calc" id="calculation">(.*?)</ul>', html, re.S).group(1)
    assert "EM = 1.50, BM = 1.25, GM = 0.75" in calc and "3.05 × 1.50 × 1.25 × 0.75 = 3.3333" in calc
    assert "× 100 = <strong>33.3</strong> (clamped to 0-100)" in calc
    assert "Zone: <strong>Yellow (Moderate)</strong>" in calc and "Stored under methodology aijri-stored-test" in calc
    assert re.search(r'<span class="score" id="aijri">33\.3</span>', html) and "Yellow (Moderate)" in html
    headline = re.search(r'<p class="headline">(.*?)</p>', html, re.S).group(1)
    assert "42.6" not in calc + headline and "1.20" not in calc  # what the formula gives these inputs
    # the what-if distances describe the formula's result, not this one: not shown
    assert "To <strong>" not in html and "Not shown" in re.search(r'<ul id="boundaries">(.*?)</ul>', html, re.S).group(1)
    assert "Methodology aijri-stored-test." in html
    assert "methodology aijri-2026.1, aijri-stored-test" in html  # the footer: every version shown
    data = json.loads((tmp_path / "site" / "roles" / "mlops-engineer.json").read_text())
    assert data["methodology_version"] == "aijri-stored-test"
    c = data["calculation"]
    assert (c["em"], c["bm"], c["gm"], c["raw"], c["aijri_unrounded"], c["aijri"], c["zone"], c["sublabel"],
            c["clamped"], c["boundaries"]) == (1.5, 1.25, 0.75, 3.3333, 33.31, 33.3, "Yellow", "Moderate", True, [])
    index = (tmp_path / "site" / "index.html").read_text()
    row = re.search(r'data-role="mlops-engineer"[^>]*>(.*?)</tr>', index, re.S).group(1)
    assert ">33.3<" in row and "Yellow (Moderate)" in row
    # the other roles' stored results are what the formula gives: their pages still show the distances
    assert "To <strong>" in (tmp_path / "site" / "roles" / "devops-engineer.html").read_text()


def test_attributions_come_from_the_source_descriptors():
    """One table of sources: the scrapers' descriptors; the nightly's overrides change nothing."""
    from scrapers.registry import SOURCES

    sources = normalise_attributions(None)
    assert list(sources) == list(SOURCES)
    for name, source in SOURCES.items():
        assert sources[name]["text"] == source.credit_line and sources[name]["aliases"] == list(source.aliases)
        assert sources[name]["name"] == source.display_name
    assert normalise_attributions({s.name: s for s in SOURCES.values()}) == sources
