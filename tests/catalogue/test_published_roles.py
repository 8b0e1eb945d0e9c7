"""The shipped catalogue against the published scores (tests/catalogue/fixtures/NOTICE.md).

The seven roles whose every input is public are scored through `scoring.aijri.score` from the
catalogue and must give the published AIJRI, zone and sub-label exactly; the twelve others are
jobzone's own assessments, complete, with the published figures kept beside them unchanged.
"""

import csv
import math
from pathlib import Path

import pytest

import scrapers.registry  # noqa: F401  (hands the sources' lookup keys to the catalogue)
from core.catalogue import load_catalogue
from core.vocabulary import DIMENSIONS
from scoring.aijri import score

ORACLE = Path(__file__).with_name("fixtures") / "aijri-method-published.csv"


def _num(text: str) -> float | None:
    return float(text) if text else None


PUBLISHED = {row["role_id"]: row for row in csv.DictReader(ORACLE.open(encoding="utf-8"))}
REPRODUCED = [rid for rid, row in PUBLISHED.items() if row["task_resistance"]]
CATALOGUE = load_catalogue()


def _baseline(role):
    return score(role.tr, role.baseline_evidence_total, role.barrier_sum, role.growth.score, role.pct_time_3plus,
                 published_sublabel=role.published.sublabel)


def test_the_catalogue_is_the_nineteen_published_roles():
    assert len(PUBLISHED) == 19 and len(REPRODUCED) == 7
    assert set(CATALOGUE.roles) == set(PUBLISHED)


@pytest.mark.parametrize("role_id", sorted(PUBLISHED))
def test_each_role_keeps_the_published_figures_beside_it(role_id):
    role, row = CATALOGUE.get(role_id), PUBLISHED[role_id]
    assert role.published is not None and role.published.source
    assert role.published.aijri == float(row["aijri"]) and role.published.zone == row["zone"]
    assert role.published.sublabel == (row["sublabel"] or None)


@pytest.mark.parametrize("role_id", REPRODUCED)
def test_public_input_roles_reproduce_their_published_score_exactly(role_id):
    role, row = CATALOGUE.get(role_id), PUBLISHED[role_id]
    assert role.assessment == "published" and role.reproduces_published
    assert math.isclose(role.tr, float(row["task_resistance"]))
    assert role.baseline_evidence_total == float(row["evidence_total"])
    assert role.barrier_sum == float(row["barrier_total"]) and role.growth.score == int(row["growth"])
    result = _baseline(role)
    assert (result.aijri, result.zone, result.sublabel) == (float(row["aijri"]), row["zone"], row["sublabel"] or None)


@pytest.mark.parametrize("role_id", [r for r in sorted(PUBLISHED) if r not in REPRODUCED])
def test_other_roles_are_complete_jobzone_assessments_that_keep_what_is_published(role_id):
    role, row = CATALOGUE.get(role_id), PUBLISHED[role_id]
    assert role.assessment == "jobzone" and not role.reproduces_published
    assert role.has_task_table and math.isclose(sum(t.time_pct for t in role.tasks), 100)
    assert all(t.rationale.strip() for t in role.tasks) and len(role.barriers) == 5 and len(role.protective) == 3
    assert {e.origin for e in role.evidence.values()} == {"jobzone"} and set(role.evidence) == set(DIMENSIONS)
    # what the card does publish for these roles binds our assessment
    if row["growth"]:
        assert role.growth.score == int(row["growth"])
    if row["pct_time_3plus"]:
        assert role.pct_time_3plus == float(row["pct_time_3plus"])


@pytest.mark.parametrize("role_id", sorted(PUBLISHED))
def test_every_role_has_a_baseline_for_every_dimension_with_its_reason(role_id):
    role = CATALOGUE.get(role_id)
    assert set(role.evidence) == set(DIMENSIONS)
    assert all(e.origin in ("published", "split", "jobzone") and e.basis.strip() for e in role.evidence.values())
    if role.evidence_total is not None:  # a split of the published total sums to it
        assert {e.origin for e in role.evidence.values()} == {"split"}
        assert sum(e.score for e in role.evidence.values()) == role.evidence_total.value
