"""The shipped catalogue on the site: the published card beside jobzone's score, on the index and
on every role page, with whose inputs jobzone's score rests on."""

from __future__ import annotations

import html as htmlmod
import json
import re
from datetime import date, datetime, timezone

import pytest

from core.catalogue import ASSESSMENT_LABELS, load_catalogue
from flows.steps.score import score_stage
from warehouse.db import connect
from website import render_site

NIGHT = date(2026, 3, 2)


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    root = tmp_path_factory.mktemp("shipped-site")
    catalogue = load_catalogue()
    con = connect(root / "warehouse.duckdb")
    try:
        results, _ = score_stage(con, catalogue, NIGHT, "catalogue-site")
        render_site(con, catalogue, root / "site", datetime(2026, 3, 3, tzinfo=timezone.utc))
    finally:
        con.close()
    return {"catalogue": catalogue, "results": results.set_index("role_id"), "dir": root / "site"}


def _row(index_html: str, role_id: str) -> str:
    return re.search(rf'<tr [^>]*data-role="{role_id}".*?</tr>', index_html, re.S).group(0)


def _text(fragment: str) -> str:
    return " ".join(htmlmod.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def test_the_index_lists_every_role_with_its_published_card_and_whose_inputs(shipped):
    index = (shipped["dir"] / "index.html").read_text()
    assert index.count("<tr class=") == len(shipped["catalogue"]) == 19
    for role in shipped["catalogue"]:
        row = _row(index, role.id)
        published = _text(re.search(r'data-key="published"[^>]*>(.*?)</td>', row, re.S).group(1))
        ours = _text(re.search(r'data-key="aijri"[^>]*>(.*?)</td>', row, re.S).group(1))
        assert published.startswith(f"{role.published.aijri:.1f} {role.published.zone}"), role.id
        assert ours == f"{shipped['results'].at[role.id, 'aijri']:.1f}", role.id
        assert f'title="AIJRI column: {ASSESSMENT_LABELS[role.assessment]}"' in htmlmod.unescape(row)


def test_a_reproduced_role_page_shows_the_card_and_the_same_score_beside_it(shipped):
    page = (shipped["dir"] / "roles" / "security-engineer.html").read_text()
    table = _text(re.search(r'<div class="side-by-side".*?</div>', page, re.S).group(0))
    assert "Inputs: published inputs (reproduced), so the two agree until tonight's data moves the evidence" in table
    assert "Published card: 44.6 Yellow (Urgent) (jobzonerisk.com Security Engineer card)" in table
    assert "jobzone, as of 2026-03-02: 44.6 (0.0 on the card) Yellow (Urgent)" in table


def test_a_jobzone_assessment_page_shows_both_figures_and_the_gap(shipped):
    role = shipped["catalogue"].get("cloud-security-engineer")
    ours = shipped["results"].loc[role.id]
    page = (shipped["dir"] / "roles" / f"{role.id}.html").read_text()
    table = _text(re.search(r'<div class="side-by-side".*?</div>', page, re.S).group(0))
    assert "Inputs: jobzone's own assessment: the card publishes no inputs for this role" in table
    assert "Published card: 49.9 Green (Transforming) (jobzonerisk.com Cloud Security Engineer card)" in table
    gap = round(ours["aijri"] - 49.9, 1)
    assert f"{ours['aijri']:.1f} ({gap:+.1f} on the card) {ours['zone']}" in table and ours["zone"] != "Green"
    # the baseline column says the evidence is jobzone's, not the card's
    assert page.count('<small class="origin">(jobzone&#39;s assessment)</small>') == 5


def test_a_split_baseline_says_so_on_the_page(shipped):
    page = (shipped["dir"] / "roles" / "devops-engineer.html").read_text()
    assert page.count('<small class="origin">(split of the published total)</small>') == 5
    assert "Baseline -2 (split of the published total): Split of the published -5" in htmlmod.unescape(page)


def test_the_json_files_carry_both_figures(shipped):
    doc = json.loads((shipped["dir"] / "roles" / "data-analyst.json").read_text())
    assert (doc["published"]["aijri"], doc["published"]["zone"], doc["assessment"]) == (10.4, "Red", "jobzone")
    assert doc["latest"]["aijri"] == shipped["results"].at["data-analyst", "aijri"]
    index = {r["id"]: r for r in json.loads((shipped["dir"] / "index.json").read_text())["roles"]}
    assert (index["programmer"]["published_aijri"], index["programmer"]["aijri"]) == (10.2, 10.2)
    assert index["programmer"]["inputs"] == "published inputs (reproduced)"
