"""Which rubric inputs of which roles rest on a request that failed tonight.

"A request that fails tonight contributes nothing: the dimensions it fed carry." Leaving the
failed request's rows out of the history is not enough for that: the metric it fed then reads
"no data", the rubric falls back to whatever else the dimension has (a sector proxy, a country
index, a different CPI), and the dimension is *recomputed* from the rest - an access-denied page
answered 200 rebuilt a role's Job Posting Trends from the sector index alone and dropped a role
from Green to Yellow. So the refresh asks, per role and rubric input, "did a request this input
reads fail tonight?" and marks such metrics `request_failed`; the rubric then carries the whole
dimension (`scoring.dimensions`), naming the failed input in its status.

Which requests an input reads is said once per source, from the request's own context (what the
source's `requests_for` put there) and the role's lookup keys; a source without such a rule
counts, conservatively, as read by every input that reads that source (`registry.reading`), for
every role. The metric names come from the metric families' declarations
(`scoring.metrics.registry`: each output's source, request kind, lookup key and CPI deflation).
Pure: no warehouse, no clock. One pass over the catalogue, and only on a night with a failed request.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from core.geography import country_code
from scoring.metrics import registry
from scoring.metrics.cpi import candidates
from scoring.metrics.frame import norm_slug, role_keys
from scoring.rubric import Rubric
from scrapers.http import FAILED_OUTCOMES

#: the status a metric gets when a request it reads failed tonight
REQUEST_FAILED = "request_failed"

#: whether a role holds the lookup key a metric's rows are selected by (`Family.key`)
_HOLDS = {"itjobswatch": lambda r: isinstance(r.slug, str), "indeed": lambda r: isinstance(r.country, str),
          "bls_series": lambda r: bool(r.bls_series), "layoff_industries": lambda r: bool(r.industries),
          "role": lambda r: True, "soc": lambda r: bool(r.soc) or bool(r.onet_soc),
          "hn": lambda r: r.hn is not None, "boards": lambda r: r.boards is not None}


@dataclass(frozen=True)
class Request:
    """One of tonight's requests as the refresh sees it: its source, key, outcome and context."""

    source: str
    key: str
    outcome: str
    context: Mapping[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.outcome in FAILED_OUTCOMES


def _as_request(r: Request | Mapping[str, Any]) -> Request:
    if isinstance(r, Request):
        return r
    return Request(str(r["source"]), str(r["key"]), str(r["outcome"]), dict(r.get("context") or {}))


def _upper(values: Iterable[Any]) -> set[str]:
    return {str(v).strip().upper() for v in values or ()}


def _serves_role(req: Request, role) -> bool:
    """Whether the request names this role (by id), when its context lists role ids."""
    ids = req.context.get("role_ids")
    return bool(ids) and role.role_id in ids


def _cpi_series(req: Request) -> set[str]:
    """The CPI-capable series a request carries, written source:ID as `rubric.cpi` names them."""
    if req.source == "fred":
        sid = req.context.get("series_id")
        return {f"fred:{str(sid).upper()}"} if sid else set()
    if req.source == "bls":
        return {f"bls:{s}" for s in _upper(req.context.get("series", ()))}
    return set()


def _reads(req: Request, role, answered_oews_years: frozenset[int] = frozenset()) -> set[str]:
    """The rubric inputs of `role` (a `role_keys` row) that read a shared request (a file or a batch
    several roles read; IT Jobs Watch pages are `_PageIndex`'s, CPI deflators `_deflator_reads`')."""
    ctx = req.context
    mine = {m for m in registry.reading(req.source) if _HOLDS[registry.key_of(m)](role)}
    if req.source == "itjobswatch":  # a page request naming no page: every role with a page
        return mine
    if req.source == "indeed":
        if not mine:
            return set()
        metrics = registry.by_request_kind("indeed").get(str(ctx.get("kind")))
        countries = _upper(country_code(c) for c in ctx.get("countries") or ())
        ours = not countries or country_code(role.country) in countries or _serves_role(req, role)
        if not ours:
            return set()
        if metrics is None:  # a file the rule does not know: every Indeed input of the role
            return mine
        return {m for m in metrics if registry.output(m).needs != "sectors" or role.sectors}
    if req.source == "bls":
        asked = _upper(ctx.get("series", ()))
        # a batch naming no series may hold anyone's
        return set(registry.reading("bls")) if not asked else mine if asked & _upper(role.bls_series) else set()
    if req.source == "layoffs":
        named = {str(i).casefold() for i in ctx.get("role_industries") or ()}
        return mine if not named or named & {str(i).casefold() for i in role.industries} else set()
    if req.source == "oews":
        # the per-SOC YoY reads the two newest years: a failed older year (a backfill) feeds nothing
        # once two newer years answered tonight
        year = ctx.get("year")
        newer = {r for r in answered_oews_years if year is not None and r > int(year)}
        return set() if len(newer) >= 2 else mine
    # claims (one file for every role), FRED (read only as a CPI deflator: none) and any source
    # without a rule of its own above
    return set(registry.reading(req.source))


def _deflator_reads(role, rubric: Rubric, failed_cpi: Mapping[str, Request],
                    answered_cpi: set[str]) -> dict[str, Request]:
    """Real-terms inputs whose CPI tonight would have come from a failed request.

    A role's CPI candidates are tried in order and the first with data wins; a failed candidate
    decides the deflator unless a candidate before it answered tonight (then it was never used).
    """
    out: dict[str, Request] = {}
    for metric, geo in registry.deflated().items():
        if not _HOLDS[registry.key_of(metric)](role):
            continue
        for series in candidates(role.cpi_series, role.geography, geo or role.geography, rubric):
            if series in answered_cpi:
                break
            if series in failed_cpi:
                out[metric] = failed_cpi[series]
                break
    return out


FAILED_COLUMNS = ["role_id", "metric", "request", "source", "outcome"]


class _PageIndex:
    """Failed IT Jobs Watch pages by (slug, kind) and by the role ids they name: a host that
    failed outright is a thousand pages, and each role must find its own without a scan."""

    def __init__(self, failed: list[Request]) -> None:
        self.by_page: dict[tuple[str, object], Request] = {}
        self.by_role: dict[str, Request] = {}
        for req in failed:
            if req.context.get("slug") is not None:
                self.by_page.setdefault((norm_slug(req.context["slug"]), req.context.get("kind")), req)
            for rid in req.context.get("role_ids") or ():
                self.by_role.setdefault(rid, req)

    def find(self, role) -> Request | None:
        if not isinstance(role.slug, str):
            return None
        slug = norm_slug(role.slug)
        return (self.by_page.get((slug, role.kind)) or self.by_page.get((slug, None))
                or self.by_role.get(role.role_id))


def _names_a_page(req: Request) -> bool:
    return req.source == "itjobswatch" and (req.context.get("slug") is not None or bool(req.context.get("role_ids")))


def failed_inputs(requests: Sequence[Request | Mapping[str, Any]] | None, roles, rubric: Rubric) -> pd.DataFrame:
    """One row per (role, rubric input) that reads a request which failed tonight.

    `requests`: tonight's requests (answered and failed; the answered ones only matter for the
    CPI order). Columns `FAILED_COLUMNS`; empty when nothing failed (the usual night: then no
    role is looked at).
    """
    reqs = [_as_request(r) for r in requests or ()]
    failed = [r for r in reqs if r.failed]
    if not failed:
        return pd.DataFrame(columns=FAILED_COLUMNS)
    pages = _PageIndex([r for r in failed if _names_a_page(r)])
    shared = [r for r in failed if not _names_a_page(r)]  # a few files / batches per source
    failed_cpi = {s: r for r in failed for s in _cpi_series(r)}
    answered_cpi = {s for r in reqs if not r.failed for s in _cpi_series(r)}
    wanted = set(rubric.metrics())
    oews_years = frozenset(int(r.context["year"]) for r in reqs
                           if r.source == "oews" and not r.failed and r.context.get("year") is not None)
    out: list[dict] = []
    pages_read = registry.reading("itjobswatch")
    for role in role_keys(roles).itertuples(index=False):
        hits: dict[str, Request] = {}
        own_page = pages.find(role)
        if own_page is not None:
            hits.update(dict.fromkeys(pages_read, own_page))
        for req in shared:
            for metric in _reads(req, role, oews_years):
                hits.setdefault(metric, req)
        if failed_cpi:
            for metric, req in _deflator_reads(role, rubric, failed_cpi, answered_cpi).items():
                hits.setdefault(metric, req)
        out += [{"role_id": role.role_id, "metric": m, "request": r.key, "source": r.source, "outcome": r.outcome}
                for m, r in sorted(hits.items()) if m in wanted]
    return pd.DataFrame(out, columns=FAILED_COLUMNS)


def mark_failed(metrics: pd.DataFrame, failed: pd.DataFrame) -> pd.DataFrame:
    """Tonight's metrics with every (role, input) in `failed` set to `request_failed`.

    The value goes (it was computed from what was left, which is exactly what must not score);
    the inputs keep what was computed, under `without_failed_request`, beside the failed request.
    """
    if failed is None or failed.empty or metrics.empty:
        return metrics
    failed = failed.drop_duplicates(["role_id", "metric"])
    hit = metrics[["role_id", "metric"]].merge(failed, on=["role_id", "metric"], how="left")
    mask = hit["request"].notna().to_numpy()
    if not mask.any():
        return metrics
    out = metrics.copy()
    rows = hit[mask]
    was = out.loc[mask, "status"].tolist()
    out.loc[mask, "note"] = [f"{r} {o} tonight ({s}; was {w})" for r, o, s, w in
                             zip(rows["request"], rows["outcome"], rows["source"], was)]
    out.loc[mask, "inputs"] = [json.dumps({"failed_request": {"key": r, "source": s, "outcome": o},
                                           "without_failed_request": {"status": w, "inputs": json.loads(i)}},
                                          sort_keys=True, default=str)
                               for r, s, o, w, i in zip(rows["request"], rows["source"], rows["outcome"], was,
                                                        out.loc[mask, "inputs"])]
    out.loc[mask, "status"] = REQUEST_FAILED
    out.loc[mask, "value"] = float("nan")
    return out


__all__ = ["REQUEST_FAILED", "Request", "failed_inputs", "mark_failed", "FAILED_COLUMNS"]
