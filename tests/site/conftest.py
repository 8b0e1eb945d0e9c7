"""Fixtures for the site tests: one rendered site per session."""

from __future__ import annotations


import pytest

from core.catalogue import load_catalogue
from tests.site.site_helpers import GENERATED_AT, build_warehouse
from website import render_site


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
