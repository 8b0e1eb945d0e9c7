"""The tree is the night: every import runs down the floors, never up, sideways or in a circle.

Floors, lowest first; a module may import only from its own floor's package or a lower floor.
`scoring` and `warehouse` share a floor but neither may import the other. Imports inside
functions count too: a lazy import is still an arrow.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FLOORS: list[set[str]] = [{"core"}, {"scrapers"}, {"scoring", "warehouse"}, {"website"}, {"flows"}, {"cli"},
                          {"sim"}, {"benchmarks"}]
RANK = {package: rank for rank, group in enumerate(FLOORS) for package in group}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(root: Path = REPO) -> dict[str, Path]:
    return {module_name(p, root): p for package in RANK for p in (root / package).rglob("*.py")}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules `name` imports, anywhere in its body."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            # `from pkg import sub` depends on the module pkg.sub when there is one, else on pkg
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in known else target)
    return {m for m in found if m.split(".")[0] in RANK}


def graph(root: Path = REPO) -> dict[str, set[str]]:
    mods = modules(root)
    known = set(mods)
    return {name: imports_of(name, path, known) - {name} for name, path in mods.items()}


def floor_violations(edges: dict[str, set[str]]) -> list[str]:
    bad = []
    for importer, targets in edges.items():
        here = importer.split(".")[0]
        for target in targets:
            there = target.split(".")[0]
            if there == here:
                continue
            if RANK[there] > RANK[here]:
                bad.append(f"{importer} imports {target}: up from {here} to {there}")
            elif RANK[there] == RANK[here]:
                bad.append(f"{importer} imports {target}: sideways from {here} to {there}")
    return sorted(bad)


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in edges:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def test_every_import_runs_down_the_floors():
    assert floor_violations(graph()) == []


def test_no_module_imports_itself_back_in_a_circle():
    assert cycles(graph()) == []


def test_nothing_outside_the_tests_imports_the_tests():
    offenders = []
    for name, path in modules().items():
        text = path.read_text()
        tree = ast.parse(text)
        for node in ast.walk(tree):
            target = (node.module or "") if isinstance(node, ast.ImportFrom) else (
                " ".join(a.name for a in node.names) if isinstance(node, ast.Import) else "")
            if target == "tests" or target.startswith("tests."):
                offenders.append(f"{name} imports {target}")
        if '"-m", "tests.' in text:
            offenders.append(f"{name} runs a tests module")
    assert offenders == []


# --------------------------------------------------------------------------- the check itself

@pytest.fixture
def tree(tmp_path):
    """A throwaway tree of the same floors, to prove the check fails where it should."""
    return tmp_path


def _write(root: Path, module: str, body: str) -> None:
    path = root.joinpath(*module.split(".")).with_suffix(".py")
    path.parent.mkdir(parents=True, exist_ok=True)
    for parent in path.relative_to(root).parents:
        if str(parent) != ".":
            (root / parent / "__init__.py").touch()
    path.write_text(body)


def test_the_check_catches_an_upward_a_sideways_and_a_lazy_import(tree):
    _write(tree, "core.errors", "")
    _write(tree, "core.paths", "from core.errors import *\n")
    _write(tree, "scrapers.base", "from core import errors\n")
    _write(tree, "warehouse.db", "def f():\n    from flows import night\n")  # lazy, and upwards
    _write(tree, "scoring.rubric", "import warehouse.db\n")                 # sideways
    _write(tree, "flows.night", "from scrapers import base\n")                # down: fine
    assert floor_violations(graph(tree)) == [
        "scoring.rubric imports warehouse.db: sideways from scoring to warehouse",
        "warehouse.db imports flows.night: up from warehouse to flows",
    ]


def test_the_check_catches_a_circle_through_a_relative_import(tree):
    _write(tree, "flows.steps.plan", "from . import score\n")
    _write(tree, "flows.steps.score", "def f():\n    from flows.steps.plan import plan\n")
    _write(tree, "flows.steps.alert", "from flows.steps import plan\n")
    assert cycles(graph(tree)) == [["flows.steps.plan", "flows.steps.score"]]
