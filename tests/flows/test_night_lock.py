"""One night at a time per data home, and what a killed night left in the raw archive is cleared."""

import subprocess
import sys

import pytest

from flows import night
from core.errors import NightAlreadyRunning
from core.paths import REPO_ROOT, Home


def test_a_second_night_on_the_same_home_is_refused_while_the_first_runs(tmp_path):
    with night.exclusive(str(tmp_path / "home")) as home:
        with pytest.raises(NightAlreadyRunning, match=r"nightly\.lock: a nightly is already running \(pid \d+"):
            with night.exclusive(str(home.root)):
                pass
        with night.exclusive(str(tmp_path / "other")):  # another home is independent
            pass
    with night.exclusive(str(tmp_path / "home")):  # released with the first night
        pass


def test_the_lock_dies_with_a_killed_process_and_the_next_night_sweeps_its_temp_files(tmp_path):
    home = Home.resolve(tmp_path / "home").ensure()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from flows import night\n"
                               "with night.exclusive(sys.argv[1]):\n print('held', flush=True); time.sleep(60)",
         str(home.root)], cwd=str(REPO_ROOT), stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(NightAlreadyRunning, match=f"pid {holder.pid}"):
            with night.exclusive(str(home.root)):
                pass
    finally:
        holder.kill()
        holder.wait()
    left = home.raw / "ab" / ".tmp-12345678.gz"
    left.parent.mkdir(parents=True)
    left.write_bytes(b"cut short by kill -9")
    with night.exclusive(str(home.root)):
        assert not left.exists()


@pytest.mark.slow  # goes through the Prefect flow
def test_the_cli_says_so_in_one_line(tmp_path):
    from typer.testing import CliRunner

    from cli.app import app

    with night.exclusive(str(tmp_path / "home")):
        out = CliRunner().invoke(app, ["--home", str(tmp_path / "home"), "run", "--demo"])
    assert out.exit_code == 1
    lines = [ln for ln in out.output.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and "a nightly is already running" in lines[0], out.output
