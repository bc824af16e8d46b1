"""Binance market stream names: parsing and validation (PROTOCOLS.md §1.4 spot, §2.4 USDⓈ-M).

A name is `<symbol>@<channel>[@<speed>]` with the symbol in lowercase ("All symbols for
streams are lowercase", web-socket-streams.md). USDⓈ-M serves its streams on routed
paths: /public carries the order book (depth*, bookTicker, trade), /market everything
else; the legacy unrouted /ws and /stream carry only the /public streams.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import Literal

from tradeport.venues.binance.emulator.calls import Market
from tradeport.venues.binance.emulator.market import KLINE_INTERVALS_MS

Kind = Literal[
    "trade",
    "aggTrade",
    "depth",
    "partial",
    "bookTicker",
    "kline",
    "ticker",
    "miniTicker",
    "markPrice",
]
Category = Literal["public", "market"]

# Update speeds in ms: the first of each tuple is the default (no @speed suffix).
# Spot diff and partial depth: 1000 ms or 100 ms (§1.4). USDⓈ-M: 250 ms default, 100 ms
# or 500 ms (§2.4).
DEPTH_SPEEDS: dict[Market, tuple[int, ...]] = {"spot": (1000, 100), "futures": (250, 100, 500)}
PARTIAL_LEVELS = (5, 10, 20)
TICKER_MS = 1000  # @ticker and @miniTicker: "Update Speed: 1000ms" (spot docs)
MARK_PRICE_MS = {"": 3000, "@1s": 1000}  # USDⓈ-M markPrice: 3 s, or 1 s with @1s
FUTURES_PUBLIC: frozenset[Kind] = frozenset({"depth", "partial", "bookTicker", "trade"})
MAX_STREAMS: dict[Market, int] = {"spot": 1024, "futures": 200}

# USDⓈ-M continuous contract klines: <pair>_<contractType>@continuousKline_<interval>;
# the emulator lists perpetuals only, so PERPETUAL is the one contract type it serves
_CONTINUOUS = re.compile(r"^([a-z0-9]+)_(perpetual)@continuousKline_([0-9]+[smhdwM])$")
_NAME = re.compile(r"^([a-z0-9]+)@([A-Za-z]+)(\d*)(?:_([0-9]+[smhdwM]))?(@\w+)?$")
_TICKERS: dict[str, Kind] = {"ticker": "ticker", "miniTicker": "miniTicker"}
_REAL_TIME: dict[str, Kind] = {"trade": "trade", "aggTrade": "aggTrade", "bookTicker": "bookTicker"}
_SPEEDS = {"@100ms": 100, "@250ms": 250, "@500ms": 500, "@1000ms": 1000}


@dataclass(frozen=True, slots=True)
class Topic:
    name: str  # as subscribed, e.g. "btcusdt@depth@100ms"
    symbol: str  # as in payloads, e.g. "BTCUSDT"
    kind: Kind
    period_ms: int = 0  # timed streams: how often they push
    levels: int = 0  # partial depth
    interval: str = ""  # kline interval, e.g. "1m"
    contract: str = ""  # continuous kline's contract type, e.g. "PERPETUAL"

    @property
    def category(self) -> Category:
        return "public" if self.kind in FUTURES_PUBLIC else "market"


def parse_topic(name: str, market: Market, symbols: Collection[str]) -> Topic | None:
    """The topic a stream name denotes on `market`, or None if the venue has no such
    stream (unknown channel, speed, interval, depth level or symbol)."""
    continuous = _CONTINUOUS.match(name)
    if continuous is not None:
        return _continuous_kline(name, market, symbols, *continuous.groups())
    match = _NAME.match(name)
    if match is None:
        return None
    lower, channel, digits, interval, suffix = match.groups()
    symbol = lower.upper()
    if symbol not in symbols:
        return None
    suffix = suffix or ""
    if interval is not None:
        return _kline(name, symbol, market, channel, digits, interval, suffix)
    if channel == "depth":
        return _depth(name, symbol, market, digits, suffix)
    if digits:
        return None
    if channel == "markPrice":
        period = MARK_PRICE_MS.get(suffix) if market == "futures" else None
        return None if period is None else Topic(name, symbol, "markPrice", period)
    if suffix:
        return None
    if channel in _TICKERS:
        return Topic(name, symbol, _TICKERS[channel], TICKER_MS)
    if channel in _REAL_TIME:
        return Topic(name, symbol, _REAL_TIME[channel])
    return None


def _kline(
    name: str,
    symbol: str,
    market: Market,
    channel: str,
    digits: str,
    interval: str,
    suffix: str,
) -> Topic | None:
    if channel != "kline" or digits or suffix or interval not in KLINE_INTERVALS_MS:
        return None
    if market == "futures" and interval == "1s":
        return None  # 1s bars are spot-only
    return Topic(name, symbol, "kline", interval=interval)


def _continuous_kline(
    name: str, market: Market, symbols: Collection[str], pair: str, contract: str, interval: str
) -> Topic | None:
    symbol = pair.upper()
    if market != "futures" or symbol not in symbols:
        return None
    kline = _kline(name, symbol, market, "kline", "", interval, "")
    return None if kline is None else replace(kline, contract=contract.upper())


def _depth(name: str, symbol: str, market: Market, digits: str, suffix: str) -> Topic | None:
    speeds = DEPTH_SPEEDS[market]
    if suffix:
        period = _SPEEDS.get(suffix)
        if period is None or period not in speeds:
            return None
    else:
        period = speeds[0]
    if not digits:
        return Topic(name, symbol, "depth", period)
    levels = int(digits)
    if levels not in PARTIAL_LEVELS or digits != str(levels):
        return None
    return Topic(name, symbol, "partial", period, levels=levels)
