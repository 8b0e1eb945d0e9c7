"""`jobzone changes --since D`: the score movements, their dimensions, signals and causes."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cli.app import app
from tests.site.site_helpers import build_explained_warehouse

runner = CliRunner()


def test_changes_lists_each_movement_with_its_dimensions_signals_and_cause(home, tmp_path):
    con, _ = build_explained_warehouse(home.warehouse, tmp_path / "roles")
    con.close()
    result = runner.invoke(app, ["changes", "--since", "2026-11-21"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines == [
        "2026-11-22",
        "  mlops-engineer: 42.6 -> 41.0 (-1.6, from 2026-11-21), Yellow; cause: evidence",
        "    company_actions +2 -> +1 (evidence: layoff_headcount_change)",
        "2026-11-21",
        "  cloud-architect: 51.5 -> 54.3 (+2.8, from 2026-11-20), Green; cause: catalogue edit",
        "    growth 1 -> 2 (catalogue edit)",
    ]
    data = json.loads(runner.invoke(app, ["changes", "--since", "2026-11-22", "--json"]).output)
    assert [(m["role_id"], m["causes"], [d["signals"] for d in m["dimensions"]]) for m in data] == [
        ("mlops-engineer", ["evidence"], [["layoff_headcount_change"]])]
    quiet = runner.invoke(app, ["changes", "--since", "2026-11-23"])
    assert quiet.exit_code == 0 and quiet.output.strip() == "no score moved since 2026-11-23"
    until = json.loads(runner.invoke(app, ["changes", "--since", "2026-11-01", "--until", "2026-11-21", "--json"]).output)
    assert [m["role_id"] for m in until] == ["cloud-architect"]


def test_changes_options_are_checked_in_one_line(home):
    bad = runner.invoke(app, ["changes", "--since", "yesterday"])
    assert bad.exit_code == 1 and bad.stderr.strip() == "error: --since: 'yesterday' is not a date (YYYY-MM-DD)"
    backwards = runner.invoke(app, ["changes", "--since", "2026-11-22", "--until", "2026-11-01"])
    assert backwards.stderr.strip() == "error: --until 2026-11-01 is before --since 2026-11-22"
    missing = runner.invoke(app, ["changes", "--since", "2026-11-22"])
    assert missing.exit_code == 1 and "no warehouse yet" in missing.stderr and "\n" not in missing.stderr.strip()
