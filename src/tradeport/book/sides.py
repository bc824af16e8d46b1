"""One side of an L2 book in pure Python: the reference level store.

A side is a dict price → quantity plus an ascending list of its keys, kept so that the
best level is the *last* element: bid prices as they are, ask prices negated. Levels
come and go mostly near the top of the book, and at the end of a list an insert or a
delete moves only a few pointers (at the front it would move the whole list). Most
diffs only change the quantity of a level that already exists, which costs one dict
store (the size of the dict tells whether the price was new); the list is touched, by
bisection, only when a price appears or disappears.

The compiled store (_levels.c `Side`) keeps the same levels as a sorted array of
doubles, with the same methods, results and errors; this one runs where no C compiler
was found, and both pass the same tests.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable, Iterable
from itertools import islice
from math import inf

from tradeport.model.errors import MalformedMessage

Level = tuple[float, float]
BadLevel = Callable[[str, float, float], MalformedMessage]


class PySide:
    __slots__ = ("keys", "levels", "negate")

    def __init__(self, negate: bool) -> None:
        self.negate = negate  # the ask side: keys are negated prices
        self.levels: dict[float, float] = {}
        self.keys: list[float] = []  # ascending: the best level last

    def __len__(self) -> int:
        return len(self.levels)

    def apply(self, rows: Iterable[Level], name: str, bad_level: BadLevel) -> None:
        """L2Book.apply on this side: a quantity above zero sets the level, zero removes
        it (one the side does not hold is normal), anything else is no level. Only a
        new price is checked: one in the side was checked when it entered."""
        top = inf  # a local is cheaper than the global for every level
        sign = -1.0 if self.negate else 1.0
        levels = self.levels
        keys = self.keys
        size = len(levels)
        for p, q in rows:
            if 0.0 < q < top:
                levels[p] = q
                if len(levels) != size:
                    if not 0.0 < p < top:  # a new price: the only one not yet checked
                        del levels[p]
                        raise bad_level(name, p, q)
                    size += 1
                    insort(keys, sign * p)
            elif q == 0.0:
                if p in levels:
                    del levels[p]
                    size -= 1
                    del keys[bisect_left(keys, sign * p)]
                elif not 0.0 < p < top:
                    raise bad_level(name, p, q)
            else:
                raise bad_level(name, p, q)

    def load(self, levels: dict[float, float]) -> None:
        """Replace the levels by checked ones, none of them zero (L2Book.load)."""
        self.levels = dict(levels)
        self.keys = sorted(-p for p in levels) if self.negate else sorted(levels)

    def top(self, n: int | None) -> list[Level]:
        """The best `n` levels (all when None), best first."""
        keys = self.keys
        # a reversed slice, zip and map run in C: a deep read costs a fraction of a loop
        best = keys[::-1] if n is None else keys[: -n - 1 : -1] if n > 0 else []
        prices = [-key for key in best] if self.negate else best
        return list(zip(prices, map(self.levels.__getitem__, prices), strict=True))

    def at(self, index: int) -> Level | None:
        """The level `index` places from the best (0: the best), None past the last."""
        keys = self.keys
        if index >= len(keys):
            return None
        price = -keys[-1 - index] if self.negate else keys[-1 - index]
        return price, self.levels[price]

    def prices(self, n: int) -> list[float]:
        """The best `n` prices, best first."""
        best = islice(reversed(self.keys), n)
        return [-key for key in best] if self.negate else list(best)

    def crosses(self, asks: PySide) -> bool:
        """This bid side's best price not below the best ask: written as "not bid <
        ask" so that a NaN on either side counts as crossed, not as fine."""
        bid_keys = self.keys
        ask_keys = asks.keys
        return bool(bid_keys and ask_keys) and not bid_keys[-1] < -ask_keys[-1]
