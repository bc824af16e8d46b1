"""Candles of the `kline.{interval}.{symbol}` topic (websocket/public/kline).

Intervals are minutes (`1` … `720`), `D`, `W` (weeks open on Monday 00:00 UTC) and `M`
(calendar months, UTC). The tape aggregates fixed-length intervals itself; a month is
the sum of its daily candles. `end` is the candle's last millisecond.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from tradeport.emulator.engine import Engine, Kline
from tradeport.emulator.tape import DAY_MS, MINUTE_MS, WEEK_MS, bucket_open

INTERVAL_MS: dict[str, int] = {
    **{str(m): m * MINUTE_MS for m in (1, 3, 5, 15, 30, 60, 120, 240, 360, 720)},
    "D": DAY_MS,
    "W": WEEK_MS,
}
MONTH = "M"


@dataclass(slots=True)
class KlineState:
    """What a kline topic last pushed, and the subscribers still waiting for a candle."""

    start: int | None = None
    pushed: tuple[object, ...] | None = None
    waiting: set[int] = field(default_factory=set)  # connection ids


def current(engine: Engine, symbol: str, interval: str, now_ms: int) -> Kline | None:
    """The candle holding `now_ms` (flat at the last close when quiet), or None before
    the symbol's first trade."""
    if interval == MONTH:
        return _month(engine, symbol, _month_start(now_ms), now_ms)
    step = INTERVAL_MS[interval]
    start = bucket_open(now_ms, step)
    bars = engine.klines(symbol, step, start, start, 1)
    return bars[0] if bars else None


def at(engine: Engine, symbol: str, interval: str, start_ms: int, now_ms: int) -> Kline | None:
    """The (closed) candle that opened at `start_ms`."""
    if interval == MONTH:
        return _month(engine, symbol, start_ms, now_ms)
    bars = engine.klines(symbol, INTERVAL_MS[interval], start_ms, start_ms, 1)
    return bars[0] if bars else None


def signature(bar: Kline) -> tuple[object, ...]:
    return (bar.open_ms, bar.open, bar.high, bar.low, bar.close, bar.volume, bar.quote_volume)


def _month_start(ts_ms: int) -> int:
    moment = datetime.fromtimestamp(ts_ms / 1000, tz=UTC)
    return int(datetime(moment.year, moment.month, 1, tzinfo=UTC).timestamp() * 1000)


def _next_month_start(start_ms: int) -> int:
    moment = datetime.fromtimestamp(start_ms / 1000, tz=UTC)
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return int(datetime(year, month, 1, tzinfo=UTC).timestamp() * 1000)


def _month(engine: Engine, symbol: str, start_ms: int, now_ms: int) -> Kline | None:
    end_ms = _next_month_start(start_ms) - 1
    days = engine.klines(symbol, DAY_MS, start_ms, min(end_ms, now_ms), 31)
    if not days:
        return None
    zero = Decimal(0)
    return Kline(
        open_ms=start_ms,
        close_ms=end_ms,
        open=days[0].open,
        high=max(d.high for d in days),
        low=min(d.low for d in days),
        close=days[-1].close,
        volume=sum((d.volume for d in days), zero),
        quote_volume=sum((d.quote_volume for d in days), zero),
        trades=sum(d.trades for d in days),
        taker_buy_volume=sum((d.taker_buy_volume for d in days), zero),
        taker_buy_quote_volume=sum((d.taker_buy_quote_volume for d in days), zero),
    )
