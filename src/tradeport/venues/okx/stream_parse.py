"""OKX WebSocket messages (stream_messages) → tradeport model. Pure, no I/O.

Sizes: spot sizes are base units; a swap's book, trade and ticker sizes are contracts,
turned into base units here by a `Sizes` converter built once per instrument (exact to
the float: see `contracts.sizes`). Prices need no conversion.

Books (§3.5): a `books` push becomes a `BookPush` carrying both the float levels for
the book engine and the level text as received (price, size) for the checksum; its
ids go into a `DepthUpdate` whose first and last id are the push's seqId and whose
previous id is its prevSeqId. `books5` and `bbo-tbt` pushes are whole top-of-book
snapshots.

Timestamps: `ts` is the venue's (book generation, trade, candle push time unknown: 0);
`local_ts` is the receipt time the caller passes in.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import NamedTuple

from tradeport.book.levels import check_levels
from tradeport.book.types import DepthUpdate
from tradeport.model import (
    Balance,
    Bar,
    Fill,
    MarkPrice,
    Order,
    OrderBook,
    Position,
    Quote,
    Side,
    Ticker,
    Trade,
)
from tradeport.model.errors import MalformedMessage
from tradeport.venues.kit.market_numbers import finite_text, not_negative, positive
from tradeport.venues.okx import parse
from tradeport.venues.okx import stream_messages as sm
from tradeport.venues.okx.contracts import Contract, Sizes, TenPower

Level = tuple[float, float]
TextLevel = Sequence[str]  # a level as received: [price, size, …]

_book = sm.decoder(sm.BookFrame)
_trades = sm.decoder(sm.TradeFrame)
_ticker = sm.decoder(sm.TickerFrame)
_mark = sm.decoder(sm.MarkFrame)
_candles = sm.decoder(sm.CandleFrame)
_SIDES = {"buy": Side.BUY, "sell": Side.SELL}


_number = finite_text  # text → a finite float, or MalformedMessage naming the field


def _optional(text: str, what: str) -> float | None:
    return None if text == "" else _number(text, what)


# -- order books -----------------------------------------------------------------------
class BookPush(NamedTuple):
    """One `books` push: a snapshot (reset the book to it) or an update (apply it if
    it continues the book), with the level text the checksum is computed over."""

    snapshot: OrderBook | None
    update: DepthUpdate | None
    bids_text: Sequence[TextLevel]
    asks_text: Sequence[TextLevel]
    checksum: int  # signed CRC32 of the merged top 25; 0: the venue sent none


def _levels(rows: sm.TextLevels, size: Sizes) -> list[Level]:
    try:
        # the two common converters inlined: this runs for every level of every push
        if size is float:
            return [(float(row[0]), float(row[1])) for row in rows]
        if isinstance(size, TenPower):
            suffix = size.suffix
            return [(float(row[0]), float(row[1] + suffix)) for row in rows]
        return [(float(row[0]), size(row[1])) for row in rows]
    except (IndexError, ValueError) as exc:
        raise MalformedMessage(f"books level {rows!r}: {exc}") from None


def parse_books(frame: str | bytes, symbol: str, size: Sizes, local_ts: int) -> BookPush:
    """A `books` push. Snapshot levels are taken as sent (best first); an update's
    levels are absolute sizes, "0" removing the level."""
    msg: sm.BookFrame = sm.decode_as(_book.decode, frame, "books push")
    if len(msg.data) != 1:
        raise MalformedMessage(f"books push with {len(msg.data)} entries, expected 1")
    data = msg.data[0]
    bids_text, asks_text = data.bids, data.asks  # the checksum hashes the text as sent
    bids = _levels(bids_text, size)
    asks = _levels(asks_text, size)
    ts = int(data.ts) if data.ts.isdigit() else 0
    if msg.action == "snapshot":
        book = OrderBook(
            symbol=symbol, bids=bids, asks=asks, update_id=data.seqId, ts=ts, local_ts=local_ts
        )
        return BookPush(book, None, bids_text, asks_text, data.checksum)
    if msg.action != "update":
        raise MalformedMessage(f"books push action {msg.action!r}")
    update = DepthUpdate(symbol, data.seqId, data.seqId, data.prevSeqId, bids, asks, ts, local_ts)
    return BookPush(None, update, bids_text, asks_text, data.checksum)


def parse_top_book(frame: str | bytes, symbol: str, size: Sizes, local_ts: int) -> OrderBook:
    """A `books5` (or `bbo-tbt`) push: the whole top of the book, best first."""
    msg: sm.BookFrame = sm.decode_as(_book.decode, frame, f"{symbol} top-of-book push")
    if not msg.data:
        raise MalformedMessage("top-of-book push without data")
    data = msg.data[-1]
    bids = _levels(data.bids, size)
    asks = _levels(data.asks, size)
    # a whole top of book reaches consumers without the book engine: checked here
    check_levels("bid", bids)
    check_levels("ask", asks)
    ts = int(data.ts) if data.ts.isdigit() else 0
    return OrderBook(
        symbol=symbol, bids=bids, asks=asks, update_id=data.seqId, ts=ts, local_ts=local_ts
    )


def parse_bbo(frame: str | bytes, symbol: str, size: Sizes, local_ts: int) -> Quote | None:
    """A `bbo-tbt` push as a Quote; None when a side is empty."""
    book = parse_top_book(frame, symbol, size, local_ts)
    if not book.bids or not book.asks:
        return None
    (bid, bid_qty), (ask, ask_qty) = book.bids[0], book.asks[0]
    return Quote(
        symbol=symbol,
        bid=bid,
        bid_qty=bid_qty,
        ask=ask,
        ask_qty=ask_qty,
        update_id=book.update_id,
        ts=book.ts,
        local_ts=local_ts,
    )


# -- trades, tickers, mark prices ------------------------------------------------------
def parse_trades(frame: str | bytes, symbol: str, size: Sizes, local_ts: int) -> list[Trade]:
    """A `trades` push: one entry per taker order and price (`count` fills merged, the
    last one's tradeId)."""
    msg: sm.TradeFrame = sm.decode_as(_trades.decode, frame, "trades push")
    trades = []
    for row in msg.data:
        side = _SIDES.get(row.side)
        if side is None:
            raise MalformedMessage(f"trade {row.tradeId} side {row.side!r}")
        trades.append(
            Trade(
                symbol=symbol,
                trade_id=row.tradeId,
                price=row.px,
                qty=positive(size(row.sz), f"trade {row.tradeId} sz"),
                taker_side=side,
                ts=row.ts,
                local_ts=local_ts,
            )
        )
    return trades


def parse_tickers(
    frame: str | bytes, symbol: str, size: Sizes, swap: bool, local_ts: int
) -> list[Ticker]:
    """A `tickers` push. Volumes (§3.3): spot `vol24h` is base and `volCcy24h` quote; a
    swap's `vol24h` is contracts and `volCcy24h` base (no quote volume is sent)."""
    msg: sm.TickerFrame = sm.decode_as(_ticker.decode, frame, "tickers push")
    out = []
    for row in msg.data:
        bid_sz, ask_sz = row.bidSz, row.askSz
        out.append(
            Ticker(
                symbol=symbol,
                last=_number(row.last, "tickers last"),
                bid=_optional(row.bidPx, "tickers bidPx"),
                bid_qty=None if bid_sz == "" else not_negative(size(bid_sz), "tickers bidSz"),
                ask=_optional(row.askPx, "tickers askPx"),
                ask_qty=None if ask_sz == "" else not_negative(size(ask_sz), "tickers askSz"),
                open=_optional(row.open24h, "tickers open24h"),
                high=_optional(row.high24h, "tickers high24h"),
                low=_optional(row.low24h, "tickers low24h"),
                volume=_optional(row.volCcy24h if swap else row.vol24h, "tickers volume"),
                quote_volume=None if swap else _optional(row.volCcy24h, "tickers volCcy24h"),
                ts=int(row.ts) if row.ts.isdigit() else 0,
                local_ts=local_ts,
            )
        )
    return out


def parse_mark_prices(frame: str | bytes, symbol: str, local_ts: int) -> list[MarkPrice]:
    """A `mark-price` push (the channel carries the mark only; funding has its own)."""
    msg: sm.MarkFrame = sm.decode_as(_mark.decode, frame, "mark-price push")
    return [
        MarkPrice(symbol=symbol, mark=row.markPx, ts=row.ts, local_ts=local_ts) for row in msg.data
    ]


# -- candles ---------------------------------------------------------------------------
_UNIT_MS = {"s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}


def bar_close_ms(open_ms: int, period: str) -> int:
    """The last millisecond of the bar of `period` ("1m", "4h", "1d", "1w", "1M")
    opening at `open_ms`."""
    count, unit = int(period[:-1] or 1), period[-1]
    if unit == "M":  # calendar months (the UTC-aligned 1Mutc bar)
        start = datetime.fromtimestamp(open_ms / 1000, UTC)
        months = start.month - 1 + count
        year, month = start.year + months // 12, months % 12 + 1
        day = min(start.day, calendar.monthrange(year, month)[1])
        return int(start.replace(year=year, month=month, day=day).timestamp() * 1000) - 1
    unit_ms = _UNIT_MS.get(unit)
    if unit_ms is None:
        raise MalformedMessage(f"kline period {period!r}")
    return open_ms + count * unit_ms - 1


def parse_candles(
    frame: str | bytes, symbol: str, period: str, swap: bool, local_ts: int
) -> list[Bar]:
    """A `candle<bar>` push; `period` is ours ("1m"). Volume in base units: spot `vol`,
    a swap's `volCcy` (its `vol` is contracts); quote volume `volCcyQuote`."""
    msg: sm.CandleFrame = sm.decode_as(_candles.decode, frame, "candle push")
    bars = []
    for row in msg.data:
        try:
            ts, o, h, low, c, vol, vol_ccy, vol_quote, confirm = row[:9]
            open_ts = int(ts)
            bars.append(
                Bar(
                    symbol=symbol,
                    period=period,
                    open_ts=open_ts,
                    close_ts=bar_close_ms(open_ts, period),
                    open=_number(o, "candle open"),
                    high=_number(h, "candle high"),
                    low=_number(low, "candle low"),
                    close=_number(c, "candle close"),
                    volume=not_negative(float(vol_ccy if swap else vol), "candle volume"),
                    quote_volume=not_negative(float(vol_quote), "candle volCcyQuote")
                    if vol_quote
                    else 0.0,
                    closed=confirm == "1",
                    local_ts=local_ts,
                )
            )
        except ValueError as exc:
            raise MalformedMessage(f"candle row {row!r}: {exc}") from None
    return bars


# -- private channels ------------------------------------------------------------------
_orders = sm.decoder(sm.OrderFrame)
_positions = sm.decoder(sm.PositionFrame)
_accounts = sm.decoder(sm.AccountFrame)

# instId → the instrument with its contract facts, or None for an instrument outside
# the client's market (instType ANY pushes would carry them)
ContractOf = Callable[[str], Contract | None]


class PrivateEvents(NamedTuple):
    """What one private push stands for. `skipped` counts rows of instruments the
    client does not list."""

    orders: list[Order]
    fills: list[Fill]
    positions: list[Position]
    balances: list[Balance]
    skipped: int = 0


def parse_private(
    frame: str | bytes,
    contract_of: ContractOf,
    status_map: Mapping[str, str],
    local_ts: int,
) -> PrivateEvents:
    """One push of the `orders`, `positions` or `account` channel. An `orders` row that
    reports a fill (a `tradeId` and a non-zero `fillSz`) is a Fill as well; sizes are
    base units. A channel not parsed here raises MalformedMessage naming it."""
    head = sm.head_of(frame)
    channel = "" if head.arg is None else head.arg.channel
    if channel == "orders":
        om: sm.OrderFrame = sm.decode_as(_orders.decode, frame, "orders push")
        orders, fills, skipped = [], [], 0
        for row in om.data:
            inst = contract_of(row.instId)
            if inst is None:
                skipped += 1
                continue
            orders.append(parse.parse_order(row, inst, status_map, local_ts=local_ts))
            fill = parse.fill_of_order(row, inst, local_ts)
            if fill is not None:
                fills.append(fill)
        return PrivateEvents(orders, fills, [], [], skipped)
    if channel == "positions":
        pm: sm.PositionFrame = sm.decode_as(_positions.decode, frame, "positions push")
        positions, skipped = [], 0
        for prow in pm.data:
            inst = contract_of(prow.instId)
            if inst is None:
                skipped += 1
                continue
            positions.append(parse.parse_position(prow, inst, local_ts))
        return PrivateEvents([], [], positions, [], skipped)
    if channel == "account":
        am: sm.AccountFrame = sm.decode_as(_accounts.decode, frame, "account push")
        balances = [
            balance
            for row in am.data
            for balance in parse.parse_balance(
                row, int(row.uTime) if row.uTime.isdigit() else 0, local_ts
            ).values()
        ]
        return PrivateEvents([], [], [], balances)
    raise MalformedMessage(f"private channel {channel!r} is not one this client subscribes")
