"""A role's occupations reach the occupation sources: the top-level `soc` through
`Role.lookup_keys()`, `onet_soc` and `hn` as declared lookup keys."""

from __future__ import annotations

import pytest

from core.catalogue import Role, declare_lookup, load_catalogue
from core.errors import CatalogueError
from scrapers.base import RequestOptions
from scrapers.registry import SOURCES

DOC = {"id": "x", "title": "X", "seniority": "mid", "growth": {"score": 0},
       "task_resistance": {"value": 3, "citation": "c"}, "barrier_total": {"value": 1, "citation": "c"},
       "evidence_total": {"value": 0, "citation": "c"}}


def test_the_shipped_roles_name_their_occupations():
    keys = {r.id: r.lookup_keys() for r in load_catalogue()}
    assert keys["mlops-engineer"]["soc"] == ["15-1252", "15-2051"]
    assert keys["mlops-engineer"]["onet_soc"] == ["15-1252.00", "15-2051.00"]
    assert keys["cloud-architect"]["onet_soc"] == ["15-1241.00", "15-1299.08"]
    assert all(k["hn"]["include"] for k in keys.values() if "hn" in k)


def test_every_shipped_role_names_real_occupation_codes():
    """Each SOC is in the bundled OEWS national file; each O*NET-SOC code refines one of the role's SOCs."""
    import csv

    path = SOURCES["oews"].samples / "national_M2024_dl_excerpt_15-xxxx.csv"
    published = {row["OCC_CODE"] for row in csv.DictReader(path.open(encoding="utf-8-sig"))}
    for role in load_catalogue():
        assert role.soc and set(role.soc) <= published, role.id
        assert role.lookup.onet_soc and all(code[:7] in role.soc for code in role.lookup.onet_soc), role.id


def test_soc_alone_makes_the_occupation_sources_ask():
    role = Role.model_validate({**DOC, "soc": ["15-1252"]})
    assert role.lookup_keys()["soc"] == ["15-1252"] and role.lookup_keys()["onet_soc"] == []
    lookups = [role.lookup_keys()]
    for name in ("bls_ep", "oews", "ai_exposure"):
        assert SOURCES[name].requests_for(lookups, RequestOptions()), name
    # without any occupation they ask for nothing
    bare = [Role.model_validate(DOC).lookup_keys()]
    assert "soc" not in bare[0]
    assert all(not SOURCES[n].requests_for(bare, RequestOptions()) for n in ("bls_ep", "oews", "ai_exposure"))


def test_a_source_cannot_declare_a_role_level_key():
    with pytest.raises(CatalogueError, match="'soc' of source 'other' is the role's own"):
        declare_lookup("other", {"soc": (list[str], [])})
