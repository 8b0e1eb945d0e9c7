"""The shared simulator's own tests: make `tests.support` importable whatever the import mode."""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
