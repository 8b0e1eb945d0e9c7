"""`jobzone doctor`: is this installation ready for tonight? Settings, catalogue, warehouse, analyst
copy, the nightly lock, and whether each source's hosts answer. It writes nothing.

A host is reachable when it answers anything over HTTP (even a 404: the night's own fetches
say whether a page is right); it is asked once, for its robots.txt, which the night asks for
first anyway, so a check costs each source one polite request.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlsplit

import typer

from cli.common import CatalogueOpt, JsonOpt, app, emit_json, one_line_errors, print_table, state
from core.errors import JobzoneError, WarehouseBusyError

OK, WARN, FAIL = "ok", "warn", "fail"


@dataclass
class Check:
    check: str
    result: str
    detail: str


def check_settings(config: str | None) -> tuple[Check, Any]:
    from core.settings import load_settings

    try:
        settings = load_settings(config)
    except JobzoneError as exc:
        return Check("settings", FAIL, str(exc)), None
    return Check("settings", OK, f"{settings.path} valid"), settings


def check_catalogue(catalogue_dir: Path | None) -> tuple[Check, Any]:
    from core.catalogue import load_catalogue

    try:
        catalogue = load_catalogue(catalogue_dir, strict=False)
    except JobzoneError as exc:
        return Check("catalogue", FAIL, str(exc)), None
    if catalogue.errors:
        return Check("catalogue", FAIL, f"{len(catalogue)} roles valid, {len(catalogue.errors)} file(s) not: "
                                        + "; ".join(catalogue.errors)), catalogue
    return Check("catalogue", OK, f"{len(catalogue)} roles valid"), catalogue


def check_warehouse(home: Any) -> list[Check]:
    from warehouse import queries
    from warehouse.db import connect, migrations

    if not home.warehouse.exists():
        return [Check("warehouse", WARN, f"{home.warehouse}: none yet (the first `jobzone run` creates it)")]
    try:
        con = connect(home.warehouse, read_only=True, wait_seconds=2.0)
    except WarehouseBusyError:
        return [Check("warehouse", WARN, f"{home.warehouse}: busy (a night is writing); not checked")]
    except JobzoneError as exc:
        return [Check("warehouse", FAIL, str(exc))]
    try:
        pending = sorted({v for v, _, _ in migrations()} - queries.migrations_applied(con))
        night = queries.last_night(con)
    finally:
        con.close()
    out = [Check("warehouse", OK if not pending else WARN, f"{home.warehouse}: opens"
                 + (f"; migrations {pending} pending (the next night applies them)" if pending else
                    ", schema current"))]
    if night is None:
        out.append(Check("last night", WARN, "no night has run yet"))
    else:
        result = {"completed": OK, "degraded": WARN, "running": WARN}.get(night["status"], FAIL)
        out.append(Check("last night", result, f"{night['status']}: {night['run_id']} as of {night['as_of']}"))
    return out


def check_analyst_copy(home: Any) -> Check:
    import duckdb

    if not home.analyst_copy.exists():
        return Check("analyst copy", WARN, f"{home.analyst_copy}: not published yet")
    try:
        con = duckdb.connect(str(home.analyst_copy), read_only=True)
        try:
            con.execute("SELECT count(*) FROM latest_scores").fetchone()
        finally:
            con.close()
    except duckdb.Error as exc:
        return Check("analyst copy", FAIL, f"{home.analyst_copy}: {str(exc).splitlines()[0]}")
    return Check("analyst copy", OK, f"{home.analyst_copy}: opens, latest_scores readable")


def check_lock(home: Any) -> Check:
    from flows.steps.lock import holder

    held = holder(home)
    return Check("nightly lock", OK, f"held by {held} (a night is running)" if held else "free")


def source_origins(settings: Any, catalogue: Any, base_urls: Mapping[str, str]) -> dict[str, list[str]]:
    """Per source, the distinct origins (`scheme://host`) or local files its requests tonight would use."""
    from scrapers.gather import build_requests
    from scrapers.registry import SOURCES

    lookups = [r.lookup_keys() for r in catalogue] if catalogue is not None else []
    options = {name: dict(table) for name, table in (settings.sources.items() if settings else [])}
    out: dict[str, list[str]] = {name: [] for name in SOURCES}
    errors: list[str] = []
    for req in build_requests(list(SOURCES.values()), lookups, base_urls, options, errors=errors):
        parts = urlsplit(req.url)
        where = f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else req.url
        if where not in out[req.source]:
            out[req.source].append(where)
    return out


def check_sources(settings: Any, catalogue: Any, base_urls: Mapping[str, str]) -> list[Check]:
    """One check per source: every origin it would fetch from answers (robots.txt), every local file is readable."""
    import requests

    from scrapers.http import HttpSettings
    from scrapers.urls import local_path

    http = HttpSettings.from_mapping(settings.http) if settings else HttpSettings()
    session = requests.Session()
    session.headers["User-Agent"] = http.user_agent_header
    answered: dict[str, str] = {}
    checks = []
    for source, origins in source_origins(settings, catalogue, base_urls).items():
        if not origins:
            checks.append(Check(f"source {source}", WARN, "no request tonight (not configured, or no role asks)"))
            continue
        problems, fine = [], []
        for origin in origins:
            if not origin.startswith(("http://", "https://")):
                path = local_path(origin)
                (fine if path.is_file() else problems).append(f"{path}: " + ("readable" if path.is_file()
                                                                             else "not a readable file"))
                continue
            if origin not in answered:
                answered[origin] = _probe(session, origin, http)
            (fine if answered[origin].startswith("HTTP") else problems).append(f"{origin}: {answered[origin]}")
        checks.append(Check(f"source {source}", FAIL if problems else OK, "; ".join(problems + fine)))
    return checks


def _probe(session: Any, origin: str, http: Any) -> str:
    import requests

    try:
        response = session.get(f"{origin}/robots.txt", timeout=(http.connect_timeout, http.read_timeout),
                               allow_redirects=False, stream=True)
        response.close()
    except requests.RequestException as exc:
        return f"unreachable ({type(exc).__name__})"
    return f"HTTP {response.status_code} for /robots.txt"


def run_checks(home: Any, config: str | None, catalogue_dir: Path | None,
               base_urls: Mapping[str, str]) -> list[Check]:
    settings_check, settings = check_settings(config)
    catalogue_check, catalogue = check_catalogue(catalogue_dir)
    return [settings_check, catalogue_check, *check_warehouse(home), check_analyst_copy(home), check_lock(home),
            *check_sources(settings, catalogue, base_urls)]


@app.command()
@one_line_errors
def doctor(demo: bool = typer.Option(False, "--demo", help="Check the sources against the bundled samples "
                                                           "served on loopback (what `run --demo` fetches)."),
           catalogue_dir: Optional[Path] = CatalogueOpt, as_json: bool = JsonOpt) -> None:
    """Check settings, catalogue, warehouse, analyst copy, the lock, and that each source's hosts answer.

    Exits 1 when a check fails (a warning alone exits 0).
    """
    from flows.steps.plan import sources_for

    with sources_for(demo=demo) as base_urls:
        checks = run_checks(state.home_readonly, state.config, catalogue_dir, base_urls)
    failed = [c for c in checks if c.result == FAIL]
    if as_json:
        emit_json({"ok": not failed, "checks": [asdict(c) for c in checks]})
    else:
        marks = {OK: "✓", WARN: "!", FAIL: "✗"}
        print_table([{"": marks[c.result], "check": c.check, "detail": c.detail} for c in checks],
                    title=f"jobzone doctor: {len(failed)} check(s) failed" if failed else "jobzone doctor: ready")
    if failed:
        raise typer.Exit(1)
