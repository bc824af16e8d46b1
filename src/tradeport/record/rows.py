"""Events as flat rows and back: the one column layout every table-shaped sink uses
(Parquet files, PostgreSQL tables), so they all hold a recording the same way.

A stream's venue, channel and symbol are not in the row: Parquet keeps them in the
partition path, PostgreSQL in columns of its own. Marker rows carry the marker's kind
in `kind`, its `reason` and `count`, and empty levels (book) or nulls (trades, quotes).
"""

from __future__ import annotations

from typing import Any

from tradeport.record.events import (
    BookEvent,
    BookKind,
    Channel,
    Event,
    Marker,
    MarkerKind,
    QuoteEvent,
    RawEvent,
    TradeEvent,
)

Row = dict[str, Any]

BOOK_COLUMNS = (
    "seq",
    "kind",  # snapshot, delta, or a marker kind
    "prev_id",
    "update_id",
    "ts",  # venue time, epoch ns
    "local_ts",  # receipt time, epoch ns
    "bid_px",
    "bid_qty",
    "ask_px",
    "ask_qty",
    "reason",
    "count",
)
TRADE_COLUMNS = (
    "seq",
    "kind",  # trade, or a marker kind
    "trade_id",  # text: OKX, Bybit and others name trades with non-numeric ids
    "price",  # null on marker rows
    "qty",
    "side",
    "ts",
    "local_ts",
    "reason",
    "count",
)
QUOTE_COLUMNS = (
    "seq",
    "kind",  # quote, or a marker kind
    "bid",  # null on marker rows
    "bid_qty",
    "ask",
    "ask_qty",
    "update_id",
    "ts",
    "local_ts",
    "reason",
    "count",
)
RAW_COLUMNS = (
    "seq",
    "kind",  # raw, or a marker kind
    "topic",  # the venue's topic (null on marker rows)
    "frame",  # bytes as received (null on marker rows)
    "ts",
    "local_ts",
    "reason",
    "count",
)
COLUMNS = {
    Channel.BOOK: BOOK_COLUMNS,
    Channel.TRADES: TRADE_COLUMNS,
    Channel.QUOTES: QUOTE_COLUMNS,
    Channel.RAW: RAW_COLUMNS,
}
_BOOK_KINDS = frozenset(BookKind.__members__.values())


def _book_row(e: BookEvent) -> Row:
    return {
        "seq": e.seq,
        "kind": str(e.kind),
        "prev_id": e.prev_id,
        "update_id": e.update_id,
        "ts": e.ts,
        "local_ts": e.local_ts,
        "bid_px": [p for p, _ in e.bids],
        "bid_qty": [q for _, q in e.bids],
        "ask_px": [p for p, _ in e.asks],
        "ask_qty": [q for _, q in e.asks],
        "reason": "",
        "count": 0,
    }


def _trade_row(e: TradeEvent) -> Row:
    return {
        "seq": e.seq,
        "kind": "trade",
        "trade_id": e.trade_id,
        "price": e.price,
        "qty": e.qty,
        "side": e.side,
        "ts": e.ts,
        "local_ts": e.local_ts,
        "reason": "",
        "count": 0,
    }


def _quote_row(e: QuoteEvent) -> Row:
    return {
        "seq": e.seq,
        "kind": "quote",
        "bid": e.bid,
        "bid_qty": e.bid_qty,
        "ask": e.ask,
        "ask_qty": e.ask_qty,
        "update_id": e.update_id,
        "ts": e.ts,
        "local_ts": e.local_ts,
        "reason": "",
        "count": 0,
    }


def _raw_row(e: RawEvent) -> Row:
    return {
        "seq": e.seq,
        "kind": "raw",
        "topic": e.topic,
        "frame": e.frame,
        "ts": e.ts,
        "local_ts": e.local_ts,
        "reason": "",
        "count": 0,
    }


def _marker_row(e: Marker) -> Row:
    # the columns a marker has no value for: empty levels (book), nulls (trades, quotes)
    row: Row = dict.fromkeys(COLUMNS[e.channel])
    if e.channel is Channel.BOOK:
        row.update(prev_id=-1, bid_px=[], bid_qty=[], ask_px=[], ask_qty=[])
    if "update_id" in row:
        row["update_id"] = e.update_id
    row.update(
        seq=e.seq, kind=str(e.kind), ts=e.ts, local_ts=e.local_ts, reason=e.reason, count=e.count
    )
    return row


def event_row(event: Event) -> Row:
    """`event` as a row of its channel's columns."""
    if isinstance(event, BookEvent):
        return _book_row(event)
    if isinstance(event, TradeEvent):
        return _trade_row(event)
    if isinstance(event, QuoteEvent):
        return _quote_row(event)
    if isinstance(event, RawEvent):
        return _raw_row(event)
    return _marker_row(event)


def _levels(px: list[float], qty: list[float]) -> list[tuple[float, float]]:
    return list(zip(px, qty, strict=True))


def row_event(venue: str, channel: Channel, symbol: str, row: Row) -> Event:
    """The event a row of stream (venue, channel, symbol) holds."""
    kind = row["kind"]
    if channel is Channel.BOOK and kind in _BOOK_KINDS:
        return BookEvent(
            venue=venue,
            symbol=symbol,
            seq=row["seq"],
            kind=BookKind(kind),
            prev_id=row["prev_id"],
            update_id=row["update_id"],
            ts=row["ts"],
            local_ts=row["local_ts"],
            bids=_levels(row["bid_px"], row["bid_qty"]),
            asks=_levels(row["ask_px"], row["ask_qty"]),
        )
    if channel is Channel.TRADES and kind == "trade":
        return TradeEvent(
            venue=venue,
            symbol=symbol,
            seq=row["seq"],
            trade_id=row["trade_id"],
            price=row["price"],
            qty=row["qty"],
            side=row["side"],
            ts=row["ts"],
            local_ts=row["local_ts"],
        )
    if channel is Channel.QUOTES and kind == "quote":
        return QuoteEvent(
            venue=venue,
            symbol=symbol,
            seq=row["seq"],
            bid=row["bid"],
            bid_qty=row["bid_qty"],
            ask=row["ask"],
            ask_qty=row["ask_qty"],
            update_id=row["update_id"],
            ts=row["ts"],
            local_ts=row["local_ts"],
        )
    if channel is Channel.RAW and kind == "raw":
        return RawEvent(
            venue=venue,
            symbol=symbol,
            seq=row["seq"],
            topic=row["topic"],
            frame=bytes(row["frame"]),
            ts=row["ts"],
            local_ts=row["local_ts"],
        )
    return Marker(
        venue=venue,
        symbol=symbol,
        channel=channel,
        seq=row["seq"],
        kind=MarkerKind(kind),
        reason=row["reason"] or "",
        count=row["count"],
        update_id=row.get("update_id", -1),
        ts=row["ts"],
        local_ts=row["local_ts"],
    )
