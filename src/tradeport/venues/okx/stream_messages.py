"""OKX v5 WebSocket payloads as typed structs (PROTOCOLS.md §3.4–3.5), and the reading
of a frame's channel and instrument.

Every data frame is `{"arg": {"channel", "instId" | "instType", …}, ["action",] "data":
[…]}`. Book levels stay the venue's text (`[px, sz, "0", numOrders]`): the checksum is
computed over the strings exactly as received, and the sizes of a swap are contracts
that become base units in stream_parse.py. Ticker, trade, mark-price and candle values
are decoded with `strict=False` straight into floats where they need no conversion.
Private rows are messages.py's REST rows. Keys a struct does not declare are skipped;
a frame that does not decode as what its channel names raises `MalformedMessage`.
"""

from __future__ import annotations

import re
from typing import Any, Generic, TypeVar

import msgspec

from tradeport.model.errors import MalformedMessage
from tradeport.venues.kit.market_numbers import Finite, Positive
from tradeport.venues.okx import messages as m

T = TypeVar("T")
TextLevels = list[list[str]]


class Arg(msgspec.Struct, gc=False):
    channel: str
    instId: str = ""
    instType: str = ""


# -- public ----------------------------------------------------------------------------
class BookData(msgspec.Struct, gc=False):
    """One `books`/`books5`/`bbo-tbt` entry: levels best first, `seqId`; `books` adds
    `prevSeqId` (-1 on a snapshot) and `checksum` (0: not computed)."""

    asks: TextLevels
    bids: TextLevels
    ts: str = "0"
    seqId: int = 0
    prevSeqId: int = -1
    checksum: int = 0
    instId: str = ""


class BookFrame(msgspec.Struct, gc=False):
    arg: Arg
    data: list[BookData]
    action: str = "snapshot"  # books: snapshot / update; books5, bbo-tbt: none


class BookRow(msgspec.Struct, array_like=True, gc=False):
    """A `books` level `[px, sz, "0", numOrders]` as its price and size text: the
    fields after them are skipped, not decoded."""

    px: str
    sz: str


class BookRows(msgspec.Struct, gc=False):
    """A `books` entry for the hot path: levels as `BookRow`s, the rest as `BookData`."""

    asks: list[BookRow]
    bids: list[BookRow]
    ts: str = "0"
    seqId: int = 0
    prevSeqId: int = -1
    checksum: int = 0


class BookRowsFrame(msgspec.Struct, gc=False):
    data: list[BookRows]
    action: str = "snapshot"


class BookText(msgspec.Struct, gc=False):
    """A `books` entry for the hot path: levels as the JSON text sent, which the text
    store reads itself (`TextL2Book.apply_json`); every other field as in `BookRows`,
    so that what one decodes the other does too, bar the levels."""

    asks: msgspec.Raw
    bids: msgspec.Raw
    ts: str = "0"
    seqId: int = 0
    prevSeqId: int = -1
    checksum: int = 0


class BookTextFrame(msgspec.Struct, gc=False):
    data: list[BookText]
    action: str = "snapshot"


class TradeData(msgspec.Struct, gc=False):
    instId: str
    tradeId: str
    px: Positive
    sz: str  # contracts for a swap
    side: str  # the taker's side
    ts: int
    count: str = ""


class TradeFrame(msgspec.Struct, gc=False):
    arg: Arg
    data: list[TradeData]


class TickerFrame(msgspec.Struct, gc=False):
    arg: Arg
    data: list[m.TickerRow]


class MarkData(msgspec.Struct, gc=False):
    instId: str
    markPx: Finite
    ts: int
    instType: str = ""


class MarkFrame(msgspec.Struct, gc=False):
    arg: Arg
    data: list[MarkData]


class CandleFrame(msgspec.Struct, gc=False):
    """`candle<bar>`: rows `[ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]`."""

    arg: Arg
    data: list[list[str]]


# -- private ---------------------------------------------------------------------------
class PrivateFrame(msgspec.Struct, Generic[T], gc=False):
    arg: Arg
    data: list[T]
    eventType: str = ""  # account, positions: snapshot / event_update


OrderFrame = PrivateFrame[m.OrderRow]
PositionFrame = PrivateFrame[m.PositionRow]
AccountFrame = PrivateFrame[m.BalanceRow]


class Head(msgspec.Struct, gc=False):
    """What tells frames apart: an event (acknowledgements, notices) or the `arg` of
    a data frame."""

    arg: Arg | None = None
    event: str | None = None


# -- decoding --------------------------------------------------------------------------
def decoder(message: type[T]) -> msgspec.json.Decoder[T]:
    """Numbers arrive as strings: `strict=False` lets "42219.9" fill a float field."""
    return msgspec.json.Decoder(message, strict=False)


_head = decoder(Head)
# the start of a public data frame: its channel and instId (not empty), within the first
# 120 characters
_ARG = re.compile(r'\{"arg":\{"channel":"([^"]*)","instId":"([^"]+)"')


def peek_arg(frame: str | bytes) -> tuple[str, str] | None:
    """(channel, instId) of a public frame that begins with them, read without decoding
    the rest (`{"arg":{"channel":"books","instId":"BTC-USDT"},…`); None otherwise."""
    text = frame if isinstance(frame, str) else frame[:120].decode("utf-8", "replace")
    found = _ARG.match(text, 0, 120)
    return None if found is None else found.groups()  # type: ignore[return-value]


# the arg text a public frame starts with, up to its first "}", → the frame's topic name,
# for frames whose channel and instId peek_arg reads within that text (a regex reads no
# further than its match, so every frame starting with that text reads the same): a
# frame of a topic seen before is routed by one lookup. Bounded: garbage frames could
# bring any number of texts
topic_names: dict[str, str] = {}
_TOPIC_NAMES_MAX = 4096
# what the _ARG pattern matches besides the channel and the instId
_ARG_FIXED = len('{"arg":{"channel":"","instId":""')


def topic_name(frame: str | bytes) -> str | None:
    """`"<channel>:<instId>"` of a public frame that begins with them (`peek_arg`),
    None otherwise."""
    text = frame if isinstance(frame, str) else ""  # bytes: read by peek_arg alone
    end = text.find("}", 0, 120) + 1
    if end:
        name = topic_names.get(text[:end])
        if name is not None:
            return name
    peeked = peek_arg(frame)
    if peeked is None:
        return None
    channel, inst_id = peeked
    name = f"{channel}:{inst_id}"
    if _ARG_FIXED + len(channel) + len(inst_id) <= end and len(topic_names) < _TOPIC_NAMES_MAX:
        topic_names[text[:end]] = name
    return name


def head_of(frame: str | bytes) -> Head:
    """The event or arg of any frame; MalformedMessage if it is not JSON."""
    try:
        return _head.decode(frame)
    except msgspec.DecodeError as exc:
        raise MalformedMessage(f"stream frame: {exc}") from None


def decode_as(decode: Any, frame: str | bytes, what: str) -> Any:
    """`decode(frame)`, or MalformedMessage naming `what` (the channel)."""
    try:
        return decode(frame)
    except msgspec.DecodeError as exc:
        raise MalformedMessage(f"{what}: {exc}") from None
