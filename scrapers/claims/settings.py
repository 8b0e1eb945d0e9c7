"""Expert claims: a reviewed YAML in the repo (not scraped), its default location and content types."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PATH = REPO_ROOT / "roles" / "expert-claims.yaml"
EXAMPLE_PATH = Path(__file__).resolve().parent / "example-claims.yaml"
ALLOWED_CONTENT_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain")
DEFAULT_GEOGRAPHY = "global"
