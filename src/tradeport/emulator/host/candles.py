"""Candles every venue's emulator serves beyond the tape's fixed buckets (calendar
months, multi-unit bars) and the push rule of a candle topic: the current bar goes to
every subscriber when it changed, otherwise only to connections still waiting for their
first candle."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from tradeport.emulator.host.streams import Subscriber, Subscribers
from tradeport.emulator.marketdata import Kline

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
        self, subscribers: Subscribers[K, S], key: K, bar: Kline, frame: Callable[[], str]
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
