"""Issue 13, "commands that never surprise": reads never write, values print as text, every error
is one line naming what was wrong, `--home` anywhere, `--version`."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]
HOSTILE = "[/bold] :x: [red]r[/red] [link=http://127.0.0.1/]l[/link]"


def run(*args, ok=True, env=None, input=None):
    result = runner.invoke(app, list(args), env=env, input=input)
    if ok:
        assert result.exit_code == 0, result.output + result.stderr
    return result


def digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(root.rglob("*"))}


def one_error_line(result, exit_code=1) -> str:
    assert result.exit_code == exit_code, result.output + result.stderr
    assert result.stdout == "" and result.stderr.count("\n") == 1 and result.stderr.startswith("error: "), \
        result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr.strip()


@pytest.fixture
def scored(home):
    run("score", "--as-of", "2026-11-26", "--record")
    return home


# --- reads never write ------------------------------------------------------------------

def test_score_without_record_is_a_preview_that_writes_nothing(scored):
    before = digest(scored.root)
    out = json.loads(run("score", "--as-of", "2026-11-27", "--json").stdout)
    assert out["recorded"] is False and "rows_added" not in out and out["newest_evidence"] < "2026-11-27"
    mlops = next(r for r in out["results"] if r["role_id"] == "mlops-engineer")
    assert (mlops["aijri"], mlops["zone"]) == (42.6, "Yellow")
    text = run("score", "--as-of", "2026-11-27").stdout
    assert "nothing written" in text and "--record" in text
    assert digest(scored.root) == before
    history = json.loads(run("history", "mlops-engineer", "--json").stdout)
    assert [h["as_of"][:10] for h in history] == ["2026-11-26"]


def test_score_record_needs_an_explicit_date(home):
    line = one_error_line(run("score", "--record", ok=False))
    assert line.startswith("error: --record needs --as-of D")
    assert not home.warehouse.exists()


def test_score_record_writes_and_says_how_old_the_evidence_is(scored):
    out = json.loads(run("score", "--as-of", "2026-12-01", "--record", "--json").stdout)
    assert out["recorded"] is True and out["rows_added"] == 19  # every shipped role, one result each
    # the catalogue's published evidence is dated months before: the record says so
    assert out["newest_evidence"] < "2026-12-01"
    text = run("score", "--as-of", "2026-12-02", "--record").stdout
    assert "newest evidence" in text and "day(s) before" in text


@pytest.mark.parametrize("args", [
    ["history", "mlops-engineer"], ["explain", "mlops-engineer"], ["sql", "SELECT 1"], ["tables"],
    ["backtest", "--from", "2026-01-01", "--to", "2026-02-01"], ["replay"], ["score"],
])
def test_a_read_on_a_missing_data_home_creates_nothing(tmp_path, args):
    root = tmp_path / "nowhere"
    result = run("--home", str(root), *args, ok=False)
    if args == ["score"]:  # a preview needs no warehouse: the catalogue's published evidence
        assert result.exit_code == 0, result.stderr
    else:
        assert "no warehouse yet" in one_error_line(result)
    assert not root.exists()


def test_schema_without_a_warehouse_shows_the_dictionary_and_creates_nothing(tmp_path):
    root = tmp_path / "nowhere"
    views = {v["view"] for v in json.loads(run("--home", str(root), "schema", "--json").stdout)}
    assert {"latest_scores", "lineage"} <= views
    assert not root.exists()


# --- values are text --------------------------------------------------------------------

def test_markup_and_emoji_codes_in_values_print_as_themselves(scored):
    query = f"SELECT '{HOSTILE}' AS v, 'x' AS \"[bold]col[/bold]\""
    out = run("sql", query).stdout
    assert HOSTILE in out and "[bold]col[/bold]" in out and "❌" not in out
    assert json.loads(run("sql", query, "--json").stdout) == [{"v": HOSTILE, "[bold]col[/bold]": "x"}]


def test_a_catalogue_title_with_markup_prints_as_text_everywhere(home, catalogue_dir):
    path = catalogue_dir / "mlops-engineer.yaml"
    path.write_text(path.read_text().replace("title: MLOps Engineer", f"title: 'MLOps {HOSTILE}'", 1))
    assert HOSTILE in run("roles", "list", "--catalogue", str(catalogue_dir)).stdout
    assert HOSTILE in run("roles", "validate", "--catalogue", str(catalogue_dir)).stdout
    run("score", "--as-of", "2026-11-26", "--record", "--catalogue", str(catalogue_dir))
    assert HOSTILE in run("explain", "mlops-engineer").stdout
    assert HOSTILE in run("sql", "SELECT title FROM latest_scores WHERE role_id = 'mlops-engineer'").stdout


def test_a_wide_result_is_printed_whole(scored):
    wide = "x" * 300
    out = run("sql", f"SELECT '{wide}' AS a, '{wide}' AS b, 'end' AS c").stdout
    assert wide in out and "end" in out and "…" not in out


# --- one-line errors naming the option -------------------------------------------------

@pytest.mark.parametrize("args, named", [
    (["backtest", "--from", "2026-13-01", "--to", "2026-02-01"], "--from: '2026-13-01' is not a date"),
    (["backtest", "--from", "2026-01-01", "--to", "someday"], "--to: 'someday' is not a date"),
    (["backtest", "--from", "2026-01-01", "--to", "2026-02-01", "--step-days", "abc"], "'--step-days'"),
    (["backtest", "--to", "2026-02-01"], "'--from'"),
    (["explain", "mlops-engineer", "--as-of", "03/02/2026"], "--as-of: '03/02/2026' is not a date"),
    (["replay", "--since", "yesterday"], "--since: 'yesterday' is not a date"),
    (["history", "mlops-engineer", "--nope"], "--nope"),
    (["no-such-command"], "no-such-command"),
])
def test_option_errors_are_one_line_naming_the_option(scored, args, named):
    assert named in one_error_line(run(*args, ok=False))


def test_a_bad_settings_file_is_one_line_naming_the_key_before_anything_runs(home, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text((REPO / "core" / "settings.toml").read_text().replace("retries = 3", "retires = 3"))
    line = one_error_line(run("--config", str(bad), "run", "--demo", ok=False))
    assert line == f"error: {bad}: [http] retries: missing key; [http] retires: unknown key"
    assert not home.warehouse.exists()  # no run was recorded


def test_an_unreadable_warehouse_is_one_line(home):
    home.warehouse.write_bytes(b"this is not a DuckDB file at all" * 100)
    line = one_error_line(run("history", "mlops-engineer", ok=False))
    assert str(home.warehouse) in line


@pytest.mark.slow
def test_a_locked_warehouse_is_one_line_and_exit_1(scored, tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, duckdb
        con = duckdb.connect({str(scored.warehouse)!r})
        print("ready", flush=True)
        sys.stdin.read()
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        out = subprocess.run([sys.executable, "-m", "cli", "--home", str(scored.root), "history", "mlops-engineer"],
                             capture_output=True, text=True, cwd=str(REPO),
                             env={**__import__("os").environ, "JOBZONE_LOCK_WAIT_SECONDS": "0.2"})
    finally:
        holder.stdin.close()
        holder.wait()
    assert out.returncode == 1 and out.stdout == "" and out.stderr.count("\n") == 1, out.stderr
    assert out.stderr.startswith(f"error: {scored.warehouse}: locked by another process"), out.stderr
    assert "JOBZONE_LOCK_WAIT_SECONDS" in out.stderr


# --- --home anywhere, --version --------------------------------------------------------

def test_home_works_after_the_subcommand_too(scored, tmp_path, monkeypatch):
    monkeypatch.setenv("JOBZONE_HOME", str(tmp_path / "elsewhere"))
    after = json.loads(run("history", "mlops-engineer", "--json", "--home", str(scored.root)).stdout)
    before = json.loads(run("--home", str(scored.root), "history", "mlops-engineer", "--json").stdout)
    assert after == before and [h["aijri"] for h in after] == [42.6]
    tables = json.loads(run("tables", "--home", str(scored.root), "--json").stdout)
    assert {t["name"] for t in tables} >= {"latest_scores", "aijri_results"}


def test_version_prints_the_installed_version():
    from importlib.metadata import version

    assert run("--version").stdout == f"jobzone {version('jobzone')}\n"
    out = subprocess.run([sys.executable, "-m", "cli", "--version"], capture_output=True, text=True, cwd=str(REPO))
    assert out.returncode == 0 and out.stdout.strip() == f"jobzone {version('jobzone')}"
