"""The nightly child (`sim.nightrun`): its environment, its command line, and the contract between
them and the flow it runs (stage lines, --pause-at, the RESULT line)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim import nightrun
from sim.nightrun import QUIET_PREFECT, child_env, command

REPO = Path(__file__).resolve().parents[2]
BASE_URLS = {"itjobswatch": "http://127.0.0.1:1", "bls": "http://127.0.0.1:2"}


def test_child_env_is_quiet_with_its_own_prefect_home_and_the_repo_importable(tmp_path, monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    env = child_env(tmp_path / "prefect", {"JOBZONE_EXTRA": "1", "PREFECT_LOGGING_LEVEL": "ERROR"})
    assert "PREFECT_API_URL" not in env  # never a shared server: the child starts its own
    assert env["PREFECT_HOME"] == str(tmp_path / "prefect")
    assert env["PYTHONPATH"].split(os.pathsep) == [str(REPO), "/elsewhere"]
    assert env["JOBZONE_EXTRA"] == "1"
    assert env["PREFECT_LOGGING_LEVEL"] == "ERROR"  # extra wins over the quiet defaults
    for key in set(QUIET_PREFECT) - {"PREFECT_LOGGING_LEVEL"}:
        assert env[key] == QUIET_PREFECT[key]
    assert os.environ["PREFECT_API_URL"] == "http://127.0.0.1:4200/api"  # the parent's is untouched


def test_child_env_without_a_pythonpath_has_no_empty_entry(tmp_path, monkeypatch):
    monkeypatch.delenv("PYTHONPATH", raising=False)
    assert child_env(tmp_path)["PYTHONPATH"] == str(REPO)


def test_command_runs_this_interpreter_on_the_module_with_every_argument():
    cmd = command("/h", "/c", "/s.toml", "2026-06-30", BASE_URLS)
    assert cmd[:3] == [sys.executable, "-m", "sim.nightrun"]
    args = dict(zip(cmd[3::2], cmd[4::2]))
    assert args == {"--home": "/h", "--catalogue": "/c", "--config": "/s.toml", "--as-of": "2026-06-30",
                    "--base-urls": json.dumps(BASE_URLS)}
    assert "--pause-at" not in cmd
    paused = command("/h", "/c", "/s.toml", "2026-06-30", BASE_URLS, pause_at="refresh:running")
    assert paused[-2:] == ["--pause-at", "refresh:running"]


def test_main_hands_the_command_line_to_the_flow_and_reports_each_stage(monkeypatch, capsys):
    """In process, with the flow replaced: what `command()` writes is what `nightly` receives, every
    stage report is one line, --pause-at pauses right after its report, and RESULT comes last."""
    import flows.nightly
    from core import progress

    for key, value in QUIET_PREFECT.items():  # main() sets defaults in os.environ: undo at teardown
        monkeypatch.setenv(key, os.environ.get(key, value))
    received: dict = {}

    def fake_nightly(**kwargs):
        received.update(kwargs)
        progress.stage("collect", "running")
        progress.stage("collect", "done", "6 sources")
        progress.stage("refresh", "running")
        return {"status": "ok", "roles": 3}

    paused: list[float] = []
    monkeypatch.setattr(flows.nightly, "nightly", fake_nightly)
    monkeypatch.setattr(nightrun.time, "sleep", paused.append)
    cmd = command("/h", "/c", "/s.toml", "2026-06-30", BASE_URLS, pause_at="collect:done")
    try:
        assert nightrun.main(cmd[3:]) == 0
    finally:
        progress.listen(None)
    assert received == {"home": "/h", "catalogue": "/c", "config": "/s.toml", "as_of": "2026-06-30",
                        "base_urls": BASE_URLS}
    assert capsys.readouterr().out.splitlines() == [
        "STAGE collect running",
        "STAGE collect done 6 sources",
        "PAUSED collect done",
        "STAGE refresh running",
        'RESULT {"status": "ok", "roles": 3}',
    ]
    assert paused == [3600]


@pytest.mark.slow  # a subprocess
def test_the_command_is_runnable_from_anywhere_with_child_env(tmp_path):
    cmd = command(tmp_path / "home", tmp_path / "roles", tmp_path / "s.toml", "2026-06-30", BASE_URLS)
    done = subprocess.run(cmd[:3] + ["--help"], env=child_env(tmp_path / "prefect"), cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    for option in ("--home", "--catalogue", "--config", "--as-of", "--base-urls", "--pause-at"):
        assert option in done.stdout
    assert not (tmp_path / "home").exists()  # --help runs nothing
