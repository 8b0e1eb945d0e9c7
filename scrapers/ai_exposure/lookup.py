"""The catalogue key the exposure studies read besides the role's 2018 SOC (`soc`): its O*NET-SOC
codes (GPTs-are-GPTs keys on them; `15-1299.08` says more than its SOC `15-1299`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from scrapers.occupations import ONET_SOC_KEY, ONET_SOC_RE

OnetSoc = Annotated[str, StringConstraints(pattern=ONET_SOC_RE.pattern)]

LOOKUP = {ONET_SOC_KEY: (list[OnetSoc], [])}
