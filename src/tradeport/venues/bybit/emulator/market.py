"""Public market-data endpoints (PROTOCOLS.md §4.3, §4.8): server time, instruments,
tickers, order book, klines, recent trades. Categories `inverse` and `option` are valid
but list nothing here (the emulator trades spot and USDT perpetuals only)."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from tradeport.emulator.decimal_text import plain
from tradeport.emulator.engine import Engine
from tradeport.emulator.funding import FUNDING_INTERVAL_MS, FUNDING_RATE, next_funding_ms
from tradeport.emulator.host.candles import monthly_klines
from tradeport.emulator.symbols import SymbolSpec
from tradeport.emulator.tape import MINUTE_MS
from tradeport.venues.bybit.emulator.calls import Call, Route
from tradeport.venues.bybit.emulator.context import BybitContext
from tradeport.venues.bybit.emulator.errors import invalid, symbol_invalid
from tradeport.venues.bybit.emulator.ids import Category, public_trade_id_text
from tradeport.venues.bybit.emulator.instruments import (
    STATUS,
    linear_instrument,
    spot_instrument,
)
from tradeport.venues.bybit.emulator.stream_klines import INTERVAL_MS, MONTH

ALL_CATEGORIES = ("spot", "linear", "inverse", "option")
TRADED: dict[str, Category] = {"spot": "spot", "linear": "linear"}
# (default, maximum) of `limit` per endpoint and category (market/*.mdx)
BOOK_LIMITS = {"spot": (1, 1000), "linear": (25, 1000)}
TRADE_LIMITS = {"spot": (60, 60), "linear": (500, 1000)}
INSTRUMENT_LIMIT = (500, 1000)
KLINE_LIMIT = (200, 1000)
_PCT = Decimal("0.000001")


class BookSync(Protocol):
    """A category's stream side, which brings its book topics up to the engine."""

    def sync_book(self, symbol: str, depth: int = 1000) -> tuple[int, int]: ...


class MarketData:
    def __init__(self, ctx: BybitContext, books: Mapping[Category, BookSync]) -> None:
        self.ctx = ctx
        self.books = books

    def routes(self) -> dict[str, Route]:
        return {
            "GET /v5/market/time": Route(self.time),
            "GET /v5/market/instruments-info": Route(self.instruments),
            "GET /v5/market/tickers": Route(self.tickers),
            "GET /v5/market/orderbook": Route(self.orderbook),
            "GET /v5/market/kline": Route(self.kline),
            "GET /v5/market/recent-trade": Route(self.recent_trade),
        }

    # -- helpers -----------------------------------------------------------------------
    def _category(self, call: Call) -> str:
        return call.params.category(ALL_CATEGORIES)

    def _specs(self, category: str) -> Sequence[SymbolSpec]:
        if category == "spot":
            return self.ctx.spot_symbols
        if category == "linear":
            return self.ctx.linear_symbols
        return ()

    def _traded(self, call: Call) -> tuple[Category, Engine, str]:
        """category, engine and symbol of an endpoint about one listed symbol."""
        category = TRADED.get(self._category(call))
        symbol = call.params.require("symbol")
        if category is None or symbol not in self.ctx.engine(category).instruments:
            raise symbol_invalid(symbol)
        return category, self.ctx.engine(category), symbol

    @staticmethod
    def _limit(call: Call, bounds: tuple[int, int]) -> int:
        default, high = bounds
        value = call.params.integer("limit", default, low=1, high=high)
        return default if value is None else value

    # -- endpoints ---------------------------------------------------------------------
    def time(self, call: Call) -> object:
        now_ns = call.now_ms * 1_000_000 + time.time_ns() % 1_000_000
        return {"timeSecond": str(call.now_ms // 1000), "timeNano": str(now_ns)}

    def instruments(self, call: Call) -> object:
        category = self._category(call)
        params = call.params
        listings = self.ctx.listings
        specs = listings.listed(category, self._specs(category))
        if (symbol := params.text("symbol")) is not None:
            specs = [s for s in specs if s.symbol == symbol]
        if (base := params.text("baseCoin")) is not None:
            specs = [s for s in specs if s.base == base]
        if (status := params.text("status")) is not None:
            specs = [s for s in specs if STATUS[listings.state(category, s.symbol)] == status]
        instrument = spot_instrument if category == "spot" else linear_instrument

        def render(spec: SymbolSpec) -> dict[str, object]:
            return instrument(spec, listings.state(category, spec.symbol))

        result: dict[str, object] = {"category": category}
        if category == "spot":
            # spot answers every symbol at once (no paging on this category)
            result["list"] = [render(s) for s in specs]
            return result
        limit = self._limit(call, INSTRUMENT_LIMIT)
        start = _cursor_offset(params.text("cursor"))
        page = specs[start : start + limit]
        result["list"] = [render(s) for s in page]
        more = start + limit < len(specs)
        result["nextPageCursor"] = f"{start + limit}" if more else ""
        return result

    def tickers(self, call: Call) -> object:
        category = self._category(call)
        params = call.params
        specs = list(self._specs(category))
        if (symbol := params.text("symbol")) is not None:
            specs = [s for s in specs if s.symbol == symbol]
            if not specs and category in ("spot", "linear"):
                raise symbol_invalid(symbol)
        if (base := params.text("baseCoin")) is not None:
            specs = [s for s in specs if s.base == base]
        if category == "spot":
            rows = [self._spot_ticker(s.symbol, call.now_ms) for s in specs]
        else:
            rows = [self._linear_ticker(s.symbol, call.now_ms) for s in specs]
        return {"category": category, "list": rows}

    def orderbook(self, call: Call) -> object:
        category, engine, symbol = self._traded(call)
        limit = self._limit(call, BOOK_LIMITS[category])
        view = engine.depth(symbol, limit)
        # `u` is the 1000-level stream's update id (§4.3): the stream side brings that
        # topic up to this same book first, so a REST snapshot is never ahead of it
        u, seq = self.books[category].sync_book(symbol)
        return {
            "s": symbol,
            "b": [[plain(p), plain(q)] for p, q in view.bids],
            "a": [[plain(p), plain(q)] for p, q in view.asks],
            "ts": call.now_ms,
            "u": u,
            "seq": seq,
            "cts": view.ts_ms,
        }

    def kline(self, call: Call) -> object:
        category, engine, symbol = self._traded(call)
        params = call.params
        interval = params.require("interval")
        if interval not in INTERVAL_MS and interval != MONTH:
            raise invalid("interval", f"must be one of {', '.join([*INTERVAL_MS, MONTH])}")
        start = params.integer("start", low=0)
        end = params.integer("end", low=0)
        limit = self._limit(call, KLINE_LIMIT)
        if interval == MONTH:
            bars = monthly_klines(engine, symbol, start, end, limit)
        else:
            bars = engine.klines(symbol, INTERVAL_MS[interval], start, end, limit)
        rows = [
            [str(k.open_ms), plain(k.open), plain(k.high), plain(k.low), plain(k.close),
             plain(k.volume), plain(k.quote_volume)]
            for k in reversed(bars)
        ]  # fmt: skip
        return {"category": category, "symbol": symbol, "list": rows}

    def recent_trade(self, call: Call) -> object:
        category, engine, symbol = self._traded(call)
        limit = self._limit(call, TRADE_LIMITS[category])
        rows = [
            {
                "execId": public_trade_id_text(category, t.trade_id),
                "symbol": symbol,
                "price": plain(t.price),
                "size": plain(t.qty),
                # the taker's side: a buyer who was the maker means a selling taker
                "side": "Sell" if t.buyer_is_maker else "Buy",
                "time": str(t.ts_ms),
                "isBlockTrade": False,
                "isRPITrade": False,
                "seq": str(t.trade_id),
            }
            for t in reversed(engine.recent_trades(symbol, limit))
        ]
        return {"category": category, "list": rows}

    # -- tickers -----------------------------------------------------------------------
    def _common_ticker(self, engine: Engine, symbol: str) -> dict[str, str]:
        t = engine.ticker_24h(symbol)
        change = ((t.last - t.open) / t.open).quantize(_PCT, ROUND_HALF_UP) if t.open else 0
        return {
            "symbol": symbol,
            "bid1Price": plain(t.bid),
            "bid1Size": plain(t.bid_qty),
            "ask1Price": plain(t.ask),
            "ask1Size": plain(t.ask_qty),
            "lastPrice": plain(t.last),
            "prevPrice24h": plain(t.open),
            "price24hPcnt": plain(Decimal(change)),
            "highPrice24h": plain(t.high),
            "lowPrice24h": plain(t.low),
            "turnover24h": plain(t.quote_volume),
            "volume24h": plain(t.volume),
        }

    def _spot_ticker(self, symbol: str, now_ms: int) -> dict[str, str]:
        row = self._common_ticker(self.ctx.spot, symbol)
        row["usdIndexPrice"] = plain(self.ctx.spot.mark_price(symbol))
        return row

    def _linear_ticker(self, symbol: str, now_ms: int) -> dict[str, str]:
        engine = self.ctx.linear
        row = self._common_ticker(engine, symbol)
        mark = engine.mark_price(symbol)
        hour_ago = engine.klines(symbol, MINUTE_MS, now_ms - 60 * MINUTE_MS, None, 1)
        interest = self.ctx.open_interest(symbol)
        row.update(
            {
                "indexPrice": plain(mark),
                "markPrice": plain(mark),
                "prevPrice1h": plain(hour_ago[0].open) if hour_ago else row["lastPrice"],
                "openInterest": plain(interest),
                "openInterestValue": plain(interest * mark),
                "fundingRate": plain(FUNDING_RATE),
                "nextFundingTime": str(next_funding_ms(now_ms)),
                "predictedDeliveryPrice": "",
                "basisRate": "",
                "deliveryFeeRate": "",
                "deliveryTime": "0",
                "basis": "",
                "fundingIntervalHour": str(FUNDING_INTERVAL_MS // 3_600_000),
                "fundingCap": "0.005",
                "curPreListingPhase": "",
            }
        )
        return row


def _cursor_offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    if not cursor.isascii() or not cursor.isdigit():
        raise invalid("cursor", "is not a cursor this endpoint gave out")
    return int(cursor)
