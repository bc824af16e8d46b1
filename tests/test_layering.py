"""The package's layering: no import cycles anywhere (counting imports under
TYPE_CHECKING and inside functions), core never imports a venue, and the client base
loads no emulator code."""

from __future__ import annotations

import ast
from pathlib import Path

import tradeport

SRC = Path(tradeport.__file__).parent
VENUES = "tradeport.venues"
# what lives under tradeport.venues but is venue-neutral core
CORE_UNDER_VENUES = {"base", "capability", "errormap", "kit", "readiness", "reconcile"}
CORE_UNDER_VENUES |= {"registry", "streaming"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in SRC.rglob("*.py")}


def _imports(name: str, *, module_level_only: bool = False) -> set[str]:
    """The tradeport modules `name` imports, wherever the import statement stands."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            for alias in node.names:
                child = f"{base}.{alias.name}"
                found.add(child if child in MODULES else base)
    if module_level_only:
        top = _top_level_imports(path, package)
        found &= top
    return {m for m in found if m in MODULES and m != name}


def _top_level_imports(path: Path, package: str) -> set[str]:
    """Imports executed when the module loads (not under TYPE_CHECKING, not in a def)."""
    found: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parent, base] if base else parent)
                found.add(base)
                found.update(f"{base}.{a.name}" for a in node.names)
            elif isinstance(node, ast.If) and "TYPE_CHECKING" not in ast.unparse(node.test):
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)

    visit(ast.parse(path.read_text()).body)
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
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


def test_no_import_cycles_anywhere_in_the_package() -> None:
    graph = {name: _imports(name) for name in MODULES}
    assert _cycles(graph) == []


def _venue_of(module: str) -> str | None:
    if not module.startswith(VENUES + "."):
        return None
    first = module[len(VENUES) + 1 :].split(".")[0]
    return None if first in CORE_UNDER_VENUES else first


def test_core_never_imports_a_venue() -> None:
    offenders = {
        (name, imported)
        for name in MODULES
        if _venue_of(name) is None
        for imported in _imports(name)
        if _venue_of(imported) is not None
    }
    assert offenders == set()


def test_a_venue_imports_no_other_venue() -> None:
    offenders = {
        (name, imported)
        for name in MODULES
        if _venue_of(name) is not None
        for imported in _imports(name)
        if _venue_of(imported) not in (None, _venue_of(name))
    }
    assert offenders == set()


def test_the_client_base_loads_no_emulator_code() -> None:
    loaded = _imports("tradeport.venues.base", module_level_only=True)
    assert {m for m in loaded if m.startswith("tradeport.emulator")} == set()


def test_the_cycle_finder_sees_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
