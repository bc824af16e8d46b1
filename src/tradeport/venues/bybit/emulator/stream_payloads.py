"""Frames of Bybit's public topics (PROTOCOLS.md §4.4; websocket/public/*.mdx).

Key order follows the docs' samples, which differ by market: spot frames (and level-1
books of linear) put `ts` before `type` ("reminder" on the orderbook page), linear
depth frames put it after; linear tickers end with `cs, ts`, spot tickers put `ts, type,
cs` before `data`. Prices are written at the symbol's tick precision and sizes at its
step precision ("16493.50", "0.006"), a deleted level's size as "0", as in the samples.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import msgspec

from tradeport.emulator.decimal_text import decimals, fixed
from tradeport.emulator.marketdata import Kline, Level, PublicTrade
from tradeport.emulator.symbols import SymbolSpec
from tradeport.venues.bybit.emulator.ids import Category, public_trade_id_text

Frame = dict[str, object]
Fields = dict[str, str]


@dataclass(frozen=True, slots=True)
class SymbolText:
    """How one symbol's prices and sizes are written."""

    price_places: int
    size_places: int

    @classmethod
    def of(cls, spec: SymbolSpec) -> SymbolText:
        return cls(decimals(spec.tick_size), decimals(spec.step_size))

    def price(self, value: Decimal) -> str:
        return fixed(value, self.price_places)

    def size(self, value: Decimal) -> str:
        return "0" if value == 0 else fixed(value, self.size_places)

    def levels(self, levels: Iterable[Level]) -> list[list[str]]:
        return [[self.price(p), self.size(q)] for p, q in levels]


def encode(frame: Frame) -> str:
    return msgspec.json.encode(frame).decode()


def orderbook(
    category: Category,
    topic: str,
    kind: str,
    *,
    depth: int,
    data: Frame,
    ts: int,
    cts: int,
) -> str:
    """An `orderbook.{depth}.{symbol}` frame; `data` is `{s, b, a, u, seq}`."""
    if category == "spot" or depth == 1:
        return encode({"topic": topic, "ts": ts, "type": kind, "data": data, "cts": cts})
    return encode({"topic": topic, "type": kind, "ts": ts, "data": data, "cts": cts})


def book_data(
    text: SymbolText, symbol: str, bids: Iterable[Level], asks: Iterable[Level], u: int, seq: int
) -> Frame:
    return {"s": symbol, "b": text.levels(bids), "a": text.levels(asks), "u": u, "seq": seq}


def trade_row(
    category: Category,
    text: SymbolText,
    trade: PublicTrade,
    tick_direction: str,
    seq: int,
) -> Frame:
    """One `publicTrade` entry. `S` is the taker's side; `L` (tick direction) is a
    derivatives-only field (websocket/public/trade)."""
    row: Frame = {
        "T": trade.ts_ms,
        "s": trade.symbol,
        "S": "Sell" if trade.buyer_is_maker else "Buy",
        "v": text.size(trade.qty),
        "p": text.price(trade.price),
    }
    if category == "linear":
        row["L"] = tick_direction
    row["i"] = public_trade_id_text(category, trade.trade_id)
    row["BT"] = False
    row["RPI"] = False
    row["seq"] = seq
    return row


def trades(topic: str, rows: list[Frame], ts: int) -> str:
    return encode({"topic": topic, "type": "snapshot", "ts": ts, "data": rows})


def ticker(category: Category, topic: str, kind: str, data: Fields, cs: int, ts: int) -> str:
    if category == "spot":
        return encode({"topic": topic, "ts": ts, "type": kind, "cs": cs, "data": data})
    return encode({"topic": topic, "type": kind, "data": data, "cs": cs, "ts": ts})


def kline_row(
    text: SymbolText,
    interval: str,
    bar: Kline,
    *,
    end_ms: int,
    confirm: bool,
    last_trade_ms: int,
) -> Frame:
    return {
        "start": bar.open_ms,
        "end": end_ms,
        "interval": interval,
        "open": text.price(bar.open),
        "close": text.price(bar.close),
        "high": text.price(bar.high),
        "low": text.price(bar.low),
        "volume": text.size(bar.volume),
        "turnover": _plain(bar.quote_volume),
        "confirm": confirm,
        "timestamp": last_trade_ms,
    }


def klines(topic: str, row: Frame, ts: int) -> str:
    return encode({"topic": topic, "data": [row], "ts": ts, "type": "snapshot"})


def _plain(value: Decimal) -> str:
    return "0" if value == 0 else f"{value.normalize():f}"
