"""What a recording holds: typed events, one stream per (venue, channel, symbol).

Every event carries the venue's time and the local receipt time, both int64 epoch
nanoseconds, and `seq`: its position in its stream, counted by the recorder from 1, so
a reader can prove nothing was written twice or left out between two markers.

Book events are verified: a `delta` takes the synced book the venue client keeps from
one verified state, update id `prev_id`, to the next, `update_id` (levels as (price, new
size), size 0 removes the level, applied in order; as the venue sends them, a level may
repeat its size or remove a price the book did not hold, which changes nothing); a
`snapshot` is the whole book (to the recorded depth) at `update_id`, written
periodically and whenever the book becomes LIVE again, so a reader can start at any
snapshot. Quote events (optional) are the
venue's own top-of-book pushes; raw events (optional) the venue's frames as received.
A `Marker` says where data is missing or suspect, in the stream it concerns.

Events are not tracked by the garbage collector (`gc=False`): they are made by the
thousand a second and hold only text, numbers and lists of level pairs, so they cannot
be part of a reference cycle, and waiting in a sink's queue they would lengthen every
collection.
"""

from __future__ import annotations

from enum import StrEnum

import msgspec

Levels = list[tuple[float, float]]


class Channel(StrEnum):
    BOOK = "book"
    TRADES = "trades"
    QUOTES = "quotes"  # top of book as the venue pushes it (optional)
    RAW = "raw"  # the venue's frames as received (optional)


class BookKind(StrEnum):
    SNAPSHOT = "snapshot"
    DELTA = "delta"


class MarkerKind(StrEnum):
    GAP = "gap"  # the venue's update ids broke continuity: updates were lost
    RESYNC = "resync"  # the book left LIVE (a gap, a crossed or unreadable update)
    DISCONNECT = "disconnect"  # a stream connection was lost and replaced
    STALE = "stale"  # nothing arrived for longer than expected
    DROPPED = "dropped"  # a sink's queue was full: `count` events were not written
    START = "start"  # recording of this stream (re)started: nothing is known before
    STOP = "stop"  # recording of this stream stopped (delisted, or no longer wanted)


class BookEvent(msgspec.Struct, frozen=True, kw_only=True, tag="book", gc=False):
    venue: str
    symbol: str
    seq: int
    kind: BookKind
    prev_id: int  # update id of the book this applies to (-1 for a snapshot)
    update_id: int
    ts: int  # venue time, ns
    local_ts: int  # receipt time, ns
    bids: Levels
    asks: Levels

    @property
    def channel(self) -> Channel:
        return Channel.BOOK


class TradeEvent(msgspec.Struct, frozen=True, kw_only=True, tag="trade", gc=False):
    venue: str
    symbol: str
    seq: int
    trade_id: str  # the venue's id, as the venue spells it (OKX and Bybit send strings)
    price: float
    qty: float
    side: str  # taker side: buy or sell
    ts: int
    local_ts: int

    @property
    def channel(self) -> Channel:
        return Channel.TRADES


class QuoteEvent(msgspec.Struct, frozen=True, kw_only=True, tag="quote", gc=False):
    """Best bid and ask as the venue pushes them (its own top-of-book stream, e.g.
    Binance `bookTicker`, OKX `bbo-tbt`): not verified like the book, but small."""

    venue: str
    symbol: str
    seq: int
    bid: float
    bid_qty: float
    ask: float
    ask_qty: float
    update_id: int  # the venue's, 0 when it sends none
    ts: int
    local_ts: int

    @property
    def channel(self) -> Channel:
        return Channel.QUOTES


class RawEvent(msgspec.Struct, frozen=True, kw_only=True, tag="raw", gc=False):
    """One frame of a recorded symbol's public stream topic exactly as it came off the
    socket (text as UTF-8; BingX's gzip bytes as they are), with its receipt time: what
    a reader needs to re-parse a recording with a newer parser or to audit one. `ts` is
    0: reading the venue's time would mean parsing the frame."""

    venue: str
    symbol: str
    seq: int
    topic: str  # the venue's topic the frame belongs to, e.g. "btcusdt@depth@100ms"
    frame: bytes
    ts: int = 0
    local_ts: int

    @property
    def channel(self) -> Channel:
        return Channel.RAW


class Marker(msgspec.Struct, frozen=True, kw_only=True, tag="marker", gc=False):
    venue: str
    symbol: str
    channel: Channel
    seq: int
    kind: MarkerKind
    reason: str = ""
    count: int = 0  # events the marker stands for (DROPPED)
    update_id: int = -1  # the book's update id when the marker was written, if known
    ts: int = 0
    local_ts: int = 0


Event = BookEvent | TradeEvent | QuoteEvent | RawEvent | Marker


def ms_to_ns(ms: int) -> int:
    return ms * 1_000_000
