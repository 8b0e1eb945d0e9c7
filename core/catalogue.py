"""The role catalogue (`roles/*.yaml`): the analysts' reviewed input, validated strictly."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from datetime import date
from pathlib import Path
from collections.abc import Mapping
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.fields import FieldInfo

from core.catalogue_cache import ParsedRoles
from core.errors import CatalogueError
from core.lookup_checks import identical_patterns
from core.paths import REPO_ROOT
from core.vocabulary import BARRIERS, DIMENSIONS, PRINCIPLES

DEFAULT_CATALOGUE_DIR = REPO_ROOT / "roles"
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: A role file is a few kB (the largest shipped one is under 10 kB); anything past this is not one.
MAX_ROLE_FILE_BYTES = 1_000_000


def load_yaml(text: str) -> Any:
    """`yaml.safe_load` through libyaml's C loader where it is built: ~10x faster on a 1,000-role
    catalogue (and on the watch-lists, read twice a night); same documents, same errors."""
    return yaml.load(text, Loader=_SAFE_LOADER)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Task(Strict):
    task: str
    time_pct: float = Field(gt=0, le=100)
    score: int = Field(ge=1, le=5)
    involvement: Literal["AUGMENTATION", "DISPLACEMENT", "NOT INVOLVED"]
    rationale: str


class Scored(Strict):
    score: int
    rationale: str


class Barrier(Scored):
    score: int = Field(ge=0, le=2)


class Principle(Scored):
    score: int = Field(ge=0, le=3)


class Growth(Strict):
    score: int = Field(ge=-2, le=2)
    rationale: str | None = None


#: where a baseline dimension score comes from: the card's own dimension score, our split of the
#: card's published evidence total (the basis gives the reason for this dimension's share), or
#: jobzone's own assessment of a role whose card publishes no inputs
DIMENSION_ORIGINS = ("published", "split", "jobzone")
#: whose inputs a role is scored on: the published card's (a reproduction, which must give the
#: card's AIJRI, zone and sub-label exactly) or jobzone's own (the card's figures a reference)
ASSESSMENTS = ("published", "jobzone")
#: the words people read for each (`jobzone roles list`, the site)
ASSESSMENT_LABELS = {"published": "published inputs (reproduced)", "jobzone": "jobzone's own assessment",
                     None: "inputs not attributed"}
ORIGIN_LABELS = {"published": "published", "split": "split of the published total", "jobzone": "jobzone's assessment",
                 None: "baseline"}


class BaselineDimension(Strict):
    score: int = Field(ge=-2, le=2)
    basis: str
    as_of: date
    origin: Literal[*DIMENSION_ORIGINS] | None = None  # type: ignore[valid-type]


class CitedValue(Strict):
    value: float
    citation: str
    as_of: date | None = None


class Lookup(Strict):
    """A role's per-source lookup keys.

    Declared empty here: each source package declares the keys it reads (`Source.lookup`) and
    `scrapers/registry.py` hands them down through `declare_lookup` (core sits below the
    scrapers, so it cannot import them). Unknown keys still fail by name (`extra="forbid"`).
    """


_DECLARED_LOOKUP: dict[str, str] = {}  # key -> the source that declared it


#: keys `Role.lookup_keys()` fills from the role itself, so no source may declare them
_ROLE_LEVEL_KEYS = frozenset({"role_id", "soc"})


def declare_lookup(source: str, fields: Mapping[str, tuple[Any, Any]]) -> None:
    """Add one source's lookup keys (`{key: (annotation, default)}`) to `Lookup`, then rebuild `Role`.

    Idempotent for the same source (a reload of the registry); a key another source already
    declared is refused, so two sources can never read one key two ways.
    """
    added = False
    for key, (annotation, default) in fields.items():
        if key in _ROLE_LEVEL_KEYS:
            raise CatalogueError(f"lookup key {key!r} of source {source!r} is the role's own "
                                 f"(`Role.lookup_keys()` fills it from the role file's top level)")
        owner = _DECLARED_LOOKUP.get(key)
        if owner is not None and owner != source:
            raise CatalogueError(f"lookup key {key!r} of source {source!r} is already declared by {owner!r}")
        if owner == source:
            continue
        # pydantic has no public API for adding a field to a built model; extending its field
        # table and forcing a rebuild keeps the one class every floor imports (`Lookup`) whole.
        Lookup.__pydantic_fields__[key] = FieldInfo.from_annotated_attribute(annotation, default)
        Lookup.__annotations__[key] = annotation
        _DECLARED_LOOKUP[key] = source
        added = True
    if added:
        Lookup.model_rebuild(force=True)
        for model in (Role, *_role_subclasses()):
            model.model_rebuild(force=True)


def declared_lookup_keys() -> dict[str, str]:
    """Every declared lookup key and the source it belongs to."""
    return dict(_DECLARED_LOOKUP)


def _role_subclasses() -> list[type]:
    out, todo = [], list(Role.__subclasses__())
    while todo:
        cls = todo.pop()
        out.append(cls)
        todo.extend(cls.__subclasses__())
    return out


class Published(Strict):
    aijri: float = Field(ge=0, le=100)
    zone: Literal["Green", "Yellow", "Red"]
    sublabel: str | None = None
    source: str | None = None


class Override(Strict):
    target: Literal["aijri", *DIMENSIONS]  # type: ignore[valid-type]
    value: float
    who: str
    why: str
    expires: date


class Role(Strict):
    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    title: str
    seniority: str
    soc: list[str] = []
    geography: str = "UK"
    lookup: Lookup = Field(default_factory=Lookup)
    tasks: list[Task] = []
    task_resistance: CitedValue | None = None
    barriers: dict[Literal[*BARRIERS], Barrier] = {}  # type: ignore[valid-type]
    barrier_total: CitedValue | None = None
    growth: Growth
    protective: dict[Literal[*PRINCIPLES], Principle] = {}  # type: ignore[valid-type]
    evidence: dict[Literal[*DIMENSIONS], BaselineDimension] = {}  # type: ignore[valid-type]
    evidence_total: CitedValue | None = None
    published: Published | None = None
    #: whose inputs these are (`ASSESSMENTS`); unset only for a role with no published card
    assessment: Literal[*ASSESSMENTS] | None = None  # type: ignore[valid-type]
    overrides: list[Override] = []

    @model_validator(mode="after")
    def _consistent(self) -> "Role":
        self._check_evidence()
        self._check_assessment()
        if self.tasks:
            total = sum(t.time_pct for t in self.tasks)
            if abs(total - 100) > 1e-9:
                raise ValueError(f"tasks: time_pct sums to {total:g}, not 100")
            if self.task_resistance is not None:
                raise ValueError("give either tasks or task_resistance, not both")
        elif self.task_resistance is None:
            raise ValueError("tasks or task_resistance is required")
        elif not 1 <= self.task_resistance.value <= 5:
            raise ValueError("task_resistance.value must be within 1..5")
        if self.barriers:
            if missing := set(BARRIERS) - set(self.barriers):
                raise ValueError(f"barriers: missing {', '.join(sorted(missing))}")
            if self.barrier_total is not None:
                raise ValueError("give either barriers or barrier_total, not both")
        elif self.barrier_total is None:
            raise ValueError("barriers or barrier_total is required")
        elif not 0 <= self.barrier_total.value <= 10:
            raise ValueError("barrier_total.value must be within 0..10")
        if self.evidence:
            if missing := set(DIMENSIONS) - set(self.evidence):
                raise ValueError(f"evidence: missing {', '.join(sorted(missing))}")
        elif self.evidence_total is None:
            raise ValueError("evidence (per dimension) or evidence_total is required")
        elif not -10 <= self.evidence_total.value <= 10:
            raise ValueError("evidence_total.value must be within -10..10")
        if self.protective and (missing := set(PRINCIPLES) - set(self.protective)):
            raise ValueError(f"protective: missing {', '.join(sorted(missing))}")
        return self

    def _check_evidence(self) -> None:
        """Per-dimension scores beside a published total are a split of it: marked, and summing to it."""
        split = [d for d, e in self.evidence.items() if e.origin == "split"]
        if self.evidence and self.evidence_total is not None:
            if unmarked := [d for d in DIMENSIONS if d in self.evidence and d not in split]:
                raise ValueError(f"evidence.{unmarked[0]}.origin: beside the published evidence_total every "
                                 "dimension is a split of it (origin: split)")
            total = sum(e.score for e in self.evidence.values())
            if total != self.evidence_total.value:
                raise ValueError(f"evidence: the split sums to {total:+d}, not the published evidence_total "
                                 f"{self.evidence_total.value:+g}")
        elif split:
            raise ValueError(f"evidence.{split[0]}.origin: a split needs the published evidence_total it splits")

    def _check_assessment(self) -> None:
        if self.assessment is None:
            return
        if self.published is None:
            raise ValueError(f"published: assessment {self.assessment!r} needs the published card's figures")
        allowed = {"published": ("published", "split"), "jobzone": ("jobzone",)}[self.assessment]
        for dim, e in self.evidence.items():
            if e.origin not in allowed:
                raise ValueError(f"evidence.{dim}.origin: {e.origin!r} in a {self.assessment!r} assessment "
                                 f"(expected {' or '.join(allowed)})")
        if self.assessment == "jobzone":
            # our own assessment is complete: nothing of it may stand in for a published figure
            for field, present in (("tasks", self.tasks), ("barriers", self.barriers),
                                   ("evidence", self.evidence), ("protective", self.protective)):
                if not present:
                    raise ValueError(f"{field}: a jobzone assessment gives it in full")
            if self.growth.rationale is None:
                raise ValueError("growth.rationale: a jobzone assessment says why")

    # Derived figures -------------------------------------------------------------
    @property
    def has_task_table(self) -> bool:
        return bool(self.tasks)

    @property
    def tr(self) -> float:
        """Task Resistance: 6 − Σ(time share × score), or the cited value."""
        if self.tasks:
            weighted = sum(t.time_pct * t.score for t in self.tasks) / 100
            return round(6.0 - weighted, 4)
        assert self.task_resistance is not None
        return self.task_resistance.value

    @property
    def pct_time_3plus(self) -> float | None:
        if not self.tasks:
            return None
        return sum(t.time_pct for t in self.tasks if t.score >= 3)

    @property
    def barrier_sum(self) -> float:
        if self.barriers:
            return float(sum(b.score for b in self.barriers.values()))
        assert self.barrier_total is not None
        return self.barrier_total.value

    @property
    def reproduces_published(self) -> bool:
        """Scored on the published card's own inputs (so its baseline AIJRI is the card's)."""
        return self.assessment == "published"

    @property
    def baseline_evidence_total(self) -> float:
        if self.evidence:
            return float(sum(d.score for d in self.evidence.values()))
        assert self.evidence_total is not None
        return self.evidence_total.value

    def lookup_keys(self) -> dict:
        """The per-source keys in the shape the scrapers take."""
        keys = self.lookup.model_dump(exclude_none=True)
        keys["role_id"] = self.id
        # the role's occupations live at the top level (they describe the role, not one source);
        # the occupation sources (bls_ep, oews, ai_exposure) read them under this key
        if self.soc:
            keys["soc"] = list(self.soc)
        return keys


class Catalogue(BaseModel):
    roles: dict[str, Role]
    hashes: dict[str, str]
    files: dict[str, Path]
    errors: list[str] = []  # lenient loads only: the files that were skipped, and why

    def __iter__(self):
        return iter(self.roles.values())

    def __len__(self) -> int:
        return len(self.roles)

    def get(self, role_id: str) -> Role:
        from core.errors import UnknownRoleError

        try:
            return self.roles[role_id]
        except KeyError:
            raise UnknownRoleError(f"unknown role {role_id!r}; known: {', '.join(sorted(self.roles))}") from None


def _field_path(loc: tuple) -> str:
    return ".".join(str(p) for p in loc) or "(document)"


def content_hash(document: dict) -> str:
    canonical = json.dumps(document, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def read_regular_file(path: Path, max_bytes: int = MAX_ROLE_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most `max_bytes`; a `CatalogueError` naming it otherwise.

    Opened with O_NONBLOCK and checked with fstat on the open descriptor (not a stat before the
    open, which a rename could outrun): a FIFO opened plainly blocks until a writer appears, and
    /dev/zero or a growing file never ends, so either hung the whole night in plan.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise CatalogueError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise CatalogueError(f"{path}: not a regular file ({_file_kind(info.st_mode)}); skipped")
        if info.st_size > max_bytes:
            raise CatalogueError(f"{path}: {info.st_size} bytes, over the {max_bytes}-byte cap for a role file")
        chunks, size = [], 0
        while size <= max_bytes:  # the cap holds for a file that grows while it is read, too
            chunk = os.read(fd, min(1 << 16, max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > max_bytes:
            raise CatalogueError(f"{path}: over the {max_bytes}-byte cap for a role file (it grew while read)")
        return b"".join(chunks)
    except OSError as exc:
        raise CatalogueError(f"{path}: cannot read: {exc.strerror}") from None
    finally:
        os.close(fd)


def not_a_regular_file(path: Path) -> str | None:
    """Why `path` (if it exists) cannot be read to its end as a file, for files others read (the claims)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None  # missing or unreadable: the reader reports that itself
    return None if stat.S_ISREG(mode) else f"{path}: not a regular file ({_file_kind(mode)}); skipped"


def _file_kind(mode: int) -> str:
    for test, kind in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return "not a file"


def load_role_file(path: Path) -> tuple[Role, str]:
    return parse_role_file(path, read_regular_file(path))


def parse_role_file(path: Path, raw: bytes) -> tuple[Role, str]:
    """A role file's bytes as its validated `Role` and content hash (`path` names it in errors)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogueError(f"{path}: not UTF-8 (byte {exc.start})") from None
    try:
        document = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise CatalogueError(f"{path}:{where} bad YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(document, dict):
        raise CatalogueError(f"{path}: expected a mapping at the top level")
    try:
        role = Role.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        kind = "unknown key" if first["type"] == "extra_forbidden" else first["msg"].removeprefix("Value error, ")
        more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        # Whole-document checks name their own field in the message.
        where = f"{_field_path(first['loc'])}: " if first["loc"] else ""
        raise CatalogueError(f"{path}: {where}{kind}{more}") from None
    return role, content_hash(document)


def load_catalogue(directory: Path | None = None, *, strict: bool = True, cache: Path | None = None) -> Catalogue:
    """Load and validate every role file.

    strict (the CLI's `roles validate`, `score`): the first bad file raises. Lenient (the
    nightly): a bad file is skipped and reported in `errors`, so one analyst's broken edit
    does not stop the night for every other role; the skipped role's history stands.
    `cache`: the file of roles parsed on earlier loads (`core.catalogue_cache`); an unchanged
    file is taken from it rather than parsed again.
    """
    directory = Path(directory or DEFAULT_CATALOGUE_DIR)
    if not _DECLARED_LOOKUP:
        raise CatalogueError("no source has declared its lookup keys yet: import scrapers (its registry hands "
                             "them down) before loading the catalogue")
    files = sorted(p for p in directory.glob("*.yaml") if not p.name.startswith(("_", "expert-claims")))
    if not files:
        raise CatalogueError(f"{directory}: no role files (*.yaml)")
    loaded: dict[str, list[tuple[Path, Role, str]]] = {}
    errors: list[str] = []
    parsed = ParsedRoles(cache, declared_lookup_keys())
    for path in files:
        try:
            raw = read_regular_file(path)
            role, digest = parsed.get_or_parse(raw, lambda: parse_role_file(path, raw))
        except CatalogueError as exc:
            if strict:
                raise
            errors.append(str(exc))
            continue
        loaded.setdefault(role.id, []).append((path, role, digest))
    roles: dict[str, Role] = {}
    hashes: dict[str, str] = {}
    origin: dict[str, Path] = {}
    for role_id, found in loaded.items():
        if len(found) > 1:
            # Neither file wins: which one sorts first says nothing about which one the analysts
            # meant (a stray `<id>-old.yaml` once rescored a role from a stale copy). The role is
            # left out tonight, so its standing results, evidence and page stand until one goes.
            names = " and ".join(str(p) for p, _, _ in found)
            message = (f"{names}: id: duplicate id {role_id!r}: neither file is loaded;"
                       " the role keeps its standing results")
            if strict:
                raise CatalogueError(message)
            errors.append(message)
            continue
        (path, role, digest), = found
        roles[role_id], hashes[role_id], origin[role_id] = role, digest, path
    for ids, message in identical_patterns(roles.values(), origin):
        # as with a duplicate id, neither role wins: which is mislabelled is the analysts' call
        if strict:
            raise CatalogueError(message)
        errors.append(message)
        for role_id in ids:
            roles.pop(role_id, None), hashes.pop(role_id, None), origin.pop(role_id, None)
    if not roles:
        raise CatalogueError(f"{directory}: no valid role files; first error: {errors[0]}")
    parsed.save()
    return Catalogue(roles=roles, hashes=hashes, files=origin, errors=errors)
