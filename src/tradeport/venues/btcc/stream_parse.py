"""BTCC quote stream pushes → model objects (PROTOCOLS.md §6.4) [?]. Pure, no I/O.

`dealticksnap` is the last trades, oldest first, again and again: what is new is what
follows the longest run that ends the previous snapshot (`new_deals`). With no trade
id, time, price, size and side stand in for one [?].

`tickinfo_deep` carries no sequence number or checksum: each push is the whole top
seven levels a side, and replaces the book. A push whose best bid is not below its
best ask cannot be a real book: it comes out flagged RESYNCING (and never LIVE) until
a sound push replaces it.
"""

from __future__ import annotations

from tradeport.book.levels import check_levels
from tradeport.model import Bar, BookState, OrderBook, Side, Ticker, Trade
from tradeport.model.errors import MalformedMessage
from tradeport.venues.btcc import stream_messages as sm

_action = sm.decoder(sm.Action)
_dict = sm.decoder(sm.DictFrame)
_tick = sm.decoder(sm.TickFrame)
_deep = sm.decoder(sm.DeepFrame)
_deals = sm.decoder(sm.DealFrame)
_klines = sm.decoder(sm.KlineFrame)
TAKER_SIDES = {1: Side.BUY, 2: Side.SELL}


def action_of(text: str | bytes) -> sm.Action:
    return sm.decode_as(_action, text, "quote stream frame")


def parse_dict(text: str | bytes) -> list[sm.DictRow]:
    return sm.decode_as(_dict, text, "Dict frame").data


def tick_rows(text: str | bytes) -> list[sm.TickRow]:
    return sm.decode_as(_tick, text, "tickinfo push").data


def parse_tick(row: sm.TickRow, symbol: str, local_ts: int) -> Ticker:
    return Ticker(
        symbol=symbol,
        last=row.C,
        bid=row.B,
        ask=row.A,
        volume=row.V,
        ts=row.T * 1000,
        local_ts=local_ts,
    )


def deep_data(text: str | bytes) -> sm.DeepData:
    return sm.decode_as(_deep, text, "tickinfo_deep push").data


def parse_deep(data: sm.DeepData, symbol: str, local_ts: int) -> OrderBook:
    """The whole seven-level book of one push; RESYNCING when it is crossed."""
    if len(data.A) != len(data.U) or len(data.B) != len(data.M):
        raise MalformedMessage(f"tickinfo_deep {symbol}: prices and sizes do not pair up")
    asks = sorted(zip(data.A, data.U, strict=True))
    bids = sorted(zip(data.B, data.M, strict=True), reverse=True)
    check_levels("ask", asks)
    check_levels("bid", bids)
    asks = [level for level in asks if level[1] > 0]
    bids = [level for level in bids if level[1] > 0]
    crossed = bool(asks and bids and bids[0][0] >= asks[0][0])
    return OrderBook(
        symbol=symbol,
        bids=bids,
        asks=asks,
        ts=data.T * 1000,
        local_ts=local_ts,
        state=BookState.RESYNCING if crossed else BookState.LIVE,
    )


def deal_data(text: str | bytes) -> sm.DealData:
    return sm.decode_as(_deals, text, "dealticksnap push").data


def new_deals(seen: list[sm.DealRow], snapshot: list[sm.DealRow]) -> tuple[list[sm.DealRow], bool]:
    """The trades of `snapshot` that `seen` (the previous snapshot) did not hold, and
    whether trades may be missing between the two (they share no run: more trades came
    than a snapshot holds). Nothing is new in a first snapshot: those trades came
    before the subscription."""
    if not seen:
        return [], False
    for overlap in range(min(len(seen), len(snapshot)), 0, -1):
        if snapshot[:overlap] == seen[-overlap:]:
            return snapshot[overlap:], False
    return snapshot, True


def parse_deal(row: sm.DealRow, symbol: str, local_ts: int) -> Trade:
    side = TAKER_SIDES.get(row.S)
    if side is None:
        raise MalformedMessage(f"dealticksnap {symbol}: side {row.S!r} is not 1 or 2")
    return Trade(
        symbol=symbol,
        trade_id=f"{row.T}-{row.P}-{row.V}-{row.S}",
        price=row.P,
        qty=row.V,
        taker_side=side,
        ts=row.T * 1000,
        local_ts=local_ts,
    )


def parse_klines(
    text: str | bytes, symbol: str, period: str, interval: str, now_ms: int
) -> list[Bar]:
    """A `Kline` answer, oldest first; a candle is closed once its last ms is past."""
    length = sm.PERIOD_MS[interval]
    rows = sm.decode_as(_klines, text, "Kline answer").data
    bars = []
    for row in sorted(rows, key=lambda r: r.open_s):
        if not row.low <= min(row.open, row.close) <= max(row.open, row.close) <= row.high:
            raise MalformedMessage(f"Kline {symbol} at {row.open_s}: high and low do not hold it")
        open_ms = row.open_s * 1000
        bars.append(
            Bar(
                symbol=symbol,
                period=period,
                open_ts=open_ms,
                close_ts=open_ms + length - 1,
                open=row.open,
                high=row.high,
                low=row.low,
                close=row.close,
                volume=row.volume,
                closed=open_ms + length - 1 < now_ms,
            )
        )
    return bars
