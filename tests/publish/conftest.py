"""Fixtures for the publish tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.catalogue import load_catalogue
from tests.support.catalogues import CLASSIC_ROLES
from core.paths import Home
from tests.publish.publish_helpers import build_templates


@pytest.fixture(scope="session")
def templates(tmp_path_factory) -> dict[int, Path]:
    """Warehouse files after 1..4 scored nights (built once per session)."""
    return build_templates(tmp_path_factory.mktemp("publish-templates"))


@pytest.fixture
def data_home(tmp_path, templates) -> Home:
    """A data home whose warehouse has two nights scored and nothing published yet."""
    home = Home.resolve(tmp_path / "home").ensure()
    shutil.copyfile(templates[2], home.warehouse)
    return home


@pytest.fixture(scope="session")
def catalogue():
    return load_catalogue(CLASSIC_ROLES)
