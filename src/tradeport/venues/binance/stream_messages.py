"""Binance WebSocket payloads as typed structs (PROTOCOLS.md §1.4 spot, §2.4 USDⓈ-M),
and the decoding of frames into them.

Python names are descriptive; `name=` gives the single letter Binance sends. Market
data decodes with `strict=False` so price/qty strings land straight in float fields;
order and account money is Decimal, decoded exactly from the strings. Keys a struct
does not declare are skipped by the decoder, so newer venue fields do no harm.
Market-data numbers carry their constraint in their type (kit/market_numbers.py): a
trade at "NaN" or a ticker at "inf" does not decode. Book levels are left to the book
engine, which checks them where it applies them.
Anything that does not decode as the message it claims to be raises `MalformedMessage`
naming the stream or event and what was wrong; nothing is returned half-decoded.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar, Generic, Literal, TypeVar

import msgspec
from msgspec import Raw, field

from tradeport.model.errors import MalformedMessage
from tradeport.venues.kit.market_numbers import Finite, NotNegative, Positive

T = TypeVar("T")
Levels = list[tuple[float, float]]
SideName = Literal["BUY", "SELL"]
PositionSideName = Literal["BOTH", "LONG", "SHORT"]


# -- envelopes -------------------------------------------------------------------------
class Envelope(msgspec.Struct, gc=False):
    """A combined-stream frame `{"stream": <name>, "data": <payload>}`; data undecoded."""

    stream: str
    data: Raw


class Payload(msgspec.Struct, Generic[T], gc=False):
    """A combined-stream frame whose payload type is known from the stream name:
    decoding `Payload[X]` reads the frame in one pass. The name itself is skipped (the
    frame was routed by it, so it was read already): no str is made for it."""

    data: T


# -- market data -----------------------------------------------------------------------
class SpotDepthUpdate(msgspec.Struct, gc=False):
    """`<s>@depth[@100ms]` on spot: U/u only — spot has no `pu` (§1.5)."""

    first_id: int = field(name="U")
    last_id: int = field(name="u")
    bids: Levels = field(name="b")
    asks: Levels = field(name="a")
    event_ts: int = field(default=0, name="E")
    prev_id: ClassVar[int] = -1


class FuturesDepthUpdate(msgspec.Struct, gc=False):
    """`<s>@depth*` on USDⓈ-M, diff and partial alike: U/u and `pu`, the previous
    event's u (§2.4, §2.5)."""

    first_id: int = field(name="U")
    last_id: int = field(name="u")
    prev_id: int = field(name="pu")
    bids: Levels = field(name="b")
    asks: Levels = field(name="a")
    event_ts: int = field(default=0, name="E")
    transaction_ts: int = field(default=0, name="T")


class SpotDepthText(msgspec.Struct, gc=False):
    """`SpotDepthUpdate` with its levels left as the JSON text sent, for a book that
    reads them itself (`L2Book.apply_json`); every other field as there, so that what
    one refuses the other does."""

    first_id: int = field(name="U")
    last_id: int = field(name="u")
    bids: Raw = field(name="b")
    asks: Raw = field(name="a")
    event_ts: int = field(default=0, name="E")
    prev_id: ClassVar[int] = -1


class FuturesDepthText(msgspec.Struct, gc=False):
    """`FuturesDepthUpdate` with its levels left as the JSON text sent (every other
    field as there, so that what one refuses the other does)."""

    first_id: int = field(name="U")
    last_id: int = field(name="u")
    prev_id: int = field(name="pu")
    bids: Raw = field(name="b")
    asks: Raw = field(name="a")
    event_ts: int = field(default=0, name="E")
    transaction_ts: int = field(default=0, name="T")


class SpotPartialDepth(msgspec.Struct, gc=False):
    """`<s>@depth<5|10|20>[@100ms]` on spot: a top-N snapshot with no event header."""

    lastUpdateId: int
    bids: Levels
    asks: Levels


class SpotTrade(msgspec.Struct, gc=False):
    """`<s>@trade` (spot only)."""

    trade_id: int = field(name="t")
    price: Positive = field(name="p")
    qty: Positive = field(name="q")
    trade_ts: int = field(name="T")
    buyer_is_maker: bool = field(name="m")
    event_ts: int = field(default=0, name="E")


class AggTrade(msgspec.Struct, gc=False):
    """`<s>@aggTrade`, spot and USDⓈ-M; `trade_id` is the aggregate trade id `a`, named
    as `SpotTrade`'s so that one hot path reads both."""

    trade_id: int = field(name="a")
    price: Positive = field(name="p")
    qty: Positive = field(name="q")
    first_trade_id: int = field(name="f")
    last_trade_id: int = field(name="l")
    trade_ts: int = field(name="T")
    buyer_is_maker: bool = field(name="m")
    event_ts: int = field(default=0, name="E")


class BookTicker(msgspec.Struct, gc=False):
    """`<s>@bookTicker`; USDⓈ-M adds e/E/T, spot sends none of them."""

    update_id: int = field(name="u")
    bid: NotNegative = field(name="b")
    bid_qty: NotNegative = field(name="B")
    ask: NotNegative = field(name="a")
    ask_qty: NotNegative = field(name="A")
    event_ts: int = field(default=0, name="E")
    transaction_ts: int = field(default=0, name="T")


class KlineBody(msgspec.Struct, gc=False):
    open_ts: int = field(name="t")
    close_ts: int = field(name="T")
    interval: str = field(name="i")
    open: Finite = field(name="o")
    close: Finite = field(name="c")
    high: Finite = field(name="h")
    low: Finite = field(name="l")
    volume: NotNegative = field(name="v")
    trades: int = field(name="n")
    closed: bool = field(name="x")
    quote_volume: NotNegative = field(name="q")


class KlineEvent(msgspec.Struct, gc=False):
    """`<s>@kline_<interval>`, spot and USDⓈ-M."""

    kline: KlineBody = field(name="k")
    event_ts: int = field(default=0, name="E")


class Ticker24hEvent(msgspec.Struct, gc=False):
    """`<s>@ticker`; USDⓈ-M sends the same letters without the bid/ask ones (§2.4)."""

    last: Finite = field(name="c")
    open: Finite = field(name="o")
    high: Finite = field(name="h")
    low: Finite = field(name="l")
    volume: NotNegative = field(name="v")
    quote_volume: NotNegative = field(name="q")
    event_ts: int = field(default=0, name="E")
    bid: Finite | None = field(default=None, name="b")
    bid_qty: NotNegative | None = field(default=None, name="B")
    ask: Finite | None = field(default=None, name="a")
    ask_qty: NotNegative | None = field(default=None, name="A")


class MarkPriceUpdate(msgspec.Struct, gc=False):
    """`<s>@markPrice[@1s]` (USDⓈ-M only)."""

    mark: Finite = field(name="p")
    index: Finite | None = field(default=None, name="i")
    funding_rate: Finite | None = field(default=None, name="r")
    next_funding_ts: int | None = field(default=None, name="T")
    event_ts: int = field(default=0, name="E")


# -- user data: spot ---------------------------------------------------------------------
class ExecutionReport(msgspec.Struct, tag="executionReport", tag_field="e"):
    """Spot order update (§1.4). `C` is the original client id on a cancel; `t` is -1
    unless the event is a trade."""

    symbol: str = field(name="s")
    client_order_id: str = field(name="c")
    side: SideName = field(name="S")
    order_type: str = field(name="o")
    time_in_force: str = field(name="f")
    qty: Decimal = field(name="q")
    price: Decimal = field(name="p")
    exec_type: str = field(name="x")
    status: str = field(name="X")
    order_id: int = field(name="i")
    last_qty: Decimal = field(name="l")
    filled_qty: Decimal = field(name="z")
    last_price: Decimal = field(name="L")
    fee: Decimal = field(name="n")
    transaction_ts: int = field(name="T")
    trade_id: int = field(name="t")
    is_maker: bool = field(name="m")
    cum_quote: Decimal = field(name="Z")
    event_ts: int = field(default=0, name="E")
    orig_client_order_id: str = field(default="", name="C")
    fee_asset: str | None = field(default=None, name="N")
    reject_reason: str = field(default="NONE", name="r")
    created_ts: int = field(default=0, name="O")


class SpotBalanceEntry(msgspec.Struct):
    asset: str = field(name="a")
    free: Decimal = field(name="f")
    locked: Decimal = field(name="l")


class OutboundAccountPosition(msgspec.Struct, tag="outboundAccountPosition", tag_field="e"):
    """Spot balances that changed, absolute values."""

    update_ts: int = field(name="u")
    balances: list[SpotBalanceEntry] = field(name="B")
    event_ts: int = field(default=0, name="E")


class BalanceUpdate(msgspec.Struct, tag="balanceUpdate", tag_field="e"):
    """Spot deposit, withdrawal or transfer: a signed delta, not a new balance."""

    asset: str = field(name="a")
    delta: Decimal = field(name="d")
    clear_ts: int = field(name="T")
    event_ts: int = field(default=0, name="E")


# -- user data: USDⓈ-M -----------------------------------------------------------------
class FuturesOrder(msgspec.Struct):
    symbol: str = field(name="s")
    client_order_id: str = field(name="c")
    side: SideName = field(name="S")
    order_type: str = field(name="o")
    time_in_force: str = field(name="f")
    qty: Decimal = field(name="q")
    price: Decimal = field(name="p")
    avg_price: Decimal = field(name="ap")
    exec_type: str = field(name="x")
    status: str = field(name="X")
    order_id: int = field(name="i")
    last_qty: Decimal = field(name="l")
    filled_qty: Decimal = field(name="z")
    last_price: Decimal = field(name="L")
    trade_ts: int = field(name="T")
    trade_id: int = field(name="t")
    is_maker: bool = field(name="m")
    reduce_only: bool = field(name="R")
    position_side: PositionSideName = field(name="ps")
    # "will not push if no commission" (USDⓈ-M user data docs)
    fee: Decimal = field(default=Decimal(0), name="n")
    fee_asset: str | None = field(default=None, name="N")
    realized_pnl: Decimal = field(default=Decimal(0), name="rp")


class OrderTradeUpdate(msgspec.Struct, tag="ORDER_TRADE_UPDATE", tag_field="e"):
    order: FuturesOrder = field(name="o")
    event_ts: int = field(default=0, name="E")
    transaction_ts: int = field(default=0, name="T")


class FuturesBalanceEntry(msgspec.Struct):
    asset: str = field(name="a")
    wallet: Decimal = field(name="wb")
    cross_wallet: Decimal = field(name="cw")
    change: Decimal = field(default=Decimal(0), name="bc")


class FuturesPositionEntry(msgspec.Struct):
    symbol: str = field(name="s")
    amount: Decimal = field(name="pa")
    entry_price: Decimal = field(name="ep")
    unrealized_pnl: Decimal = field(name="up")
    position_side: PositionSideName = field(name="ps")
    margin_type: str | None = field(default=None, name="mt")


class AccountUpdateData(msgspec.Struct):
    reason: str = field(name="m")
    balances: list[FuturesBalanceEntry] = field(default_factory=list, name="B")
    positions: list[FuturesPositionEntry] = field(default_factory=list, name="P")


class AccountUpdate(msgspec.Struct, tag="ACCOUNT_UPDATE", tag_field="e"):
    data: AccountUpdateData = field(name="a")
    event_ts: int = field(default=0, name="E")
    transaction_ts: int = field(default=0, name="T")


# -- control events (both markets) -------------------------------------------------------
class ListenKeyExpired(msgspec.Struct, tag="listenKeyExpired", tag_field="e"):
    """The listen key in the connection URL is dead: take a new one and reconnect.
    USDⓈ-M documents `E` as a string here, which the lenient decoder accepts."""

    event_ts: int = field(default=0, name="E")
    listen_key: str = field(default="", name="listenKey")


class ServerShutdown(msgspec.Struct, tag="serverShutdown", tag_field="e"):
    """Sent before a maintenance disconnect: move to a fresh connection (§1.4)."""

    event_ts: int = field(default=0, name="E")


class EventStreamTerminated(msgspec.Struct, tag="eventStreamTerminated", tag_field="e"):
    """The spot WS-API user-data subscription ended (e.g. the session logged out)."""

    event_ts: int = field(default=0, name="E")


ControlEvent = ListenKeyExpired | ServerShutdown | EventStreamTerminated
UserEvent = (
    ExecutionReport
    | OutboundAccountPosition
    | BalanceUpdate
    | OrderTradeUpdate
    | AccountUpdate
    | ListenKeyExpired
    | ServerShutdown
    | EventStreamTerminated
)
_USER_EVENT_TYPES: tuple[type[msgspec.Struct], ...] = UserEvent.__args__
USER_EVENT_NAMES = frozenset(t.__struct_config__.tag for t in _USER_EVENT_TYPES)


class UserFrame(msgspec.Struct):
    """Any user-data frame, undecoded inside: the spot WS-API wrapper
    `{"subscriptionId":N,"event":{…}}`, a combined `{"stream":…,"data":{…}}`, or a bare
    event (USDⓈ-M listen-key socket), whose `e` is then read here."""

    e: str | None = None
    event: Raw = Raw()  # empty when absent
    data: Raw = Raw()
    subscriptionId: int | None = None


class EventName(msgspec.Struct):
    e: str


class ListenKey(msgspec.Struct):
    """POST/PUT /fapi/v1/listenKey answer."""

    listenKey: str


# -- decoding: bytes → the messages above ------------------------------------------------
VENUE = "BINANCE"


def malformed(where: str, exc: Exception) -> MalformedMessage:
    return MalformedMessage(f"malformed {where} message: {exc}", venue=VENUE)


def decoder(type_: Any) -> msgspec.json.Decoder[Any]:
    """Created once per message type, at import. strict=False: Binance sends prices and
    sizes as strings, decoded straight into float (market data) or Decimal (money)."""
    return msgspec.json.Decoder(type_, strict=False)


_envelope = decoder(Envelope)
_STREAM_PREFIX = '{"stream":"'
_STREAM_PREFIX_B = _STREAM_PREFIX.encode()


def decode_envelope(frame: str | bytes) -> tuple[str, Raw]:
    """(stream name, undecoded payload) of a combined-stream frame (§1.4)."""
    try:
        env = _envelope.decode(frame)
    except msgspec.DecodeError as exc:
        raise malformed("combined-stream", exc) from None
    return env.stream, env.data


def peek_stream(frame: str | bytes) -> str | None:
    """The stream name of a combined frame read without decoding it; None when the
    frame does not start the way Binance writes them (then use `decode_envelope`)."""
    if isinstance(frame, str):
        if frame.startswith(_STREAM_PREFIX):
            end = frame.find('"', 11)
            return frame[11:end] if end > 0 else None
        return None
    if frame.startswith(_STREAM_PREFIX_B):
        end = frame.find(b'"', 11)
        return frame[11:end].decode() if end > 0 else None
    return None


_user_frame = decoder(UserFrame)
_event_name = decoder(EventName)
_user_event = decoder(UserEvent)


def decode_user_event(frame: str | bytes) -> UserEvent | str:
    """The typed event in a user-data frame, bare or wrapped (spot WS API
    `{"subscriptionId":N,"event":…}`, combined `{"stream":…,"data":…}`); for an event
    type not modelled here (TRADE_LITE, ACCOUNT_CONFIG_UPDATE, MARGIN_CALL, ALGO_UPDATE,
    externalLockUpdate…) just its name."""
    try:
        outer = _user_frame.decode(frame)
        payload: str | bytes | Raw = outer.event or outer.data or frame
        name = outer.e if payload is frame else _event_name.decode(payload).e
    except msgspec.DecodeError as exc:
        raise malformed("user-data", exc) from None
    if name is None:
        raise MalformedMessage("malformed user-data message: no event type `e`", venue=VENUE)
    if name not in USER_EVENT_NAMES:
        return name
    try:
        event: UserEvent = _user_event.decode(payload)
    except msgspec.DecodeError as exc:
        raise malformed(name, exc) from None
    return event


_listen_key = decoder(ListenKey)


def decode_listen_key(body: str | bytes) -> str:
    """The key from a POST/PUT /fapi/v1/listenKey answer."""
    try:
        return _listen_key.decode(body).listenKey
    except msgspec.DecodeError as exc:
        raise malformed("listenKey response", exc) from None
