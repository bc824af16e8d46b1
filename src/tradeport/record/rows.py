"""Events as flat rows and back: the one column layout every table-shaped sink uses
(Parquet files, PostgreSQL tables), so they all hold a recording the same way.

A stream's venue, channel and symbol are not in the row: Parquet keeps them in the
partition path, PostgreSQL in columns of its own. Marker rows carry the marker's kind
in `kind`, its `reason` and `count`, and empty levels (book) or nulls (trades, quotes).

Each event type's layout is written once (`_LAYOUTS`): its `kind`, then the event's
own fields in column order. Rows are tuples in that order, built with one C-level
attribute read per event; `packed_row` keeps a book event's levels (bids, asks) each as
the bytes of native doubles, price and size in turn, which each sink splits into bid_px,
bid_qty, ask_px and ask_qty its own way (Parquet for a whole row group at once);
`column_adder` appends the same values to a sink's columns without making the row.
A packed row holds only text, numbers and bytes: none of them is an object the garbage
collector follows, so neither is the row once the collector has seen it, and rows
waiting by the hundred thousand in a sink's buffer cost its full collections nothing
(rows of lists of tuples, or of `array`s, which it follows, were scanned by each).
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import attrgetter
from struct import Struct
from typing import Any

from tradeport.record.events import (
    BookEvent,
    BookKind,
    Channel,
    Event,
    Levels,
    Marker,
    MarkerKind,
    QuoteEvent,
    RawEvent,
    TradeEvent,
)

Row = dict[str, Any]
EventType = type[BookEvent] | type[TradeEvent] | type[QuoteEvent] | type[RawEvent]


@dataclass(frozen=True, slots=True)
class _Layout:
    """One event type's row: `seq`, `kind`, then `fields` (the event's, in column
    order), then the marker columns `reason` and `count`."""

    channel: Channel
    kind: str | None  # the kind column of every such event; None: `fields` begin with it
    fields: tuple[str, ...]

    def getter(self) -> Callable[[Any], tuple[Any, ...]]:
        get = attrgetter(*self.fields)
        kind = self.kind
        if kind is None:
            return lambda e: (e.seq, *get(e), "", 0)
        return lambda e: (e.seq, kind, *get(e), "", 0)


# packers of 0..63 pairs: a delta holds a few levels, a snapshot up to the whole book
_PAIRS = [Struct(f"{2 * count}d").pack for count in range(64)]


def flat_levels(levels: Levels) -> bytes:
    """(price, size) pairs as the bytes of native doubles: price, size, price, size..."""
    if len(levels) < len(_PAIRS):
        return _PAIRS[len(levels)](*chain.from_iterable(levels))
    return array("d", chain.from_iterable(levels)).tobytes()


# a book event's kind as plain text: a BookKind is an object the collector follows, and
# reading `.value` of an enum member costs a call
_KIND_TEXT = {kind: kind.value for kind in BookKind}


def _book_row(e: BookEvent) -> tuple[Any, ...]:
    # the book layout below, with the kind as plain text and the levels flat
    return (
        e.seq,
        _KIND_TEXT[e.kind],
        e.prev_id,
        e.update_id,
        e.ts,
        e.local_ts,
        flat_levels(e.bids),
        flat_levels(e.asks),
        "",
        0,
    )


_LAYOUTS: dict[EventType, _Layout] = {
    # kind: snapshot or delta; prev_id: -1 on a snapshot; ts venue time and local_ts
    # receipt time, epoch ns; bids and asks become bid_px, bid_qty, ask_px, ask_qty
    BookEvent: _Layout(
        Channel.BOOK, None, ("kind", "prev_id", "update_id", "ts", "local_ts", "bids", "asks")
    ),
    # trade_id as text: OKX, Bybit and others name trades with non-numeric ids
    TradeEvent: _Layout(
        Channel.TRADES, "trade", ("trade_id", "price", "qty", "side", "ts", "local_ts")
    ),
    QuoteEvent: _Layout(
        Channel.QUOTES,
        "quote",
        ("bid", "bid_qty", "ask", "ask_qty", "update_id", "ts", "local_ts"),
    ),
    # topic: the venue's; frame: the bytes as received
    RawEvent: _Layout(Channel.RAW, "raw", ("topic", "frame", "ts", "local_ts")),
}
_LEVEL_FIELDS = {"bids": ("bid_px", "bid_qty"), "asks": ("ask_px", "ask_qty")}


def _columns(layout: _Layout, *, split: bool) -> tuple[str, ...]:
    fields: list[str] = []
    for name in layout.fields:
        fields.extend(_LEVEL_FIELDS[name] if split and name in _LEVEL_FIELDS else (name,))
    kind = ("kind",) if layout.kind is not None else ()
    return ("seq", *kind, *fields, "reason", "count")


# every channel's columns; markers (null or empty on the other columns) fill them too
COLUMNS: dict[Channel, tuple[str, ...]] = {
    layout.channel: _columns(layout, split=True) for layout in _LAYOUTS.values()
}
# the columns of `packed_row`: book levels kept as pairs
PACKED_COLUMNS: dict[Channel, tuple[str, ...]] = {
    layout.channel: _columns(layout, split=False) for layout in _LAYOUTS.values()
}
BOOK_COLUMNS = COLUMNS[Channel.BOOK]
TRADE_COLUMNS = COLUMNS[Channel.TRADES]
QUOTE_COLUMNS = COLUMNS[Channel.QUOTES]
RAW_COLUMNS = COLUMNS[Channel.RAW]
# where a book's bids and asks sit in its packed row
BOOK_LEVELS = tuple(PACKED_COLUMNS[Channel.BOOK].index(name) for name in _LEVEL_FIELDS)

_PACKERS: dict[type, Callable[[Any], tuple[Any, ...]]] = {
    event_type: layout.getter() for event_type, layout in _LAYOUTS.items()
}
_PACKERS[BookEvent] = _book_row
_BOOK_KINDS = frozenset(BookKind.__members__.values())


def _marker_row(e: Marker) -> tuple[Any, ...]:
    # the columns a marker has no value for: empty levels (book), nulls (the others)
    row: Row = dict.fromkeys(PACKED_COLUMNS[e.channel])
    if e.channel is Channel.BOOK:
        row.update(prev_id=-1, bids=b"", asks=b"")
    if "update_id" in row:
        row["update_id"] = e.update_id
    row.update(
        seq=e.seq,
        kind=e.kind.value,
        ts=e.ts,
        local_ts=e.local_ts,
        reason=e.reason,
        count=e.count,
    )
    return tuple(row.values())


def packed_row(event: Event) -> tuple[Any, ...]:
    """`event` as a tuple of its channel's `PACKED_COLUMNS`, a book event's levels as
    `flat_levels`."""
    pack = _PACKERS.get(type(event))
    if pack is None:
        return _marker_row(event)  # type: ignore[arg-type]  # the only other type
    return pack(event)


def column_adder(
    channel: Channel, appends: Sequence[Callable[[Any], object]]
) -> Callable[[Event], None]:
    """A function that appends an event of `channel` to columns in its `PACKED_COLUMNS`
    order (`appends`: one a column), the values `packed_row` gives. Book and trade
    events, written by the thousand a second, go straight into the columns with no row
    made in between; markers, quotes and raw frames go by way of their packed row."""

    def add_row(event: Event) -> None:
        for append, value in zip(appends, packed_row(event), strict=True):
            append(value)

    if channel is Channel.BOOK:
        seq, kind, prev_id, update_id, ts, local_ts, bids, asks, reason, count = appends

        def add_book(e: Event) -> None:
            if type(e) is not BookEvent:
                add_row(e)
                return
            seq(e.seq)
            kind(_KIND_TEXT[e.kind])
            prev_id(e.prev_id)
            update_id(e.update_id)
            ts(e.ts)
            local_ts(e.local_ts)
            bids(flat_levels(e.bids))
            asks(flat_levels(e.asks))
            reason("")
            count(0)

        return add_book
    if channel is Channel.TRADES:
        seq, kind, trade_id, price, qty, side, ts, local_ts, reason, count = appends

        def add_trade(e: Event) -> None:
            if type(e) is not TradeEvent:
                add_row(e)
                return
            seq(e.seq)
            kind("trade")
            trade_id(e.trade_id)
            price(e.price)
            qty(e.qty)
            side(e.side)
            ts(e.ts)
            local_ts(e.local_ts)
            reason("")
            count(0)

        return add_trade
    return add_row


def _levels(px: list[float], qty: list[float]) -> Levels:
    return list(zip(px, qty, strict=True))


# what each event type's fields are read as from a row, where not as they are stored
_READ: dict[EventType, Callable[[Row], Row]] = {
    BookEvent: lambda row: {
        "kind": BookKind(row["kind"]),
        "bids": _levels(row["bid_px"], row["bid_qty"]),
        "asks": _levels(row["ask_px"], row["ask_qty"]),
    },
    RawEvent: lambda row: {"frame": bytes(row["frame"])},
}
_READ_AS = {"kind", "bids", "asks", "frame"}
_KINDS = {(layout.channel, layout.kind): t for t, layout in _LAYOUTS.items()}


def row_event(venue: str, channel: Channel, symbol: str, row: Row) -> Event:
    """The event a row of stream (venue, channel, symbol) holds."""
    kind = row["kind"]
    # a book's own kinds are snapshot and delta; any other kind is a marker's
    event_type = _KINDS.get((channel, None if kind in _BOOK_KINDS else kind))
    if event_type is not None:
        layout = _LAYOUTS[event_type]
        fields = {name: row[name] for name in layout.fields if name not in _READ_AS}
        fields.update(seq=row["seq"])
        read = _READ.get(event_type)
        if read is not None:
            fields.update(read(row))
        return event_type(venue=venue, symbol=symbol, **fields)
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
