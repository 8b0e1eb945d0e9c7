"""The BLS v2 timeseries API (a POST): OEWS annual wages per series and the CPI series, in the
v2 JSON envelope; unknown series get the API's "does not exist" message.

Content faults: ``layout`` (the envelope's `Results` renamed), ``implausible`` (a latest OEWS
value of 5), ``xss`` (a script in the messages).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from sim.hosts import BLS_CPI_SERIES, XSS_PAYLOADS
from sim.numbers import MONTHS, between, months_back
from sim.world import SimWorld


def response(world: SimWorld, wanted: Sequence[str], faults: Mapping[str, Any] = {}) -> bytes:
    newest_oews = world.as_of.year - 1 if world.as_of.month >= 4 else world.as_of.year - 2
    series_out, messages = [], []
    for sid in wanted:
        sid = str(sid).upper()
        if sid.startswith("OEU"):
            base = between(60000, 160000, world.seed, "oews", sid)
            growth = between(-0.03, 0.08, world.seed, "oewsg", sid)
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
            newest = months_back(world.as_of, 2)
            data = []
            for k in range(36):
                m = months_back(newest, k)
                t = (m.toordinal() - world.as_of.toordinal()) / 365.0
                data.append({"year": str(m.year), "period": f"M{m.month:02d}", "periodName": MONTHS[m.month - 1],
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
