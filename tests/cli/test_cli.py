import json
import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

from cli.app import app
from tests.support.catalogues import CLASSIC_ROLES

runner = CliRunner()


def run(*args, ok=True):
    result = runner.invoke(app, list(args))
    if ok:
        assert result.exit_code == 0, result.output + result.stderr
    return result


def all_commands(group=app, prefix=()):
    click_group = typer.main.get_command(group)
    def walk(cmd, path):
        for name, sub in getattr(cmd, "commands", {}).items():
            yield from walk(sub, path + (name,)) if hasattr(sub, "commands") else [path + (name,)]
    return list(walk(click_group, prefix))


def test_every_command_has_help():
    commands = all_commands()
    assert ("whatif",) in commands and ("roles", "validate") in commands
    for path in commands:
        result = run(*path, "--help")
        assert "Usage:" in result.output
        doc = typer.main.get_command(app)
        for part in path:
            doc = doc.commands[part]
        assert doc.help, f"{' '.join(path)} has no help text"


def test_whatif_json_has_every_field():
    out = json.loads(run("whatif", "--task-resistance", "3.05", "--evidence", "5", "--barriers", "1",
                         "--growth", "1", "--pct-time-3plus", "70", "--json").stdout)
    assert out["aijri"] == 42.6 and out["zone"] == "Yellow" and out["sublabel"] == "Urgent"
    assert round(out["raw"], 4) == 3.9199 and (out["em"], out["bm"], out["gm"]) == (1.2, 1.02, 1.05)
    assert abs(out["aijri_unrounded"] - 42.6212) < 1e-4
    assert out["methodology_version"] == "aijri-2026.1"
    up = next(b for b in out["boundaries"] if b["direction"] == "up")
    assert (up["to_zone"], up["aijri_points"], up["evidence_steps"]) == ("Green", 5.4, 4)


@pytest.mark.parametrize("args", [
    ("--task-resistance", "5.5", "--evidence", "0", "--barriers", "0", "--growth", "0"),
    ("--task-resistance", "3", "--evidence", "-11", "--barriers", "0", "--growth", "0"),
])
def test_whatif_out_of_range_is_one_line_and_exit_2(args):
    result = run("whatif", *args, ok=False)
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")


def test_score_then_rescore_adds_no_rows(home):
    from core.catalogue import load_catalogue

    catalogue = load_catalogue()
    first = json.loads(run("score", "--as-of", "2026-11-26", "--record", "--json").stdout)
    assert first["rows_added"] == len(catalogue) == 19
    by_id = {r["role_id"]: r for r in first["results"]}
    mlops = by_id["mlops-engineer"]
    assert (mlops["aijri"], mlops["zone"], mlops["sublabel"]) == (42.6, "Yellow", "Urgent")
    # with nothing refreshed, every role on the card's own inputs scores the card's figure
    reproduced = [r for r in catalogue if r.reproduces_published]
    assert len(reproduced) == 7
    for role in reproduced:
        got = by_id[role.id]
        assert (got["aijri"], got["zone"], got["sublabel"]) == (role.published.aijri, role.published.zone,
                                                                 role.published.sublabel), role.id
    assert json.loads(run("score", "--as-of", "2026-11-26", "--record", "--json").stdout)["rows_added"] == 0
    history = json.loads(run("history", "mlops-engineer", "--json").stdout)
    assert [(h["as_of"][:10], h["aijri"]) for h in history] == [("2026-11-26", 42.6)]


def test_bad_catalogue_is_rejected_and_nothing_is_written(home, catalogue_dir):
    (catalogue_dir / "mlops-engineer.yaml").write_text(
        (catalogue_dir / "mlops-engineer.yaml").read_text().replace("time_pct: 20", "time_pct: 30", 1))
    result = run("score", "--record", "--as-of", "2026-11-26", "--catalogue", str(catalogue_dir), ok=False)
    assert result.exit_code == 1
    assert "mlops-engineer.yaml: tasks: time_pct sums to 110" in result.stderr
    assert not home.warehouse.exists()
    result = run("roles", "validate", "--catalogue", str(catalogue_dir), ok=False)
    assert result.exit_code == 1 and "time_pct sums to 110" in result.stderr


def test_roles_validate_json(catalogue_dir):
    out = json.loads(run("roles", "validate", "--catalogue", str(catalogue_dir), "--json").stdout)
    assert out["valid"] and {r["id"] for r in out["roles"]} >= {"mlops-engineer", "devops-engineer"}


def test_sql_is_read_only(home):
    run("score", "--as-of", "2026-11-26", "--record", "--catalogue", str(CLASSIC_ROLES))
    rows = json.loads(run("sql", "SELECT role_id, aijri FROM latest_scores ORDER BY role_id", "--json").stdout)
    assert rows == [{"role_id": "cloud-architect", "aijri": 51.5}, {"role_id": "devops-engineer", "aijri": 10.7},
                    {"role_id": "mlops-engineer", "aijri": 42.6}]
    result = run("sql", "DELETE FROM aijri_results", ok=False)
    assert result.exit_code == 1 and "read-only" in result.stderr
    assert len(json.loads(run("sql", "SELECT * FROM aijri_results", "--json").stdout)) == 3


def test_schema_prints_the_data_dictionary(home):
    run("score", "--as-of", "2026-11-26", "--record")
    views = {v["view"]: v for v in json.loads(run("schema", "--json").stdout)}
    assert {"latest_scores", "score_history", "zone_changes", "evidence_history"} <= set(views)
    for view in views.values():
        assert view["comment"]
        assert all(c["comment"] for c in view["columns"]), view["view"]


def test_history_of_unknown_role_is_one_line(home):
    run("score", "--as-of", "2026-11-26", "--record")
    result = run("history", "nope", ok=False)
    assert result.exit_code == 1 and result.stderr.strip() == f"error: no results for role 'nope' in {home.warehouse}"


def test_console_script_is_installed(home):
    out = subprocess.run([sys.executable, "-m", "cli", "whatif", "--task-resistance", "1.7", "--evidence",
                          "-5", "--barriers", "1", "--growth", "0", "--json"], capture_output=True, text=True)
    assert out.returncode == 0 and json.loads(out.stdout)["aijri"] == 10.7


SAMPLES = __import__("pathlib").Path(__file__).resolve().parents[2] / "scrapers" / "samples"


def test_source_list_carries_licences():
    rows = {r["source"]: r for r in json.loads(run("source", "list", "--json").stdout)}
    assert rows["itjobswatch"]["licence"].startswith("CC BY-NC-SA 4.0")
    assert rows["indeed"]["licence"] == "CC BY 4.0" and rows["indeed"]["attribution"] == "Indeed Hiring Lab"


def test_source_parse_prints_the_observations_of_a_saved_page():
    page = SAMPLES / "itjobswatch" / "developer_permanent_uk_2020-03-02.html"
    rows = json.loads(run("source", "parse", "itjobswatch", str(page), "--url",
                          "https://www.itjobswatch.co.uk/jobs/uk/developer.do", "--json").stdout)
    postings = sorted((r["period_end"], r["value"]) for r in rows if r["metric"] == "postings" and r["subject"] == "developer")
    assert postings == [("2018-03-02", 54119.0), ("2019-03-02", 43056.0), ("2020-03-02", 34634.0)]


def test_source_parse_of_a_page_without_the_role_table_is_one_line(tmp_path):
    page = SAMPLES / "itjobswatch" / "developer_permanent_uk_2020-03-02.html"
    broken = tmp_path / "developer.html"
    broken.write_text(page.read_text(encoding="utf-8").replace("Permanent jobs requiring a", "Jobs wanting a"))
    result = run("source", "parse", "itjobswatch", str(broken), ok=False)
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert str(broken) in result.stderr and "Permanent/Contract jobs requiring a" in result.stderr


def test_run_rejects_samples_without_demo(home, tmp_path):
    result = run("run", "--samples", str(tmp_path), ok=False)
    assert result.exit_code == 1 and result.stderr.strip() == "error: --samples needs --demo"


def test_a_future_as_of_is_refused_in_one_line_naming_the_option_and_the_date(home):
    from datetime import date, timedelta

    future = (date.today() + timedelta(days=1)).isoformat()
    for command in (["run", "--demo", "--as-of", future], ["score", "--as-of", future]):
        result = run(*command, ok=False)
        assert result.exit_code == 2, result.output
        assert result.stderr.count("\n") == 1 and result.stderr.startswith(f"error: --as-of {future}: is in the future")
        assert "--force-as-of" in result.stderr
    assert not home.warehouse.exists()


def test_a_forced_future_score_is_a_what_if_beside_the_shared_warehouse(home):
    from datetime import date, timedelta

    run("score", "--as-of", "2026-11-26", "--record")
    future = (date.today() + timedelta(days=30)).isoformat()
    out = json.loads(run("score", "--as-of", future, "--force-as-of", "--record", "--json").stdout)
    assert out["rows_added"] == 19 and out["what_if_home"] == str(home.root / "what-if" / future)
    history = json.loads(run("history", "mlops-engineer", "--json").stdout)
    assert [h["as_of"][:10] for h in history] == ["2026-11-26"]  # the shared history never saw it
    what_if = json.loads(run("--home", out["what_if_home"], "history", "mlops-engineer", "--json").stdout)
    assert [h["as_of"][:10] for h in what_if] == ["2026-11-26", future]
