"""Rubric versions: each shipped scoring/rubric*.toml by its version, `extends` for the tables a
new version leaves out, rubric-v2 the default (rubric-v1 stays selectable)."""

from __future__ import annotations

import shutil

import pytest

from scoring.rubric import DEFAULT_VERSION, RUBRIC_FILE, RubricError, _document, load_rubric, versions


def test_rubric_v2_is_the_default_and_each_version_loads_by_its_own_file():
    assert DEFAULT_VERSION == "rubric-v2" and load_rubric().version == "rubric-v2"
    assert versions()["rubric-v1"] == RUBRIC_FILE and load_rubric(version="rubric-v1").version == "rubric-v1"
    assert load_rubric(version="rubric-v2") == load_rubric() != load_rubric(version="rubric-v1")
    assert load_rubric(RUBRIC_FILE) == load_rubric(version="rubric-v1")


def test_an_unknown_version_names_the_shipped_ones():
    with pytest.raises(RubricError, match=r"unknown rubric version 'rubric-v9'; shipped: \['rubric-v1'"):
        load_rubric(version="rubric-v9")


def test_extends_takes_every_table_the_file_leaves_out(tmp_path):
    shutil.copy(RUBRIC_FILE, tmp_path / "rubric.toml")
    v1 = load_rubric(version="rubric-v1")
    child = tmp_path / "rubric-x.toml"
    child.write_text('version = "rubric-x"\nextends = "rubric.toml"\n[claims]\nhalf_life_days = 30\n'
                     'neutral_prior_weight = 1.0\n')
    got = load_rubric(child)
    assert got.version == "rubric-x" and got.claims.half_life_days == 30
    assert got.guards == v1.guards and got.dimensions == v1.dimensions
    assert "extends" not in _document(child)


def test_extends_naming_a_missing_file_names_it(tmp_path):
    child = tmp_path / "rubric-x.toml"
    child.write_text('version = "rubric-x"\nextends = "nowhere.toml"\n')
    with pytest.raises(RubricError, match="nowhere.toml: cannot read rubric"):
        load_rubric(child)
