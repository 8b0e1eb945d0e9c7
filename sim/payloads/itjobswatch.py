"""IT Jobs Watch role pages, built like the current layout sample.

`scrapers/samples/developer_permanent_uk_2020-03-02_current-layout.html`: the role's table in
`section#headline_statistics` (`<sup>` in labels, three period columns), then the all-IT baseline
table; numbers varied per role and world date. Content faults: ``layout`` (the role table
relabelled, or removed with ``variant="remove"``), ``non_utf8`` (Latin-1 bytes in a page that
claims UTF-8), ``implausible`` (postings x50 and/or a GBP 5 median), ``xss`` (a script in the
role name), ``future_dated`` (the header reads "6 months to" the ``end`` date, 2 Mar 2030 by
default), ``scaled`` (the current period's postings times the role's factor in ``by_role``, pairs
of role id and factor: a count that jumps, compounds or falls while the rest of the page is right).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from html import escape
from typing import Any

from sim.hosts import XSS_PAYLOADS
from sim.numbers import between, day_text, money, pct, unit
from sim.world import SimWorld, WorldRole


def numbers(world: SimWorld, role: WorldRole) -> dict[str, list[float | None]]:
    """The role table's numbers (current period, year-1, year-2) on the world date."""
    key = (world.seed, "itjw", role.slug)
    day = world.as_of.toordinal()
    epoch = world.epoch(role)
    wiggle = 1 + 0.01 * math.sin(day / 9.0 + 6.28 * unit(*key, "phase")) + 0.004 * epoch
    now = math.exp(between(math.log(150), math.log(20000), *key, "postings")) * wiggle
    g1, g2 = between(-0.35, 0.45, *key, "g1"), between(-0.3, 0.3, *key, "g2")
    postings = [round(now), round(now / (1 + g1)), round(now / (1 + g1) / (1 + g2))]
    quoted = [max(1, round(p * between(0.5, 0.9, *key, "quoted"))) for p in postings]
    if role.kind == "contract":
        median0 = round(between(300, 800, *key, "median") * (1 + 0.002 * epoch) / 5) * 5
    else:
        median0 = round(between(35000, 110000, *key, "median") * (1 + 0.002 * epoch) / 250) * 250
    s1, s2 = between(-0.08, 0.15, *key, "s1"), between(-0.05, 0.1, *key, "s2")
    medians = [median0, median0 / (1 + s1), median0 / (1 + s1) / (1 + s2)]
    return {
        "rank": [1 + int(900 * unit(*key, "rank", j)) for j in range(3)],
        "postings": postings,
        "share": [p / 1200.0 for p in postings],
        "quoted": quoted,
        "p10": [m * 0.62 for m in medians],
        "p25": [m * 0.8 for m in medians],
        "median": medians,
        "median_yoy": [s1 * 100, s2 * 100, between(-5, 8, *key, "s3")],
        "p75": [m * 1.2 for m in medians],
        "p90": [m * 1.5 for m in medians],
        "ex_london": [m * 0.9 for m in medians],
    }


def page(world: SimWorld, role: WorldRole, faults: Mapping[str, Any] = {}) -> bytes:
    """The role's page: its table and the all-IT baseline table, with the content faults applied."""
    n = numbers(world, role)
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
    if "scaled" in faults:
        factor = dict(faults["scaled"].params.get("by_role", ())).get(role.role_id)
        if factor is not None:
            n["postings"] = [n["postings"][0] * factor, *n["postings"][1:]]
    end = world.as_of - timedelta(days=1)
    if "future_dated" in faults:
        end = date.fromisoformat(faults["future_dated"].params.get("end", "2030-03-02"))
    pay = "daily rate" if contract else "annual salary"
    quoted_label = "Number of daily rates quoted" if contract else "Number of salaries quoted"
    median_label = f"Median {pay} (50<sup>th</sup> Percentile)"
    postings_label = f"{kind_word} jobs requiring a {escape(name)}"
    layout = faults.get("layout")
    variant = layout.params.get("variant", "relabel") if layout else None
    if variant == "relabel":
        postings_label = f"{kind_word} job adverts mentioning {escape(name)}"
        median_label = f"Median {pay} (middle)"
    fmt_money = money
    if "non_utf8" in faults:
        fmt_money = lambda v: f"\xa3{v:,.0f}"  # noqa: E731 - a Latin-1 pound sign in a "UTF-8" page

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
        row("10<sup>th</sup> Percentile", n["p10"], fmt_money),
        row("25<sup>th</sup> Percentile", n["p25"], fmt_money),
        row(median_label, n["median"], fmt_money),
        row("Median % change year-on-year", n["median_yoy"], pct),
        row("75<sup>th</sup> Percentile", n["p75"], fmt_money),
        row("90<sup>th</sup> Percentile", n["p90"], fmt_money),
        row(f"UK excluding London median {pay}", n["ex_london"], fmt_money),
        row("% change year-on-year", [None, 3.1, 2.2], pct),
    ))
    header = (
        '\t<tr class="rowHdr">\n\t\t<th class="hdr">Location: UK</th>\n'
        f'\t\t<th class="hdrCol">6 months to<br>{day_text(end)}</th>\n'
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
        + row(median_label, base_median, fmt_money)
        + "</table>\n"
    )
    h1 = escape(name) + (" \xff\xfe" if "non_utf8" in faults else "")
    html = (
        "<!DOCTYPE html>\n<!-- SYNTHETIC PAGE (sim.simserver): structure of the current IT Jobs Watch"
        " layout, numbers generated. -->\n"
        '<html lang="en">\n<head>\n    <meta charset="utf-8" />\n'
        f"    <title>{escape(name)} Jobs, Average Salaries and Trends | IT Jobs Watch</title>\n</head>\n<body>\n"
        f'<h1 id="h1">{h1} Jobs</h1>\n'
        f'<section id="headline_statistics">\n<h2>{escape(name)}<br>UK</h2>\n{role_table}{baseline}</section>\n'
        "</body>\n</html>\n"
    )
    return html.encode("latin-1" if "non_utf8" in faults else "utf-8", errors="xmlcharrefreplace")
