"""Fixtures for the site tests: one rendered site per session."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# Test modules import site_helpers whatever pytest's import mode is.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from jobzone.catalogue import load_catalogue  # noqa: E402
from site_helpers import GENERATED_AT, build_warehouse  # noqa: E402
from warehouse.site.render import render_site  # noqa: E402


@pytest.fixture(scope="session")
def catalogue():
    return load_catalogue()


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """A five-night warehouse and the site rendered from it (built once per session)."""
    root = tmp_path_factory.mktemp("site-home")
    con, catalogue = build_warehouse(root / "warehouse.duckdb")
    try:
        files = render_site(con, catalogue, root / "site", GENERATED_AT)
    finally:
        con.close()
    return {"root": root, "dir": root / "site", "files": files, "warehouse": root / "warehouse.duckdb"}
