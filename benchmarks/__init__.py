"""jobzone benchmarks: `python -m benchmarks [--json]` (see benchmarks/__main__.py).

The benchmarks drive the real code (scrapers, jobzone.night, flows.nightly, warehouse) against the
shared simulator in `tests/support/` (simulated sources + synthetic catalogue), so the repository
root must be importable; it is added to sys.path here when it is not.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
