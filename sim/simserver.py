"""A simulated world of sources on loopback, for benchmarks and fault tests.

One HTTP server per real host, so that per-host politeness means something:

=============  ===================================================  ==========================
sim host       impersonates                                         sources
=============  ===================================================  ==========================
itjobswatch    www.itjobswatch.co.uk (current layout role pages)   itjobswatch
github         raw.githubusercontent.com                           indeed, warn, layoffs
bls            api.bls.gov (v2 POST)                               bls
fred           fred.stlouisfed.org (fredgraph.csv)                 fred
=============  ===================================================  ==========================

Payloads are synthetic but keep the real samples' structure (`scrapers/samples/`): an IT Jobs
Watch page per role built like `developer_permanent_uk_2020-03-02_current-layout.html`
(`section#headline_statistics`, `<sup>` in labels) with numbers varied per role, the Indeed
Hiring Lab CSVs, a BLS v2 envelope, FRED CSVs, the layoffs.fyi mirror CSV and the WARN
consolidated CSV. Everything is a deterministic function of (roles, world date, seed, epoch).

Per host the server applies a latency, an **enforced rate limit** (a request arriving sooner than
`interval * tolerance` after the previous accepted one gets 429 + Retry-After), ETag / 304, and
switchable faults (`set_fault(host, kind, roles=..., paths=..., count=...)`):

* transport: ``http_5xx`` (burst with `count`), ``timeout`` (sleeps past the client's read timeout),
  ``truncated`` (body cut short of its Content-Length), ``huge`` (a 50 MB body, streamed from one
  reused chunk), ``offhost_redirect`` (302 to another loopback port), ``robots`` (robots.txt
  disallows the matched paths);
* content: ``layout`` (role table relabelled or removed; CSV columns renamed), ``non_utf8``
  (Latin-1 bytes in a page that claims UTF-8), ``implausible`` (postings x50, salary GBP 5),
  ``xss`` (script/img payloads in scraped text).

Every request is recorded (`hits()`), including the ones answered 429, so tests can assert that a
robots-disallowed path was never requested and benchmarks can count requests per host.

Usage::

    roles = catalogue_gen.sim_roles(10)
    with SimServer(roles, as_of=date(2026, 6, 30)) as sim:
        config = sim.write_settings(tmp / "settings.toml")
        nightly(home=..., catalogue=..., config=str(config), as_of="2026-06-30", base_urls=sim.base_urls())
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import logging
import math
import socket
import sys
import threading
import time
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SETTINGS = REPO_ROOT / "core" / "settings.toml"

HOSTS = ("itjobswatch", "github", "bls", "fred")
SOURCE_HOST = {"itjobswatch": "itjobswatch", "indeed": "github", "warn": "github", "layoffs": "github",
               "bls": "bls", "fred": "fred"}
#: the real host each sim host stands for, and its interval in core/settings.toml
REAL_HOSTS = {"itjobswatch": "www.itjobswatch.co.uk", "github": "raw.githubusercontent.com",
              "bls": "api.bls.gov", "fred": "fred.stlouisfed.org"}

TRANSPORT_FAULTS = ("http_5xx", "timeout", "truncated", "huge", "offhost_redirect", "robots")
CONTENT_FAULTS = ("layout", "non_utf8", "implausible", "xss")
FAULT_KINDS = TRANSPORT_FAULTS + CONTENT_FAULTS

INDEED_PREFIX = "/hiring-lab"
INDEED_PATHS = {
    "aggregate": INDEED_PREFIX + "/job_postings_tracker/master/{cc}/aggregate_job_postings_{cc}.csv",
    "sector": INDEED_PREFIX + "/job_postings_tracker/master/{cc}/job_postings_by_sector_{cc}.csv",
    "ai_share": INDEED_PREFIX + "/ai-tracker/main/AI_posting.csv",
    "wage_growth": INDEED_PREFIX + "/indeed-wage-tracker/main/posted-wage-growth-by-country.csv",
}
WARN_PATH = "/biglocalnews/warn-github-flow/main/data/warn-transformer/processed/consolidated.csv"
LAYOFFS_PATH = "/layoffs/layoffs.csv"
BLS_PATH = "/publicAPI/v2/timeseries/data/"
FRED_PATH = "/graph/fredgraph.csv"
FRED_SERIES = ("CPIAUCSL", "AHETPI", "JTSJOL")
BLS_CPI_SERIES = "CUUR0000SA0"

#: strings a scraped page carries under the ``xss`` fault; none may appear unescaped in the site
XSS_PAYLOADS = ('<script>alert("jobzone-xss")</script>', '<img src=x onerror=alert("jobzone-xss")>')
HUGE_BYTES = 50 * 1024 * 1024
_CHUNK = 64 * 1024
ROBOTS_DEFAULT = "User-agent: *\nDisallow: /private/\n"

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_COUNTRY_NAMES = {"GB": "United Kingdom", "US": "United States"}
_STATES = ("CA", "WA", "NY", "TX", "MA", "IL", "GA", "NC", "CO", "OR")


# --------------------------------------------------------------------------- deterministic numbers

def _unit(*parts: Any) -> float:
    """A deterministic number in [0, 1) from the parts (blake2b; fast and stable across runs)."""
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0 ** 64


def _between(lo: float, hi: float, *parts: Any) -> float:
    return lo + (hi - lo) * _unit(*parts)


def _money(value: float) -> str:
    return f"&#163;{value:,.0f}"


def _pct(value: float) -> str:
    return f"{value:+.2f}%"


def _day_text(d: date) -> str:
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def _month_end(d: date) -> date:
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def _months_back(d: date, n: int) -> date:
    """The first day of the month n months before d's month."""
    idx = d.year * 12 + d.month - 1 - n
    return date(idx // 12, idx % 12 + 1, 1)


# --------------------------------------------------------------------------- the world

@dataclass(frozen=True)
class WorldRole:
    role_id: str
    slug: str
    kind: str
    country: str | None
    sectors: tuple[str, ...]
    bls_series: tuple[str, ...]
    industries: tuple[str, ...]
    companies: tuple[str, ...]

    @property
    def page_path(self) -> str:
        prefix = "/contracts/uk/" if self.kind == "contract" else "/jobs/uk/"
        return prefix + quote(self.slug.strip().lower(), safe="") + ".do"

    @property
    def title(self) -> str:
        return " ".join(w.capitalize() for w in self.slug.split())


def _world_role(item: Any) -> WorldRole:
    """From a `catalogue_gen.SimRole`, a `Role`, or a lookup-keys dict (`Role.lookup_keys()`)."""
    if hasattr(item, "lookup_keys"):
        item = item.lookup_keys()
    keys = dict(item)
    itjw = keys.get("itjobswatch") or {}
    indeed = keys.get("indeed") or {}
    country = indeed.get("country")
    return WorldRole(
        role_id=str(keys.get("role_id") or itjw.get("slug")),
        slug=str(itjw.get("slug") or keys.get("role_id")),
        kind=str(itjw.get("kind") or "permanent"),
        country={"UK": "GB"}.get(str(country).upper(), str(country).upper()) if country else None,
        sectors=tuple(indeed.get("sectors") or ()),
        bls_series=tuple(str(s).upper() for s in keys.get("bls_series") or ()),
        industries=tuple(keys.get("layoff_industries") or ()),
        companies=tuple(keys.get("warn_companies") or ()),
    )


class SimWorld:
    """Every payload of every source for a set of roles on one world date (deterministic)."""

    def __init__(self, roles: Iterable[Any], as_of: date, seed: int = 0, history_days: int = 800) -> None:
        self.roles = [_world_role(r) for r in roles]
        self.as_of = as_of
        self.seed = seed
        self.history_days = history_days
        #: per-role epoch: bump() changes a role's numbers without moving the world date
        self.epochs: dict[str, int] = {}
        self.global_epoch = 0
        self.by_path = {r.page_path: r for r in self.roles}
        self.countries = sorted({r.country for r in self.roles if r.country} or {"GB"})
        self.sectors = sorted({s for r in self.roles for s in r.sectors})
        self.industries = sorted({i for r in self.roles for i in r.industries} | {"Other"})
        self.companies = sorted({c for r in self.roles for c in r.companies})
        self.bls_ids = sorted({s for r in self.roles for s in r.bls_series})

    # ---- routing -------------------------------------------------------------------------
    def get_paths(self, host: str) -> list[str]:
        """Every GET path the host serves (besides robots.txt)."""
        if host == "itjobswatch":
            return sorted(self.by_path)
        if host == "github":
            out = []
            for cc in self.countries:
                out += [INDEED_PATHS["aggregate"].format(cc=cc), INDEED_PATHS["sector"].format(cc=cc)]
            return out + [INDEED_PATHS["ai_share"], INDEED_PATHS["wage_growth"], WARN_PATH, LAYOFFS_PATH]
        if host == "fred":
            return [f"{FRED_PATH}?id={s}" for s in FRED_SERIES]
        return []

    def role_paths(self, host: str, role_ids: Iterable[str]) -> list[str]:
        wanted = set(role_ids)
        if host == "itjobswatch":
            return [r.page_path for r in self.roles if r.role_id in wanted]
        return []

    def body(self, host: str, path: str, faults: Sequence[Any] = ()) -> tuple[bytes, str] | None:
        """(body, content type) of a GET, or None for an unknown path. `faults`: content faults in force."""
        kinds = {f.kind: f for f in faults}
        parts = urlsplit(path)
        if host == "itjobswatch":
            role = self.by_path.get(parts.path)
            if role is None:
                return None
            return self.itjw_page(role, kinds), "text/html; charset=utf-8"
        if host == "github":
            for cc in self.countries:
                if parts.path == INDEED_PATHS["aggregate"].format(cc=cc):
                    return self.indeed_aggregate(cc, kinds), "text/plain; charset=utf-8"
                if parts.path == INDEED_PATHS["sector"].format(cc=cc):
                    return self.indeed_sector(cc, kinds), "text/plain; charset=utf-8"
            if parts.path == INDEED_PATHS["ai_share"]:
                return self.indeed_ai_share(kinds), "text/plain; charset=utf-8"
            if parts.path == INDEED_PATHS["wage_growth"]:
                return self.indeed_wage_growth(kinds), "text/plain; charset=utf-8"
            if parts.path == WARN_PATH:
                return self.warn_csv(kinds), "text/plain; charset=utf-8"
            if parts.path == LAYOFFS_PATH:
                return self.layoffs_csv(kinds), "text/csv; charset=utf-8"
            return None
        if host == "fred" and parts.path == FRED_PATH:
            series = (parse_qs(parts.query).get("id") or [""])[0].upper()
            if series not in FRED_SERIES:
                return None
            return self.fred_csv(series, kinds), "text/csv; charset=utf-8"
        return None

    # ---- IT Jobs Watch ---------------------------------------------------------------------
    def _epoch(self, role: WorldRole) -> int:
        return self.epochs.get(role.role_id, 0) + self.global_epoch

    def itjw_numbers(self, role: WorldRole) -> dict[str, list[float | None]]:
        """The role table's numbers (current period, year-1, year-2) on the world date."""
        key = (self.seed, "itjw", role.slug)
        day = self.as_of.toordinal()
        epoch = self._epoch(role)
        wiggle = 1 + 0.01 * math.sin(day / 9.0 + 6.28 * _unit(*key, "phase")) + 0.004 * epoch
        now = math.exp(_between(math.log(150), math.log(20000), *key, "postings")) * wiggle
        g1, g2 = _between(-0.35, 0.45, *key, "g1"), _between(-0.3, 0.3, *key, "g2")
        postings = [round(now), round(now / (1 + g1)), round(now / (1 + g1) / (1 + g2))]
        quoted = [max(1, round(p * _between(0.5, 0.9, *key, "quoted"))) for p in postings]
        if role.kind == "contract":
            median0 = round(_between(300, 800, *key, "median") * (1 + 0.002 * epoch) / 5) * 5
        else:
            median0 = round(_between(35000, 110000, *key, "median") * (1 + 0.002 * epoch) / 250) * 250
        s1, s2 = _between(-0.08, 0.15, *key, "s1"), _between(-0.05, 0.1, *key, "s2")
        medians = [median0, median0 / (1 + s1), median0 / (1 + s1) / (1 + s2)]
        return {
            "rank": [1 + int(900 * _unit(*key, "rank", j)) for j in range(3)],
            "postings": postings,
            "share": [p / 1200.0 for p in postings],
            "quoted": quoted,
            "p10": [m * 0.62 for m in medians],
            "p25": [m * 0.8 for m in medians],
            "median": medians,
            "median_yoy": [s1 * 100, s2 * 100, _between(-5, 8, *key, "s3")],
            "p75": [m * 1.2 for m in medians],
            "p90": [m * 1.5 for m in medians],
            "ex_london": [m * 0.9 for m in medians],
        }

    def itjw_page(self, role: WorldRole, faults: Mapping[str, Any] = {}) -> bytes:
        n = self.itjw_numbers(role)
        contract = role.kind == "contract"
        kind_word = "Contract" if contract else "Permanent"
        name = role.title
        if "xss" in faults:
            name = f"{role.title} {XSS_PAYLOADS[0]}"
        if "implausible" in faults:
            what = faults["implausible"].params.get("what", "both")
            if what in ("postings", "both"):
                n["postings"] = [p * 50 for p in n["postings"]]
            if what in ("salary", "both"):
                n["median"] = [5.0, *n["median"][1:]]
        end = self.as_of - timedelta(days=1)
        pay = "daily rate" if contract else "annual salary"
        quoted_label = "Number of daily rates quoted" if contract else "Number of salaries quoted"
        median_label = f"Median {pay} (50<sup>th</sup> Percentile)"
        postings_label = f"{kind_word} jobs requiring a {escape(name)}"
        layout = faults.get("layout")
        variant = layout.params.get("variant", "relabel") if layout else None
        if variant == "relabel":
            postings_label = f"{kind_word} job adverts mentioning {escape(name)}"
            median_label = f"Median {pay} (middle)"
        money = (lambda v: f"&#163;{v:,.0f}") if not contract else (lambda v: f"&#163;{v:,.0f}")
        if "non_utf8" in faults:
            money = lambda v: f"\xa3{v:,.0f}"  # noqa: E731 - a Latin-1 pound sign in a "UTF-8" page

        def row(label: str, values: Sequence[Any], fmt) -> str:
            cells = "".join(f'<td class="fig">{"-" if v is None else fmt(v)}</td>' for v in values)
            return f"\t<tr><td>{label}</td>{cells}</tr>\n"

        role_rows = "".join((
            row("Rank", n["rank"], str),
            row("Rank change year-on-year", [0, -1, 2], lambda v: f"{v:+d}" if v else "0"),
            row(postings_label, n["postings"], lambda v: f"{v:,.0f}"),
            row(f"As % of all {kind_word.lower()} IT jobs advertised in the UK", n["share"], lambda v: f"{v:.2f}%"),
            row('As % of the <a href="/IT-Job-Market/UK/Job-Titles">Job Titles</a> category', n["share"],
                lambda v: f"{v * 1.05:.2f}%"),
            row(quoted_label, n["quoted"], lambda v: f"{v:,.0f}"),
            row("10<sup>th</sup> Percentile", n["p10"], money),
            row("25<sup>th</sup> Percentile", n["p25"], money),
            row(median_label, n["median"], money),
            row("Median % change year-on-year", n["median_yoy"], _pct),
            row("75<sup>th</sup> Percentile", n["p75"], money),
            row("90<sup>th</sup> Percentile", n["p90"], money),
            row(f"UK excluding London median {pay}", n["ex_london"], money),
            row("% change year-on-year", [None, 3.1, 2.2], _pct),
        ))
        header = (
            '\t<tr class="rowHdr">\n\t\t<th class="hdr">Location: UK</th>\n'
            f'\t\t<th class="hdrCol">6 months to<br>{_day_text(end)}</th>\n'
            f'\t\t<th class="hdrCol">Same period {end.year - 1}</th>\n'
            f'\t\t<th class="hdrCol">Same period {end.year - 2}</th>\n\t</tr>\n'
        )
        role_table = (f'<table class="summary">\n\t<tr class="rowLight">\n\t\t<th class="title" colspan="4">'
                      f'{escape(name)}<div>UK</div></th>\n\t</tr>\n{header}{role_rows}</table>\n')
        if variant == "remove":
            role_table = ""
        all_it = [116614, 143278, 169990] if not contract else [40000, 45000, 47000]
        base_median = [52500, 50000, 50000] if not contract else [500, 490, 480]
        baseline = (
            '<table class="summary">\n\t<tr class="rowLight">\n\t\t<th class="catTitle" colspan="4">'
            f'<a href="/IT-Job-Market/UK/Job-Titles">All {kind_word} IT Job Vacancies<div>UK</div></a></th>\n\t</tr>\n'
            + row(f"{kind_word} vacancies in the UK with a recognized job title", all_it, lambda v: f"{v:,.0f}")
            + row(quoted_label, [v * 0.8 for v in all_it], lambda v: f"{v:,.0f}")
            + row(median_label, base_median, money)
            + "</table>\n"
        )
        h1 = escape(name) + (" \xff\xfe" if "non_utf8" in faults else "")
        page = (
            "<!DOCTYPE html>\n<!-- SYNTHETIC PAGE (sim.simserver): structure of the current IT Jobs Watch"
            " layout, numbers generated. -->\n"
            '<html lang="en">\n<head>\n    <meta charset="utf-8" />\n'
            f"    <title>{escape(name)} Jobs, Average Salaries and Trends | IT Jobs Watch</title>\n</head>\n<body>\n"
            f'<h1 id="h1">{h1} Jobs</h1>\n'
            f'<section id="headline_statistics">\n<h2>{escape(name)}<br>UK</h2>\n{role_table}{baseline}</section>\n'
            "</body>\n</html>\n"
        )
        return page.encode("latin-1" if "non_utf8" in faults else "utf-8", errors="xmlcharrefreplace")

    # ---- Indeed Hiring Lab -------------------------------------------------------------------
    def _days(self, lag: int = 3) -> list[date]:
        last = self.as_of - timedelta(days=lag)
        return [last - timedelta(days=k) for k in range(self.history_days, -1, -1)]

    def _index(self, d: date, *key: Any) -> float:
        t = (d.toordinal() - self.as_of.toordinal()) / 365.0
        trend = _between(-0.25, 0.25, self.seed, *key, "trend")
        season = 0.04 * math.sin(2 * math.pi * d.timetuple().tm_yday / 365.0 + 6.28 * _unit(self.seed, *key, "ph"))
        return 100.0 * (1 + trend * t) * (1 + season) + self.global_epoch * 0.01

    def indeed_aggregate(self, cc: str, faults: Mapping[str, Any] = {}) -> bytes:
        sa = "index_sa" if "layout" in faults else "indeed_job_postings_index_SA"
        lines = [f"date,jobcountry,{sa},indeed_job_postings_index_NSA,variable"]
        days = self._days()
        for variable, scale in (("total postings", 1.0), ("new postings", 0.9)):
            for d in days:
                v = self._index(d, "agg", cc, variable) * scale
                if "implausible" in faults and (self.as_of - d).days < 30:
                    v *= 50
                lines.append(f"{d.isoformat()},{cc},{v:.2f},{v * 1.02:.2f},{variable}")
        return ("\n".join(lines) + "\n").encode()

    def indeed_sector(self, cc: str, faults: Mapping[str, Any] = {}) -> bytes:
        col = "index" if "layout" in faults else "indeed_job_postings_index"
        lines = [f"date,jobcountry,{col},variable,display_name"]
        days = self._days()
        for sector in self.sectors:
            label = f"{sector} {XSS_PAYLOADS[1]}" if "xss" in faults else sector
            quoted = f'"{label}"' if "," in label or '"' in label else label
            for d in days:
                lines.append(f"{d.isoformat()},{cc},{self._index(d, 'sector', cc, sector):.2f},total postings,{quoted}")
        return ("\n".join(lines) + "\n").encode()

    def indeed_ai_share(self, faults: Mapping[str, Any] = {}) -> bytes:
        lines = ["date,jobcountry,AI_share_postings"]
        for d in self._days():
            for cc in self.countries:
                t = (d.toordinal() - self.as_of.toordinal()) / 365.0
                v = 3.0 + _between(0.2, 1.5, self.seed, "ai", cc) * t + 0.05 * math.sin(d.toordinal() / 11.0)
                lines.append(f"{d.isoformat()},{cc},{v:.6f}")
        return ("\n".join(lines) + "\n").encode()

    def indeed_wage_growth(self, faults: Mapping[str, Any] = {}) -> bytes:
        lines = ["jobcountry,country,month,n_obs,posted_wage_growth_yoy,posted_wage_growth_yoy_3moavg"]
        newest = _months_back(self.as_of, 2)
        months = [_months_back(newest, k) for k in range(self.history_days // 30, -1, -1)]
        for cc in self.countries:
            for m in months:
                v = 0.03 + 0.015 * math.sin(m.toordinal() / 200.0 + 6.28 * _unit(self.seed, "wage", cc))
                lines.append(f"{cc},{_COUNTRY_NAMES.get(cc, cc)},{_MONTHS[m.month - 1]}-{m.year % 100:02d},"
                             f"{int(80000 + 10000 * _unit(self.seed, 'nobs', cc, m))},{v:.9f},{v:.9f}")
        return ("\n".join(lines) + "\n").encode()

    # ---- layoffs / WARN ------------------------------------------------------------------------
    def layoff_events(self) -> list[dict[str, Any]]:
        events = []
        first = self.as_of - timedelta(days=self.history_days)
        for industry in self.industries:
            months = self.history_days // 30
            for k in range(months * 3):
                day = first + timedelta(days=int(_unit(self.seed, "lay", industry, k) * self.history_days))
                if day > self.as_of - timedelta(days=2):
                    continue
                size = _unit(self.seed, "laysize", industry, k)
                events.append({
                    "company": f"Simlay {industry} {k:03d}",
                    "location": "SF Bay Area" if size < 0.5 else "London",
                    "total_laid_off": "" if size < 0.1 else f"{int(10 + size * 1500)}.0",
                    "date": day, "industry": industry,
                    "country": "United States" if size < 0.6 else "United Kingdom",
                })
        return sorted(events, key=lambda e: (e["date"], e["company"]), reverse=True)

    def layoffs_csv(self, faults: Mapping[str, Any] = {}) -> bytes:
        laid_off = "laid_off" if "layout" in faults else "total_laid_off"
        lines = [f"company,location,{laid_off},date,percentage_laid_off,industry,source,stage,funds_raised,country,"
                 "date_added"]
        for j, e in enumerate(self.layoff_events()):
            company = e["company"]
            if "xss" in faults and j < 3:
                company = f"{company} {XSS_PAYLOADS[j % 2]}"
            if "non_utf8" in faults and j < 3:
                company = f"{company} Caf\xe9"
            d = e["date"]
            when = f"{d.month}/{d.day}/{d.year}"
            lines.append(",".join(_csv(x) for x in (
                company, e["location"], e["total_laid_off"], when, "", e["industry"],
                f"https://example.org/layoffs/{j}", "Post-IPO", "100", e["country"], when)))
        text = "\n".join(lines) + "\n"
        return text.encode("latin-1" if "non_utf8" in faults else "utf-8", errors="xmlcharrefreplace")

    def warn_csv(self, faults: Mapping[str, Any] = {}) -> bytes:
        jobs = "workers" if "layout" in faults else "jobs"
        lines = [f"hash_id,postal_code,company,location,notice_date,effective_date,{jobs},is_temporary,is_closure,"
                 "is_amendment"]
        companies = self.companies or ["Simco 000 Ltd"]
        for company in companies:
            for k in range(6):
                u = _unit(self.seed, "warn", company, k)
                notice = self.as_of - timedelta(days=int(u * self.history_days) + 3)
                digest = hashlib.sha224(f"{company}|{k}".encode()).hexdigest()
                lines.append(",".join(_csv(x) for x in (
                    digest, _STATES[int(u * len(_STATES))], company, "Springfield", notice.isoformat(),
                    (notice + timedelta(days=60)).isoformat(), str(20 + int(u * 400)), "", "False", "False")))
        return ("\n".join(lines) + "\n").encode()

    # ---- FRED ---------------------------------------------------------------------------------
    def fred_csv(self, series: str, faults: Mapping[str, Any] = {}) -> bytes:
        newest = _months_back(self.as_of, 2)
        months = [_months_back(newest, k) for k in range(self.history_days // 30 + 14, -1, -1)]
        if series == "CPIAUCSL":
            header = "when,CPIAUCSL" if "layout" in faults else "observation_date,CPIAUCSL"
            fmt = "{:.3f}"
        else:
            header = "when,value" if "layout" in faults else "date,value"
            fmt = "{:.2f}" if series == "AHETPI" else "{:.1f}"
        base = {"CPIAUCSL": 320.0, "AHETPI": 31.0, "JTSJOL": 7500.0}[series]
        lines = [header]
        for m in months:
            t = (m.toordinal() - self.as_of.toordinal()) / 365.0
            v = base * (1 + 0.03 * t) * (1 + 0.003 * math.sin(m.month))
            lines.append(f"{m.isoformat()}," + fmt.format(v))
        return ("\n".join(lines) + "\n").encode()

    # ---- BLS ---------------------------------------------------------------------------------
    def bls_response(self, wanted: Sequence[str], faults: Mapping[str, Any] = {}) -> bytes:
        newest_oews = self.as_of.year - 1 if self.as_of.month >= 4 else self.as_of.year - 2
        series_out, messages = [], []
        for sid in wanted:
            sid = str(sid).upper()
            if sid.startswith("OEU"):
                base = _between(60000, 160000, self.seed, "oews", sid)
                growth = _between(-0.03, 0.08, self.seed, "oewsg", sid)
                data = []
                for k in range(3):
                    year = newest_oews - k
                    value = base / (1 + growth) ** k
                    if "implausible" in faults:
                        value = 5.0 if k == 0 else value
                    item = {"year": str(year), "period": "A01", "periodName": "Annual",
                            "value": f"{value:.0f}", "footnotes": [{}]}
                    if k == 0:
                        item["latest"] = "true"
                    data.append(item)
                series_out.append({"seriesID": sid, "data": data})
            elif sid == BLS_CPI_SERIES:
                newest = _months_back(self.as_of, 2)
                data = []
                for k in range(36):
                    m = _months_back(newest, k)
                    t = (m.toordinal() - self.as_of.toordinal()) / 365.0
                    data.append({"year": str(m.year), "period": f"M{m.month:02d}", "periodName": _MONTHS[m.month - 1],
                                 "value": f"{320 * (1 + 0.03 * t):.3f}", "footnotes": [{}],
                                 "calculations": {"pct_changes": {"12": f"{3.0 + 0.3 * math.sin(m.month):.1f}"}}})
                series_out.append({"seriesID": sid, "data": data})
            else:
                messages.append(f"Series does not exist for Series {sid}")
                series_out.append({"seriesID": sid, "data": []})
        doc: dict[str, Any] = {"status": "REQUEST_SUCCEEDED", "responseTime": 1, "message": messages,
                               "Results": {"series": series_out}}
        if "layout" in faults:
            doc = {"status": "REQUEST_SUCCEEDED", "responseTime": 1, "message": [], "Outcome": {"rows": series_out}}
        text = json.dumps(doc, separators=(",", ":"))
        if "xss" in faults:
            text = text.replace('"message":[', '"message":[' + json.dumps(XSS_PAYLOADS[0]) + ",", 1)
        return text.encode()


def _csv(value: Any) -> str:
    text = str(value)
    if any(c in text for c in ',"\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


# --------------------------------------------------------------------------- faults and hits

@dataclass
class Fault:
    kind: str
    paths: frozenset[str] | None          # exact paths (from roles=) ...
    contains: tuple[str, ...] | None      # ... or path substrings (paths=); both None = every path
    remaining: int | None = None          # apply this many more times (None: until cleared)
    params: dict[str, Any] = field(default_factory=dict)

    def matches(self, path: str) -> bool:
        if self.paths is None and self.contains is None:
            return True
        bare = urlsplit(path).path
        if self.paths is not None and (bare in self.paths or path in self.paths):
            return True
        return self.contains is not None and any(c in path for c in self.contains)


@dataclass(frozen=True)
class Hit:
    host: str
    method: str
    path: str
    status: int
    at: float            # time.monotonic() at arrival
    conditional: bool    # carried If-None-Match / If-Modified-Since
    user_agent: str = ""


@dataclass
class HostState:
    name: str
    latency: float = 0.0
    #: the allowed rate, as the minimum seconds between two requests (0: unlimited)
    interval: float = 0.0
    #: a request is rejected when it arrives sooner than interval * tolerance after the last one
    tolerance: float = 0.8
    retry_after: int = 1
    max_age: int | None = None
    httpd: ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_accepted: float = -1e9
    faults: dict[str, Fault] = field(default_factory=dict)


# --------------------------------------------------------------------------- the servers

class SimServer:
    """Four loopback servers (one per real host) serving a `SimWorld`; see the module docstring."""

    def __init__(self, roles: Iterable[Any], as_of: date = date(2026, 6, 30), seed: int = 0, *,
                 latency: float | Mapping[str, float] = 0.0, intervals: Mapping[str, float] | None = None,
                 tolerance: float = 0.8, max_age: int | None = None, history_days: int = 800) -> None:
        self.world = SimWorld(roles, as_of, seed, history_days)
        lat = latency if isinstance(latency, Mapping) else {h: float(latency) for h in HOSTS}
        intervals = intervals or {}
        self.hosts = {h: HostState(h, latency=float(lat.get(h, 0.0)), interval=float(intervals.get(h, 0.0)),
                                   tolerance=tolerance, max_age=max_age) for h in HOSTS}
        self._hits: list[Hit] = []
        self._stop = threading.Event()
        self._cache: dict[tuple, tuple[bytes, str, str]] = {}
        self._cache_lock = threading.Lock()
        self.api_keys_seen = 0

    # ---- lifecycle ---------------------------------------------------------------------------
    def start(self) -> SimServer:
        for state in self.hosts.values():
            handler = type(f"SimHandler_{state.name}", (_SimHandler,), {"sim": self, "state": state})
            state.httpd = _QuietServer(("127.0.0.1", 0), handler)
            threading.Thread(target=state.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                             name=f"sim-{state.name}", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for state in self.hosts.values():
            if state.httpd is not None:
                state.httpd.shutdown()
                state.httpd.server_close()
                state.httpd = None

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # ---- addresses ---------------------------------------------------------------------------
    def netloc(self, host: str) -> str:
        httpd = self.hosts[host].httpd
        assert httpd is not None, "server not started"
        addr, port = httpd.server_address[:2]
        return f"{addr}:{port}"

    def url(self, host: str, path: str = "") -> str:
        return f"http://{self.netloc(host)}{path}"

    def base_urls(self) -> dict[str, str]:
        """`base_urls` for `night.sources_for(base_urls=...)` / `nightly(base_urls=...)` / `gather`."""
        return {
            "itjobswatch": self.url("itjobswatch"),
            "indeed": self.url("github", INDEED_PREFIX),
            "warn": self.url("github", WARN_PATH),
            "layoffs": self.url("github", LAYOFFS_PATH),
            "bls": self.url("bls"),
            "fred": self.url("fred"),
        }

    def host_of_netloc(self, netloc: str) -> str | None:
        return next((h for h in HOSTS if self.hosts[h].httpd is not None and self.netloc(h) == netloc), None)

    # ---- world control -------------------------------------------------------------------------
    @property
    def as_of(self) -> date:
        return self.world.as_of

    def set_as_of(self, day: date) -> None:
        """Move the world to another date: every dated payload changes."""
        self.world.as_of = day
        self._clear_cache()

    def advance(self, days: int = 1) -> date:
        self.set_as_of(self.world.as_of + timedelta(days=days))
        return self.world.as_of

    def bump(self, role_ids: Iterable[str] | None = None) -> None:
        """Change numbers without moving the date: the given roles' pages, or every payload."""
        if role_ids is None:
            self.world.global_epoch += 1
        else:
            for rid in role_ids:
                self.world.epochs[rid] = self.world.epochs.get(rid, 0) + 1
        self._clear_cache()

    def set_latency(self, host: str, seconds: float) -> None:
        self.hosts[host].latency = seconds

    def set_interval(self, host: str, seconds: float) -> None:
        self.hosts[host].interval = seconds

    # ---- faults ------------------------------------------------------------------------------
    def set_fault(self, host: str, kind: str, roles: Iterable[str] | None = None, paths: Iterable[str] | None = None,
                  count: int | None = None, **params: Any) -> Fault:
        """Switch a fault on for `host`: on the pages of `roles` (role ids), on paths containing one of
        `paths`, or on every path. `count` limits it to that many requests (a 5xx burst)."""
        if host not in HOSTS:
            raise ValueError(f"unknown sim host {host!r}; hosts: {HOSTS}")
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; kinds: {FAULT_KINDS}")
        exact = frozenset(self.world.role_paths(host, roles)) if roles is not None else None
        fault = Fault(kind, exact, tuple(paths) if paths is not None else None, count, dict(params))
        with self.hosts[host].lock:
            self.hosts[host].faults[kind] = fault
        self._clear_cache()
        return fault

    def clear_faults(self, host: str | None = None, kind: str | None = None) -> None:
        for name in ([host] if host else HOSTS):
            with self.hosts[name].lock:
                if kind is None:
                    self.hosts[name].faults.clear()
                else:
                    self.hosts[name].faults.pop(kind, None)
        self._clear_cache()

    def faults(self, host: str) -> dict[str, Fault]:
        return dict(self.hosts[host].faults)

    def robots_txt(self, host: str) -> str:
        fault = self.hosts[host].faults.get("robots")
        if fault is None:
            return ROBOTS_DEFAULT
        blocked = sorted(fault.paths or ()) + list(fault.contains or ())
        if fault.paths is None and fault.contains is None:
            blocked = ["/"]
        return "User-agent: *\n" + "".join(f"Disallow: {p}\n" for p in blocked)

    # ---- the request log ---------------------------------------------------------------------
    def record(self, hit: Hit) -> None:
        self._hits.append(hit)

    def hits(self, host: str | None = None, path: str | None = None, *, contains: str | None = None,
             status: int | None = None) -> list[Hit]:
        out = list(self._hits)
        if host is not None:
            out = [h for h in out if h.host == host]
        if path is not None:
            out = [h for h in out if h.path == path or urlsplit(h.path).path == path]
        if contains is not None:
            out = [h for h in out if contains in h.path]
        if status is not None:
            out = [h for h in out if h.status == status]
        return out

    def reset_hits(self) -> None:
        self._hits.clear()

    def request_counts(self) -> dict[str, int]:
        """Requests each host accepted (429 answers excluded, robots.txt included)."""
        counts = {h: 0 for h in HOSTS}
        for hit in self._hits:
            if hit.status != 429:
                counts[hit.host] += 1
        return counts

    def rejected_counts(self) -> dict[str, int]:
        counts = {h: 0 for h in HOSTS}
        for hit in self._hits:
            if hit.status == 429:
                counts[hit.host] += 1
        return counts

    def arrival_gaps(self, host: str) -> list[float]:
        """Seconds between consecutive accepted requests to `host`, in arrival order."""
        times = sorted(h.at for h in self._hits if h.host == host and h.status != 429)
        return [b - a for a, b in zip(times, times[1:])]

    def gap_summary(self) -> dict[str, dict[str, float | None]]:
        """Per host: the smallest and the median arrival gap, as multiples of the allowed interval."""
        out: dict[str, dict[str, float | None]] = {}
        for host in HOSTS:
            gaps = sorted(self.arrival_gaps(host))
            interval = self.hosts[host].interval
            if not gaps or not interval:
                out[host] = {"min": None, "p01": None, "median": None}
                continue
            out[host] = {"min": gaps[0] / interval, "p01": gaps[len(gaps) // 100] / interval,
                         "median": gaps[len(gaps) // 2] / interval}
        return out

    def politeness_bound(self, counts: Mapping[str, int] | None = None) -> tuple[float, str]:
        """(seconds, host): the slowest host's accepted requests / its allowed rate.

        n requests need at least (n - 1) intervals between them; we count n * interval, the
        time until the host would accept the next one (the usual "requests / rate").
        """
        counts = counts or self.request_counts()
        per_host = {h: counts.get(h, 0) * self.hosts[h].interval for h in HOSTS}
        host = max(per_host, key=per_host.get)
        return per_host[host], host

    # ---- payloads ----------------------------------------------------------------------------
    def _clear_cache(self) -> None:
        with self._cache_lock:
            self._cache.clear()

    def payload(self, host: str, path: str) -> tuple[bytes, str, str] | None:
        """(body, content type, etag) of a GET with the host's content faults for that path applied."""
        state = self.hosts[host]
        with state.lock:
            active = tuple(sorted((f for f in state.faults.values() if f.kind in CONTENT_FAULTS and f.matches(path)),
                                  key=lambda f: f.kind))
        key = (host, path, tuple((f.kind, tuple(sorted(f.params.items()))) for f in active))
        with self._cache_lock:
            hit = self._cache.get(key)
        if hit is not None:
            return hit
        made = self.world.body(host, path, active)
        if made is None:
            return None
        body, ctype = made
        out = (body, ctype, f'"{hashlib.sha256(body).hexdigest()}"')
        with self._cache_lock:
            self._cache[key] = out
        return out

    def bls_payload(self, wanted: Sequence[str]) -> bytes:
        state = self.hosts["bls"]
        with state.lock:
            active = [f for f in state.faults.values() if f.kind in CONTENT_FAULTS and f.matches(BLS_PATH)]
        key = ("bls", tuple(wanted), tuple((f.kind, tuple(sorted(f.params.items()))) for f in active))
        with self._cache_lock:
            hit = self._cache.get(key)
        if hit is not None:
            return hit[0]
        body = self.world.bls_response(wanted, {f.kind: f for f in active})
        with self._cache_lock:
            self._cache[key] = (body, "application/json", "")
        return body

    def warm(self) -> int:
        """Build every GET payload now, so that serving never stalls on generating one (benchmarks)."""
        made = 0
        for host in HOSTS:
            for path in self.world.get_paths(host):
                made += self.payload(host, path) is not None
        return made

    # ---- settings for the run ------------------------------------------------------------------
    def write_settings(self, path: str | Path, **options: Any) -> Path:
        """A settings TOML for a run against this simulator (see `write_settings`)."""
        return write_settings(path, {h: self.netloc(h) for h in HOSTS}, self.world.as_of,
                              {h: self.hosts[h].interval for h in HOSTS}, **options)


def write_settings(path: str | Path, netlocs: Mapping[str, str], as_of: date, allowed: Mapping[str, float], *,
                   intervals: Mapping[str, float] | None = None, connect_timeout: float = 2.0,
                   read_timeout: float = 2.0, total_timeout: float = 30.0, retries: int = 1,
                   backoff_factor: float = 0.05, backoff_max: float = 0.2, retry_after_max: int = 2,
                   max_bytes: int = 20_000_000, user_agent: str | None = None,
                   recheck: bool | Mapping[str, float] = False,
                   alerts: Mapping[str, Any] | None = None, flow: Mapping[str, Any] | None = None,
                   extra_http: Mapping[str, Any] | None = None) -> Path:
    """A settings TOML for a run against simulated hosts, based on core/settings.toml.

    `[http]`: the shipped table with host-keyed tables re-keyed to the sim netlocs: host_intervals
    (the hosts' allowed rates unless `intervals` says otherwise) and, with `recheck`, the shipped
    host_recheck_after (True) or the given seconds per sim host (a mapping); without it no
    recheck horizon, so nights a few seconds apart all ask the sources (fault tests simulate
    separate days). Short timeouts and backoff. `[flow]`: no host retries by default (a retry of
    an unreachable host waits 5 + 30 s). `[sources]`: FRED series, layoffs/WARN at the sim.
    """
    with open(DEFAULT_SETTINGS, "rb") as fh:
        doc: dict[str, Any] = tomllib.load(fh)
    chosen = {h: float((intervals or {}).get(h, allowed.get(h, 0.0))) for h in HOSTS}
    github = f"http://{netlocs['github']}"
    shipped = dict(doc.get("http", {}))
    shipped_recheck = shipped.pop("host_recheck_after", {})
    shipped.pop("host_intervals", None)
    shipped.pop("rate_limits", None)
    shipped.pop("recheck_after", None)
    http: dict[str, Any] = {
        **shipped,
        "user_agent": user_agent or "jobzone/0.1 (+simulated run)",
        "contact": "sim@jobzone.invalid",
        "connect_timeout": connect_timeout, "read_timeout": read_timeout, "total_timeout": total_timeout,
        "retries": retries, "backoff_factor": backoff_factor, "backoff_max": backoff_max,
        "retry_after_max": retry_after_max, "max_bytes": max_bytes, "default_interval": 0.0,
        **dict(extra_http or {}),
        "host_intervals": {netlocs[h]: chosen[h] for h in HOSTS},
    }
    if recheck is True:
        http["host_recheck_after"] = {netlocs[h]: float(shipped_recheck[REAL_HOSTS[h]])
                                      for h in HOSTS if REAL_HOSTS[h] in shipped_recheck}
    elif recheck:
        http["host_recheck_after"] = {netlocs[h]: float(v) for h, v in recheck.items()}
    doc["http"] = http
    doc["flow"] = {**doc.get("flow", {}), "host_retries": 0, "host_retry_delays": [0.5], **dict(flow or {})}
    doc["alerts"] = {**doc.get("alerts", {}), **dict(alerts or {})}
    doc["demo"] = {**doc.get("demo", {}), "as_of": as_of.isoformat()}
    doc["sources"] = {**doc.get("sources", {}),
                      "fred": {"series": list(FRED_SERIES)},
                      "layoffs": {"location": github + LAYOFFS_PATH},
                      "warn": {"location": github + WARN_PATH}}
    path = Path(path)
    path.write_text(dump_toml(doc), encoding="utf-8")
    return path


def dump_toml(doc: Mapping[str, Any]) -> str:
    """A minimal TOML writer for nested tables of str/int/float/bool/lists (enough for settings)."""
    lines: list[str] = []

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(value(x) for x in v) + "]"
        raise TypeError(f"cannot write {type(v).__name__} to TOML")

    def table(prefix: str, t: Mapping[str, Any]) -> None:
        scalars = {k: v for k, v in t.items() if not isinstance(v, Mapping)}
        tables = {k: v for k, v in t.items() if isinstance(v, Mapping)}
        if prefix:
            lines.append(f"[{prefix}]")
        for k, v in scalars.items():
            lines.append(f"{json.dumps(str(k))} = {value(v)}")
        if prefix:
            lines.append("")
        for k, v in tables.items():
            table(f"{prefix}.{json.dumps(str(k))}" if prefix else json.dumps(str(k)), v)

    table("", doc)
    return "\n".join(lines) + "\n"


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
            return  # a client that gave up (timeout, size cap) is part of the scenario
        super().handle_error(request, client_address)


class _SimHandler(BaseHTTPRequestHandler):
    sim: SimServer
    state: HostState
    protocol_version = "HTTP/1.1"
    server_version = "jobzone-sim/1"

    def log_message(self, fmt: str, *args: Any) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without TCP_NODELAY, Nagle + delayed ACK
        # add ~40 ms to every response, an artefact of the simulator, not of any real host.
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    # ---- helpers -----------------------------------------------------------------------------
    def _hit(self, status: int) -> None:
        self.sim.record(Hit(self.state.name, self.command, self.path, status, self._arrived,
                            bool(self.headers.get("If-None-Match") or self.headers.get("If-Modified-Since")),
                            self.headers.get("User-Agent", "")))

    def _admit(self) -> bool:
        """Enforce the host's rate: False (and a 429 sent) when the client is too fast."""
        self._arrived = time.monotonic()
        st = self.state
        with st.lock:
            if st.interval > 0 and self._arrived - st.last_accepted < st.interval * st.tolerance:
                rejected = True
            else:
                rejected = False
                st.last_accepted = self._arrived
        if rejected:
            self._hit(429)
            self._send(429, b"Too Many Requests\n", headers={"Retry-After": str(max(1, st.retry_after))})
            return False
        return True

    def _sleep(self, seconds: float) -> bool:
        """Sleep unless the simulator stops; False when it stopped."""
        return not self.sim._stop.wait(seconds) if seconds > 0 else True

    def _send(self, status: int, body: bytes = b"", content_type: str = "text/plain; charset=utf-8",
              headers: Mapping[str, str] | None = None) -> None:
        self.send_response(status)
        if status != 304:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
        for name, val in (headers or {}).items():
            self.send_header(name, val)
        self.end_headers()
        if body and status != 304 and self.command != "HEAD":
            self.wfile.write(body)

    def _transport_fault(self) -> bool:
        """Apply a transport fault to this request; True when the request was answered by it."""
        st = self.state
        with st.lock:
            found = None
            for kind in ("offhost_redirect", "http_5xx", "timeout", "truncated", "huge"):
                fault = st.faults.get(kind)
                if fault is not None and fault.matches(self.path) and (fault.remaining is None or fault.remaining > 0):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    found = fault
                    break
        if found is None:
            return False
        kind, p = found.kind, found.params
        if kind == "http_5xx":
            status = int(p.get("status", 503))
            self._hit(status)
            headers = {"Retry-After": str(p["retry_after"])} if "retry_after" in p else {}
            self._send(status, b"upstream error (simulated)\n", headers=headers)
        elif kind == "timeout":
            self._hit(0)
            self._sleep(float(p.get("seconds", 5.0)))
            self.close_connection = True
            try:
                self._send(504, b"too late\n")
            except OSError:
                pass
        elif kind == "offhost_redirect":
            other = next(h for h in HOSTS if h != self.state.name)
            target = p.get("location") or self.sim.url(other, "/moved" + self.path)
            self._hit(302)
            self._send(302, b"", headers={"Location": target})
        elif kind == "truncated":
            payload = self.sim.payload(st.name, self.path)
            body = payload[0] if payload else b"x" * 10_000
            self._hit(200)
            self.send_response(200)
            self.send_header("Content-Type", payload[1] if payload else "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: max(1, len(body) // 2)])
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        elif kind == "huge":
            self._hit(200)
            self._send_huge(int(p.get("bytes", HUGE_BYTES)), bool(p.get("declare_length", False)))
        return True

    def _send_huge(self, size: int, declare_length: bool) -> None:
        chunk = (b"<p>" + b"0123456789" * 6500 + b"</p>\n")[:_CHUNK]
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8" if self.state.name == "itjobswatch"
                         else "text/csv; charset=utf-8")
        if declare_length:
            self.send_header("Content-Length", str(size))
        else:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        sent = 0
        try:
            while sent < size and not self.sim._stop.is_set():
                part = chunk[: min(len(chunk), size - sent)]
                if declare_length:
                    self.wfile.write(part)
                else:
                    self.wfile.write(f"{len(part):X}\r\n".encode() + part + b"\r\n")
                sent += len(part)
            if not declare_length:
                self.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass  # the client hit its size cap and hung up: expected

    # ---- methods -----------------------------------------------------------------------------
    def do_GET(self) -> None:
        if not self._admit():
            return
        st = self.state
        if not self._sleep(st.latency):
            return
        if urlsplit(self.path).path == "/robots.txt":
            self._hit(200)
            return self._send(200, self.sim.robots_txt(st.name).encode())
        if self._transport_fault():
            return
        payload = self.sim.payload(st.name, self.path)
        if payload is None:
            self._hit(404)
            return self._send(404, b"not found (simulated host)\n")
        body, ctype, etag = payload
        headers = {"ETag": etag, "Last-Modified": email.utils.format_datetime(
            datetime.combine(self.sim.as_of, datetime.min.time(), timezone.utc), usegmt=True)}
        if st.max_age is not None:
            headers["Cache-Control"] = f"max-age={st.max_age}"
        inm = self.headers.get("If-None-Match")
        if inm is not None and etag in [c.strip().removeprefix("W/") for c in inm.split(",")]:
            self._hit(304)
            return self._send(304, headers=headers)
        self._hit(200)
        self._send(200, body, ctype, headers)

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not self._admit():
            return
        if not self._sleep(self.state.latency):
            return
        if self.state.name != "bls" or urlsplit(self.path).path != BLS_PATH:
            self._hit(404)
            return self._send(404, b"no POST route here\n")
        if self._transport_fault():
            return
        try:
            query = json.loads(raw or b"{}")
            wanted = [str(s).upper() for s in query.get("seriesid") or []]
        except (ValueError, AttributeError):
            self._hit(400)
            return self._send(400, b'{"status":"REQUEST_FAILED","message":["bad JSON body"]}', "application/json")
        if query.get("registrationkey"):
            self.sim.api_keys_seen += 1  # counted, never stored
        body = self.sim.bls_payload(wanted)
        self._hit(200)
        self._send(200, body, "application/json", {"ETag": f'"{hashlib.sha256(body).hexdigest()}"'})


# --------------------------------------------------------------------------- convenience

def scaled_intervals(scale: float) -> dict[str, float]:
    """The real hosts' intervals from core/settings.toml, multiplied by `scale`, per sim host."""
    with open(DEFAULT_SETTINGS, "rb") as fh:
        cfg = tomllib.load(fh)
    table = cfg.get("http", {}).get("host_intervals", {})
    default = float(cfg.get("http", {}).get("default_interval", 1.0))
    return {h: float(table.get(REAL_HOSTS[h], default)) * scale for h in HOSTS}
