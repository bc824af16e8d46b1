"""BTCC quote WebSocket frames as typed structs (PROTOCOLS.md §6.4) [?].

Every frame is JSON naming its `action`. After the login frame the venue answers
`Login`, then `Dict` (the product dictionary: numeric `SecID`, `ShortName`, `Digit`),
then `All Products` (trading hours). `ReqSubcri` sets which products are pushed:
`tickinfo` (best bid `B`, best ask `A`, last `C`, volume `V`, time `T` in seconds, per
product `Y`), `tickinfo_deep` (seven levels a side: ask prices `A` with sizes `U`
ascending, bid prices `B` with sizes `M` descending) and `dealticksnap` (the last
trades). `ReqKline` is answered once with `Kline` (the last candles of a period).
`KeepLive` is answered `keeplive`. The field letters come from third-party
summaries; the answers' `result` field and the `ReqSubcri` answer are this project's
reading [?]. Numbers may come as strings or numbers: decoded with strict=False into
floats that must be real (market_numbers.py).
"""

from __future__ import annotations

from typing import TypeVar

import msgspec

from tradeport.model.errors import MalformedMessage
from tradeport.venues.kit.market_numbers import NotNegative, Positive

T = TypeVar("T")
LOGIN, DICT, PRODUCTS, SUBSCRIBE = "Login", "Dict", "All Products", "ReqSubcri"
TICK, DEEP, DEALS, KEEPLIVE = "tickinfo", "tickinfo_deep", "dealticksnap", "KeepLive"
KLINE_REQUEST, KLINE = "ReqKline", "Kline"
# candle periods as `ReqKline` names them (MetaTrader's names, as the back end's look) [?]
PERIOD_MS = {
    "M1": 60_000,
    "M5": 300_000,
    "M15": 900_000,
    "M30": 1_800_000,
    "H1": 3_600_000,
    "H4": 14_400_000,
    "D1": 86_400_000,
    "W1": 604_800_000,
}
KEEPLIVE_ANSWER = "keeplive"
SUCCESS = 1


class Action(msgspec.Struct):
    """Any frame, as far as telling it apart needs."""

    action: str = ""
    result: int = SUCCESS
    msg: str = ""


class DictRow(msgspec.Struct):
    SecID: str | int
    ShortName: str
    Digit: int = 0


class DictFrame(msgspec.Struct):
    data: list[DictRow]


class TickRow(msgspec.Struct, gc=False):
    Y: str | int
    A: Positive
    B: Positive
    C: Positive
    T: int = 0  # seconds
    V: NotNegative | None = None


class TickFrame(msgspec.Struct):
    data: list[TickRow]


class DeepData(msgspec.Struct, gc=False):
    Y: str | int
    A: list[float]
    U: list[float]
    B: list[float]
    M: list[float]
    T: int = 0


class DeepFrame(msgspec.Struct):
    data: DeepData


class DealRow(msgspec.Struct, gc=False):
    """One trade of a `dealticksnap`: price, size, time (s) and the taker's side
    (1 buy, 2 sell). No trade id [?]."""

    P: Positive
    V: Positive
    T: int
    S: int


class DealData(msgspec.Struct, gc=False):
    Y: str | int
    D: list[DealRow]


class DealFrame(msgspec.Struct):
    data: DealData


class KlineRow(msgspec.Struct, gc=False):
    """One candle: open time `T` (s), open, high, low, close, volume."""

    open_s: int = msgspec.field(name="T")
    open: Positive = msgspec.field(name="O")
    high: Positive = msgspec.field(name="H")
    low: Positive = msgspec.field(name="L")
    close: Positive = msgspec.field(name="C")
    volume: NotNegative = msgspec.field(default=0.0, name="V")


class KlineFrame(msgspec.Struct):
    data: list[KlineRow]


def decoder(type_: type[T]) -> msgspec.json.Decoder[T]:
    return msgspec.json.Decoder(type_, strict=False)


def decode_as(decode: msgspec.json.Decoder[T], text: str | bytes, what: str) -> T:
    try:
        return decode.decode(text)
    except msgspec.DecodeError as exc:
        raise MalformedMessage(f"{what}: {exc}") from None
