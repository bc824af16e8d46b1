"""BingX swap WebSocket frames as typed structs (PROTOCOLS.md §5.4-5.5), and how a frame
off the socket becomes text.

Every server frame is gzip-compressed binary; inside is JSON, or the bare word `Ping`
(the venue's heartbeat, answered with the text `Pong`). Data pushes are `{"code": 0,
"dataType": "<symbol>@<kind>", "ts", "data"}`; answers to our requests echo our `id`
with `code` (0 = done) and `msg`. Prices and sizes may come as strings or numbers:
decoded with `strict=False` into floats that must be real (market_numbers.py).
"""

from __future__ import annotations

import gzip
import zlib
from decimal import Decimal
from typing import Any, Literal, TypeVar

import msgspec

from tradeport.model.errors import MalformedMessage
from tradeport.venues.kit.market_numbers import NotNegative, Positive

T = TypeVar("T")
Levels = list[tuple[float, float]]  # checked by the book engine (book/levels.py)
PartialLevels = list[tuple[Positive, NotNegative]]  # no book engine checks these
PING = b"Ping"
PONG = "Pong"


def inflate(frame: str | bytes) -> bytes:
    """The text of one server frame: gzip-decompressed when binary (every frame the
    venue sends), as is when text. MalformedMessage if it does not decompress."""
    if isinstance(frame, str):
        return frame.encode()
    try:
        return gzip.decompress(frame)
    except (OSError, EOFError, zlib.error) as exc:
        raise MalformedMessage(f"stream frame is not gzip: {exc}") from None


# -- control ---------------------------------------------------------------------------
class Reply(msgspec.Struct):
    """Any JSON frame, as far as telling an answer from a push needs: a push names its
    `dataType` and carries `data`; an answer echoes our `id`."""

    id: str | int | None = None
    code: int = 0
    msg: str = ""
    dataType: str = ""


# -- public pushes ---------------------------------------------------------------------
class IncrDepthData(msgspec.Struct, gc=False):
    """`@incrDepth`: `all` (the whole book) on subscription, then `update`s each one
    `lastUpdateId` past the previous (§5.5)."""

    action: Literal["all", "update"]
    lastUpdateId: int
    bids: Levels = []
    asks: Levels = []
    time: int = 0


class PartialDepthData(msgspec.Struct, gc=False):
    """`@depth<N>@<period>`: the top N levels, replacing the book at every push; each
    checked while decoding (a real price and quantity)."""

    bids: PartialLevels
    asks: PartialLevels


class TradeRow(msgspec.Struct, gc=False):
    """`@trade` entry: `m` true when the buyer was the maker (the taker sold)."""

    qty: Positive = msgspec.field(name="q")
    price: Positive = msgspec.field(name="p")
    time: int = msgspec.field(name="T")
    buyer_maker: bool = msgspec.field(name="m")
    symbol: str = msgspec.field(default="", name="s")


class BookTickerData(msgspec.Struct, gc=False):
    """`@bookTicker`: best bid `b` / `B` and ask `a` / `A`, update id `u`."""

    bid: Positive = msgspec.field(name="b")
    bid_qty: NotNegative = msgspec.field(name="B")
    ask: Positive = msgspec.field(name="a")
    ask_qty: NotNegative = msgspec.field(name="A")
    u: int = 0
    event_time: int = msgspec.field(default=0, name="E")
    time: int = msgspec.field(default=0, name="T")


class MarkPriceData(msgspec.Struct, gc=False):
    """`@markPrice`: `{e: "markPriceUpdate", E, s, p}`."""

    price: Positive = msgspec.field(name="p")
    event_time: int = msgspec.field(default=0, name="E")


class MarkPricePush(msgspec.Struct, gc=False):
    dataType: str
    data: MarkPriceData
    ts: int = 0


class IncrDepthPush(msgspec.Struct, gc=False):
    dataType: str
    data: IncrDepthData
    ts: int = 0


class PartialDepthPush(msgspec.Struct, gc=False):
    dataType: str
    data: PartialDepthData
    ts: int = 0


class PartialDepthText(msgspec.Struct, gc=False):
    """`PartialDepthData` with each side left as the JSON text sent, for the book
    engine's reader of whole sides (`sorted_json_levels`)."""

    bids: msgspec.Raw
    asks: msgspec.Raw


class PartialDepthTextPush(msgspec.Struct, gc=False):
    """`PartialDepthPush` with its sides as text; every other field as there, so that
    what one refuses the other does."""

    dataType: str
    data: PartialDepthText
    ts: int = 0


class TradePush(msgspec.Struct, gc=False):
    dataType: str
    data: list[TradeRow]
    ts: int = 0


class TradeRows(msgspec.Struct, gc=False):
    """`TradePush` without its dataType, for a push routed by it already (no str is
    made for the name again)."""

    data: list[TradeRow]
    ts: int = 0


class BookTickerPush(msgspec.Struct, gc=False):
    dataType: str
    data: BookTickerData
    ts: int = 0


class TickerData(msgspec.Struct, gc=False):
    """`@ticker` (`e: 24hTicker`, every second): last `c` and its size `L`, 24 h open
    `o`, high `h`, low `l`, volumes `v` / `q`, best bid `B` / `b` and ask `A` / `a`,
    window `O`..`C`."""

    last: Positive = msgspec.field(name="c")
    event_time: int = msgspec.field(default=0, name="E")
    open: NotNegative | None = msgspec.field(default=None, name="o")
    high: NotNegative | None = msgspec.field(default=None, name="h")
    low: NotNegative | None = msgspec.field(default=None, name="l")
    volume: NotNegative | None = msgspec.field(default=None, name="v")
    quote_volume: NotNegative | None = msgspec.field(default=None, name="q")
    bid: NotNegative | None = msgspec.field(default=None, name="B")
    bid_qty: NotNegative | None = msgspec.field(default=None, name="b")
    ask: NotNegative | None = msgspec.field(default=None, name="A")
    ask_qty: NotNegative | None = msgspec.field(default=None, name="a")
    close_time: int = msgspec.field(default=0, name="C")


class TickerPush(msgspec.Struct, gc=False):
    dataType: str
    data: TickerData
    ts: int = 0


class KlineData(msgspec.Struct, gc=False):
    """A `@kline_<interval>` bar: open time `T`, open/high/low/close, volume `v`."""

    open: Positive = msgspec.field(name="o")
    high: Positive = msgspec.field(name="h")
    low: Positive = msgspec.field(name="l")
    close: Positive = msgspec.field(name="c")
    volume: NotNegative = msgspec.field(name="v")
    time: int = msgspec.field(name="T")  # named as the REST row, so one parser reads both


class KlinePush(msgspec.Struct, gc=False):
    """`data` is a list of bars (the current one; the one that just closed too)."""

    dataType: str
    data: list[KlineData]
    ts: int = 0


def decoder(message: type[T]) -> msgspec.json.Decoder[T]:
    """Numbers may arrive as strings: `strict=False` lets "16493.5" fill a float."""
    return msgspec.json.Decoder(message, strict=False)


class _Head(msgspec.Struct):
    dataType: str = ""


_head = msgspec.json.Decoder(_Head)
_PUSH = b'{"code":0,"dataType":"'  # how a push begins


def data_type_of(text: bytes) -> str:
    """The `dataType` of a push; MalformedMessage if it names none. Read off the
    beginning of a push that starts as the venue's do, decoded otherwise."""
    if text.startswith(_PUSH):
        end = text.find(b'"', 22, 160)
        peeked = text[22:end] if end > 22 else b""
        if peeked and peeked.isascii() and b"\\" not in peeked:  # no escapes: as it is
            return peeked.decode()
    try:
        name = _head.decode(text).dataType
    except msgspec.DecodeError as exc:
        raise MalformedMessage(f"stream frame: {exc}") from None
    if not name:
        raise MalformedMessage("stream frame without a dataType")
    return name


def decode_as(decode: Any, text: bytes, what: str) -> Any:
    """`decode(text)`, or MalformedMessage naming `what` (the dataType)."""
    try:
        return decode(text)
    except msgspec.DecodeError as exc:
        raise MalformedMessage(f"{what}: {exc}") from None


# -- the account stream (connected with a listen key, §5.4) ------------------------------
# Money decodes into Decimal; numbers may come as JSON numbers or strings.
class OrderUpdate(msgspec.Struct):
    """`o` of ORDER_TRADE_UPDATE. A fill (`x` TRADE) carries its size `l`, price `L`,
    trade id `t` and maker flag `m` [?: the last two are not in the documented list]."""

    symbol: str = msgspec.field(name="s")
    order_id: int | str = msgspec.field(name="i")
    side: str = msgspec.field(name="S")
    order_type: str = msgspec.field(name="o")
    exec_type: str = msgspec.field(name="x")
    status: str = msgspec.field(name="X")
    qty: Decimal = msgspec.field(default=Decimal(0), name="q")
    client_order_id: str = msgspec.field(default="", name="c")
    price: Decimal = msgspec.field(default=Decimal(0), name="p")
    avg_price: Decimal = msgspec.field(default=Decimal(0), name="ap")
    filled_qty: Decimal = msgspec.field(default=Decimal(0), name="z")
    fee_asset: str = msgspec.field(default="", name="N")
    commission: Decimal = msgspec.field(default=Decimal(0), name="n")  # negative: charged
    trade_ts: int = msgspec.field(default=0, name="T")
    position_side: str = msgspec.field(default="BOTH", name="ps")
    realized_pnl: Decimal = msgspec.field(default=Decimal(0), name="rp")
    last_qty: Decimal = msgspec.field(default=Decimal(0), name="l")
    last_price: Decimal = msgspec.field(default=Decimal(0), name="L")
    trade_id: int | str = msgspec.field(default="", name="t")
    is_maker: bool | None = msgspec.field(default=None, name="m")


class OrderTradeUpdate(msgspec.Struct):
    event_ts: int = msgspec.field(name="E")
    order: OrderUpdate = msgspec.field(name="o")
    update_ts: int = msgspec.field(default=0, name="T")


class WalletRow(msgspec.Struct):
    """`B` of ACCOUNT_UPDATE: wallet balance `wb`, cross wallet balance `cw`."""

    asset: str = msgspec.field(name="a")
    wallet: Decimal = msgspec.field(name="wb")
    cross_wallet: Decimal = msgspec.field(name="cw")
    change: Decimal = msgspec.field(default=Decimal(0), name="bc")


class PositionLeg(msgspec.Struct):
    """`P` of ACCOUNT_UPDATE: size `pa` (signed in one-way mode, as REST positionAmt),
    entry price `ep`, unrealized pnl `up`, margin type `mt`, side `ps`."""

    symbol: str = msgspec.field(name="s")
    amount: Decimal = msgspec.field(name="pa")
    position_side: str = msgspec.field(name="ps")
    entry_price: Decimal = msgspec.field(default=Decimal(0), name="ep")
    unrealized_pnl: Decimal = msgspec.field(default=Decimal(0), name="up")
    margin_type: str | None = msgspec.field(default=None, name="mt")


class AccountData(msgspec.Struct):
    reason: str = msgspec.field(default="", name="m")
    balances: list[WalletRow] = msgspec.field(default_factory=list, name="B")
    positions: list[PositionLeg] = msgspec.field(default_factory=list, name="P")


class AccountUpdate(msgspec.Struct):
    event_ts: int = msgspec.field(name="E")
    data: AccountData = msgspec.field(name="a")
    transaction_ts: int = msgspec.field(default=0, name="T")


class ConfigRow(msgspec.Struct):
    """`ac` of ACCOUNT_CONFIG_UPDATE: long `l` and short `S` leverage, margin type."""

    symbol: str = msgspec.field(name="s")
    long: int = msgspec.field(name="l")
    short: int = msgspec.field(name="S")
    margin_type: str | None = msgspec.field(default=None, name="mt")


class AccountConfigUpdate(msgspec.Struct):
    event_ts: int = msgspec.field(name="E")
    config: ConfigRow = msgspec.field(name="ac")


class EventHead(msgspec.Struct):
    """What an account event is (`e`); empty for a market push or an answer."""

    e: str = ""
