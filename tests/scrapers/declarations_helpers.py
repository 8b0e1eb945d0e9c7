"""Checks a source package's registry declarations against what it really does (a module name
unique across the test tree): the metrics and units its parser emits on the real samples, the
bands those values fall in, the hosts its requests go to, and the NOTICE beside its samples."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from types import ModuleType
from urllib.parse import urlsplit

import pandas as pd

from scrapers.base import Source


def check_vocabulary(schema: ModuleType, frames: Iterable[pd.DataFrame]) -> set[str]:
    """Every emitted metric is declared with its unit, and every value is inside its band."""
    seen = set()
    for frame in frames:
        for (metric, unit), rows in frame.groupby(["metric", "unit"]):
            assert metric in schema.METRICS, f"metric {metric!r} not declared"
            allowed = schema.METRICS[metric]
            assert allowed is None or unit in allowed, f"{metric}: unit {unit!r} not in {allowed}"
            lo, hi, integer = schema.BANDS[metric]
            values = rows["value"].dropna()
            assert values.between(lo, hi).all(), f"{metric}: {values[~values.between(lo, hi)].tolist()[:5]}"
            if integer:
                assert (values == values.round()).all(), f"{metric}: not whole numbers"
            seen.add(metric)
    return seen


def check_hosts(schema: ModuleType, real_urls: Iterable[str]) -> None:
    for url in real_urls:
        assert urlsplit(url).hostname in schema.HOSTS, f"{url}: host has no declared politeness"


def check_samples(source: Source, samples) -> None:
    """NOTICE names the licence, the attribution and every file; layout.toml's files exist."""
    notice = (samples / "NOTICE.md").read_text(encoding="utf-8")
    assert source.licence in notice and source.attribution in notice
    files = [p for p in samples.rglob("*") if p.is_file() and p.name not in ("NOTICE.md", "layout.toml")]
    assert files
    for path in files:
        assert f"`{path.relative_to(samples)}`" in notice, path.name
    layout = tomllib.loads((samples / "layout.toml").read_text(encoding="utf-8"))
    assert list(layout) == [source.name]
    for target in layout[source.name].values():
        assert (samples / target).is_file(), target
