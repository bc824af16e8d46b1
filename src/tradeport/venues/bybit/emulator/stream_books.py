"""One `orderbook.{depth}.{symbol}` topic's pushed state (PROTOCOLS.md §4.4-4.5).

The state is the topic's, shared by every subscriber: the top `depth` levels as last
pushed, the update id `u` of that push and the engine's book update id (`seq`, the
cross sequence) it was taken at. Each push that changes the top N raises `u` by exactly
one and carries only the levels whose size changed: "0" for a level that left (deleted
or pushed out of the top N), the new size for one that entered or changed. A new
subscriber is sent the last pushed state as a snapshot with its `u`, so the next delta
continues it. Nothing is pushed while the top N stands still.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradeport.emulator.marketdata import BookView, Level

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class BookChange:
    """The levels one push carries: bids best (highest) first, asks best (lowest) first."""

    bids: list[Level]
    asks: list[Level]


class BookTopic:
    def __init__(self, depth: int) -> None:
        self.depth = depth
        self.bids: dict[Decimal, Decimal] = {}
        self.asks: dict[Decimal, Decimal] = {}
        self.u = 0  # 0: nothing taken yet; the first state taken is u = 1
        self.seq = 0
        self.cts = 0
        self.pushed_ms = 0  # stream time of the last frame pushed (level 1 re-push)

    @property
    def started(self) -> bool:
        return self.u > 0

    def advance(self, view: BookView, cts: int) -> BookChange | None:
        """Take `view` (the engine's top `depth`) as the new state; returns the levels that
        changed, or None (state untouched) when the top N is what was last taken."""
        bids, asks = dict(view.bids), dict(view.asks)
        change = BookChange(
            bids=_changed(self.bids, bids, reverse=True),
            asks=_changed(self.asks, asks, reverse=False),
        )
        if self.started and not change.bids and not change.asks:
            return None
        self.bids, self.asks = bids, asks
        self.u += 1
        self.seq = view.update_id
        self.cts = cts
        return change

    def bid_levels(self) -> list[Level]:
        return sorted(self.bids.items(), reverse=True)

    def ask_levels(self) -> list[Level]:
        return sorted(self.asks.items())


def _changed(
    before: dict[Decimal, Decimal], after: dict[Decimal, Decimal], *, reverse: bool
) -> list[Level]:
    out = [(price, _ZERO) for price in before if price not in after]
    out += [(price, size) for price, size in after.items() if before.get(price) != size]
    out.sort(key=lambda level: level[0], reverse=reverse)
    return out
