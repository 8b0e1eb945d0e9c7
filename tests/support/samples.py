"""A copy of the demo's samples whose one layout.toml holds every source's routes.

`--samples DIR` serves DIR/layout.toml alone (a source missing from it answers 404 on loopback),
and the bundled layout.toml names only the sources whose samples sit beside it: the others' live
in their packages. A test that doctors the demo's samples starts from this copy, so it changes
only what it means to.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any


def write_layout(samples: Path, without: str | None = None, drop: tuple[str, str] | None = None) -> None:
    """The demo's whole layout (bundled and every package's own) as one file, less the source
    `without` and less the route `drop` = (source, real path)."""
    from scrapers.loopback import load_layout

    lines = []
    for source, routes in load_layout().items():
        if source == without:
            continue
        lines.append(f"[{source}]")
        for path, target in routes.items():
            if drop == (source, path):
                continue
            lines.append(f"{json.dumps(path)} = {json.dumps(_as_text(target))}")
    (samples / "layout.toml").write_text("\n".join(lines) + "\n")


def demo_samples_copy(dest: Path, without: str | None = None, drop: tuple[str, str] | None = None) -> Path:
    """`dest` (created): the bundled samples, with the whole layout written by `write_layout`."""
    from scrapers.loopback import SAMPLES_DIR, load_layout

    shutil.copytree(SAMPLES_DIR, dest)
    if drop is not None:
        assert drop[1] in load_layout()[drop[0]], f"no route {drop[1]} for {drop[0]} in the demo layout"
    write_layout(dest, without=without, drop=drop)
    return dest


def _as_text(target: Any) -> Any:
    return [str(t) for t in target] if isinstance(target, list) else str(target)


#: settings that keep OEWS to the national files the demo's samples hold (2023 and 2024), so a test
#: night's only failing sources are the ones it breaks (the shipped demo also asks 2021 and 2022)
OEWS_BUNDLED_YEARS = "\n[sources.oews]\nfirst_year = 2023\n"


#: the settings edit that pins the engine of record's rubric (the default is rubric-v2)
RUBRIC_V1 = ('rubric = "rubric-v2"', 'rubric = "rubric-v1"')


def shipped_settings(dest: Path, replace: tuple[tuple[str, str], ...] = (), extra: str = "") -> Path:
    """`dest`: the shipped settings with `replace` applied (each must match), `extra` appended."""
    from core.paths import REPO_ROOT

    text = (REPO_ROOT / "core" / "settings.toml").read_text()
    for old, new in replace:
        assert old in text, f"{old!r} is not in core/settings.toml"
        text = text.replace(old, new)
    dest.write_text(text + extra)
    return dest


def demo_config(dest: Path, replace: tuple[tuple[str, str], ...] = ()) -> Path:
    """`dest`: the shipped settings with `replace` applied and OEWS kept to the bundled years."""
    return shipped_settings(dest, replace, OEWS_BUNDLED_YEARS)
