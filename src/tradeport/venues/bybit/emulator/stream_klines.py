"""Candles of the `kline.{interval}.{symbol}` topic (websocket/public/kline).

Intervals are minutes (`1` … `720`), `D`, `W` (weeks open on Monday 00:00 UTC) and `M`
(calendar months, UTC). The tape aggregates fixed-length intervals itself; a month is
the sum of its daily candles. `end` is the candle's last millisecond.
"""

from __future__ import annotations

from tradeport.emulator.engine import Engine, Kline
from tradeport.emulator.host.candles import month_kline, month_open
from tradeport.emulator.tape import DAY_MS, MINUTE_MS, WEEK_MS, bucket_open

INTERVAL_MS: dict[str, int] = {
    **{str(m): m * MINUTE_MS for m in (1, 3, 5, 15, 30, 60, 120, 240, 360, 720)},
    "D": DAY_MS,
    "W": WEEK_MS,
}
MONTH = "M"


def current(engine: Engine, symbol: str, interval: str, now_ms: int) -> Kline | None:
    """The candle holding `now_ms` (flat at the last close when quiet), or None before
    the symbol's first trade."""
    if interval == MONTH:
        return month_kline(engine, symbol, month_open(now_ms), now_ms)
    step = INTERVAL_MS[interval]
    start = bucket_open(now_ms, step)
    bars = engine.klines(symbol, step, start, start, 1)
    return bars[0] if bars else None


def at(engine: Engine, symbol: str, interval: str, start_ms: int, now_ms: int) -> Kline | None:
    """The (closed) candle that opened at `start_ms`."""
    if interval == MONTH:
        return month_kline(engine, symbol, start_ms, now_ms)
    bars = engine.klines(symbol, INTERVAL_MS[interval], start_ms, start_ms, 1)
    return bars[0] if bars else None
