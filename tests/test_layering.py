"""The package's layering: no import cycles anywhere (counting imports under
TYPE_CHECKING and inside functions), core never imports a venue, and the client base
loads no emulator code."""

from __future__ import annotations

import ast
from collections.abc import Iterator
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


def _imports(name: str, *, when_loaded: bool = False) -> set[str]:
    """The tradeport modules `name` imports, wherever the import statement stands; with
    `when_loaded`, only those run when the module loads (not under TYPE_CHECKING, not
    in a def)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text())
    nodes = _executed(tree.body) if when_loaded else ast.walk(tree)
    found: set[str] = set()
    for node in nodes:
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
    return {m for m in found if m in MODULES and m != name}


def _executed(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements of `body` that run when a module loads."""
    for node in body:
        yield node
        if isinstance(node, ast.If) and "TYPE_CHECKING" not in ast.unparse(node.test):
            yield from _executed(node.body)
            yield from _executed(node.orelse)
        elif isinstance(node, ast.Try):
            yield from _executed(node.body)


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
    loaded = _imports("tradeport.venues.base", when_loaded=True)
    assert {m for m in loaded if m.startswith("tradeport.emulator")} == set()


def test_the_cycle_finder_sees_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
