"""One symbol's public trade tape and everything aggregated from it: klines and 24 h stats.

Trades are folded into one-minute bars as they print, so klines of any whole-minute
interval and the rolling 24 h ticker are sums over bars; sub-minute klines are built from
the retained trades. Last trade, ticker last and the last kline close are therefore the
same number by construction.
"""

from __future__ import annotations

import bisect
from collections import deque
from dataclasses import dataclass, replace
from decimal import Decimal

from tradeport.emulator.marketdata import Kline, Level, PublicTrade, Ticker24h

MINUTE_MS = 60_000
DAY_MS = 86_400_000
WEEK_MS = 7 * DAY_MS
# The epoch began on a Thursday; Binance (and OKX, Bybit) open weekly klines on Monday
# 00:00 UTC, four days later.
_WEEK_ORIGIN_MS = 4 * DAY_MS


@dataclass(slots=True)
class _Bar:
    open_ms: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    quote_volume: Decimal
    trades: int
    taker_buy_volume: Decimal
    taker_buy_quote_volume: Decimal
    first_id: int
    last_id: int

    @classmethod
    def of(cls, open_ms: int, trade: PublicTrade) -> _Bar:
        taker_buys = not trade.buyer_is_maker
        return cls(
            open_ms=open_ms,
            open=trade.price,
            high=trade.price,
            low=trade.price,
            close=trade.price,
            volume=trade.qty,
            quote_volume=trade.quote_qty,
            trades=1,
            taker_buy_volume=trade.qty if taker_buys else Decimal(0),
            taker_buy_quote_volume=trade.quote_qty if taker_buys else Decimal(0),
            first_id=trade.trade_id,
            last_id=trade.trade_id,
        )

    def add(self, other: _Bar) -> None:
        self.high = max(self.high, other.high)
        self.low = min(self.low, other.low)
        self.close = other.close
        self.volume += other.volume
        self.quote_volume += other.quote_volume
        self.trades += other.trades
        self.taker_buy_volume += other.taker_buy_volume
        self.taker_buy_quote_volume += other.taker_buy_quote_volume
        self.last_id = other.last_id


def bucket_open(ts_ms: int, interval_ms: int) -> int:
    """Open time of the kline holding `ts_ms` (UTC-aligned; weeks start on Monday)."""
    if interval_ms == WEEK_MS:
        return ts_ms - (ts_ms - _WEEK_ORIGIN_MS) % WEEK_MS
    return ts_ms - ts_ms % interval_ms


# Public trades kept per symbol (recent trades and sub-minute klines read them).
TRADES_KEPT = 5_000
# One-minute bars kept per symbol: 31 days, enough for the 24 h ticker, 1d klines for a
# month and every shorter interval's 1,000-bar pages.
BARS_KEPT = 31 * 24 * 60


class Tape:
    def __init__(
        self, symbol: str, keep_trades: int = TRADES_KEPT, keep_bars: int = BARS_KEPT
    ) -> None:
        self.symbol = symbol
        self._trades: deque[PublicTrade] = deque(maxlen=keep_trades)
        self._bars: list[_Bar] = []  # one-minute bars, ascending, only minutes with trades
        self._bar_keys: list[int] = []
        self._keep_bars = keep_bars
        self._last: PublicTrade | None = None

    @property
    def trades_kept(self) -> int:
        return len(self._trades)

    @property
    def bars_kept(self) -> int:
        return len(self._bars)

    @property
    def last(self) -> PublicTrade | None:
        return self._last

    def next_ts(self, ts_ms: int) -> int:
        """A print time that keeps the tape in time order even if the clock steps back."""
        return ts_ms if self._last is None else max(ts_ms, self._last.ts_ms)

    def record(self, trade: PublicTrade) -> None:
        if self._last is not None and trade.ts_ms < self._last.ts_ms:
            raise ValueError("trades must be recorded in time order")
        self._trades.append(trade)
        self._last = trade
        minute = bucket_open(trade.ts_ms, MINUTE_MS)
        bar = _Bar.of(minute, trade)
        if self._bars and self._bars[-1].open_ms == minute:
            self._bars[-1].add(bar)
        else:
            self._bars.append(bar)
            self._bar_keys.append(minute)
            # trimmed a tenth at a time, so the list shift is rare
            if len(self._bars) > self._keep_bars + self._keep_bars // 10:
                excess = len(self._bars) - self._keep_bars
                del self._bars[:excess], self._bar_keys[:excess]

    def recent(self, limit: int) -> list[PublicTrade]:
        if limit <= 0:
            return []
        return list(self._trades)[-limit:]

    def klines(
        self,
        interval_ms: int,
        start_ms: int | None,
        end_ms: int | None,
        limit: int,
        now_ms: int,
    ) -> list[Kline]:
        """Klines like Binance returns them: consecutive buckets, quiet ones flat at the
        previous close; without a start, the most recent `limit` ending now (or at end)."""
        if interval_ms % MINUTE_MS == 0:
            units, keys = self._bars, self._bar_keys
        else:
            units = [_Bar.of(t.ts_ms, t) for t in self._trades]
            keys = [t.ts_ms for t in self._trades]
        if not units or limit <= 0 or interval_ms <= 0:
            return []
        first = bucket_open(units[0].open_ms, interval_ms)
        last = bucket_open(max(now_ms, units[-1].open_ms), interval_ms)
        if end_ms is not None:
            last = min(last, bucket_open(end_ms, interval_ms))
        if start_ms is not None:
            begin = bucket_open(start_ms, interval_ms)
            if begin < start_ms:
                begin += interval_ms
            begin = max(begin, first)
        else:
            begin = max(first, last - (limit - 1) * interval_ms)
        out: list[Kline] = []
        index = bisect.bisect_left(keys, begin)
        prev_close = units[index - 1].close if index > 0 else None
        bucket = begin
        while bucket <= last and len(out) < limit:
            end_index = bisect.bisect_left(keys, bucket + interval_ms, lo=index)
            kline = _kline(bucket, interval_ms, units[index:end_index], prev_close)
            if kline is not None:
                out.append(kline)
                prev_close = kline.close
            index = end_index
            bucket += interval_ms
        return out

    def window(self, start_ms: int) -> _Bar | None:
        """Totals of the minutes opening at or after `start_ms` (None if no trade since)."""
        index = bisect.bisect_left(self._bar_keys, bucket_open(start_ms, MINUTE_MS))
        if index >= len(self._bars):
            return None
        head = self._bars[index]
        total = replace(head)
        for bar in self._bars[index + 1 :]:
            total.add(bar)
        return total


def _kline(
    open_ms: int, interval_ms: int, units: list[_Bar], prev_close: Decimal | None
) -> Kline | None:
    zero = Decimal(0)
    if not units:
        if prev_close is None:
            return None
        return Kline(
            open_ms, open_ms + interval_ms - 1, prev_close, prev_close, prev_close, prev_close,
            zero, zero, 0, zero, zero,
        )  # fmt: skip
    total = replace(units[0])
    for unit in units[1:]:
        total.add(unit)
    return Kline(
        open_ms=open_ms,
        close_ms=open_ms + interval_ms - 1,
        open=total.open,
        high=total.high,
        low=total.low,
        close=total.close,
        volume=total.volume,
        quote_volume=total.quote_volume,
        trades=total.trades,
        taker_buy_volume=total.taker_buy_volume,
        taker_buy_quote_volume=total.taker_buy_quote_volume,
    )


def ticker_24h(
    tape: Tape, top: tuple[Level | None, Level | None], now_ms: int, window_ms: int = DAY_MS
) -> Ticker24h:
    """Rolling statistics of `tape` over `window_ms` (24 h by default; minute-granular)
    with the book's touch."""
    zero = Decimal(0)
    bid, bid_qty = top[0] or (zero, zero)
    ask, ask_qty = top[1] or (zero, zero)
    last = tape.last
    last_price, last_qty = (zero, zero) if last is None else (last.price, last.qty)
    window = tape.window(now_ms - window_ms)
    if window is None:
        window = _Bar(now_ms, last_price, last_price, last_price, last_price,
                      zero, zero, 0, zero, zero, -1, -1)  # fmt: skip
    return Ticker24h(
        symbol=tape.symbol,
        last=last_price,
        last_qty=last_qty,
        open=window.open,
        high=window.high,
        low=window.low,
        volume=window.volume,
        quote_volume=window.quote_volume,
        bid=bid,
        bid_qty=bid_qty,
        ask=ask,
        ask_qty=ask_qty,
        open_ms=now_ms - window_ms,
        close_ms=now_ms,
        first_id=window.first_id,
        last_id=window.last_id,
        count=window.trades,
        weighted_avg=window.quote_volume / window.volume if window.volume else last_price,
    )
