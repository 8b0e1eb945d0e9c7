"""What each simulated host serves: the routing from (host, path) to a generated payload.

The payloads keep the real samples' structure (`scrapers/samples/`), one module per source
family: `itjobswatch` (a role page built like
`developer_permanent_uk_2020-03-02_current-layout.html`), `indeed` (the Hiring Lab CSVs),
`layoffs` (the layoffs.fyi mirror CSV and the WARN consolidated CSV), `fred` (fredgraph CSVs)
and `bls` (the v2 JSON envelope). Each is a deterministic function of the `SimWorld` and the
content faults in force for the path (a mapping fault kind -> `Fault`).

``wrong_content`` is applied here for every source: the host answers 200, with the content type
the path always has, but the body is not the payload (``variant="access_denied"``: a block page,
``"empty"``: nothing), as a CDN's bot wall or a half-deployed site does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qs, urlsplit

from scrapers.base import SimRequest
from sim.hosts import DOUBLE_OF, FRED_PATH, FRED_SERIES, INDEED_PATHS, LAYOFFS_PATH, SIMULATED, WARN_PATH
from sim.payloads import bls, fred, indeed, itjobswatch, layoffs
from sim.world import SimWorld

__all__ = ["body", "bls_response", "get_paths", "ACCESS_DENIED"]

#: the block page a ``wrong_content`` fault serves (variant ``access_denied``)
ACCESS_DENIED = (b"<!DOCTYPE html>\n<html><head><title>Access denied</title></head><body>\n"
                 b"<h1>Access denied</h1><p>You don't have permission to access this resource.</p>\n"
                 b"<p>Reference #18.5c2e1602.1719791234.2b9f3a1</p></body></html>\n")


def _wrong(fault: Any) -> bytes:
    return b"" if fault.params.get("variant", "access_denied") == "empty" else ACCESS_DENIED


def get_paths(world: SimWorld, host: str) -> list[str]:
    """Every GET path the host serves (besides robots.txt)."""
    if host == "itjobswatch":
        return sorted(world.by_path)
    if host == "github":
        out = []
        for cc in world.countries:
            out += [INDEED_PATHS["aggregate"].format(cc=cc), INDEED_PATHS["sector"].format(cc=cc)]
        return out + [INDEED_PATHS["ai_share"], INDEED_PATHS["wage_growth"], WARN_PATH, LAYOFFS_PATH]
    if host == "fred":
        return [f"{FRED_PATH}?id={s}" for s in FRED_SERIES]
    if host in DOUBLE_OF:
        return [p for name in DOUBLE_OF[host] for p in SIMULATED[name].simulation.paths(world.lookups, world.seed)
                .get(host, [])]
    return []


def body(world: SimWorld, host: str, path: str, faults: Sequence[Any] = ()) -> tuple[bytes, str] | None:
    """(body, content type) of a GET, or None for an unknown path. `faults`: content faults in force."""
    kinds = {f.kind: f for f in faults}
    made = _body(world, host, path, kinds)
    if made is not None and "wrong_content" in kinds:
        return _wrong(kinds["wrong_content"]), made[1]
    return made


def _body(world: SimWorld, host: str, path: str, kinds: dict[str, Any]) -> tuple[bytes, str] | None:
    parts = urlsplit(path)
    if host == "itjobswatch":
        role = world.by_path.get(parts.path)
        if role is None:
            return None
        return itjobswatch.page(world, role, kinds), "text/html; charset=utf-8"
    if host == "github":
        for cc in world.countries:
            if parts.path == INDEED_PATHS["aggregate"].format(cc=cc):
                return indeed.aggregate(world, cc, kinds), "text/plain; charset=utf-8"
            if parts.path == INDEED_PATHS["sector"].format(cc=cc):
                return indeed.sector(world, cc, kinds), "text/plain; charset=utf-8"
        if parts.path == INDEED_PATHS["ai_share"]:
            return indeed.ai_share(world, kinds), "text/plain; charset=utf-8"
        if parts.path == INDEED_PATHS["wage_growth"]:
            return indeed.wage_growth(world, kinds), "text/plain; charset=utf-8"
        if parts.path == WARN_PATH:
            return layoffs.warn_csv(world, kinds), "text/plain; charset=utf-8"
        if parts.path == LAYOFFS_PATH:
            return layoffs.layoffs_csv(world, kinds), "text/csv; charset=utf-8"
        return None
    if host == "fred" and parts.path == FRED_PATH:
        series = (parse_qs(parts.query).get("id") or [""])[0].upper()
        if series not in FRED_SERIES:
            return None
        return fred.series_csv(world, series, kinds), "text/csv; charset=utf-8"
    if host in DOUBLE_OF:  # a source's own double (its package's simulated.py)
        request = SimRequest(host=host, path=path, lookups=world.lookups, as_of=world.as_of, seed=world.seed,
                             epoch=world.global_epoch, faults={k: dict(f.params) for k, f in kinds.items()})
        for name in DOUBLE_OF[host]:
            answer = SIMULATED[name].simulation.respond(request)
            if answer is not None:
                return answer
        return None
    return None


def bls_response(world: SimWorld, wanted: Sequence[str], faults: Sequence[Any] = ()) -> bytes:
    """The BLS v2 answer to a POST asking for the `wanted` series."""
    kinds = {f.kind: f for f in faults}
    return _wrong(kinds["wrong_content"]) if "wrong_content" in kinds else bls.response(world, wanted, kinds)
