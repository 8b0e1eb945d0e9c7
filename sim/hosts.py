"""The simulated hosts, the paths each serves, and the faults a host can be switched to.

One sim host per real host, so that per-host politeness means something:

=============  ===================================================  ==========================
sim host       impersonates                                         sources
=============  ===================================================  ==========================
itjobswatch    www.itjobswatch.co.uk (current layout role pages)   itjobswatch
github         raw.githubusercontent.com                           indeed, warn, layoffs
bls            api.bls.gov (v2 POST)                               bls
fred           fred.stlouisfed.org (fredgraph.csv)                 fred
<real host>    each host a source's own double declares             boards (3 ATS APIs), ons
=============  ===================================================  ==========================
"""

from __future__ import annotations

from scrapers.registry import SOURCES

#: every source that brings its own double (`Source.simulation`, scrapers/README.md): one sim host
#: per real host it declares, named by that host (boards: the three ATS APIs; ons)
SIMULATED = {name: s for name, s in SOURCES.items() if s.simulation is not None}
DOUBLE_HOSTS = tuple(dict.fromkeys(h for s in SIMULATED.values() for h in s.hosts))

HOSTS = ("itjobswatch", "github", "bls", "fred", *DOUBLE_HOSTS)
SOURCE_HOST = {"itjobswatch": "itjobswatch", "indeed": "github", "warn": "github", "layoffs": "github",
               "bls": "bls", "fred": "fred", **{name: next(iter(s.hosts)) for name, s in SIMULATED.items()}}
#: the real host each sim host stands for, and its interval in core/settings.toml
REAL_HOSTS = {"itjobswatch": "www.itjobswatch.co.uk", "github": "raw.githubusercontent.com",
              "bls": "api.bls.gov", "fred": "fred.stlouisfed.org", **{h: h for h in DOUBLE_HOSTS}}
#: sim host -> the sources whose doubles answer it (bls_ep and oews share www.bls.gov: each
#: double answers its own paths, the first to answer wins)
DOUBLE_OF: dict[str, tuple[str, ...]] = {}
for _name, _source in SIMULATED.items():
    for _host in _source.hosts:
        DOUBLE_OF[_host] = (*DOUBLE_OF.get(_host, ()), _name)

# ---- paths (IT Jobs Watch role pages come from the roles: `WorldRole.page_path`)
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

# ---- faults (applied by `sim.host_server` for transport, by `sim.payloads` for content)
TRANSPORT_FAULTS = ("http_5xx", "timeout", "truncated", "huge", "offhost_redirect", "robots")
#: hostile transport (issue 14): the response headers, or a Content-Length body, sent a byte at a
#: time (``interval`` seconds apart, the server giving up after ``max_seconds``)
TRANSPORT_FAULTS += ("drip_headers", "drip_body")
CONTENT_FAULTS = ("layout", "non_utf8", "implausible", "xss")
#: hostile content (issue 14): a 200 with the wrong body (``variant`` access_denied / empty), a
#: payload dated in the future (``end``), the current postings scaled per role (``by_role``)
CONTENT_FAULTS += ("wrong_content", "future_dated", "scaled")
FAULT_KINDS = TRANSPORT_FAULTS + CONTENT_FAULTS

#: strings a scraped page carries under the ``xss`` fault; none may appear unescaped in the site
XSS_PAYLOADS = ('<script>alert("jobzone-xss")</script>', '<img src=x onerror=alert("jobzone-xss")>')
#: the body size of the ``huge`` fault (streamed from one reused chunk)
HUGE_BYTES = 50 * 1024 * 1024
ROBOTS_DEFAULT = "User-agent: *\nDisallow: /private/\n"
