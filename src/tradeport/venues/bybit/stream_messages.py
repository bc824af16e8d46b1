"""Bybit v5 WebSocket payloads as typed structs (PROTOCOLS.md §4.4), and the decoding of
frames into them.

Public frames are `{"topic", "type", "ts", "data", …}`; their prices and sizes are
strings, decoded with `strict=False` straight into floats (streamed market data). The
private topics' rows are the REST rows (messages.py), kept as the venue's text until
parse.py makes them Decimal. Keys a struct does not declare are skipped, so newer
venue fields do no harm; a frame that does not decode as the message its topic names
raises `MalformedMessage` naming the topic and what was wrong.
"""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

import msgspec

from tradeport.model.errors import MalformedMessage
from tradeport.venues.bybit import messages as m
from tradeport.venues.kit.market_numbers import Finite, NotNegative, Positive

T = TypeVar("T")
Levels = list[tuple[float, float]]
FrameType = Literal["snapshot", "delta"]


# -- public ----------------------------------------------------------------------------
class BookData(msgspec.Struct, gc=False):
    """`orderbook.{depth}.{symbol}` data: bids (best first in a snapshot), asks, the
    topic's update id `u` and the cross sequence `seq` (§4.5)."""

    s: str
    b: Levels
    a: Levels
    u: int
    seq: int = 0


class BookFrame(msgspec.Struct, gc=False):
    topic: str
    type: FrameType
    data: BookData
    ts: int = 0
    cts: int = 0


class BookDataText(msgspec.Struct, gc=False):
    """`BookData` with its levels left as the JSON text sent, for a book that reads
    them itself (`L2Book.apply_json`); every other field as there, so that what one
    refuses the other does."""

    s: str
    b: msgspec.Raw
    a: msgspec.Raw
    u: int
    seq: int = 0


class BookFrameText(msgspec.Struct, gc=False):
    topic: str
    type: FrameType
    data: BookDataText
    ts: int = 0
    cts: int = 0


class TradeRow(msgspec.Struct, gc=False):
    """A `publicTrade` entry: `S` is the taker's side, `i` the trade id."""

    time: int = msgspec.field(name="T")
    symbol: str = msgspec.field(name="s")
    side: str = msgspec.field(name="S")
    qty: Positive = msgspec.field(name="v")
    price: Positive = msgspec.field(name="p")
    trade_id: str = msgspec.field(name="i")
    block_trade: bool = msgspec.field(default=False, name="BT")
    seq: int = 0


class TradeFrame(msgspec.Struct, gc=False):
    topic: str
    data: list[TradeRow]
    ts: int = 0


class TradeRows(msgspec.Struct, gc=False):
    """`TradeFrame` without its topic, for a frame routed by it already (the topic was
    read, so no str is made for it again)."""

    data: list[TradeRow]
    ts: int = 0


class KlineRow(msgspec.Struct, gc=False):
    start: int
    end: int
    interval: str
    open: Finite
    close: Finite
    high: Finite
    low: Finite
    volume: NotNegative
    turnover: NotNegative
    confirm: bool
    timestamp: int = 0  # the last trade in the candle


class KlineFrame(msgspec.Struct, gc=False):
    topic: str
    data: list[KlineRow]
    ts: int = 0


# A ticker field's text as sent ("" when the venue has no value); linear deltas send
# only the fields that changed, so the data stays a mapping to merge (§4.4).
TickerFields = dict[str, str | int | float | None]


class TickerFrame(msgspec.Struct, gc=False):
    topic: str
    type: FrameType
    data: TickerFields
    ts: int = 0
    cs: int = 0


class Topic(msgspec.Struct, gc=False):
    """Just the topic name of a data frame (when it is not the frame's first key)."""

    topic: str


# -- private ---------------------------------------------------------------------------
class PrivateFrame(msgspec.Struct, Generic[T], gc=False):
    """`{"id", "topic", "creationTime", "data": [rows]}` of the private topics; the rows
    are messages.py's REST rows (which declare the stream-only `category`)."""

    topic: str
    data: list[T]
    id: str = ""
    creationTime: int = 0


OrderFrame = PrivateFrame[m.OrderRow]
ExecutionFrame = PrivateFrame[m.ExecutionRow]
PositionFrame = PrivateFrame[m.PositionRow]
WalletFrame = PrivateFrame[m.WalletAccount]


# -- decoding --------------------------------------------------------------------------
def decoder(message: type[T]) -> msgspec.json.Decoder[T]:
    """Numbers arrive as strings: `strict=False` lets "16493.50" fill a float field."""
    return msgspec.json.Decoder(message, strict=False)


def malformed(what: str, exc: Exception) -> MalformedMessage:
    return MalformedMessage(f"{what}: {exc}")


_topic = decoder(Topic)


def peek_topic(frame: str | bytes) -> str | None:
    """The topic of a frame that begins with it (`{"topic":"…"`, as Bybit's public
    frames do), read without decoding the rest; None otherwise."""
    head = frame[:80] if isinstance(frame, str) else frame[:80].decode("utf-8", "replace")
    if not head.startswith('{"topic":"'):
        return None
    end = head.find('"', 10)
    return head[10:end] if end > 10 else None


def topic_of(frame: str | bytes) -> str:
    """The topic of any data frame; MalformedMessage if it names none."""
    topic = peek_topic(frame)
    if topic is not None:
        return topic
    try:
        return _topic.decode(frame).topic
    except msgspec.DecodeError as exc:
        raise malformed("stream frame without a topic", exc) from None


def decode_as(decode: Any, frame: str | bytes, what: str) -> Any:
    """`decode(frame)`, or MalformedMessage naming `what` (the topic)."""
    try:
        return decode(frame)
    except msgspec.DecodeError as exc:
        raise malformed(what, exc) from None
