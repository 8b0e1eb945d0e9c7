"""The registry contract (scrapers/README.md): what a source declares reaches every reader."""

from __future__ import annotations

import pytest

from core.catalogue import Lookup, Role, declare_lookup, declared_lookup_keys
from core.errors import CatalogueError
from scrapers import registry
from scrapers.http_settings import HttpSettings
from scrapers.loopback import load_layout, sample_base_urls

SOURCES = registry.SOURCES


def test_every_lookup_key_is_declared_by_exactly_one_registered_source():
    owners = declared_lookup_keys()
    assert set(Lookup.model_fields) == set(owners)
    for key, owner in owners.items():
        assert key in SOURCES[owner].lookup
    assert owners["itjobswatch"] == "itjobswatch" and owners["warn_companies"] == "warn"


def test_a_key_two_sources_declare_is_refused_by_name():
    with pytest.raises(CatalogueError, match="'bls_series' of source 'other' is already declared by 'bls'"):
        declare_lookup("other", {"bls_series": (list[str], [])})


def test_an_undeclared_lookup_key_fails_by_name():
    doc = {"id": "x", "title": "X", "seniority": "mid", "growth": {"score": 0},
           "task_resistance": {"value": 3, "citation": "c"}, "barrier_total": {"value": 1, "citation": "c"},
           "evidence_total": {"value": 0, "citation": "c"}, "lookup": {"nonesuch": 1}}
    with pytest.raises(Exception, match="lookup.nonesuch"):
        Role.model_validate(doc)
    doc["lookup"] = {"itjobswatch": {"slug": "mlops"}}
    assert Role.model_validate(doc).lookup.itjobswatch.kind == "permanent"  # the package's default


def test_every_source_declares_its_vocabulary():
    for name, source in SOURCES.items():
        assert source.metrics, name
        for metric, units in source.metrics.items():
            assert units is None or set(units) <= set(registry.units()), (name, metric)


def test_observation_vocabulary_and_models_come_from_the_registry():
    from scoring import observations as models

    assert models.SOURCES == tuple(SOURCES)
    assert models.SOURCE_METRICS == registry.metric_vocabulary()
    assert set(models.SOURCE_MODELS) == set(SOURCES)


def test_declared_hosts_are_the_http_defaults_and_settings_override_them():
    assert HttpSettings().interval_for("www.itjobswatch.co.uk") == 2.0
    assert HttpSettings().recheck_for("api.bls.gov") == 43200.0
    tuned = HttpSettings.from_mapping({"host_intervals": {"api.bls.gov": 3.0}})
    assert tuned.interval_for("api.bls.gov") == 3.0 and tuned.interval_for("fred.stlouisfed.org") == 1.0


def test_every_laid_out_sample_exists_and_every_location_source_is_one_file():
    layout = load_layout()
    from scrapers.loopback import SAMPLES_DIR

    for source, routes in layout.items():
        assert source in SOURCES, source
        for target in routes.values():
            for name in target if isinstance(target, list) else [target]:
                assert (SAMPLES_DIR / name).is_file(), (source, name)
    urls = sample_base_urls("http://127.0.0.1:9", layout)
    assert urls["warn"].endswith("/warn/data/warn-transformer/processed/consolidated.csv")
    assert urls["fred"] == "http://127.0.0.1:9/fred"


def test_every_package_sample_has_a_notice_entry_with_the_declared_licence():
    for name, directory in registry.sample_dirs().items():
        notice = (directory / "NOTICE.md").read_text(encoding="utf-8")
        assert SOURCES[name].licence in notice, name
        assert SOURCES[name].attribution in notice, name
        files = [p for p in directory.rglob("*") if p.is_file() and p.name not in ("NOTICE.md", "layout.toml")]
        assert files, name
        for path in files:
            assert f"`{path.relative_to(directory)}`" in notice, (name, path.name)


def test_catalogue_files_travel_with_a_catalogue_dir(tmp_path):
    options = registry.catalogue_options(tmp_path)
    assert options["claims"] == {"path": str(tmp_path / "expert-claims.yaml")}


def test_the_site_and_source_list_credit_every_registered_source():
    import json

    from typer.testing import CliRunner

    from cli.app import app
    from website.attribution import registered_attributions

    credits = registered_attributions()
    assert set(credits) == set(SOURCES)
    assert credits["ons"]["text"] == "Source: Office for National Statistics licensed under the Open Government Licence v3.0"
    listed = json.loads(CliRunner().invoke(app, ["source", "list", "--json"]).output)
    assert {row["source"]: row["licence"] for row in listed} == {n: s.licence for n, s in SOURCES.items()}


def test_source_parse_needs_no_flags_on_the_ons_sample():
    import json

    from typer.testing import CliRunner

    from cli.app import app

    path = SOURCES["ons"].samples / "ons_generator_csv_D7BT_mm23_release-2026-07-22.csv"
    result = CliRunner().invoke(app, ["source", "parse", "ons", str(path), "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows[-1]["period_start"] == "2026-06-01" and rows[-1]["value"] == 142.5


def test_observations_of_the_new_sources_pass_scoring_validation():
    from datetime import UTC, datetime

    from scoring.observations import SOURCE_MODELS
    from scoring.validation import coerce_observations
    from scrapers.base import ParseContext

    for name, file in (("boards", "ashby_nelo_2025-10-28.json"),
                       ("ons", "ons_generator_csv_D7BT_mm23_release-2026-07-22.csv")):
        src = SOURCES[name]
        body = (src.samples / file).read_bytes()
        frame = src.parse(body, ParseContext(url=str(file), source=name, fetched_at=datetime(2026, 7, 23, tzinfo=UTC),
                                             extra=registry.sniff(name, body, file)))
        frame["fetch_id"] = "f"
        validated = SOURCE_MODELS[name].validate(coerce_observations(frame), lazy=True)
        assert len(validated) == len(frame), name
    bad = frame.copy()
    bad.loc[bad.index[0], "value"] = -5.0  # a CPI index below its declared band
    with pytest.raises(Exception, match="declared_value_bands"):
        SOURCE_MODELS["ons"].validate(coerce_observations(bad), lazy=True)


def test_a_source_the_layout_leaves_out_is_still_pointed_at_the_loopback_server():
    """Never at its real host: a demo or test night with a partial layout stays on 127.0.0.1."""
    urls = sample_base_urls("http://127.0.0.1:9", {"fred": {"/graph/fredgraph.csv": "fred/x.csv"}})
    assert set(urls) == {name for name, source in SOURCES.items() if source.hosts} and "claims" not in urls
    assert all(url.startswith("http://127.0.0.1:9/") for url in urls.values())
    assert urls["ons"] == "http://127.0.0.1:9/ons"
