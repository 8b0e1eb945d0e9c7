"""A synthetic role catalogue: N valid role files whose lookup keys match the simulated sources.

`role_lookups(n, seed)` gives the per-role lookup keys (the shape `Role.lookup_keys()` returns),
`role_document(i, ...)` a full role document (task table with time_pct summing to 100, all five
barriers, growth, protective principles, per-dimension baseline evidence), and
`write_catalogue(dir, n, seed)` writes `<id>.yaml` files plus an `expert-claims.yaml`.

Everything is deterministic in (n, seed): the same call writes byte-identical files, and the
simulator (`sim.simserver`) serves pages, sectors, series and companies for exactly
these keys. The vocabulary is synthetic ("Sim Role 0042", "Simco 007 Ltd"); sector names and
industries are the real Indeed / layoffs.fyi ones so the parsers see familiar values.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

#: libyaml when available: the pure-Python dumper takes ~5 s for 1,000 role files
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

DIMENSIONS = ("job_posting_trends", "company_actions", "wage_trends", "ai_tool_maturity", "expert_consensus")
BARRIERS = ("regulatory", "physical_presence", "union", "liability", "cultural")
PRINCIPLES = ("embodied_physicality", "interpersonal_connection", "moral_judgment")
INVOLVEMENT = ("AUGMENTATION", "DISPLACEMENT", "NOT INVOLVED")

#: Indeed Hiring Lab sector display names (real ones; the simulator serves an index for each)
SECTORS = (
    "Software Development", "IT Operations & Helpdesk", "Mathematics", "Scientific Research & Development",
    "Information Design & Documentation", "Banking & Finance", "Insurance", "Accounting", "Marketing",
    "Media & Communications", "Project Management", "Human Resources",
)
#: layoffs.fyi industries (real vocabulary)
INDUSTRIES = (
    "AI", "Data", "Infrastructure", "Finance", "Retail", "Healthcare", "Consumer", "Security", "Media",
    "Education", "Transportation", "Marketing", "Hardware", "HR", "Legal", "Product",
)
COUNTRIES = ("GB", "US")
#: companies of the synthetic WARN feed
WARN_COMPANIES = tuple(f"Simco {k:03d} Ltd" for k in range(40))
DEFAULT_AS_OF = date(2026, 6, 30)


def role_id(i: int) -> str:
    return f"sim-role-{i:04d}"


def role_slug(i: int) -> str:
    return f"sim role {i:04d}"


def role_title(i: int) -> str:
    return f"Sim Role {i:04d}"


def oews_series(i: int) -> str:
    """A national OEWS annual-median series id with a synthetic, per-role 6-digit SOC."""
    return f"OEUN0000000000000{151000 + i:06d}13"


@dataclass(frozen=True)
class SimRole:
    """The lookup keys of one synthetic role (what the simulator must serve for it)."""

    id: str
    title: str
    slug: str
    kind: str
    country: str
    sectors: tuple[str, ...]
    bls_series: tuple[str, ...]
    industries: tuple[str, ...]
    warn_companies: tuple[str, ...] = field(default=())
    #: the keys of every source that brings its own double (`Source.simulation.lookup`), as JSON
    #: text so the role stays hashable
    extra: str = "{}"

    @property
    def soc(self) -> list[str]:
        """The role's 2018 SOC (the role file's top-level `soc`): the synthetic one its OEWS series names."""
        return [f"{s[-8:-6]}-{s[-6:-2]}" for s in self.bls_series[:1]]

    def lookup(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "onet_soc": [f"{code}.00" for code in self.soc],  # the O*NET-SOC of each SOC (its `.00` detail)
            "itjobswatch": {"slug": self.slug, "kind": self.kind},
            "indeed": {"country": self.country, "sectors": list(self.sectors)},
            "bls_series": list(self.bls_series),
            "layoff_industries": list(self.industries),
            "warn_companies": list(self.warn_companies),
            **json.loads(self.extra),
        }
        return out

    def lookup_keys(self) -> dict[str, Any]:
        """Same shape as `core.catalogue.Role.lookup_keys()`."""
        return {**self.lookup(), "role_id": self.id, **({"soc": self.soc} if self.soc else {})}


def _rng(seed: int, *parts: Any) -> random.Random:
    return random.Random("|".join(str(p) for p in (seed, *parts)))


def sim_roles(n: int, seed: int = 0, *, contract_share: float = 0.2) -> list[SimRole]:
    """The lookup keys of roles 1..n (deterministic)."""
    out = []
    for i in range(1, n + 1):
        r = _rng(seed, "lookup", i)
        out.append(SimRole(
            id=role_id(i), title=role_title(i), slug=role_slug(i),
            kind="contract" if r.random() < contract_share else "permanent",
            country="GB" if r.random() < 0.75 else "US",
            sectors=tuple(r.sample(SECTORS, r.choice((1, 1, 2)))),
            bls_series=(oews_series(i),),
            industries=tuple(r.sample(INDUSTRIES, r.choice((1, 2, 3)))),
            warn_companies=tuple(r.sample(WARN_COMPANIES, r.choice((0, 0, 1, 2)))),
            extra=json.dumps(_declared_keys(i, role_title(i), seed), sort_keys=True),
        ))
    return out


def _declared_keys(i: int, title: str, seed: int) -> dict[str, Any]:
    """Role i's keys for every registered source that declares how (`Source.simulation.lookup`)."""
    from scrapers.registry import SOURCES

    out: dict[str, Any] = {}
    for name, source in SOURCES.items():
        if source.simulation is not None and source.simulation.lookup is not None:
            out.update(source.simulation.lookup(i, title, _rng(seed, name, i)))
    return out


def catalogue_files(roles: list[SimRole], seed: int = 0) -> dict[str, str]:
    """The files the registered sources read from a catalogue directory (a watch-list, say)."""
    from scrapers.registry import SOURCES

    lookups = [role.lookup_keys() for role in roles]
    out: dict[str, str] = {}
    for source in SOURCES.values():
        if source.simulation is not None and source.simulation.files is not None:
            out.update(source.simulation.files(lookups, seed))
    return out


def role_lookups(n: int, seed: int = 0) -> list[dict[str, Any]]:
    return [role.lookup_keys() for role in sim_roles(n, seed)]


def _time_split(r: random.Random, k: int) -> list[int]:
    """k whole percentages, each >= 5, summing to exactly 100."""
    cuts = sorted(r.sample(range(1, 100 // 5), k - 1))
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, 100 // 5])]
    return [5 * p for p in parts]


def role_document(role: SimRole, seed: int = 0, as_of: date = DEFAULT_AS_OF) -> dict[str, Any]:
    """A complete, valid role document (the `roles/*.yaml` shape) for one synthetic role."""
    r = _rng(seed, "document", role.id)
    k = r.randint(4, 7)
    tasks = []
    for j, pct in enumerate(_time_split(r, k), start=1):
        score = r.randint(1, 5)
        involvement = "NOT INVOLVED" if score <= 1 else ("DISPLACEMENT" if score >= 4 else "AUGMENTATION")
        tasks.append({"task": f"Synthetic task {j} of {role.title}", "time_pct": pct, "score": score,
                      "involvement": involvement,
                      "rationale": f"Synthetic benchmark task {j}: score {score} drawn with seed {seed}."})
    baseline_day = as_of - timedelta(days=r.randint(30, 120))
    return {
        "id": role.id,
        "title": role.title,
        "seniority": r.choice(("Junior", "Mid-level", "Senior")),
        "soc": role.soc,
        "geography": "UK",
        "lookup": role.lookup(),
        "tasks": tasks,
        "barriers": {b: {"score": r.choice((0, 0, 1, 1, 2)), "rationale": f"Synthetic {b} barrier."}
                     for b in BARRIERS},
        "growth": {"score": r.choice((-2, -1, 0, 0, 1, 1, 2)), "rationale": "Synthetic growth correlation."},
        "protective": {p: {"score": r.randint(0, 3), "rationale": f"Synthetic {p} principle."} for p in PRINCIPLES},
        "evidence": {d: {"score": r.choice((-2, -1, -1, 0, 0, 0, 1, 1, 2)),
                         "basis": f"Synthetic baseline for {d} (seed {seed}).", "as_of": baseline_day}
                     for d in DIMENSIONS},
    }


def claims_document(roles: list[SimRole], seed: int = 0, as_of: date = DEFAULT_AS_OF,
                    share: float = 0.3) -> dict[str, Any]:
    """An `expert-claims.yaml` document with 1-3 dated claims for about `share` of the roles."""
    claims = []
    for role in roles:
        r = _rng(seed, "claims", role.id)
        if r.random() >= share:
            continue
        for j in range(r.randint(1, 3)):
            claims.append({
                "id": f"sim-{role.id}-{j}",
                "role_id": role.id,
                "claim": f"A synthetic outlook statement number {j} about {role.title}.",
                "number": float(r.randint(5, 60)),
                "unit": "pct",
                "direction": r.choice((-1, 0, 1, 1)),
                "source_url": f"https://example.org/sim/{role.id}/{j}",
                "as_of": as_of - timedelta(days=r.randint(10, 500)),
                "reviewed_by": "synthetic benchmark generator",
            })
    return {"version": 1, "claims": claims}


def write_catalogue(directory: str | Path, n: int, seed: int = 0, *, as_of: date = DEFAULT_AS_OF,
                    claims: bool = True) -> list[SimRole]:
    """Write roles 1..n as `<id>.yaml` (+ `expert-claims.yaml`) into `directory`; returns their keys."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    roles = sim_roles(n, seed)
    for role in roles:
        text = yaml.dump(role_document(role, seed, as_of), Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                         width=120)
        (directory / f"{role.id}.yaml").write_text(f"# Synthetic role (sim.catalogue_gen, seed {seed}).\n"
                                                   + text, encoding="utf-8")
    for rel, text in catalogue_files(roles, seed).items():
        (directory / rel).parent.mkdir(parents=True, exist_ok=True)
        (directory / rel).write_text(text, encoding="utf-8")
    if claims:
        doc = claims_document(roles, seed, as_of)
        (directory / "expert-claims.yaml").write_text(yaml.dump(doc, Dumper=_Dumper, sort_keys=False, width=120),
                                                      encoding="utf-8")
    return roles


def break_role_file(directory: str | Path, role: SimRole | str) -> Path:
    """Make one role file invalid (time_pct no longer sums to 100), as an analyst's bad edit would."""
    rid = role.id if isinstance(role, SimRole) else role
    path = Path(directory) / f"{rid}.yaml"
    doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    doc["tasks"][0]["time_pct"] = doc["tasks"][0]["time_pct"] + 7
    path.write_text(yaml.dump(doc, Dumper=_Dumper, sort_keys=False, width=120), encoding="utf-8")
    return path
