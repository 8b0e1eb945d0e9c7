"""The degraded-night banner on real demo nights: a night degraded only by a skipped role file
says so, and a source's recovery takes the banner down even when no content row changed."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from core.paths import REPO_ROOT, Home
from tests.support.samples import demo_config, demo_samples_copy, write_layout

pytestmark = pytest.mark.slow


def banner_text(site: Path) -> str | None:
    match = re.search(r'<aside class="banner degraded" id="night-banner" role="status">(.*?)</aside>',
                      (site / "index.html").read_text(), re.S)
    return None if match is None else " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    """MLOps alone (every demo request answers). Night A: a broken role file beside it. Night B:
    the file removed, ONS answering 404 (no metric reads it yet, so no content changes from it).
    Night C: ONS answers again, nothing else changes."""
    from flows.nightly import nightly

    tmp = tmp_path_factory.mktemp("banner")
    catalogue = tmp / "roles"
    catalogue.mkdir()
    for name in ("mlops-engineer.yaml", "expert-claims.yaml"):
        shutil.copy(REPO_ROOT / "roles" / name, catalogue / name)
    shutil.copytree(REPO_ROOT / "roles" / "watchlists", catalogue / "watchlists")
    (catalogue / "broken-role.yaml").write_text("id: [not, a, role\n")
    samples = demo_samples_copy(tmp / "samples")
    config = demo_config(tmp / "settings.toml")
    home = Home.resolve(tmp / "home")

    def night() -> tuple[dict, str | None]:
        summary = nightly(home=str(home.root), demo=True, samples=str(samples), catalogue=str(catalogue),
                          config=str(config))
        return summary, banner_text(home.site)

    a = night()
    (catalogue / "broken-role.yaml").unlink()
    write_layout(samples, without="ons")
    b = night()
    write_layout(samples)
    c = night()
    return a, b, c


def test_a_night_degraded_only_by_a_skipped_role_file_shows_the_banner_naming_it(nights):
    (summary, banner), _, _ = nights
    assert summary["status"] == "degraded" and summary["failing_sources"] == []
    assert banner is not None
    assert "Degraded night" in banner and "Role file skipped" in banner and "broken-role.yaml" in banner


def test_a_recovered_source_takes_the_banner_down_though_no_content_changed(nights):
    _, (degraded, banner), (recovered, after) = nights
    assert degraded["failing_sources"] == ["ons"]
    assert "Failing source: Office for National Statistics (1 of 1 request(s) failed: http_error ×1)" in banner
    assert recovered["status"] == "completed"
    assert recovered["publish"]["unchanged"] is False
    assert after is None
