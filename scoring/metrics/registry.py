"""The metric families, registered once, and the facts derived from their declarations: every
metric name and unit, what each reads, which request kinds and lookup keys feed it.

Adding a metric from a source already collected: a module declaring its `Family` (or one more
`Output` of a family), one line below, and its rubric block in `scoring/rubric*.toml` (each
version that scores it)."""

from __future__ import annotations

from scoring.metrics import (claims, exposure, hiring, hn_share, indeed_country, layoffs, pay_itjw, pay_oews,
                             pay_soc, postings_indeed, postings_role, projections)
from scoring.metrics.family import Family, Output

FAMILIES: tuple[Family, ...] = (
    postings_role.FAMILY,
    postings_indeed.FAMILY,
    pay_itjw.FAMILY,
    pay_oews.FAMILY,
    indeed_country.WAGES_FAMILY,
    indeed_country.AI_SHARE_FAMILY,
    layoffs.FAMILY,
    claims.FAMILY,
    # rubric-v2's role-level signals
    hn_share.FAMILY,
    hiring.FAMILY,
    pay_soc.FAMILY,
    exposure.FAMILY,
    projections.FAMILY,
)

#: metric name -> (its family, its declaration)
OUTPUTS: dict[str, tuple[Family, Output]] = {m: (f, o) for f in FAMILIES for m, o in f.outputs.items()}
METRIC_NAMES: tuple[str, ...] = tuple(OUTPUTS)


def output(metric: str) -> Output:
    return OUTPUTS[metric][1]


def label(metric: str) -> str:
    """The metric in an analyst's words (its declaration's `label`; the id when it declares none)."""
    found = OUTPUTS.get(metric)
    return (found[1].label if found else "") or metric


def key_of(metric: str) -> str:
    """The role lookup key the metric's rows are selected by (see `Family.key`)."""
    return OUTPUTS[metric][0].key


def reading(source: str) -> tuple[str, ...]:
    """The metrics that read a source (not counting CPI deflation)."""
    return tuple(m for m, (_, o) in OUTPUTS.items() if o.source == source)


def by_request_kind(source: str) -> dict[str, tuple[str, ...]]:
    """A source's request kind (its files' `kind` context) -> the metrics that read it."""
    out: dict[str, tuple[str, ...]] = {}
    for m, (_, o) in OUTPUTS.items():
        if o.source == source and o.request_kind:
            out[o.request_kind] = out.get(o.request_kind, ()) + (m,)
    return out


def deflated() -> dict[str, str | None]:
    """Real-terms metric -> the geography whose CPI deflates it (None: the role's own)."""
    return {m: o.cpi_geography for m, (_, o) in OUTPUTS.items() if o.deflated}
