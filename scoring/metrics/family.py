"""What a metric family declares: the metrics it makes, what each reads, how it is keyed, how it computes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase

import pandas as pd

#: compute(observations known on as_of, the roles' lookup keys, as_of, rubric) -> metric rows
Compute = Callable[..., pd.DataFrame]


@dataclass(frozen=True)
class Output:
    """One metric a family makes.

    `source`/`reads`: the observations behind it (shell patterns, e.g. `oews_*`): a quarantined
    row of these turns "no data" into "quarantined", and a failed request of the source makes
    it `request_failed`. `request_kind`: for a source whose files carry a `kind` in their request
    context, the kind it reads. `deflated`: a real-terms metric, deflated by the CPI of
    `cpi_geography` (None: the role's own). `needs`: a further lookup key it cannot do without.
    `label`: the signal in words an analyst reads (`jobzone explain` and the site show it).
    """

    unit: str
    source: str
    reads: tuple[str, ...]
    request_kind: str | None = None
    deflated: bool = False
    cpi_geography: str | None = None
    needs: str | None = None
    label: str = ""

    def reads_metric(self, source: str, metric: str) -> bool:
        return source == self.source and any(fnmatchcase(metric, m) for m in self.reads)


@dataclass(frozen=True)
class Family:
    """One metric family, declared once: its `outputs` (metric name -> `Output`), the role lookup
    key its rows are selected by (`itjobswatch` page, `indeed` country, `bls_series`,
    `layoff_industries`, `role` id), the comparison it makes, and `compute`, which makes every
    role's rows at once: compute(observations, roles, as_of, rubric, **shared) -> metric rows."""

    name: str
    key: str
    comparison: str
    outputs: Mapping[str, Output]
    compute: Compute
    #: night-wide helpers it shares with other families (`deflator`: CPI, `levels`: Indeed series)
    shared: tuple[str, ...] = ()
