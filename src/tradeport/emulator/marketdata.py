"""Public market data the engine publishes: book views and deltas, trades, klines, tickers."""

from __future__ import annotations

from decimal import Decimal

import msgspec

Level = tuple[Decimal, Decimal]  # (price, aggregated quantity)


class BookView(msgspec.Struct, frozen=True):
    update_id: int
    bids: list[Level]  # best first
    asks: list[Level]  # best first
    ts_ms: int


class BookDelta(msgspec.Struct, frozen=True):
    """Levels whose aggregated quantity changed, with the absolute new quantity (0 = removed).

    Every book change bumps the symbol's update id by one; a delta covers the contiguous
    range first_update_id..last_update_id and prev_update_id is the previous delta's
    last_update_id, so a stream can produce Binance's U / u / pu exactly.
    """

    symbol: str
    first_update_id: int
    last_update_id: int
    prev_update_id: int
    bids: list[Level]
    asks: list[Level]
    ts_ms: int


class PublicTrade(msgspec.Struct, frozen=True):
    trade_id: int
    symbol: str
    price: Decimal
    qty: Decimal
    quote_qty: Decimal
    ts_ms: int
    buyer_is_maker: bool


class Kline(msgspec.Struct, frozen=True):
    open_ms: int
    close_ms: int  # open_ms + interval - 1, as Binance reports it
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    volume: Decimal
    quote_volume: Decimal
    trades: int
    taker_buy_volume: Decimal
    taker_buy_quote_volume: Decimal


class Ticker24h(msgspec.Struct, frozen=True):
    symbol: str
    last: Decimal
    last_qty: Decimal
    open: Decimal
    high: Decimal
    low: Decimal
    volume: Decimal
    quote_volume: Decimal
    bid: Decimal
    bid_qty: Decimal
    ask: Decimal
    ask_qty: Decimal
    open_ms: int
    close_ms: int
    first_id: int  # -1 when no trade happened in the window (Binance convention)
    last_id: int
    count: int
    weighted_avg: Decimal
