"""One night's collection: build every request, fetch politely, archive, parse what changed."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from scrapers.archive import RawArchive
from scrapers.base import (
    ParseContext,
    RequestOptions,
    ScraperError,
    Source,
    SourceRequest,
    check_observations,
    empty_observations,
)
from scrapers.http import (ANSWERED_OUTCOMES, OK, PARSE_ERROR, FetchResult, HttpSettings, Validator, Validators,
                           fetch_many)
from scrapers.registry import get_source

log = logging.getLogger(__name__)


@dataclass
class GatherResult:
    """Every fetch record of the run plus the observations parsed from the changed bodies."""

    fetches: list[FetchResult]
    observations: pd.DataFrame
    #: problems outside any single fetch (e.g. a source could not build its requests)
    errors: list[str] = field(default_factory=list)
    #: with a `validate` given to `collect`: the rows it held back (`observations` then holds
    #: only the rows that passed); None when the rows were not validated here
    quarantine: pd.DataFrame | None = None

    def validators(self) -> dict[str, Validator]:
        """What to pass as ``validators`` next run: request key -> (etag, last_modified, sha256)."""
        # parse_error is left out on purpose: the same body must be parsed again once the parser is fixed
        return {f.key: f.validator() for f in self.fetches if f.outcome in ANSWERED_OUTCOMES and f.sha256}

    def outcomes(self) -> Counter[str]:
        return Counter(f.outcome for f in self.fetches)


def _resolve(sources: Iterable[Source | str]) -> list[Source]:
    return [s if isinstance(s, Source) else get_source(s) for s in sources]


def build_requests(sources: Iterable[Source | str], roles_lookup: Sequence[Mapping[str, Any]],
                   base_urls: Mapping[str, str] | None = None,
                   source_options: Mapping[str, Mapping[str, Any]] | None = None,
                   today: date | None = None, env: Mapping[str, str] | None = None,
                   errors: list[str] | None = None) -> list[SourceRequest]:
    """All requests of all sources (each source already dedupes its own URLs)."""
    base_urls = base_urls or {}
    source_options = source_options or {}
    out: list[SourceRequest] = []
    for source in _resolve(sources):
        options = RequestOptions(base_url=base_urls.get(source.name), today=today,
                                 options=source_options.get(source.name, {}), env=env)
        try:
            reqs = source.requests_for(roles_lookup, options)
        except Exception as exc:  # noqa: BLE001 - one bad source must not stop the others
            log.exception("%s: could not build requests", source.name)
            if errors is None:
                raise
            errors.append(f"{source.name}: could not build requests: {type(exc).__name__}: {exc}")
            continue
        for req in reqs:
            if not req.allowed_content_types:
                req.allowed_content_types = source.allowed_content_types
        out.extend(reqs)
    return out


def parse_result(source: Source, result: FetchResult) -> pd.DataFrame:
    """Parse one ``ok`` fetch; a ScraperError turns the result into ``parse_error`` (in place),
    and the parser's notes (what it refused, keeping the rest) are added to its detail."""
    assert result.body is not None
    req = result.request
    context = ParseContext(url=result.url, source=source.name, fetched_at=result.fetched_at,
                           extra=dict(req.context) if req is not None else {}, encoding=result.encoding)
    try:
        frame = check_observations(source.parse(result.body, context), result.url)
        if context.notes:
            # what the parser refused while keeping the rest: the outcome stays ok, the detail names it
            log.warning("%s %s: %s", source.name, result.url, "; ".join(context.notes))
            result.detail = "; ".join([*([result.detail] if result.detail else []), *context.notes])
    except ScraperError as exc:
        result.outcome, result.detail = PARSE_ERROR, str(exc)
        return empty_observations()
    except Exception as exc:  # noqa: BLE001 - a parser bug is recorded, not fatal for the night
        log.exception("%s: parser crashed on %s", source.name, result.url)
        result.outcome, result.detail = PARSE_ERROR, f"parser crashed: {type(exc).__name__}: {exc}"
        return empty_observations()
    frame = frame.copy()
    frame["fetch_id"] = pd.Series([result.fetch_id] * len(frame), dtype="str", index=frame.index)
    return frame


def gather(sources: Iterable[Source | str], roles_lookup: Sequence[Mapping[str, Any]],
           http_settings: HttpSettings | None = None, validators: Validators | None = None,
           archive: RawArchive | None = None, base_urls: Mapping[str, str] | None = None, *,
           source_options: Mapping[str, Mapping[str, Any]] | None = None, today: date | None = None,
           env: Mapping[str, str] | None = None) -> GatherResult:
    """Fetch (hosts concurrently, each host politely in sequence), archive, parse changed bodies.

    ``base_urls`` maps a source name to a base URL replacing the real one (see
    ``scrapers.loopback.sample_base_urls``); ``validators`` is the previous run's
    ``GatherResult.validators()``. Unchanged bodies are not parsed. ``fetch_id`` of every
    observation is its ``FetchResult.fetch_id`` (uuid5 of request key + fetched_at).
    """
    resolved = _resolve(sources)
    errors: list[str] = []
    reqs = build_requests(resolved, roles_lookup, base_urls, source_options, today, env, errors)
    result = collect(reqs, resolved, http_settings, validators, archive)
    result.errors[:0] = errors
    return result


#: `collect`'s validator runs over this many parsed rows at a time: each pass has a fixed cost
#: (~50 ms), so a host's pages are checked in batches, on a thread beside its fetch loop
VALIDATE_CHUNK_ROWS = 10_000

#: validate(parsed rows) -> (rows that passed, rows held back)
Validate = Callable[[pd.DataFrame], tuple[pd.DataFrame, pd.DataFrame]]


def collect(reqs: Sequence[SourceRequest], sources: Iterable[Source | str], http_settings: HttpSettings | None = None,
            validators: Validators | None = None, archive: RawArchive | None = None, *,
            validate: Validate | None = None) -> GatherResult:
    """Fetch prebuilt requests (hosts concurrently, each host politely), archive, parse changed bodies.

    The nightly flow calls this once per host so that each host is one coarse Prefect task.
    `validate`, when given, checks the parsed rows as they arrive (in chunks of
    `VALIDATE_CHUNK_ROWS`, beside the fetch loop): the result then holds the rows that passed and
    `quarantine` the rest, and little is left to check once the last body is in.
    """
    by_name = {s.name: s for s in _resolve(sources)}
    parsed: list[pd.DataFrame] = []  # rows to keep (each carries its fetch_id), in arrival order
    pending: list[pd.DataFrame] = []  # parsed, not yet validated
    held: list[pd.DataFrame] = []
    lock = threading.Lock()

    def check(frames: list[pd.DataFrame]) -> None:
        good, quarantine = validate(pd.concat(frames, ignore_index=True))
        with lock:
            parsed.append(good)
            held.append(quarantine)

    def archive_and_parse(result: FetchResult) -> None:
        if result.outcome != OK or result.body is None:
            return
        if archive is not None:
            archive.put(result.body)  # archived before parsing, so a parse_error body can be replayed
        frame = parse_result(by_name[result.source], result)
        if archive is not None:
            result.body = None  # the archive has it; do not hold every body in memory
        if not len(frame):
            return
        with lock:
            (pending if validate is not None else parsed).append(frame)
            chunk = pending[:] if sum(len(f) for f in pending) >= VALIDATE_CHUNK_ROWS else None
            if chunk:
                pending.clear()
        if chunk:
            checks.append(checker.submit(check, chunk))

    settings = http_settings or HttpSettings()
    if validate is None:
        return _collected(fetch_many(reqs, settings, validators, on_result=archive_and_parse), parsed, None)
    # The checks run beside the fetch loop (one thread), so a host's next request is never held
    # up by them; a check that crashes (our code) raises here, after the host's last request.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="validate") as checker:
        checks: list[Future] = []
        results = fetch_many(reqs, settings, validators, on_result=archive_and_parse)
        checks.append(checker.submit(check, pending[:] or [empty_observations()]))
        for done in checks:
            done.result()
    return _collected(results, parsed, held)


def _collected(results: list[FetchResult], parsed: list[pd.DataFrame],
               held: list[pd.DataFrame] | None) -> GatherResult:
    """The fetch records with their rows (and, validated, the quarantine) in request order:
    hosts finish in any order, and a night must be reproducible."""
    order = {r.fetch_id: i for i, r in enumerate(results)}
    for result in results:
        if result.outcome not in ANSWERED_OUTCOMES:
            log.warning("%s %s: %s (%s)", result.source, result.url, result.outcome, result.detail)
    return GatherResult(fetches=results, observations=_in_request_order(parsed, order), errors=[],
                        quarantine=None if held is None else _in_request_order(held, order))


def _in_request_order(frames: list[pd.DataFrame], order: Mapping[str, int]) -> pd.DataFrame:
    """Rows of several fetches, fetch by fetch in request order (rows of one fetch in their order)."""
    rows = [f for f in frames if len(f)]
    if not rows:  # the validator's own empty frame (its columns) when it ran, else the parsers'
        return frames[0] if frames else empty_observations()
    rows = pd.concat(rows, ignore_index=True)
    at = rows["fetch_id"].map(order).to_numpy()
    return rows.iloc[np.argsort(at, kind="stable")].reset_index(drop=True)
