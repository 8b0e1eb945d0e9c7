"""Test environment. Prefect reads its settings at import, so they are set before anything else."""

import os
import tempfile

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="jobzone-prefect-test-"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
os.environ.pop("PREFECT_API_URL", None)
os.environ.pop("JOBZONE_ALERT_URLS", None)
os.environ.pop("JOBZONE_HOME", None)

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A fresh data directory (and so a fresh DuckDB file) per test."""
    from core.paths import Home

    root = tmp_path / "home"
    monkeypatch.setenv("JOBZONE_HOME", str(root))
    return Home.resolve(root).ensure()


@pytest.fixture
def warehouse(home):
    from warehouse.db import connect

    con = connect(home.warehouse)
    yield con
    con.close()


@pytest.fixture
def catalogue_dir(tmp_path):
    """A writable copy of the shipped catalogue."""
    import shutil

    target = tmp_path / "roles"
    shutil.copytree(REPO / "roles", target)
    return target
