"""The engine's book deltas merged over a diff-depth stream's update interval.

Binance's `<s>@depth[@speed]` event covers every book change in its interval (§1.4,
§2.4): U = first update id in the event, u = final update id, pu (USDⓈ-M) = the previous
event's u, and each changed level carries its latest absolute quantity. The engine
publishes one `BookDelta` per operation with exactly those ids, so merging them keeps
the chain U(n) = u(n-1) + 1 and pu(n) = u(n-1) intact.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from tradeport.emulator.marketdata import BookDelta, Level


class DepthWindow:
    """The deltas of one symbol within one interval."""

    __slots__ = (
        "asks",
        "bids",
        "first_update_id",
        "last_update_id",
        "prev_update_id",
        "symbol",
        "ts_ms",
    )

    def __init__(self, delta: BookDelta) -> None:
        self.symbol = delta.symbol
        self.first_update_id = delta.first_update_id
        self.prev_update_id = delta.prev_update_id
        self.last_update_id = delta.last_update_id
        self.ts_ms = delta.ts_ms  # of the latest change: USDⓈ-M's transaction time T
        self.bids: dict[Decimal, Decimal] = dict(delta.bids)
        self.asks: dict[Decimal, Decimal] = dict(delta.asks)

    def add(self, delta: BookDelta) -> None:
        self.last_update_id = delta.last_update_id
        self.ts_ms = delta.ts_ms
        self.bids.update(delta.bids)
        self.asks.update(delta.asks)

    def bid_levels(self) -> list[Level]:
        return sorted(self.bids.items(), reverse=True)

    def ask_levels(self) -> list[Level]:
        return sorted(self.asks.items())


class DepthFeed:
    """One open window per (update period, symbol); `drain(period)` closes them."""

    def __init__(self, periods: Iterable[int]) -> None:
        self._windows: dict[int, dict[str, DepthWindow]] = {p: {} for p in periods}

    @property
    def periods(self) -> list[int]:
        return list(self._windows)

    def add(self, delta: BookDelta) -> None:
        for windows in self._windows.values():
            window = windows.get(delta.symbol)
            if window is None:
                windows[delta.symbol] = DepthWindow(delta)
            else:
                window.add(delta)

    def drain(self, period: int) -> dict[str, DepthWindow]:
        """The windows of `period` that saw a change, by symbol; new ones open empty."""
        windows = self._windows[period]
        self._windows[period] = {}
        return windows
