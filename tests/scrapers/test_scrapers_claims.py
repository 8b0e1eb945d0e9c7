"""Expert claims YAML: schema validation and observations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.scrapers.scrapers_helpers import ctx

from scrapers.base import ParseError, RequestOptions
from scrapers.claims import parse, requests_for
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
    (lambda c: c.update(direction=2), r"claims\.0\.direction"),
    (lambda c: c.pop("reviewed_by"), r"claims\.0\.reviewed_by"),
    (lambda c: c.update(source_url="not a url"), r"claims\.0\.source_url"),
    (lambda c: c.update(unit=None), r"needs a `unit`"),
    (lambda c: c.update(surprise=1), r"claims\.0\.surprise"),
])
def test_invalid_claims_name_the_field_and_file(mutate, message):
    import yaml

    doc = yaml.safe_load(EXAMPLE_PATH.read_text())
    mutate(doc["claims"][0])
    with pytest.raises(ParseError, match=message) as err:
        parse(yaml.safe_dump(doc).encode(), ctx("roles/expert-claims.yaml", "claims"))
    assert "roles/expert-claims.yaml" in str(err.value)


def test_duplicate_ids_are_refused():
    import yaml

    doc = yaml.safe_load(EXAMPLE_PATH.read_text())
    doc["claims"][1]["id"] = doc["claims"][0]["id"]
    with pytest.raises(ParseError, match="duplicate claim ids"):
        parse(yaml.safe_dump(doc).encode(), ctx("x.yaml", "claims"))


def test_default_location_is_the_repo_file():
    assert requests_for([], RequestOptions())[0].url == str(DEFAULT_PATH)
    assert Path(__file__).resolve().parents[2] / "roles" / "expert-claims.yaml" == DEFAULT_PATH
