"""BingX WebSocket pushes (stream_messages) → tradeport model. Pure, no I/O; every
function takes the push's decompressed text.

`@incrDepth` becomes a `BookFrame` for the book engine: `all` as an `OrderBook`
carrying `lastUpdateId` (it resets the book), `update` as a `DepthUpdate` whose first
and last id are both `lastUpdateId`, so each must be exactly one past the book (§5.5).
`@depthN` pushes are whole partial books (no ids). Trades come as an array, the taker's
side from `m` (buyer is maker → the taker sold); the venue gives no trade id, so time,
price and size stand in (as REST's recent trades do). `@kline_<interval>` pushes carry
no closed flag: a bar is closed once its last millisecond is before the push [?].
"""

from __future__ import annotations

from typing import NamedTuple

from msgspec import DecodeError

from tradeport.book.levels import (
    BOOL,
    INT,
    NUMBER,
    SKIP_INT,
    SKIP_STR,
    Shape,
    reads_json_fast,
    sorted_json_levels,
)
from tradeport.book.types import DepthUpdate
from tradeport.model import Bar, MarkPrice, OrderBook, Quote, Side, Ticker, Trade
from tradeport.model.errors import MalformedMessage
from tradeport.venues.bingx import stream_messages as sm
from tradeport.venues.bingx.parse import parse_kline

_incr = sm.decoder(sm.IncrDepthPush)
_partial = sm.decoder(sm.PartialDepthPush)
_partial_text = sm.decoder(sm.PartialDepthTextPush)
_decode_trades = sm.decoder(sm.TradePush).decode
_decode_trade_rows = sm.decoder(sm.TradeRows).decode
_book_ticker = sm.decoder(sm.BookTickerPush)
_mark = sm.decoder(sm.MarkPricePush)
_ticker = sm.decoder(sm.TickerPush)
_klines = sm.decoder(sm.KlinePush)


_SELL, _BUY = Side.SELL, Side.BUY  # bound once: enum lookups cost on every trade


class BookFrame(NamedTuple):
    """One `@incrDepth` push: `snapshot` (reset the book to it) or `update`."""

    snapshot: OrderBook | None
    update: DepthUpdate | None


def parse_incr_depth(text: bytes, symbol: str, local_ts: int) -> BookFrame:
    return book_frame(decode_incr_depth(text), symbol, local_ts)


def decode_incr_depth(text: bytes) -> sm.IncrDepthPush:
    """An `@incrDepth` push, decoded (levels as floats, for the book engine to check)."""
    try:
        return _incr.decode(text)
    except DecodeError as exc:
        raise MalformedMessage(f"incrDepth push: {exc}") from None


def book_frame(msg: sm.IncrDepthPush, symbol: str, local_ts: int) -> BookFrame:
    """A decoded `@incrDepth` push for the book engine."""
    data = msg.data
    ts = data.time or msg.ts
    if data.action == "all":
        book = OrderBook(
            symbol=symbol,
            bids=sorted(data.bids, reverse=True),
            asks=sorted(data.asks),
            update_id=data.lastUpdateId,
            ts=ts,
            local_ts=local_ts,
        )
        return BookFrame(book, None)
    last = data.lastUpdateId
    return BookFrame(None, DepthUpdate(symbol, last, last, -1, data.bids, data.asks, ts, local_ts))


def parse_partial_depth(text: bytes, symbol: str, local_ts: int) -> OrderBook:
    """A `@depth<N>` push: both sides put best first whatever order they came in (the
    REST depth example lists asks best-last). Its levels are checked as they are read
    (a price above zero, a quantity not below): no book engine checks a partial book.
    The compiled reader takes each side from the push's text into the sorted list of
    levels directly; any push it does not read goes the typed way, which reads it or
    names what is wrong."""
    if reads_json_fast():
        try:
            pushed: sm.PartialDepthTextPush | None = _partial_text.decode(text)
        except DecodeError:
            pushed = None  # the typed decoder names what is wrong
        if pushed is not None:
            sides = pushed.data
            bids = sorted_json_levels(sides.bids, True)
            asks = None if bids is None else sorted_json_levels(sides.asks, False)
            if bids is not None and asks is not None:
                return OrderBook(
                    symbol=symbol, bids=bids, asks=asks, ts=pushed.ts, local_ts=local_ts
                )
    try:
        msg: sm.PartialDepthPush = _partial.decode(text)
    except DecodeError as exc:
        raise MalformedMessage(f"depth push: {exc}") from None
    data = msg.data
    return OrderBook(
        symbol=symbol,
        bids=sorted(data.bids, reverse=True),
        asks=sorted(data.asks),
        ts=msg.ts,
        local_ts=local_ts,
    )


# A `@trade` push of one trade as BingX writes it (§5.4: the keys in their order), for
# the compiled store to read without a decoder (book/levels.py `read_shape`); it gives
# (size, price, trade time, buyer is maker). A push of several trades, or written
# otherwise, is decoded by `decode_trade_rows`.
TRADE_SHAPE: Shape = (
    *(b'{"code":0,"dataType":', SKIP_STR, b',"ts":', SKIP_INT, b',"data":[{"q":', NUMBER),
    *(b',"p":', NUMBER, b',"T":', INT, b',"m":', BOOL, b',"s":', SKIP_STR, b"}]}"),
)
TRADE_VALUES = 4  # what TRADE_SHAPE gives


def decode_trade_rows(text: bytes) -> list[sm.TradeRow]:
    """The rows of a `@trade` push already routed by its dataType (the hot path: the
    name is not decoded again); MalformedMessage naming the push as `parse_trades`
    does if it does not decode."""
    try:
        rows: list[sm.TradeRow] = _decode_trade_rows(text).data
    except DecodeError as exc:
        raise MalformedMessage(f"trade push: {exc}") from None
    return rows


def parse_trades(text: bytes, symbol: str, local_ts: int) -> list[Trade]:
    try:
        rows = _decode_trades(text).data
    except DecodeError as exc:
        raise MalformedMessage(f"trade push: {exc}") from None
    trades = []
    for row in rows:
        price, qty, ts = row.price, row.qty, row.time
        trades.append(
            Trade(
                symbol=symbol,
                trade_id=f"{ts}-{price}-{qty}",
                price=price,
                qty=qty,
                taker_side=_SELL if row.buyer_maker else _BUY,
                ts=ts,
                local_ts=local_ts,
            )
        )
    return trades


def parse_book_ticker(text: bytes, symbol: str, local_ts: int) -> Quote:
    msg: sm.BookTickerPush = sm.decode_as(_book_ticker.decode, text, "bookTicker push")
    data = msg.data
    if data.bid >= data.ask:
        raise MalformedMessage(f"bookTicker: bid {data.bid} is not below ask {data.ask}")
    return Quote(
        symbol=symbol,
        bid=data.bid,
        bid_qty=data.bid_qty,
        ask=data.ask,
        ask_qty=data.ask_qty,
        update_id=data.u,
        ts=data.time or data.event_time or msg.ts,
        local_ts=local_ts,
    )


def parse_mark_price(text: bytes, symbol: str, local_ts: int) -> MarkPrice:
    """A `@markPrice` push: the mark price alone (no index or funding in it)."""
    msg: sm.MarkPricePush = sm.decode_as(_mark.decode, text, "markPrice push")
    return MarkPrice(
        symbol=symbol, mark=msg.data.price, ts=msg.data.event_time or msg.ts, local_ts=local_ts
    )


def parse_ticker(text: bytes, symbol: str, local_ts: int) -> Ticker:
    """A `@ticker` push: the 24 h statistics and the best bid and ask."""
    msg: sm.TickerPush = sm.decode_as(_ticker.decode, text, "ticker push")
    d = msg.data
    return Ticker(
        symbol=symbol,
        last=d.last,
        bid=d.bid,
        bid_qty=d.bid_qty,
        ask=d.ask,
        ask_qty=d.ask_qty,
        open=d.open,
        high=d.high,
        low=d.low,
        volume=d.volume,
        quote_volume=d.quote_volume,
        ts=d.event_time or d.close_time or msg.ts,
        local_ts=local_ts,
    )


def parse_klines(text: bytes, symbol: str, period: str, interval: str, local_ts: int) -> list[Bar]:
    """A `@kline_<interval>` push: its bars, oldest first; `period` is our name of the
    venue's `interval`. A bar whose last millisecond is before the push's time (or,
    when it names none, its receipt) is closed."""
    msg: sm.KlinePush = sm.decode_as(_klines.decode, text, "kline push")
    now_ms = msg.ts or local_ts // 1_000_000
    bars = []
    for row in sorted(msg.data, key=lambda r: r.time):
        if not row.low <= min(row.open, row.close) <= max(row.open, row.close) <= row.high:
            raise MalformedMessage(f"kline push {msg.dataType}: open/close outside low..high")
        bars.append(
            parse_kline(row, symbol, period, interval, now_ms, ts=msg.ts, local_ts=local_ts)
        )
    return bars
