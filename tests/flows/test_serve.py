"""`jobzone serve` for real: a loopback Prefect server with its UI, the deployment and its cron, one run."""

import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests

pytestmark = pytest.mark.slow


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")


def test_serve_registers_the_cron_deployment_and_a_triggered_run_completes(tmp_path):
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = dict(os.environ, PREFECT_HOME=str(tmp_path / "prefect"), PREFECT_RUNNER_POLL_FREQUENCY="2")
    env.pop("PREFECT_API_URL", None)
    home = tmp_path / "home"
    output = tmp_path / "serve.out"
    out_file = open(output, "w")
    serve = subprocess.Popen([sys.executable, "-m", "cli", "--home", str(home), "serve", "--demo",
                              "--port", str(port)], env=env, stdout=out_file, stderr=subprocess.STDOUT,
                             text=True, start_new_session=True)
    try:
        def deployment():
            try:
                r = requests.post(f"{api}/deployments/filter", json={}, timeout=5)
            except requests.RequestException:
                return None
            found = [d for d in r.json() if d["name"] == "nightly"] if r.ok else []
            return found[0] if found else None

        dep = _wait(deployment, 180, "the nightly deployment")
        assert dep["paused"] is False
        schedules = dep["schedules"]
        assert [(s["schedule"]["cron"], s["schedule"]["timezone"], s["active"]) for s in schedules] == [
            ("0 2 * * *", "Europe/London", True)]
        assert dep["parameters"]["demo"] is True

        answers = []

        def created():
            # A freshly started server (SQLite, a loaded 2-core machine) can answer one request with
            # an error body; ask again rather than read a run id out of it.
            r = requests.post(f"{api}/deployments/{dep['id']}/create_flow_run", json={}, timeout=10)
            answers.append((r.status_code, r.text[:300]))
            return r.json() if r.ok and "id" in r.json() else None

        try:
            run = _wait(created, 60, "a flow run to be created")
        except AssertionError:
            raise AssertionError(f"create_flow_run kept failing: {answers[-3:]}") from None

        def finished():
            state = requests.get(f"{api}/flow_runs/{run['id']}", timeout=5).json()["state"]
            return state if state["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") else None

        state = _wait(finished, 240, "the triggered run")
        assert state["type"] == "COMPLETED", state
        assert (home / "published" / "warehouse.duckdb").exists()
        assert (home / "site" / "roles" / "mlops-engineer.html").exists()

        # Every UI link the serving process printed leads to the UI (the server serves it).
        printed = " ".join(output.read_text().split())  # Rich wraps long lines
        links = re.findall(rf"(http://127\.0\.0\.1:{port}(?!/api)[^\s\]]*)", printed)
        assert f"Prefect UI: http://127.0.0.1:{port}" in printed and any("/deployments/deployment/" in u for u in links), printed
        for link in links:
            page = requests.get(link, headers={"Accept": "text/html"}, timeout=10)  # as a browser navigates
            assert page.status_code == 200 and "text/html" in page.headers["content-type"], (link, page.status_code)
            assert page.text.lstrip().lower().startswith("<!doctype html>")
    finally:
        os.killpg(serve.pid, signal.SIGTERM)
        try:
            serve.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()
        out_file.close()
        out = output.read_text()
    # The local server was stopped with it: nothing listens on the port any more.
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{api}/health", timeout=2)
    assert "serving deployment nightly/nightly" in out
