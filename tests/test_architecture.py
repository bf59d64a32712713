"""The floors and rooms of ``docs/architecture.md``, kept true: which package may import which,
no import cycles, no private names across modules, no silent degradation on a failed import.

The import graph is read from the source (every ``import`` and ``from ... import``, at any
depth of the module, since a function-level import is a dependency too)."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = SRC / "target87"

# What each top-level part of target87 may import (besides itself). The floors first: nothing
# below them; then the rooms, which stand on floors and never on each other unless listed;
# then the doors (web, cli), which may use everything. Keep in step with docs/architecture.md.
FLOORS = {
    "store": set(),
    "presentation": set(),
    "ingest": {"store"},
    "validation": {"ingest", "store"},
    "interop": {"ingest", "presentation", "store", "validation"},
}
ROOMS = {
    "progress": {"store"},
    "profiles": {"evidence", "library", "presentation", "progress", "reporting", "risk", "store"},
    "risk": {"presentation", "store"},
    "reporting": {"ingest", "interop", "presentation", "store", "validation"},
    "evidence": {"presentation", "store", "interop", "ingest", "validation"},
    "supply": {"presentation", "store", "interop", "ingest", "validation"},
    "library": {"presentation", "reporting", "store", "interop", "ingest", "validation"},
    "warehouse": {"ingest", "interop", "profiles", "store"},
}
DOORS = {"web", "cli"}
EVERYTHING = set(FLOORS) | set(ROOMS) | DOORS
ALLOWED: dict[str, set[str]] = {
    **FLOORS,
    **ROOMS,
    "web": EVERYTHING - {"cli"},
    "cli": EVERYTHING,
    "__main__": {"cli"},
    "data": set(),
    "locale": set(),
}
# The schema's migrations see every room's tables (one metadata for Alembic).
EXCEPTIONS = {
    ("target87.store.migrations.env", "reporting"),
    ("target87.store.migrations.env", "risk"),
    ("target87.store.migrations.env", "evidence"),
    ("target87.store.migrations.env", "library"),
}
# Inside web: each room is a sub-package that uses the shared plumbing (web.site) and no
# other room; web.app registers the rooms.
WEB_ROOMS = {"public", "reporting", "risk", "evidence", "api"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _resolve(name: str) -> str:
    known = modules()
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name


@cache
def imports() -> dict[str, list[tuple[str, list[str], int]]]:
    """module -> [(imported module, names taken from it, line)] for target87 modules only."""
    found: dict[str, list[tuple[str, list[str], int]]] = {}
    for name, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        edges = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("target87"):
                        edges.append((_resolve(alias.name), [], node.lineno))
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(parts + ([base] if base else []))
                if not base.startswith("target87"):
                    continue
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    if full in modules():  # `from package import module`
                        edges.append((full, [], node.lineno))
                    else:
                        edges.append((_resolve(base), [alias.name], node.lineno))
        found[name] = [e for e in edges if e[0] and e[0] != name]
    return found


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "target87"


def test_the_graph_is_read_from_the_source():
    graph = imports()
    assert len(graph) > 100
    targets = {t for t, _, _ in graph["target87.cli.app"]}
    assert "target87.cli.io_cmd" in targets  # `from target87.cli import io_cmd`
    assert "target87.cli.common" in targets  # `from target87.cli.common import state`


def test_each_package_imports_only_what_its_floor_allows():
    wrong = []
    for module, edges in imports().items():
        here = _part(module)
        if here == "target87":
            continue
        assert here in ALLOWED, f"{module}: package {here!r} is not in docs/architecture.md"
        for target, _, line in edges:
            there = _part(target)
            if there in (here, "target87") or there in ALLOWED[here]:
                continue
            if (module, there) in EXCEPTIONS:
                continue
            wrong.append(f"{modules()[module].relative_to(ROOT)}:{line} imports {target}")
    assert not wrong, "imports against docs/architecture.md:\n" + "\n".join(wrong)


def test_rooms_and_floors_never_import_the_doors():
    for module, edges in imports().items():
        if _part(module) in DOORS or _part(module) in ("target87", "__main__"):
            continue
        doors = [t for t, _, _ in edges if _part(t) in DOORS]
        assert not doors, f"{module} imports {doors}"


def test_web_rooms_share_only_the_site_plumbing():
    wrong = []
    for module, edges in imports().items():
        parts = module.split(".")
        if parts[:2] != ["target87", "web"] or len(parts) < 3 or parts[2] not in WEB_ROOMS:
            continue
        for target, _, line in edges:
            other = target.split(".")
            inside_web = other[:2] == ["target87", "web"] and len(other) > 2
            if inside_web and other[2] not in (parts[2], "site"):
                wrong.append(f"{module}:{line} imports {target}")
    assert not wrong, "\n".join(wrong)


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(graph[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph.get(child, []))))
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


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == [["a", "b", "c"]]
    assert _cycles({"a": ["b"], "b": []}) == []


def test_no_module_imports_itself_back():
    graph = {m: sorted({t for t, _, _ in edges}) for m, edges in imports().items()}
    assert _cycles(graph) == []


def test_no_module_takes_another_modules_private_names():
    taken = [
        f"{modules()[m].relative_to(ROOT)}:{line} takes {target}.{name}"
        for m, edges in imports().items()
        for target, names, line in edges
        for name in names
        if name.startswith("_") and not name.startswith("__")
    ]
    assert not taken, "\n".join(taken)


def test_no_silent_degradation_when_an_import_fails():
    quiet = [
        str(p.relative_to(ROOT))
        for p in PACKAGE.rglob("*.py")
        if re.search(r"except\s*\(?\s*(ImportError|ModuleNotFoundError)", p.read_text("utf-8"))
    ]
    assert not quiet, f"an import failure must fail loudly: {quiet}"
    skipping = [
        str(p.relative_to(ROOT))
        for p in (ROOT / "tests").rglob("*.py")
        if re.search(r"importorskip\(\s*[\"']target87", p.read_text("utf-8"))
    ]
    assert not skipping, f"tests must not skip when the project's own modules fail: {skipping}"


@pytest.mark.parametrize("part", sorted(set(FLOORS) | set(ROOMS) | DOORS))
def test_the_architecture_page_names_every_part(part):
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    if (PACKAGE / part).exists() or (PACKAGE / f"{part}.py").exists():
        assert f"`{part}`" in page, f"docs/architecture.md does not describe `{part}`"
