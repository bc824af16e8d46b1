"""OKX v5 WebSocket channel arguments: which channel lives on which path and what each
needs (PROTOCOLS.md §3.4; docs-v5 "WS / … channel" pages).

`/ws/v5/public`: `books`, `books5`, `bbo-tbt`, `tickers`, `trades`, `mark-price`,
`funding-rate`, each with an `instId`. `/ws/v5/business`: `candle<bar>` with an `instId`.
`/ws/v5/private` (after login): `orders` (`instType` ANY/SPOT/SWAP, optional `instId`),
`positions` (`instType` ANY/SWAP, optional `instId`), `account` (optional `ccy`).

A refused argument raises `Refused` with OKX's code: 60012 for a malformed argument,
60018 for a channel or instrument that does not exist on this path, 64001 for a candle
channel asked of `/public` (it "has been migrated to the '/business' URL"), 64002 for a
non-business channel asked of `/business`.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

PathKind = Literal["public", "business", "private"]

PUBLIC_CHANNELS = frozenset(
    {"books", "books5", "bbo-tbt", "tickers", "trades", "mark-price", "funding-rate"}
)
PRIVATE_CHANNELS = frozenset({"orders", "positions", "account"})
SWAP_ONLY = frozenset({"funding-rate"})
CANDLE_PREFIX = "candle"
# instType values each private channel takes (docs list more; this emulator has two markets)
PRIVATE_INST_TYPES: dict[str, tuple[str, ...]] = {
    "orders": ("ANY", "SPOT", "SWAP"),
    "positions": ("ANY", "SWAP"),
}

MIGRATED_TO_BUSINESS = (
    "This channel has been migrated to the '/business' URL. Please subscribe using the new "
    "URL. More details can refer to: https://www.okx.com/help-center/changes-to-v5-api-"
    "websocket-subscription-parameter-and-url."
)
NOT_ON_BUSINESS = (
    'This channel is not supported by "/business" URL. Please use "/private" URL(for private '
    'channels), or "/public" URL(for public channels). More details can refer to: '
    "https://www.okx.com/help-center/changes-to-v5-api-websocket-subscription-parameter-and-url."
)


class Refused(Exception):
    """A request answered with `{"event":"error","code":code,"msg":msg}`."""

    def __init__(self, code: str, msg: str) -> None:
        super().__init__(f"{code}: {msg}")
        self.code = code
        self.msg = msg


@dataclass(frozen=True, slots=True)
class Topic:
    """One subscribed channel argument. `arg` is the argument as OKX echoes it."""

    channel: str
    arg: tuple[tuple[str, str], ...]
    inst_id: str = ""
    inst_type: str = ""  # private channels
    ccy: str = ""  # account

    @property
    def key(self) -> tuple[str, ...]:
        return (self.channel, self.inst_id, self.inst_type, self.ccy)

    def arg_dict(self) -> dict[str, str]:
        return dict(self.arg)

    @property
    def is_candle(self) -> bool:
        return self.channel.startswith(CANDLE_PREFIX)

    @property
    def bar(self) -> str:
        return self.channel.removeprefix(CANDLE_PREFIX)


def not_found(arg: dict[str, object]) -> Refused:
    """60018, naming the argument as OKX does ("channel:books,instId:FOO-BAR")."""
    named = ",".join(f"{k}:{v}" for k, v in arg.items())
    return Refused(
        "60018",
        f"Wrong URL or {named} doesn't exist. Please use the correct URL, channel and "
        "parameters referring to API document.",
    )


def parse_arg(
    raw: object,
    path: PathKind,
    *,
    instruments: Collection[str],
    swaps: Collection[str],
    bars: Collection[str],
    request_text: str,
) -> Topic:
    """The topic one `args` entry names on `path`, or Refused."""
    if not isinstance(raw, dict) or not all(isinstance(v, str) for v in raw.values()):
        raise Refused("60012", f"Invalid request: {request_text}")
    arg: dict[str, str] = {str(k): str(v) for k, v in raw.items()}
    channel = arg.get("channel", "")
    if not channel:
        raise Refused("60012", f"Invalid request: {request_text}")
    if channel.startswith(CANDLE_PREFIX) and channel.removeprefix(CANDLE_PREFIX) in bars:
        if path == "public":
            raise Refused("64001", MIGRATED_TO_BUSINESS)
        if path != "business":
            raise not_found(dict(arg))
        return _instrument_topic(arg, channel, instruments, request_text)
    if channel in PUBLIC_CHANNELS:
        if path == "business":
            raise Refused("64002", NOT_ON_BUSINESS)
        if path != "public":
            raise not_found(dict(arg))
        topic = _instrument_topic(arg, channel, instruments, request_text)
        if channel in SWAP_ONLY and topic.inst_id not in swaps:
            raise not_found(dict(arg))
        return topic
    if channel in PRIVATE_CHANNELS and path == "private":
        return _private_topic(arg, channel, instruments, swaps, request_text)
    raise not_found(dict(arg))


def _instrument_topic(
    arg: dict[str, str], channel: str, instruments: Collection[str], request_text: str
) -> Topic:
    inst = arg.get("instId", "")
    if not inst:
        raise Refused("60012", f"Invalid request: {request_text}")
    if inst not in instruments:
        raise not_found(dict(arg))
    echoed = (("channel", channel), ("instId", inst))
    return Topic(channel, echoed, inst_id=inst)


def _private_topic(
    arg: dict[str, str],
    channel: str,
    instruments: Collection[str],
    swaps: Collection[str],
    request_text: str,
) -> Topic:
    if channel == "account":
        ccy = arg.get("ccy", "")
        echoed = (("channel", channel),) + ((("ccy", ccy),) if ccy else ())
        return Topic(channel, echoed, ccy=ccy)
    inst_type = arg.get("instType", "")
    if not inst_type:
        raise Refused("60012", f"Invalid request: {request_text}")
    if inst_type not in PRIVATE_INST_TYPES[channel]:
        raise not_found(dict(arg))
    inst = arg.get("instId", "")
    if inst:
        kind_fits = inst_type == "ANY" or (inst in swaps) == (inst_type == "SWAP")
        if (
            inst not in instruments
            or not kind_fits
            or (channel == "positions" and inst not in swaps)
        ):
            raise not_found(dict(arg))
    echoed = (("channel", channel), ("instType", inst_type))
    if inst:
        echoed += (("instId", inst),)
    return Topic(channel, echoed, inst_id=inst, inst_type=inst_type)
