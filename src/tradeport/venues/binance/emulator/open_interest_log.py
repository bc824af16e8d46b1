"""USDⓈ-M open interest over time, for `GET /futures/data/openInterestHist`.

The engine knows only the open interest of now; this log notes it after every trade that
changes it, so a past period boundary reads the value the emulator had then. Before the
emulator started no contracts were open (its seeded history is the house trading with
itself), so those boundaries read zero. Entries older than the venue's 30-day window are
dropped, keeping the last one before it as the value at its start.
"""

from __future__ import annotations

import bisect
from decimal import Decimal

from tradeport.emulator.engine import Engine, PublicTrade

RETENTION_MS = 30 * 86_400_000  # "Only the data of the latest 1 month is available."
ZERO = Decimal(0)


class OpenInterestLog:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # symbol -> times and values of each change, oldest first
        self._times: dict[str, list[int]] = {}
        self._values: dict[str, list[Decimal]] = {}
        engine.subscribe(self._on_event)

    def _on_event(self, event: object) -> None:
        if not isinstance(event, PublicTrade):
            return
        value = self.engine.open_interest(event.symbol)
        times = self._times.setdefault(event.symbol, [])
        values = self._values.setdefault(event.symbol, [])
        if values and values[-1] == value:
            return
        times.append(event.ts_ms)
        values.append(value)
        cutoff = bisect.bisect_right(times, event.ts_ms - RETENTION_MS) - 1
        if cutoff > 0:
            del times[:cutoff], values[:cutoff]

    def at(self, symbol: str, ts_ms: int) -> Decimal:
        """The open interest of `symbol` as it stood at `ts_ms`."""
        times = self._times.get(symbol, [])
        index = bisect.bisect_right(times, ts_ms) - 1
        return self._values[symbol][index] if index >= 0 else ZERO
