"""`jobzone roles list`: the published card beside jobzone's baseline score, and whose inputs."""

import json

from typer.testing import CliRunner

from cli.app import app
from core.catalogue import load_catalogue
from scoring.aijri import score

runner = CliRunner()


def test_roles_list_json_puts_the_published_card_beside_jobzones_score():
    result = runner.invoke(app, ["roles", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in json.loads(result.stdout)}
    catalogue = load_catalogue()
    assert set(rows) == set(catalogue.roles)
    for role in catalogue:
        row = rows[role.id]
        scalar = score(role.tr, role.baseline_evidence_total, role.barrier_sum, role.growth.score,
                       role.pct_time_3plus, published_sublabel=role.published.sublabel)
        assert row["jobzone"] == {"aijri": scalar.aijri, "zone": scalar.zone, "sublabel": scalar.sublabel}, role.id
        assert row["published"]["aijri"] == role.published.aijri and row["assessment"] == role.assessment
        assert row["difference"] == round(scalar.aijri - role.published.aijri, 1)
        assert row["lookup"]["role_id"] == role.id and row["lookup"]["itjobswatch"]["slug"]
    assert {rid for rid, r in rows.items() if r["difference"] == 0} >= {r.id for r in catalogue if r.reproduces_published}


def test_roles_list_table_shows_both_figures_and_whose_inputs():
    result = runner.invoke(app, ["roles", "list"])
    assert result.exit_code == 0, result.output
    line = next(ln for ln in result.stdout.splitlines() if "cloud-security-engineer" in ln)
    assert "jobzone's own assessment" in line and "49.9 Green (Transforming)" in line
    line = next(ln for ln in result.stdout.splitlines() if "security-engineer " in ln and "cloud" not in ln
                and "application" not in ln)
    assert "published inputs (reproduced)" in line and line.count("44.6 Yellow (Urgent)") == 2 and "+0.0" in line
