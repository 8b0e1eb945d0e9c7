"""Shared shapes of every source package: descriptors, requests, parse context, observations."""

from __future__ import annotations

import calendar
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

#: The long observation format (ARCHITECTURE.md), in this order: column -> kind of value
#: ("str": text, missing = NaN; "date": a ``datetime.date``; "float": float64, NaN = not published).
#: The one declaration of the columns: everything below and scoring's models derive from it.
OBSERVATION_KINDS: dict[str, str] = {
    "source": "str",
    "series_key": "str",
    "subject": "str",
    "geography": "str",
    "metric": "str",
    "period_start": "date",
    "period_end": "date",
    "value": "float",
    "unit": "str",
    "detail": "str",
    "fetch_id": "str",
}
OBSERVATION_COLUMNS: tuple[str, ...] = tuple(OBSERVATION_KINDS)
STR_COLUMNS: tuple[str, ...] = tuple(c for c, kind in OBSERVATION_KINDS.items() if kind == "str")
DATE_COLUMNS: tuple[str, ...] = tuple(c for c, kind in OBSERVATION_KINDS.items() if kind == "date")
FLOAT_COLUMNS: tuple[str, ...] = tuple(c for c, kind in OBSERVATION_KINDS.items() if kind == "float")

#: Units every source may use; a source adds its own in ``Source.units``.
UNITS: tuple[str, ...] = ("count", "GBP/year", "GBP/day", "USD/year", "index", "pct", "fraction", "rank",
                          "direction", "USD/hour", "GBP/hour")

#: Body keys that are secrets: kept out of request keys, reprs and logs.
SECRET_BODY_KEYS = frozenset({"registrationkey", "api_key", "app_key"})


class ScraperError(Exception):
    """Base class of every error raised by the scrapers package."""


class ParseError(ScraperError):
    """A payload lacks an expected label/column. The message names it and the file/url."""


class QuotaError(ParseError):
    """The upstream API refused the request (quota, throttling): a recorded failure, not data."""


class ClaimsValidationError(ParseError):
    """The reviewed expert-claims YAML does not match its schema."""


@dataclass(frozen=True)
class ParseContext:
    """What a parser knows besides the body: where it came from plus free per-request keys.

    ``notes`` is the parser's one output besides its frame: what it refused while keeping the
    rest (a claim with a bad URL, say). `scrapers.gather.parse_result` records them in the
    fetch's detail, so a partial refusal is named where the night's fetch log shows it.
    """

    url: str
    source: str
    fetched_at: datetime
    extra: Mapping[str, Any] = field(default_factory=dict)
    encoding: str | None = None
    notes: list[str] = field(default_factory=list, compare=False)

    def get(self, key: str, default: Any = None) -> Any:
        return self.extra.get(key, default)

    def note(self, text: str) -> None:
        self.notes.append(text)


@dataclass
class SourceRequest:
    """One HTTP (or local file) fetch a source wants done.

    ``key`` identifies the request across runs (the validators mapping is keyed by it): the URL
    for GET, ``"POST <url>#<sha256 of the body without secrets>"`` for POST.
    """

    source: str
    url: str
    method: str = "GET"
    json: Any = field(default=None, repr=False)
    headers: Mapping[str, str] = field(default_factory=dict)
    context: dict[str, Any] = field(default_factory=dict)
    allowed_content_types: tuple[str, ...] = ()
    max_bytes: int | None = None
    key: str = ""

    def __post_init__(self) -> None:
        self.method = self.method.upper()
        if not self.key:
            self.key = request_key(self.method, self.url, self.json)


def request_key(method: str, url: str, body: Any = None) -> str:
    if method.upper() == "GET" or body is None:
        return url
    public = {k: v for k, v in body.items() if k not in SECRET_BODY_KEYS} if isinstance(body, Mapping) else body
    digest = hashlib.sha256(json.dumps(public, sort_keys=True, default=str).encode()).hexdigest()[:16]
    return f"{method.upper()} {url}#{digest}"


@dataclass(frozen=True)
class RequestOptions:
    """Per-source inputs to ``requests_for`` besides the role lookups.

    ``base_url`` overrides the source's real base URL (loopback demo/tests); ``options`` is the
    source's table from settings.toml; ``env`` supplies secrets (defaults to ``os.environ``).
    """

    base_url: str | None = None
    today: date | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    env: Mapping[str, str] | None = None

    def base(self, default: str) -> str:
        return (self.base_url or default).rstrip("/")

    def day(self) -> date:
        return self.today or date.today()


RequestsFor = Callable[[Sequence[Mapping[str, Any]], RequestOptions], list[SourceRequest]]
Parser = Callable[[bytes, ParseContext], pd.DataFrame]


@dataclass(frozen=True)
class SimRequest:
    """One GET the simulator (`sim/`) asks a source's double to answer."""

    host: str  #: the real host impersonated (a key of `Source.hosts`)
    path: str  #: path and query as requested (a loopback prefix such as ``/<ats>`` may lead)
    lookups: Sequence[Mapping[str, Any]]  #: the simulated catalogue's `Role.lookup_keys()`
    as_of: date  #: the world date
    seed: int
    epoch: int  #: bumped to change numbers without moving the date
    faults: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  #: content fault kind -> params


@dataclass(frozen=True)
class Simulation:
    """How the simulator impersonates a source, declared beside it (the package knows its formats).

    ``respond`` answers one GET (None = 404); ``paths`` lists every GET path per real host (the
    simulator warms them); ``lookup(i, title, rng)`` gives synthetic role ``i`` its lookup keys for
    this source; ``files(lookups, seed)`` the catalogue files it needs (relative path -> text);
    ``options(host_urls)`` the source options of a run against the simulated hosts (real host ->
    loopback base URL). Content faults the double understands: see each package's ``simulated.py``.
    """

    respond: Callable[[SimRequest], tuple[bytes, str] | None]
    paths: Callable[[Sequence[Mapping[str, Any]], int], dict[str, list[str]]]
    lookup: Callable[[int, str, Any], dict[str, Any]] | None = None
    files: Callable[[Sequence[Mapping[str, Any]], int], dict[str, str]] | None = None
    options: Callable[[Mapping[str, str]], dict[str, Any]] | None = None


@dataclass(frozen=True)
class StoredRead:
    """What a source asks back of its own stored observations when the night is planned.

    A source whose requests depend on what it already stored (HN: which monthly threads are
    known, and which were counted when) declares the ``metrics`` it wants back; the plan step
    reads them (one row per metric, series, subject and period, with the newest ``fetched_at``
    of the fetch that stored it) and hands ``state(rows)`` to ``requests_for`` as
    ``options.options["stored"]``. ``state`` is pure and may raise ``ScraperError`` on rows it
    cannot read (the night then plans the source as if nothing were stored, and says so).
    """

    metrics: tuple[str, ...]
    state: Callable[[pd.DataFrame], Mapping[str, Any]]


@dataclass(frozen=True)
class SampleCheck:
    """How the catalogue checks a role's pattern key (`key`, a lookup key the source declares)
    against the source's bundled real samples: ``matches({role_id: key})`` gives the role ids whose
    patterns match something, by the source's own matching; ``tried_on()`` says what was searched
    (for the message naming a role whose patterns match nothing)."""

    key: str
    matches: Callable[[Mapping[str, Any]], set[str]]
    tried_on: Callable[[], str]


@dataclass(frozen=True)
class Source:
    """Descriptor every source package exports as ``SOURCE``.

    ``name``, ``licence``, ``attribution`` and ``homepage`` are what ``jobzone source list``
    prints. The site credits a source from the same descriptor: ``display_name`` (how pages
    name it), ``credit_line`` (the exact line printed beside the figures it supports and in the
    footer), ``licence_url`` and ``aliases`` (lower-case names that, found in a rationale, mark
    a row as resting on this source).
    """

    name: str
    licence: str
    attribution: str
    homepage: str
    allowed_content_types: tuple[str, ...]
    requests_for: RequestsFor
    parse: Parser
    display_name: str = ""
    credit_line: str = ""
    licence_url: str = ""
    aliases: tuple[str, ...] = ()
    #: the role-file ``lookup:`` keys this source reads: ``{key: (annotation, default)}``
    #: (handed down to ``core.catalogue.Lookup`` by the registry)
    lookup: Mapping[str, tuple[Any, Any]] = field(default_factory=dict)
    #: the observation vocabulary: metric -> allowed units (None: any known unit)
    metrics: Mapping[str, tuple[str, ...] | None] = field(default_factory=dict)
    #: an open family of metrics (BLS ``oews_*``), as a regex over the whole metric name
    metric_pattern: str | None = None
    #: value bands checked for every row of a metric: metric -> (lo, hi, must_be_integer)
    bands: Mapping[str, tuple[float, float, bool]] = field(default_factory=dict)
    #: units beyond the shared ones (scrapers.base.UNITS)
    units: tuple[str, ...] = ()
    #: real host -> (seconds between requests, seconds a checked URL stays fresh)
    hosts: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    #: the package's sample directory (``layout.toml``, ``NOTICE.md``, the real payload copies)
    samples: Path | None = None
    #: the base URL is the full location of one file (not a prefix of paths)
    base_is_location: bool = False
    #: option key -> a file in the catalogue directory handed to ``requests_for`` as that option
    catalogue_files: Mapping[str, str] = field(default_factory=dict)
    #: what a saved file says about itself: ``sniff(body, filename) -> parse context``
    sniff: Callable[[bytes, str], Mapping[str, Any]] | None = None
    #: the source's double for the simulator (`sim/`): hosts, payloads, synthetic catalogue keys
    simulation: Simulation | None = None
    #: the source's own stored observations it needs back at plan time (see `StoredRead`)
    stored: StoredRead | None = None
    #: the check of its pattern key against the bundled samples (see `SampleCheck`)
    sample_check: SampleCheck | None = None


# --------------------------------------------------------------------------- observations


def empty_observations() -> pd.DataFrame:
    return observations_frame([])


def observations_frame(rows: Iterable[Mapping[str, Any]] | Mapping[str, Sequence[Any]]) -> pd.DataFrame:
    """Build an observation frame with the canonical columns and dtypes.

    Strings use pandas' ``str`` dtype (missing = NaN), dates are ``datetime.date`` objects
    (object dtype, stored by DuckDB as DATE), ``value`` is float64 with NaN for "not published".
    """
    frame = pd.DataFrame(rows if isinstance(rows, Mapping) else list(rows))
    for col in OBSERVATION_COLUMNS:
        if col not in frame.columns:
            frame[col] = None
    frame = frame.loc[:, list(OBSERVATION_COLUMNS)]
    for col in STR_COLUMNS:
        # pandas 3: astype("str") keeps None/NaN as missing (NaN), it does not write "None".
        frame[col] = frame[col].astype("str")
    for col in DATE_COLUMNS:
        frame[col] = frame[col].astype("object")
    for col in FLOAT_COLUMNS:
        frame[col] = pd.to_numeric(frame[col], errors="raise").astype("float64")
    return frame.reset_index(drop=True)


def check_observations(frame: pd.DataFrame, where: str) -> pd.DataFrame:
    """Refuse a parser result that is not in the long format."""
    if not isinstance(frame, pd.DataFrame):
        raise ParseError(f"{where}: parser returned {type(frame).__name__}, not a DataFrame")
    if tuple(frame.columns) != OBSERVATION_COLUMNS:
        raise ParseError(f"{where}: observation columns {list(frame.columns)} != {list(OBSERVATION_COLUMNS)}")
    return frame


# --------------------------------------------------------------------------- small helpers


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def shift_months(day: date, months: int) -> date:
    """Same day-of-month ``months`` later (earlier if negative), clamped to the month's end."""
    total = day.year * 12 + (day.month - 1) + months
    year, month = divmod(total, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def as_list(value: Any) -> list[Any]:
    """A lookup key may be missing, None, a scalar or a list."""
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple, set, frozenset)):
        return [v for v in value if v not in (None, "")]
    return [value]


_DATE_FORMATS = ("%m/%d/%Y", "%m/%d/%y", "%Y/%m/%d", "%d %b %Y", "%d %B %Y", "%b %d, %Y", "%B %d, %Y",
                 "%d-%b-%Y", "%d-%b-%y", "%Y%m%d")


def parse_date_flexible(text: str) -> date | None:
    """ISO (optionally with a time), US ``M/D/YYYY`` / ``M/D/YY`` and a few spelled-out forms.

    Slash dates are read month-first: every source using them here is American. Empty -> None;
    anything else unreadable raises ValueError.
    """
    text = (text or "").strip()
    if not text:
        return None
    iso = text.replace("T", " ").split(" ", 1)[0]
    try:
        return date.fromisoformat(iso)
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"unrecognised date {text!r}")


def parse_count(text: str | None) -> float | None:
    """Headcounts like ``16000.0``, ``1,213``: empty or non-numeric placeholders -> None, never 0."""
    cleaned = (text or "").strip().replace(",", "")
    if cleaned in ("", "-", "NA", "N/A", "nan", "NaN", "Unknown", "unknown"):
        return None
    return float(cleaned)
