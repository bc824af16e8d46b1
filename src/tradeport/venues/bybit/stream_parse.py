"""Bybit WebSocket messages (stream_messages) → tradeport model. Pure, no I/O.

Public frames decode once, by the kind their topic names (`orderbook`, `publicTrade`,
`tickers`, `kline`). A book frame becomes a `BookFrame` for the book engine: a snapshot
as an `OrderBook` carrying `u`, a delta as a `DepthUpdate` whose first and last id are
both `u` and which names no previous id, so each delta must be exactly one past the
book (§4.5). Private topics reuse the REST parsers (parse.py).

Timestamps: `ts` is the frame's `ts` (trade time `T` for trades, `updatedTime` /
`execTime` for account rows); `local_ts` is the receipt time the caller passes in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NamedTuple, Protocol, TypeVar

import msgspec

from tradeport.book.levels import INT, NUMBER, SKIP_BOOL, SKIP_INT, SKIP_STR, STR, Shape
from tradeport.book.types import DepthUpdate
from tradeport.model import (
    Balance,
    Bar,
    Fill,
    MarkPrice,
    Order,
    OrderBook,
    Position,
    Side,
    Ticker,
    Trade,
)
from tradeport.model.errors import MalformedMessage
from tradeport.venues.bybit import parse
from tradeport.venues.bybit import stream_messages as sm
from tradeport.venues.bybit.stream_messages import TickerFields
from tradeport.venues.kit.market_numbers import finite_text

ToSymbol = Callable[[str], str]  # venue symbol → standard symbol
# venue symbol → standard symbol, or None for an instrument outside the client's market
# (category=linear also carries dated futures and USDC contracts)
KnownSymbol = Callable[[str], str | None]

_book = sm.decoder(sm.BookFrame)
_book_text = sm.decoder(sm.BookFrameText)
_trades = sm.decoder(sm.TradeFrame)
_klines = sm.decoder(sm.KlineFrame)
_ticker = sm.decoder(sm.TickerFrame)
_orders = sm.decoder(sm.OrderFrame)
_executions = sm.decoder(sm.ExecutionFrame)
_positions = sm.decoder(sm.PositionFrame)
_wallets = sm.decoder(sm.WalletFrame)


# -- order books -----------------------------------------------------------------------
class BookFrame(NamedTuple):
    """One `orderbook` frame for the book engine: `snapshot` (reset the book to it) or
    `update` (apply it if it continues the book)."""

    snapshot: OrderBook | None
    update: DepthUpdate | None

    @property
    def update_id(self) -> int:
        if self.snapshot is not None:
            return self.snapshot.update_id
        assert self.update is not None
        return self.update.last_id


def parse_book_frame(frame: str | bytes, symbol: str, local_ts: int) -> BookFrame:
    """An `orderbook.{depth}.{symbol}` frame. Snapshot sides are put best first (the docs
    promise the order for snapshots only); a delta's levels are applied as they come."""
    msg = decode_book(frame)
    if msg.type == "snapshot":
        return BookFrame(book_snapshot(msg, symbol, local_ts), None)
    return BookFrame(None, book_delta(msg, symbol, local_ts))


def decode_book(frame: str | bytes) -> sm.BookFrame:
    """An `orderbook.{depth}.{symbol}` frame as the venue's message (the hot path reads
    a delta's ids and levels straight off it)."""
    msg: sm.BookFrame = sm.decode_as(_book.decode, frame, "orderbook frame")
    return msg


def decode_book_text(frame: str | bytes) -> sm.BookFrameText | None:
    """An `orderbook` frame with its levels as the text sent (the rest decoded), for a
    book that reads the levels itself; None when it does not decode so: `decode_book`
    then reads it or names what is wrong."""
    try:
        return _book_text.decode(frame)
    except msgspec.DecodeError:
        return None


def book_snapshot(msg: sm.BookFrame, symbol: str, local_ts: int) -> OrderBook:
    """A snapshot frame's book, sides best first."""
    data = msg.data
    return OrderBook(
        symbol=symbol,
        bids=sorted(data.b, reverse=True),
        asks=sorted(data.a),
        update_id=data.u,
        ts=msg.ts,
        local_ts=local_ts,
    )


def book_delta(msg: sm.BookFrame, symbol: str, local_ts: int) -> DepthUpdate:
    """A delta frame's update: one id per push, first == last == u, and no previous id
    to link (prev -1)."""
    data = msg.data
    return DepthUpdate(symbol, data.u, data.u, -1, data.b, data.a, msg.ts, local_ts)


# -- trades, klines --------------------------------------------------------------------
def taker_of(side: str, trade_id: str) -> Side:
    """The taker's side of a trade whose `S` is not one of `SIDES`: MalformedMessage
    naming the trade (the hot path looks `SIDES` up first)."""
    return parse.side_of(side, f"trade {trade_id} side")


SIDES = parse.SIDES
_decode_trades = _trades.decode
_decode_trade_rows = sm.decoder(sm.TradeRows).decode


# A `publicTrade` frame of one trade as Bybit writes it (§4.4: the documented keys, in
# their order), for the compiled store to read without a decoder (book/levels.py
# `read_shape`); it gives (trade time, taker side, size, price, trade id). A frame of
# several trades, or written otherwise, is decoded by `decode_trade_rows`.
TRADE_SHAPE: Shape = (
    *(b'{"topic":', SKIP_STR, b',"type":"snapshot","ts":', SKIP_INT, b',"data":[{"T":', INT),
    *(b',"s":', SKIP_STR, b',"S":', STR, b',"v":', NUMBER, b',"p":', NUMBER),
    *(b',"L":', SKIP_STR, b',"i":', STR, b',"BT":', SKIP_BOOL, b',"RPI":', SKIP_BOOL),
    *(b',"seq":', SKIP_INT, b"}]}"),
)
TRADE_VALUES = 5  # what TRADE_SHAPE gives


def decode_trade_rows(frame: str | bytes) -> list[sm.TradeRow]:
    """The rows of a `publicTrade` frame already routed by its topic (the hot path): the
    topic is not decoded again; what else is wrong with the frame is named as in
    `parse_trades`."""
    try:
        rows: list[sm.TradeRow] = _decode_trade_rows(frame).data
    except msgspec.DecodeError as exc:
        raise sm.malformed("publicTrade frame", exc) from None
    return rows


def parse_trades(frame: str | bytes, symbol: str, local_ts: int) -> list[Trade]:
    """A `publicTrade` frame: up to 1024 trades, oldest first."""
    try:  # `decode_as`, inlined: this runs once per frame
        msg: sm.TradeFrame = _decode_trades(frame)
    except msgspec.DecodeError as exc:
        raise sm.malformed("publicTrade frame", exc) from None
    return trades_of(msg.data, symbol, local_ts)


def trades_of(rows: list[sm.TradeRow], symbol: str, local_ts: int) -> list[Trade]:
    # a loop, not a comprehension: on CPython 3.11 a comprehension is a function call,
    # a fifth of the cost of a frame of one trade
    trades = []
    sides = SIDES
    for row in rows:
        trades.append(
            Trade(
                symbol=symbol,
                trade_id=row.trade_id,
                price=row.price,
                qty=row.qty,
                # `taker_of` names the trade of a side not known (its message is built only then)
                taker_side=sides.get(row.side) or taker_of(row.side, row.trade_id),
                ts=row.time,
                local_ts=local_ts,
            )
        )
    return trades


def parse_klines(frame: str | bytes, symbol: str, period: str, local_ts: int) -> list[Bar]:
    """A `kline` frame; `period` is ours ("1m"), the row's `interval` Bybit's ("1").
    A bar closes at the last millisecond of its interval (`end` has been documented
    both as that and as "now" for an open bar, so it is computed, not read)."""
    msg: sm.KlineFrame = sm.decode_as(_klines.decode, frame, "kline frame")
    return [
        Bar(
            symbol=symbol,
            period=period,
            open_ts=row.start,
            close_ts=parse.kline_close_ms(row.start, row.interval),
            open=row.open,
            high=row.high,
            low=row.low,
            close=row.close,
            volume=row.volume,
            quote_volume=row.turnover,
            closed=row.confirm,
            ts=msg.ts,
            local_ts=local_ts,
        )
        for row in msg.data
    ]


# -- tickers ---------------------------------------------------------------------------
def decode_ticker(frame: str | bytes) -> sm.TickerFrame:
    msg: sm.TickerFrame = sm.decode_as(_ticker.decode, frame, "tickers frame")
    return msg


def merge_ticker(state: TickerFields, msg: sm.TickerFrame) -> TickerFields:
    """The ticker's fields after `msg`: a snapshot replaces them, a linear delta
    changes only the fields it carries ("if a response param is not found in the
    message, then its value has not changed", §4.4)."""
    if msg.type == "snapshot":
        return dict(msg.data)
    merged = dict(state)
    merged.update(msg.data)
    return merged


def _float(fields: TickerFields, name: str) -> float | None:
    value = fields.get(name)
    if value is None or value == "":
        return None
    return finite_text(str(value), f"tickers {name}")


def parse_ticker(fields: TickerFields, symbol: str, ts: int, local_ts: int) -> Ticker | None:
    """The merged ticker fields as a Ticker; None until the fields name a last price
    (a delta seen before any snapshot). Spot tickers carry no best bid/ask."""
    last = _float(fields, "lastPrice")
    if last is None:
        return None
    return Ticker(
        symbol=symbol,
        last=last,
        bid=_float(fields, "bid1Price"),
        bid_qty=_float(fields, "bid1Size"),
        ask=_float(fields, "ask1Price"),
        ask_qty=_float(fields, "ask1Size"),
        open=_float(fields, "prevPrice24h"),  # the price 24 h ago: the rolling day's open
        high=_float(fields, "highPrice24h"),
        low=_float(fields, "lowPrice24h"),
        volume=_float(fields, "volume24h"),
        quote_volume=_float(fields, "turnover24h"),
        ts=ts,
        local_ts=local_ts,
    )


def parse_mark_price(fields: TickerFields, symbol: str, ts: int, local_ts: int) -> MarkPrice | None:
    """Mark price and funding from the merged linear ticker; None without a mark."""
    mark = _float(fields, "markPrice")
    if mark is None:
        return None
    next_funding = _float(fields, "nextFundingTime")
    return MarkPrice(
        symbol=symbol,
        mark=mark,
        index=_float(fields, "indexPrice"),
        funding_rate=_float(fields, "fundingRate"),
        next_funding_ts=None if next_funding is None else int(next_funding),
        ts=ts,
        local_ts=local_ts,
    )


# the fields a mark-price consumer is told about when they change
MARK_FIELDS = frozenset({"markPrice", "indexPrice", "fundingRate", "nextFundingTime"})


# -- private topics --------------------------------------------------------------------


class PrivateEvents(NamedTuple):
    """What one private frame stands for. `skipped` counts rows of another category."""

    orders: list[Order]
    fills: list[Fill]
    positions: list[Position]
    balances: list[Balance]
    skipped: int = 0


def _kind(topic: str) -> str:
    return topic.partition(".")[0]  # "order.linear" is an `order` frame


def parse_private_frame(
    frame: str | bytes,
    category: str,
    to_symbol: KnownSymbol,
    status_map: Mapping[str, str],
    local_ts: int,
) -> PrivateEvents:
    """One frame of the `order`, `execution`, `position` or `wallet` topic. Rows of
    another category than `category` ("spot" or "linear"; the all-in-one topics carry
    every category) or of a symbol `to_symbol` does not know are skipped; wallet rows
    have no category (one unified wallet). A topic not parsed here raises
    MalformedMessage naming it."""
    topic = sm.topic_of(frame)
    kind = _kind(topic)
    if kind == "order":
        om: sm.OrderFrame = sm.decode_as(_orders.decode, frame, f"{topic} frame")
        rows_o = _ours(om.data, category, to_symbol)
        orders = [parse.parse_order(r, s, status_map, local_ts=local_ts) for r, s in rows_o]
        return PrivateEvents(orders, [], [], [], len(om.data) - len(rows_o))
    if kind == "execution":
        em: sm.ExecutionFrame = sm.decode_as(_executions.decode, frame, f"{topic} frame")
        rows_e = _ours(em.data, category, to_symbol)
        fills = [
            parse.parse_execution(r, s, local_ts)
            for r, s in rows_e
            if r.execType in parse.TRADE_EXEC_TYPES
        ]
        return PrivateEvents([], fills, [], [], len(em.data) - len(rows_e))
    if kind == "position":
        pm: sm.PositionFrame = sm.decode_as(_positions.decode, frame, f"{topic} frame")
        rows_p = _ours(pm.data, category, to_symbol)
        positions = [parse.parse_position(r, s, local_ts) for r, s in rows_p]
        return PrivateEvents([], [], positions, [], len(pm.data) - len(rows_p))
    if kind == "wallet":
        wm: sm.WalletFrame = sm.decode_as(_wallets.decode, frame, f"{topic} frame")
        balances = [
            balance
            for account in wm.data
            for balance in parse.parse_wallet(account, wm.creationTime, local_ts).values()
        ]
        return PrivateEvents([], [], [], balances)
    raise MalformedMessage(f"private topic {topic!r} is not one this client subscribes")


class _Row(Protocol):
    symbol: str
    category: str


R = TypeVar("R", bound=_Row)


def _ours(rows: list[R], category: str, to_symbol: KnownSymbol) -> list[tuple[R, str]]:
    """The rows of the client's market, each with its standard symbol."""
    out = []
    for row in rows:
        if row.category not in ("", category):
            continue
        symbol = to_symbol(row.symbol)
        if symbol is not None:
            out.append((row, symbol))
    return out
