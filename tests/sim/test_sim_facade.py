"""The `sim.simserver` facade still offers every name its users import from it, and `sim/` stays
in files of one concern. (Its place among the floors is checked by tests/architecture.)"""

from __future__ import annotations

import importlib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_the_simserver_facade_reexports_what_its_users_import():
    simserver = importlib.import_module("sim.simserver")
    for name in simserver.__all__:
        assert getattr(simserver, name) is not None, name
    used = {"SimServer", "HOSTS", "XSS_PAYLOADS", "dump_toml", "scaled_intervals", "write_settings"}
    assert used <= set(simserver.__all__)
    from sim import hosts, run_settings

    assert simserver.HOSTS is hosts.HOSTS and simserver.write_settings is run_settings.write_settings


def test_no_sim_module_grows_past_500_lines():
    sizes = {str(p.relative_to(REPO)): len(p.read_text().splitlines()) for p in (REPO / "sim").rglob("*.py")}
    assert {name: n for name, n in sizes.items() if n > 500} == {}
