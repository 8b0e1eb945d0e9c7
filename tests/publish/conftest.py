"""Fixtures for the publish tests."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

# Test modules import publish_helpers whatever pytest's import mode is.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from jobzone.catalogue import load_catalogue  # noqa: E402
from jobzone.paths import Home  # noqa: E402
from publish_helpers import build_templates  # noqa: E402


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
    return load_catalogue()
