"""Issue 13: `jobzone sql` output formats, `-f`, bound parameters; `jobzone tables` with row counts."""

from __future__ import annotations

import csv
import io
import json

import duckdb
import pytest
from typer.testing import CliRunner

from cli.app import app
from tests.support.catalogues import CLASSIC_ROLES

runner = CliRunner()
QUERY = "SELECT role_id, aijri, zone, sublabel, as_of FROM latest_scores ORDER BY role_id"


def run(*args, ok=True, input=None):
    result = runner.invoke(app, list(args), input=input)
    if ok:
        assert result.exit_code == 0, result.output + result.stderr
    return result


@pytest.fixture
def scored(home):
    run("score", "--as-of", "2026-11-26", "--record", "--catalogue", str(CLASSIC_ROLES))
    return home


def test_csv_has_a_header_iso_dates_and_empty_nulls(scored):
    rows = list(csv.reader(io.StringIO(run("sql", QUERY, "--csv").stdout)))
    assert rows[0] == ["role_id", "aijri", "zone", "sublabel", "as_of"]
    assert rows[1:] == [["cloud-architect", "51.5", "Green", "Transforming", "2026-11-26"],
                        ["devops-engineer", "10.7", "Red", "", "2026-11-26"],
                        ["mlops-engineer", "42.6", "Yellow", "Urgent", "2026-11-26"]]


def test_a_value_with_commas_quotes_and_newlines_survives_csv_and_tsv(scored):
    value = 'a, "quoted"\tcell\nsecond line'
    for fmt, dialect in (("--csv", "excel"), ("--tsv", "excel-tab")):
        out = run("sql", "SELECT $v AS v, 1 AS n", "--param", f"v={value}", fmt).stdout
        assert list(csv.reader(io.StringIO(out), dialect=dialect)) == [["v", "n"], [value, "1"]]


def test_nl_is_one_json_object_per_line_with_native_types(scored):
    lines = run("sql", "SELECT role_id, aijri, evidence_refreshed, as_of, [1, 2] AS l, NULL AS nothing, "
                       "7::INTEGER AS n FROM latest_scores ORDER BY role_id", "--nl").stdout.splitlines()
    first = json.loads(lines[0])
    assert len(lines) == 3 and first == {"role_id": "cloud-architect", "aijri": 51.5, "evidence_refreshed": False,
                                         "as_of": "2026-11-26", "l": [1, 2], "nothing": None, "n": 7}


def test_json_keeps_integers_integers_even_beside_nulls(scored):
    rows = json.loads(run("sql", "SELECT * FROM (VALUES (1), (NULL)) t(n)", "--json").stdout)
    assert rows == [{"n": 1}, {"n": None}]  # not 1.0, as a pandas round trip would print


def test_one_output_format_at_a_time(scored):
    result = run("sql", QUERY, "--csv", "--json", ok=False)
    assert result.exit_code == 1 and result.stderr.strip() == "error: sql: choose one output format (--csv, --json given)"


def test_query_from_a_file_and_from_stdin(scored, tmp_path):
    path = tmp_path / "q.sql"
    path.write_text(f"-- the zones, by role\n{QUERY}\n")
    from_file = run("sql", "-f", str(path), "--csv").stdout
    assert from_file == run("sql", QUERY, "--csv").stdout
    assert run("sql", "--file", "-", "--csv", input=QUERY).stdout == from_file
    missing = run("sql", "-f", str(tmp_path / "nope.sql"), ok=False)
    assert missing.exit_code == 1 and missing.stderr.startswith(f"error: --file {tmp_path / 'nope.sql'}: cannot read")
    both = run("sql", QUERY, "-f", str(path), ok=False)
    assert both.exit_code == 1 and "not both" in both.stderr
    assert "no query" in run("sql", ok=False).stderr


def test_a_file_of_two_statements_is_refused_like_an_argument(scored, tmp_path):
    path = tmp_path / "two.sql"
    path.write_text("SELECT 1; DELETE FROM aijri_results")
    result = run("sql", "-f", str(path), ok=False)
    assert result.exit_code == 1 and "one statement at a time" in result.stderr


def test_parameters_are_bound_never_pasted(scored):
    rows = json.loads(run("sql", "SELECT role_id, aijri FROM latest_scores WHERE role_id = $role AND aijri > $min",
                          "--param", "role=mlops-engineer", "-p", "min=40", "--json").stdout)
    assert rows == [{"role_id": "mlops-engineer", "aijri": 42.6}]
    hostile = "x' OR '1'='1"
    assert json.loads(run("sql", "SELECT count(*) AS n FROM latest_scores WHERE role_id = $role",
                          "--param", f"role={hostile}", "--json").stdout) == [{"n": 0}]
    # a value that would be a second statement if pasted is just a string
    sneaky = "'; DELETE FROM aijri_results; --"
    assert json.loads(run("sql", "SELECT $v AS v", "-p", f"v={sneaky}", "--json").stdout) == [{"v": sneaky}]
    con = duckdb.connect(str(scored.warehouse), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM aijri_results").fetchone()[0] == 3
    finally:
        con.close()


@pytest.mark.parametrize("args, message", [
    (["--param", "role"], "--param 'role': expected name=value"),
    (["--param", "=x"], "--param '=x': expected name=value"),
    (["--param", "1a=x"], "'1a' is not a parameter name"),
    (["--param", "role=a", "--param", "role=b"], "--param role: given twice"),
])
def test_bad_parameters_are_one_line_naming_the_option(scored, args, message):
    result = run("sql", "SELECT $role", *args, ok=False)
    assert result.exit_code == 1 and result.stderr.count("\n") == 1 and message in result.stderr


def test_a_parameter_missing_or_unused_is_one_line(scored):
    missing = run("sql", "SELECT $role AS r", ok=False)
    assert missing.exit_code == 1 and missing.stderr == "error: sql: the query uses $role: give --param role=VALUE\n"
    unused = run("sql", "SELECT 1", "-p", "role=x", ok=False)
    assert unused.exit_code == 1 and unused.stderr == "error: --param role: the query has no $role\n"
    positional = run("sql", "SELECT ?", ok=False)
    assert positional.exit_code == 1 and "positional parameters (?)" in positional.stderr


def test_tables_lists_views_and_tables_with_row_counts(scored):
    rows = {r["name"]: r for r in json.loads(run("tables", "--json").stdout)}
    assert rows["latest_scores"]["kind"] == "view" and rows["latest_scores"]["rows"] == 3
    assert rows["latest_scores"]["comment"].startswith("Each role's most recent AIJRI")
    assert rows["aijri_results"]["kind"] == "table" and rows["aijri_results"]["rows"] == 3
    assert rows["runs"]["rows"] == 1
    text = run("tables").stdout
    assert "latest_scores" in text and "aijri_results" in text


@pytest.mark.parametrize("query", ["SELECT content FROM read_text($p)", "SELECT * FROM read_csv($p)",
                                   "SELECT * FROM query_table($p)"])
def test_a_parameter_cannot_open_a_file_the_sandbox_refuses(scored, tmp_path, query):
    secret = tmp_path / "secret.csv"
    secret.write_text("name\nhunter2-do-not-leak\n")
    result = run("sql", query, "-p", f"p={secret}", ok=False)
    assert result.exit_code == 1 and result.stderr.count("\n") == 1 and result.stderr.startswith("error: sql: ")
    assert "hunter2" not in result.stdout + result.stderr


def test_a_query_file_is_read_by_the_client_and_still_sandboxed(scored, tmp_path):
    path = tmp_path / "attach.sql"
    path.write_text(f"ATTACH '{scored.warehouse}' AS live (READ_WRITE)")
    result = run("sql", "-f", str(path), ok=False)
    assert result.exit_code == 1 and "refused: ATTACH statement" in result.stderr
