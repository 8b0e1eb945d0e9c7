"""Expert claims YAML: schema validation and observations."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from tests.scrapers.scrapers_helpers import ctx

from scrapers.base import ParseError, RequestOptions
from scrapers.claims import load_claims, parse, requests_for
from scrapers.claims.settings import DEFAULT_PATH, EXAMPLE_PATH


def test_example_file_parses():
    df = parse(EXAMPLE_PATH.read_bytes(), ctx(str(EXAMPLE_PATH), "claims"))
    assert len(df) == 3
    assert set(df.metric) == {"expert_claim"} and set(df.unit) == {"direction"}
    assert sorted(df.value) == [-1.0, 0.0, 1.0]
    row = df[df.subject == "mlops-engineer"].iloc[0]
    detail = json.loads(row.detail)
    assert detail["number"] == 40 and detail["unit"] == "pct" and detail["url"].startswith("https://example.org/")
    assert row.series_key == "claims:example-mlops-market-growth" and str(row.period_start) == "2025-01-15"


@pytest.mark.parametrize("mutate, message", [
    (lambda c: c.update(direction=2), r"claims\[0\] \(id 'example-mlops-market-growth'\) direction"),
    (lambda c: c.pop("reviewed_by"), r"claims\[0\] \(id 'example-mlops-market-growth'\) reviewed_by"),
    (lambda c: c.update(source_url="not a url"), r"claims\[0\] \(id 'example-mlops-market-growth'\) source_url"),
    (lambda c: c.update(unit=None), r"claims\[0\] .*needs a `unit`"),
    (lambda c: c.update(surprise=1), r"claims\[0\] \(id 'example-mlops-market-growth'\) surprise"),
])
def test_an_invalid_claim_is_refused_by_name_and_the_rest_load(mutate, message):
    import yaml

    doc = yaml.safe_load(EXAMPLE_PATH.read_text())
    mutate(doc["claims"][0])
    context = ctx("roles/expert-claims.yaml", "claims")
    df = parse(yaml.safe_dump(doc).encode(), context)
    assert sorted(df.series_key) == sorted(f"claims:{c['id']}" for c in doc["claims"][1:])
    [note] = context.notes
    assert re.search(message, note) and "roles/expert-claims.yaml" in note and "refused 1 claim(s)" in note
    # the strict loader (a file under review) refuses the file, naming the same claim
    with pytest.raises(ParseError, match=message):
        load_claims(yaml.safe_dump(doc).encode(), "roles/expert-claims.yaml")


def test_duplicate_ids_refuse_both_entries():
    import yaml

    doc = yaml.safe_load(EXAMPLE_PATH.read_text())
    doc["claims"][1]["id"] = doc["claims"][0]["id"]
    context = ctx("x.yaml", "claims")
    df = parse(yaml.safe_dump(doc).encode(), context)
    assert list(df.series_key) == [f"claims:{doc['claims'][2]['id']}"]
    assert "claims[0]" in context.notes[0] and "claims[1]" in context.notes[0]
    assert "duplicate claim id" in context.notes[0]


@pytest.mark.parametrize("text, message", [
    ("claims: [\n  - id: x\n", "not valid UTF-8 YAML"),
    ("version: 1\n", "expected top-level key 'claims'"),
    ("claims: {a: 1}\n", "is a dict, not a list"),
    ("version: 2\nclaims: []\n", r"version"),
    ("claims: []\nextra: 1\n", r"extra"),
])
def test_a_file_that_is_not_a_claims_file_is_a_parse_error(text, message):
    with pytest.raises(ParseError, match=message):
        parse(text.encode(), ctx("roles/expert-claims.yaml", "claims"))


def test_default_location_is_the_repo_file():
    assert requests_for([], RequestOptions())[0].url == str(DEFAULT_PATH)
    assert Path(__file__).resolve().parents[2] / "roles" / "expert-claims.yaml" == DEFAULT_PATH
