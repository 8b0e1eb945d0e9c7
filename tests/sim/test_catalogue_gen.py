"""The synthetic catalogue is valid, deterministic and matches what the simulator serves."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.catalogue import load_catalogue
from core.errors import CatalogueError
from scrapers.claims import load_claims
from sim import catalogue_gen as gen


def test_generated_roles_validate_strictly(tmp_path):
    roles = gen.write_catalogue(tmp_path, 40, seed=3)
    catalogue = load_catalogue(tmp_path, strict=True)
    assert len(catalogue) == 40
    assert sorted(catalogue.roles) == sorted(r.id for r in roles)
    for role in catalogue:
        assert role.has_task_table
        assert sum(t.time_pct for t in role.tasks) == 100
        assert set(role.barriers) == set(gen.BARRIERS)
        assert set(role.evidence) == set(gen.DIMENSIONS)
        assert set(role.protective) == set(gen.PRINCIPLES)
        assert role.lookup.itjobswatch is not None and role.lookup.indeed is not None
        assert role.lookup.bls_series and role.lookup.layoff_industries


def test_lookup_keys_match_the_role_files(tmp_path):
    roles = gen.write_catalogue(tmp_path, 12, seed=1)
    catalogue = load_catalogue(tmp_path)
    for sim in roles:
        assert catalogue.get(sim.id).lookup_keys() == sim.lookup_keys()


def test_generation_is_deterministic(tmp_path):
    gen.write_catalogue(tmp_path / "a", 15, seed=7)
    gen.write_catalogue(tmp_path / "b", 15, seed=7)
    gen.write_catalogue(tmp_path / "c", 15, seed=8)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert Path("watchlists/boards.yaml") in files  # the sources' catalogue files are generated too
    assert all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files)
    assert any((tmp_path / "a" / f).read_bytes() != (tmp_path / "c" / f).read_bytes() for f in files)


def test_the_mix_covers_both_page_kinds_and_countries():
    roles = gen.sim_roles(200, seed=0)
    assert {r.kind for r in roles} == {"permanent", "contract"}
    assert {r.country for r in roles} == {"GB", "US"}
    assert len({r.slug for r in roles}) == 200  # one IT Jobs Watch page per role
    assert all(s in gen.SECTORS for r in roles for s in r.sectors)


def test_claims_file_validates_against_the_claims_schema(tmp_path):
    roles = gen.write_catalogue(tmp_path, 30, seed=2)
    claims = load_claims((tmp_path / "expert-claims.yaml").read_bytes(), "expert-claims.yaml")
    assert claims.claims, "some roles get claims"
    assert {c.role_id for c in claims.claims} <= {r.id for r in roles}


def test_break_role_file_invalidates_exactly_one_role(tmp_path):
    roles = gen.write_catalogue(tmp_path, 6)
    gen.break_role_file(tmp_path, roles[2])
    with pytest.raises(CatalogueError, match=roles[2].id):
        load_catalogue(tmp_path, strict=True)
    lenient = load_catalogue(tmp_path, strict=False)
    assert sorted(lenient.roles) == sorted(r.id for r in roles if r is not roles[2])
    assert len(lenient.errors) == 1 and "time_pct" in lenient.errors[0]
