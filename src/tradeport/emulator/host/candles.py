"""Candles every venue's emulator serves beyond the tape's fixed buckets (calendar
months, multi-unit bars) and the push rule of a candle topic: the current bar goes to
every subscriber when it changed, otherwise only to connections still waiting for their
first candle."""

from __future__ import annotations

import calendar
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from tradeport.emulator.engine import Engine
from tradeport.emulator.host.streams import Subscriber, Subscribers
from tradeport.emulator.marketdata import Kline
from tradeport.emulator.tape import DAY_MS

K = TypeVar("K", bound=Hashable)
S = TypeVar("S", bound=Subscriber)


def merge_klines(parts: Sequence[Kline], open_ms: int, close_ms: int) -> Kline:
    """One bar from consecutive shorter ones (at least one)."""
    zero = Decimal(0)
    return Kline(
        open_ms=open_ms,
        close_ms=close_ms,
        open=parts[0].open,
        high=max(p.high for p in parts),
        low=min(p.low for p in parts),
        close=parts[-1].close,
        volume=sum((p.volume for p in parts), zero),
        quote_volume=sum((p.quote_volume for p in parts), zero),
        trades=sum(p.trades for p in parts),
        taker_buy_volume=sum((p.taker_buy_volume for p in parts), zero),
        taker_buy_quote_volume=sum((p.taker_buy_quote_volume for p in parts), zero),
    )


def month_open(ts_ms: int) -> int:
    """00:00 UTC of the first day of the calendar month holding `ts_ms`."""
    year, month = time.gmtime(ts_ms // 1000)[:2]
    return calendar.timegm((year, month, 1, 0, 0, 0)) * 1000


def next_month_open(ts_ms: int) -> int:
    """00:00 UTC of the first day of the month after the one holding `ts_ms`."""
    year, month = time.gmtime(ts_ms // 1000)[:2]
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return calendar.timegm((year, month, 1, 0, 0, 0)) * 1000


def month_kline(engine: Engine, symbol: str, open_ms: int, now_ms: int) -> Kline | None:
    """The calendar month opening at `open_ms`, folded from its daily candles up to
    `now_ms` (months differ in length, so the tape's fixed buckets cannot make them);
    None before the symbol's first trade."""
    close_ms = next_month_open(open_ms) - 1
    days = engine.klines(symbol, DAY_MS, open_ms, min(close_ms, now_ms), 31)
    return merge_klines(days, open_ms, close_ms) if days else None


def monthly_klines(
    engine: Engine, symbol: str, start: int | None, end: int | None, limit: int
) -> list[Kline]:
    """Up to `limit` calendar-month klines: the first ones from `start`, else the last
    ones up to `end`; each closes with its last daily candle."""
    days = engine.klines(symbol, DAY_MS, start and month_open(start), end, 31 * limit + 31)
    by_month: dict[int, list[Kline]] = {}
    for day in days:
        by_month.setdefault(month_open(day.open_ms), []).append(day)
    months = [merge_klines(d, opened, d[-1].close_ms) for opened, d in by_month.items()]
    return months[-limit:] if start is None else months[:limit]


def kline_signature(bar: Kline) -> tuple[object, ...]:
    """What a candle push shows: a bar with the same signature is not pushed again."""
    return (bar.open_ms, bar.open, bar.high, bar.low, bar.close, bar.volume, bar.quote_volume)


@dataclass(slots=True)
class CandleFeed:
    """What one candle topic last pushed (the bar it is on, its signature) and the
    connections still waiting for their first candle."""

    open_ms: int | None = None
    pushed: tuple[object, ...] | None = None
    waiting: set[int] = field(default_factory=set)  # connection ids

    def push(
        self, subscribers: Subscribers[K, S], key: K, bar: Kline, frame: Callable[[], str | bytes]
    ) -> None:
        """Push the current `bar` (its `frame`) by the rule above."""
        signature = kline_signature(bar)
        if signature != self.pushed:
            self.pushed = signature
            self.waiting.clear()
            subscribers.publish(key, frame())
        elif self.waiting:
            text = frame()
            for conn_id in list(self.waiting):
                session = subscribers.get(key, conn_id)
                if session is not None:
                    session.conn.send(text)
            self.waiting.clear()
