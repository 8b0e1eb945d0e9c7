"""The catalogue-wide pattern checks: identical patterns in two roles, and patterns that match
nothing in the bundled samples of their source, each rejected naming the file and the field."""

import pytest
import yaml
from typer.testing import CliRunner

import scrapers.registry  # noqa: F401  (hands the sources' lookup keys to the catalogue)
from cli.app import app
from core.catalogue import load_catalogue
from core.errors import CatalogueError
from core.lookup_checks import check_against_samples
from scrapers.boards.sample_check import matches as boards_matches
from scrapers.hn.sample_check import matches as hn_matches
from scrapers.sample_matches import sample_matchers
from tests.support.catalogues import edit_role


def test_the_shipped_catalogue_passes_both_checks(catalogue_dir):
    catalogue = load_catalogue(catalogue_dir)
    check_against_samples(catalogue, sample_matchers())  # raises on the first failure
    with_patterns = [r.id for r in catalogue if r.lookup.boards is not None or r.lookup.hn is not None]
    assert len(with_patterns) >= 10


def test_two_roles_with_identical_patterns_are_rejected_naming_both_files_and_the_field(catalogue_dir):
    hn = yaml.safe_load((catalogue_dir / "programmer.yaml").read_text())["lookup"]["hn"]
    # the same regexes in another order are the same matcher
    hn["include"] = list(reversed(hn["include"] * 2))
    copied = edit_role(catalogue_dir, "data-engineer", lambda d: d["lookup"].update(hn=hn))
    with pytest.raises(CatalogueError) as err:
        load_catalogue(catalogue_dir)
    message = str(err.value)
    assert str(copied) in message and str(catalogue_dir / "programmer.yaml") in message
    assert "lookup.hn: identical patterns" in message


def test_a_lenient_load_leaves_out_both_roles_with_identical_patterns_and_reports_them(catalogue_dir):
    boards = yaml.safe_load((catalogue_dir / "data-scientist.yaml").read_text())["lookup"]["boards"]
    edit_role(catalogue_dir, "ml-ai-engineer", lambda d: d["lookup"].update(boards=boards))
    catalogue = load_catalogue(catalogue_dir, strict=False)
    assert "data-scientist" not in catalogue.roles and "ml-ai-engineer" not in catalogue.roles
    assert "mlops-engineer" in catalogue.roles
    (error,) = catalogue.errors
    assert "lookup.boards: identical patterns in 2 roles (" in error


def test_different_excludes_are_different_patterns(catalogue_dir):
    boards = yaml.safe_load((catalogue_dir / "data-scientist.yaml").read_text())["lookup"]["boards"]
    edit_role(catalogue_dir, "ml-ai-engineer", lambda d: d["lookup"].update(boards={**boards, "exclude": ["intern"]}))
    assert {"data-scientist", "ml-ai-engineer"} <= set(load_catalogue(catalogue_dir).roles)


@pytest.mark.parametrize("key,value", [
    ("boards", {"include": ["\\bquantum pastry chef\\b"], "exclude": []}),
    ("hn", {"include": ["\\bquantum pastry chef\\b"]}),
])
def test_a_pattern_that_matches_nothing_in_the_bundled_samples_is_rejected(catalogue_dir, key, value):
    path = edit_role(catalogue_dir, "full-stack-developer", lambda d: d["lookup"].update({key: value}))
    catalogue = load_catalogue(catalogue_dir)  # each file is valid on its own
    with pytest.raises(CatalogueError) as err:
        check_against_samples(catalogue, sample_matchers())
    message = str(err.value)
    assert message.startswith(f"{path}: lookup.{key}: the patterns match nothing in the ")
    result = CliRunner().invoke(app, ["roles", "validate", "--catalogue", str(catalogue_dir)])
    assert result.exit_code != 0 and f"{path}: lookup.{key}: the patterns match nothing" in result.output


def test_an_exclude_that_removes_every_match_leaves_nothing_matched():
    # the samples' one full-stack title, excluded by its own seniority word: the key matches nothing
    assert boards_matches({"r": {"include": ["full ?stack"]}}) == {"r"}
    assert boards_matches({"r": {"include": ["full ?stack"], "exclude": ["staff"]}}) == set()
    assert hn_matches({"r": {"include": ["big data"]}, "s": {"include": ["big data"], "exclude": ["groupon"]}}) == {"r"}


def test_the_message_says_what_the_samples_are():
    described = {key: text for key, (_, text) in sample_matchers().items()}
    assert described["boards"].startswith("the 14 posting titles of the bundled board samples")
    assert described["hn"].startswith("the 6 posts of the bundled Who is hiring? threads")
