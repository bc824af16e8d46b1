"""A market's symbol specs, which grow when a contract is listed while the emulator runs.

A venue skin reads its symbols through one `SymbolSet` per market: the instruments
payload walks it, and the views a part derives from it (specs by name, the symbols a
stream topic may name, a venue's numeric ids) are built with `follow`, so they take in
a new contract the moment it is added.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TypeVar, overload

from tradeport.emulator.symbols import SymbolSpec

K = TypeVar("K")
V = TypeVar("V")
Listener = Callable[[SymbolSpec], None]


class SymbolSet(Sequence[SymbolSpec]):
    """Specs in listing order; `add` appends one and tells every follower."""

    def __init__(self, specs: Iterable[SymbolSpec] = ()) -> None:
        self._specs: list[SymbolSpec] = list(specs)
        self._listeners: list[Listener] = []

    @overload
    def __getitem__(self, index: int) -> SymbolSpec: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[SymbolSpec]: ...

    def __getitem__(self, index: int | slice) -> SymbolSpec | Sequence[SymbolSpec]:
        return self._specs[index]

    def __len__(self) -> int:
        return len(self._specs)

    def __iter__(self) -> Iterator[SymbolSpec]:
        return iter(self._specs)

    def add(self, spec: SymbolSpec) -> None:
        """List `spec` after the others; ValueError if its symbol is listed already."""
        if any(s.symbol == spec.symbol for s in self._specs):
            raise ValueError(f"{spec.symbol} is listed already")
        self._specs.append(spec)
        for listener in self._listeners:
            listener(spec)

    def on_add(self, listener: Listener) -> None:
        self._listeners.append(listener)


def follow(specs: Sequence[SymbolSpec], entry: Callable[[SymbolSpec], tuple[K, V]]) -> dict[K, V]:
    """A map with one `entry(spec)` per spec, kept in step with `specs` when it is a
    SymbolSet (a fixed sequence gives a fixed map)."""
    mapping = dict(entry(s) for s in specs)
    if isinstance(specs, SymbolSet):

        def added(spec: SymbolSpec) -> None:
            key, value = entry(spec)
            mapping[key] = value

        specs.on_add(added)
    return mapping


def by_symbol(specs: Sequence[SymbolSpec]) -> dict[str, SymbolSpec]:
    """Specs by their symbol, kept in step with `specs` (`follow`)."""
    return follow(specs, lambda s: (s.symbol, s))
