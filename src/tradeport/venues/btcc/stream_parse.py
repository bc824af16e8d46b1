"""BTCC quote stream pushes → model objects (PROTOCOLS.md §6.4) [?]. Pure, no I/O.

`tickinfo_deep` carries no sequence number or checksum: each push is the whole top
seven levels a side, and replaces the book. A push whose best bid is not below its
best ask cannot be a real book: it comes out flagged RESYNCING (and never LIVE) until
a sound push replaces it.
"""

from __future__ import annotations

from tradeport.book.levels import check_levels
from tradeport.model import BookState, OrderBook, Ticker
from tradeport.model.errors import MalformedMessage
from tradeport.venues.btcc import stream_messages as sm

_action = sm.decoder(sm.Action)
_dict = sm.decoder(sm.DictFrame)
_tick = sm.decoder(sm.TickFrame)
_deep = sm.decoder(sm.DeepFrame)


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
