"""Frames of OKX's WebSocket side (PROTOCOLS.md §3.4; docs-v5 WS channel pages).

Replies: `{"id"?, "event":"subscribe"|"unsubscribe", "arg", "connId"}`, errors
`{"id"?, "event":"error", "code", "msg", "connId"}`, login `{"event":"login", "code":"0",
"msg":"", "connId"}`. Pushes: `{"arg", "data":[…]}`, with `"action"` between them on
`books`. Numbers are strings written plainly ("8477", "8476.98", as in the docs'
samples); SWAP sizes are in contracts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import msgspec

from tradeport.emulator.decimal_text import plain
from tradeport.emulator.marketdata import Kline
from tradeport.venues.okx.emulator.contracts import ContractTerms
from tradeport.venues.okx.emulator.ids import InstType, inst_type_of
from tradeport.venues.okx.emulator.stream_books import BookPush

Frame = dict[str, object]
RequestId = str | None


def encode(frame: Frame) -> str:
    return msgspec.json.encode(frame).decode()


@dataclass(frozen=True, slots=True)
class InstText:
    """How one instrument's prices and sizes are written."""

    terms: ContractTerms

    @property
    def inst_id(self) -> str:
        return self.terms.inst_id

    @property
    def inst_type(self) -> InstType:
        return inst_type_of(self.terms.inst_id)

    @staticmethod
    def px(value: Decimal) -> str:
        return plain(value)

    def sz(self, base_qty: Decimal) -> str:
        """A size in the venue's unit (contracts for SWAP) from the engine's base qty."""
        return plain(self.terms.to_venue(base_qty))


# -- replies ---------------------------------------------------------------------------
def _head(req_id: RequestId) -> Frame:
    return {} if req_id is None else {"id": req_id}


def ack(event: str, arg: dict[str, str], conn_id: str, req_id: RequestId) -> str:
    return encode({**_head(req_id), "event": event, "arg": arg, "connId": conn_id})


def error(code: str, msg: str, conn_id: str, req_id: RequestId) -> str:
    return encode({**_head(req_id), "event": "error", "code": code, "msg": msg, "connId": conn_id})


def login_ok(conn_id: str) -> str:
    return encode({"event": "login", "code": "0", "msg": "", "connId": conn_id})


def notice(code: str, msg: str) -> str:
    return encode({"event": "notice", "code": code, "msg": msg})


# -- pushes ----------------------------------------------------------------------------
def push(arg: dict[str, str], data: list[object], **extra: object) -> str:
    """`{"arg", **extra, "data"}`: `extra` carries `action` (books) or `eventType`
    (account, positions)."""
    return encode({"arg": arg, **extra, "data": data})


def books(inst: str, frame: BookPush) -> str:
    data = {
        "asks": frame.asks,
        "bids": frame.bids,
        "ts": str(frame.ts),
        "checksum": frame.checksum,
        "prevSeqId": frame.prev_seq,
        "seqId": frame.seq,
    }
    return push({"channel": "books", "instId": inst}, [data], action=frame.action)


def partial_book(
    channel: str, inst: str, bids: list[list[str]], asks: list[list[str]], ts: int, seq: int
) -> str:
    """`books5` (which also names the instId in its data) or `bbo-tbt`."""
    data: Frame = {"asks": asks, "bids": bids}
    if channel == "books5":
        data["instId"] = inst
    data["ts"] = str(ts)
    data["seqId"] = seq
    return push({"channel": channel, "instId": inst}, [data])


def trade_row(
    text: InstText,
    trade_id: int,
    px: Decimal,
    base_qty: Decimal,
    side: str,
    ts: int,
    count: int,
    seq: int,
) -> Frame:
    """One `trades` entry: the trades one taker made at one price (`count` of them,
    `tradeId` the last one's)."""
    return {
        "instId": text.inst_id,
        "tradeId": str(trade_id),
        "px": text.px(px),
        "sz": text.sz(base_qty),
        "side": side,
        "ts": str(ts),
        "count": str(count),
        "source": "0",
        "seqId": seq,
    }


def candle_row(text: InstText, bar: Kline, *, confirm: bool) -> list[str]:
    """`[ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]`: vol in contracts (SWAP) or
    base (SPOT); volCcy in base (SWAP) or quote (SPOT); volCcyQuote in quote."""
    vol = text.sz(bar.volume)
    vol_ccy = plain(bar.volume) if text.inst_type == "SWAP" else plain(bar.quote_volume)
    return [
        str(bar.open_ms),
        text.px(bar.open),
        text.px(bar.high),
        text.px(bar.low),
        text.px(bar.close),
        vol,
        vol_ccy,
        plain(bar.quote_volume),
        "1" if confirm else "0",
    ]
