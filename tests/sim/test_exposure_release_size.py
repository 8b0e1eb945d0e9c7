"""The exposure studies' double serves full releases, so a small simulated world's roles are ranked
among all occupations (no server: the double's answer through the real parser and metric)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from scoring.metrics.exposure import releases
from scoring.rubric import load_rubric
from scrapers.ai_exposure import parse
from scrapers.ai_exposure import settings as S
from scrapers.ai_exposure.simulated import FULL_RELEASE, occupations, respond
from scrapers.base import SimRequest
from scrapers.occupations import role_socs
from sim import catalogue_gen as gen
from tests.scrapers.scrapers_helpers import ctx


def _observations(lookups):
    frames = []
    for study in S.STUDIES.values():
        for release in study.releases:
            body, _ = respond(SimRequest(host="", path=release.path, lookups=lookups, as_of=date(2026, 6, 30),
                                         seed=0, epoch=0))
            frames.append(parse(body, ctx(url=study.base_url + release.path, source="ai_exposure",
                                          study=study.name, release=release.label)))
    return pd.concat(frames, ignore_index=True)


def test_a_small_world_is_ranked_among_a_full_release():
    lookups = gen.role_lookups(5)
    socs = role_socs(lookups)
    _, spec = load_rubric(version="rubric-v2").input("ai_exposure_rank")
    held = releases(_observations(lookups), spec.min_sample)
    # every 2018-SOC-keyed study (Felten's SOC 2010 codes never match a 2018 SOC) ranks each role
    ranked = {study: rels[-1] for study, rels in held.items() if not study.startswith("felten")}
    assert set(ranked) == {"microsoft_ai_applicability", "gpts_are_gpts", "anthropic_observed_exposure"}
    for study, release in ranked.items():
        assert release["n"] == FULL_RELEASE >= spec.min_sample, study
        codes = {c[:7] for c in release["ranks"]}
        assert set(socs) <= codes, study


@pytest.mark.parametrize("n", [1, 40, 1000])
def test_filler_occupations_never_take_a_role_code(n):
    socs = role_socs(gen.role_lookups(n))
    got = occupations(socs)
    assert got[:len(socs)] == socs and len(got) == len(set(got)) == max(FULL_RELEASE, len(socs))
    assert all(not c.startswith("15-") for c in got[len(socs):])
