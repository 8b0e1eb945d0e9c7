"""The parsed catalogue kept between nights (`core.catalogue_cache`): the same catalogue as a
fresh parse, unchanged files not parsed again, an edited one parsed, a broken cache ignored."""

from __future__ import annotations

import pytest

import core.catalogue as catalogue_module
from core import catalogue_cache
from core.catalogue import load_catalogue
from tests.support.catalogues import edit_role


def _same(a, b) -> None:
    assert a.roles == b.roles and a.hashes == b.hashes and a.files == b.files and a.errors == b.errors


@pytest.fixture
def parses(monkeypatch):
    """The role files parsed (by name) on each load."""
    seen: list[str] = []
    real = catalogue_module.parse_role_file

    def counting(path, raw):
        seen.append(path.name)
        return real(path, raw)

    monkeypatch.setattr(catalogue_module, "parse_role_file", counting)
    return seen


def test_a_cached_load_is_the_fresh_load_without_parsing_unchanged_files(catalogue_dir, tmp_path, parses):
    cache = tmp_path / "home" / "catalogue.cache"
    fresh = load_catalogue(catalogue_dir, strict=False)
    first = load_catalogue(catalogue_dir, strict=False, cache=cache)
    assert cache.exists() and len(parses) == 2 * len(fresh.roles)
    parses.clear()
    _same(load_catalogue(catalogue_dir, strict=False, cache=cache), fresh)
    assert parses == []  # nothing changed: every role came from the cache
    edit_role(catalogue_dir, "mlops-engineer", lambda d: d["tasks"][0].update(rationale="reworded"))
    edited = load_catalogue(catalogue_dir, strict=False, cache=cache)
    assert parses == ["mlops-engineer.yaml"]
    _same(edited, load_catalogue(catalogue_dir, strict=False))
    assert edited.hashes["mlops-engineer"] != first.hashes["mlops-engineer"]


def test_a_broken_file_is_reported_every_night_not_cached(catalogue_dir, tmp_path, parses):
    cache = tmp_path / "catalogue.cache"
    edit_role(catalogue_dir, "cloud-architect", lambda d: d.update(growth={"score": 7}))
    for _ in range(2):
        loaded = load_catalogue(catalogue_dir, strict=False, cache=cache)
        assert "cloud-architect" not in loaded.roles and any("cloud-architect" in e for e in loaded.errors)
    assert parses.count("cloud-architect.yaml") == 2


def test_a_cache_that_does_not_load_or_belongs_to_other_code_is_not_used(catalogue_dir, tmp_path, parses,
                                                                          monkeypatch):
    cache = tmp_path / "catalogue.cache"
    fresh = load_catalogue(catalogue_dir, strict=False)
    n = len(fresh.roles)
    cache.write_bytes(b"not a pickle")
    _same(load_catalogue(catalogue_dir, strict=False, cache=cache), fresh)  # ignored, then rewritten
    load_catalogue(catalogue_dir, strict=False, cache=cache)
    assert len(parses) == 2 * n  # the fresh load and the one that ignored the bad cache; not the third
    parses.clear()
    monkeypatch.setattr(catalogue_cache, "code_digest", lambda patterns: "other code")
    _same(load_catalogue(catalogue_dir, strict=False, cache=cache), fresh)
    assert len(parses) == n
