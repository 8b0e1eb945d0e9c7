"""Building the site: the public API, the Jinja2 environment and the files written.

Jinja2 autoescaping is on for every template and no template marks data `|safe`, so a scraped
string can never become markup. The site is built in a temporary sibling directory and
swapped into place at the end (`swap_dir`): a failed build leaves the previously published
site untouched.
"""

from __future__ import annotations

import functools
import os
import shutil
import uuid
from datetime import datetime, timezone
from pathlib import Path
from collections.abc import Mapping
from typing import Any

import duckdb
import jinja2

from core.catalogue import Catalogue
from core.errors import WarehouseError
from core.files import clean_swap_leftovers, swap_dir
from core.vocabulary import DIMENSION_LABELS
from scoring.aijri import ZONES, load_method
from website.attribution import footer_sources, normalise_attributions
from website.formats import iso_time, num, signed, state, to_date, to_json
from scoring.rubric import load_rubric, versions
from website.explain import night_banner
from website.model import (MOVEMENT_DAYS, SiteData, history_parts, json_summary, load_site_data,
                           methodology_versions, role_json, role_page)
from website.pages import CHANGE_COLUMNS, INDEX_COLUMNS, movement_rows, to_csv, zones_sentence
from website.pages import methodology as methodology_page

SITE_DIR = Path(__file__).resolve().parent
#: copied as they are: the stylesheet and the one small script (sorting and filtering the index)
ASSETS = (SITE_DIR / "style.css", SITE_DIR / "site.js")


def render_site(con_or_path: duckdb.DuckDBPyConnection | str | os.PathLike,
                catalogue: Catalogue | None, out_dir: str | os.PathLike,
                generated_at: datetime | None = None,
                attributions: Mapping[str, Any] | None = None) -> list[Path]:
    """Build the whole site in a temporary sibling of `out_dir`, then swap it into place.

    `con_or_path`: an open connection (e.g. the nightly's) or a warehouse file, opened
    read-only. `catalogue`: the role catalogue; None reads the role documents recorded in the
    warehouse (`catalogue_versions`). Returns the published files (paths under `out_dir`).
    """
    out_dir = Path(out_dir)
    build = stage_site(con_or_path, catalogue, out_dir, generated_at, attributions)
    try:
        swap_dir(build, out_dir)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    return sorted(p for p in out_dir.rglob("*") if p.is_file())


def stage_site(con_or_path: duckdb.DuckDBPyConnection | str | os.PathLike, catalogue: Catalogue | None,
               out_dir: str | os.PathLike, generated_at: datetime | None = None,
               attributions: Mapping[str, Any] | None = None) -> Path:
    """Build the site into a fresh `<out_dir>.tmp-<hex>` directory and return it (not yet live)."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    clean_swap_leftovers(out_dir)
    build = out_dir.with_name(f"{out_dir.name}.tmp-{uuid.uuid4().hex[:8]}")
    build.mkdir()
    try:
        if isinstance(con_or_path, duckdb.DuckDBPyConnection):
            build_site(con_or_path, catalogue, build, generated_at, attributions)
        else:
            path = Path(con_or_path)
            if not path.exists():
                raise WarehouseError(f"{path}: no warehouse to render the site from")
            con = duckdb.connect(str(path), read_only=True)
            try:
                build_site(con, catalogue, build, generated_at, attributions)
            finally:
                con.close()
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    return build


def build_site(con: duckdb.DuckDBPyConnection, catalogue: Catalogue | None, build_dir: str | os.PathLike,
               generated_at: datetime | None = None,
               attributions: Mapping[str, Any] | None = None) -> list[Path]:
    """Write every file of the site into `build_dir` (which must exist); returns them.

    `attributions` overrides the registered sources' attributions (see `normalise_attributions`).
    """
    build_dir = Path(build_dir)
    generated_at = generated_at or datetime.now(timezone.utc)
    sources = normalise_attributions(attributions)
    data = load_site_data(con, catalogue)
    env = _environment()
    written: list[Path] = []

    def put(rel: str, text: str) -> None:
        target = build_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)

    # The method supplies the formula's constants and zone thresholds the pages explain; the
    # results themselves, and the methodology they were stored under, come from the warehouse.
    # the rubric the latest results were scored with (a night under rubric-v2 explains rubric-v2);
    # a version this code does not ship (an older or a test one) explains as the default
    stored = sorted({r["rubric_version"] for r in data.current.values() if r.get("rubric_version")} & set(versions()))
    method, rubric = load_method(), load_rubric(version=stored[-1] if stored else None)
    methodology = ", ".join(methodology_versions(data)) or method.version
    pages = [role_page(role, data, method, sources) for role in data.roles]
    common = {"generated_at": iso_time(generated_at), "methodology_version": methodology,
              "footer_sources": footer_sources(sources, pages), "zones": zones_sentence(method),
              "banner": banner(data, pages, rubric, sources)}

    def page(template: str, rel: str, root: str, title: str, **context: Any) -> None:
        put(rel, env.get_template(template).render(root=root, page_title=title, **common, **context))

    index_rows = [p["summary"] for p in pages]
    page("index.html.j2", "index.html", "", "AIJRI by role", roles=index_rows, zone_names=ZONES[::-1])
    put("index.json", to_json({"generated_at": common["generated_at"], "methodology_version": methodology,
                               "roles": [json_summary(r) for r in index_rows]}))
    put("index.csv", to_csv(index_rows, INDEX_COLUMNS))
    nights = movement_rows(data.movements, {r.id: r.title for r in data.roles})
    changes = [row for night in nights for row in night["rows"]]
    page("changes.html.j2", "changes.html", "", "Score movements", nights=nights, days=MOVEMENT_DAYS)
    put("changes.json", to_json({"generated_at": common["generated_at"], "movements": data.movements}))
    put("changes.csv", to_csv(changes, CHANGE_COLUMNS))
    page("methodology.html.j2", "methodology.html", "", "Methodology", m=methodology_page(method, rubric))
    for role, page_model in zip(data.roles, pages):
        rid = page_model["role"]["id"]
        full = {**page_model, **history_parts(role, data)}
        page("role.html.j2", f"roles/{rid}.html", "../", f"{page_model['role']['title']}: AIJRI", page=full)
        put(f"roles/{rid}.json", to_json(role_json(full, common["generated_at"], methodology)))
    for asset in ASSETS:
        shutil.copyfile(asset, build_dir / asset.name)
        written.append(build_dir / asset.name)
    return written


def banner(data: SiteData, pages: list[dict], rubric: Any, sources: Mapping[str, Mapping[str, Any]]) -> dict | None:
    """The degraded-night banner every page shows: the failing sources, each role's carried
    dimensions with their age, and the dimensions a failed request left unrefreshed."""
    carried = [{"role": p["role"]["title"], "href": p["summary"]["href"], "label": e["label"], "score": e["score"],
                "age_days": e["age_days"]} for p in pages for e in p["evidence"] if e["origin"] == "carried"]
    feeds = {metric: dim for dim, spec in rubric.dimensions.items() for metric in spec.inputs}
    titles = {p["role"]["id"]: (p["role"]["title"], p["summary"]["href"]) for p in pages}
    held = {(c["role"], c["label"]) for c in carried}
    not_refreshed: dict[str, dict] = {}
    for f in (data.health or {}).get("failed_inputs", []):
        title, href = titles.get(f["role_id"], (f["role_id"], None))
        label = DIMENSION_LABELS.get(feeds.get(f["metric"], ""), f["metric"])
        if (title, label) not in held:
            entry = not_refreshed.setdefault(f["role_id"], {"role": title, "href": href, "labels": []})
            if label not in entry["labels"]:
                entry["labels"].append(label)
    return night_banner(data.health, carried, list(not_refreshed.values()),
                        {k: v.get("name", k) for k, v in sources.items()})


_DICT_ATTRIBUTES = frozenset(dir(dict))


class _PageEnvironment(jinja2.Environment):
    """Jinja with `row.key` on a plain dict looked up as a key first. Jinja tries the attribute
    and catches the AttributeError before the key, and the pages are dicts all the way down:
    a third of rendering 1,000 role pages. The same result: a name dicts have as an attribute
    (`items`, `get`, ...) still goes Jinja's way."""

    def getattr(self, obj, attribute):
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except (KeyError, TypeError):
                pass  # Jinja's own lookup says what is undefined
        return super().getattr(obj, attribute)


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = _PageEnvironment(
        loader=jinja2.FileSystemLoader(str(SITE_DIR)),
        autoescape=True,  # every template, whatever its name: data is always escaped
        undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["signed"] = signed
    env.filters["num"] = num
    env.filters["pct"] = lambda v: "–" if v is None else f"{v:g} %"
    env.filters["state"] = lambda z, s=None: "–" if z is None else state(z, s)
    env.filters["lower_zone"] = lambda z: (z or "none").lower()
    env.filters["date"] = lambda d: "–" if d is None else to_date(d).isoformat()
    env.filters["age"] = lambda d: "age unknown" if d is None else f"{d} day{'' if d == 1 else 's'} old"
    env.filters["dimension"] = lambda d: DIMENSION_LABELS.get(d, d)
    return env
