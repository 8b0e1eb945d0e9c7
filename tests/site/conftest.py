"""Fixtures for the site tests: one rendered site per session."""

from __future__ import annotations


import pytest

from core.catalogue import load_catalogue
from tests.support.catalogues import CLASSIC_ROLES
from tests.site.site_helpers import GENERATED_AT, build_warehouse
from website import render_site


@pytest.fixture(scope="session")
def catalogue():
    return load_catalogue(CLASSIC_ROLES)


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


@pytest.fixture(scope="session")
def explained(tmp_path_factory):
    """Three nights (published, a catalogue edit, a refreshed degraded night) and their site."""
    from tests.site.site_helpers import build_explained_warehouse

    root = tmp_path_factory.mktemp("explained-home")
    con, catalogue = build_explained_warehouse(root / "warehouse.duckdb", root / "roles")
    try:
        files = render_site(con, catalogue, root / "site", GENERATED_AT)
    finally:
        con.close()
    return {"root": root, "dir": root / "site", "files": files, "warehouse": root / "warehouse.duckdb"}
