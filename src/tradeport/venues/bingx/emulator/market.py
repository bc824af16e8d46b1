"""The public REST endpoints: server time, contracts, trading rules, ticker, book
ticker, depth, klines, recent trades, funding rate history and open interest
(PROTOCOLS.md §5.3)."""

from __future__ import annotations

from tradeport.emulator.funding import FUNDING_INTERVAL_MS, FUNDING_RATE
from tradeport.emulator.host.rest import Route
from tradeport.emulator.listing import ListingState
from tradeport.venues.bingx.emulator import payloads as p
from tradeport.venues.bingx.emulator.calls import Call
from tradeport.venues.bingx.emulator.context import BingxContext, wire_symbol
from tradeport.venues.bingx.emulator.errors import invalid, unknown_symbol

DEPTH_LIMITS = (5, 10, 20, 50, 100, 500, 1000)
_UNIT_MS = {"m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 7 * 86_400_000, "M": 30 * 86_400_000}
INTERVALS = {
    f"{n}{u}": n * _UNIT_MS[u]
    for n, u in [
        (1, "m"), (3, "m"), (5, "m"), (15, "m"), (30, "m"), (1, "h"), (2, "h"), (4, "h"),
        (6, "h"), (12, "h"), (1, "d"), (3, "d"), (1, "w"), (1, "M"),
    ]
}  # fmt: skip
PREFIX = "/openApi/swap"


class MarketData:
    def __init__(self, ctx: BingxContext) -> None:
        self.ctx = ctx

    def routes(self) -> dict[str, Route[Call]]:
        return {
            f"GET {PREFIX}/v2/server/time": Route(self.server_time),
            f"GET {PREFIX}/v1/tradingRules": Route(self.trading_rules),
            f"GET {PREFIX}/v2/quote/contracts": Route(self.contracts),
            f"GET {PREFIX}/v2/quote/ticker": Route(self.ticker),
            f"GET {PREFIX}/v2/quote/bookTicker": Route(self.book_ticker),
            f"GET {PREFIX}/v2/quote/depth": Route(self.depth),
            f"GET {PREFIX}/v3/quote/klines": Route(self.klines),
            f"GET {PREFIX}/v2/quote/trades": Route(self.trades),
            f"GET {PREFIX}/v2/quote/fundingRate": Route(self.funding_rates),
            f"GET {PREFIX}/v2/quote/openInterest": Route(self.open_interest),
        }

    def engine_symbol(self, call: Call, *, required: bool = True) -> str | None:
        """The engine's name of the `symbol` parameter; 109425 if not listed."""
        symbol = call.params.require("symbol") if required else call.params.text("symbol")
        if symbol is None:
            return None
        spec = self.ctx.spec(symbol)
        if spec is None:
            raise unknown_symbol(symbol)
        return spec.symbol

    def server_time(self, call: Call) -> object:
        return {"serverTime": call.now_ms}

    def contracts(self, call: Call) -> object:
        wanted = call.params.text("symbol")
        fees = self.ctx.fees("swap")
        listings = self.ctx.listings
        rows = [
            p.contract(spec, fees, i, listings.state("swap", spec.symbol))
            for i, spec in enumerate(self.ctx.symbols)
            if listings.state("swap", spec.symbol) is not ListingState.UNLISTED
        ]
        if wanted is not None:
            rows = [r for r in rows if r["symbol"] == wanted]
            if not rows:
                raise unknown_symbol(wanted)
        return rows

    def trading_rules(self, call: Call) -> object:
        """A contract's minimums, its open-order cap and the price range orders must
        keep to; the venue's protection threshold and market ratio are not served."""
        symbol = call.params.require("symbol")
        spec = self.ctx.spec(symbol)
        if spec is None:
            raise unknown_symbol(symbol)
        return p.trading_rules(spec)

    def ticker(self, call: Call) -> object:
        symbol = self.engine_symbol(call, required=False)
        if symbol is not None:
            return p.ticker(call.params.require("symbol"), self.ctx.swap.ticker_24h(symbol))
        return [
            p.ticker(wire_symbol(s), self.ctx.swap.ticker_24h(s.symbol)) for s in self.ctx.symbols
        ]

    def book_ticker(self, call: Call) -> object:
        symbol = self.engine_symbol(call)
        assert symbol is not None
        view = self.ctx.swap.depth(symbol, 1)
        bid = view.bids[0] if view.bids else None
        ask = view.asks[0] if view.asks else None
        return {
            "book_ticker": {
                "symbol": call.params.require("symbol"),
                "bid_price": p.s(bid[0]) if bid else "0",
                "bid_qty": p.s(bid[1]) if bid else "0",
                "ask_price": p.s(ask[0]) if ask else "0",
                "ask_qty": p.s(ask[1]) if ask else "0",
                "lastUpdateId": view.update_id,
                "time": view.ts_ms,
            }
        }

    def depth(self, call: Call) -> object:
        symbol = self.engine_symbol(call)
        assert symbol is not None
        limit = call.params.integer("limit", 20)
        if limit not in DEPTH_LIMITS:
            raise invalid("limit", f"must be one of {DEPTH_LIMITS}")
        return p.depth(self.ctx.swap.depth(symbol, limit))

    def klines(self, call: Call) -> object:
        symbol = self.engine_symbol(call)
        assert symbol is not None
        interval = call.params.require("interval")
        if interval not in INTERVALS:
            raise invalid("interval")
        limit = call.params.integer("limit", 500, low=1, high=1440)
        assert limit is not None
        start = call.params.integer("startTime")
        end = call.params.integer("endTime")
        rows = self.ctx.swap.klines(symbol, INTERVALS[interval], start, end, limit)
        return [p.kline(k) for k in rows]

    def trades(self, call: Call) -> object:
        symbol = self.engine_symbol(call)
        assert symbol is not None
        limit = call.params.integer("limit", 500, low=1, high=1000)
        assert limit is not None
        return [p.trade(t) for t in self.ctx.swap.recent_trades(symbol, limit)]

    def funding_rates(self, call: Call) -> object:
        """Past settlements (every 8 h) at the emulators' flat rate, newest first [?]:
        the latest `limit` (100 by default [?], 1000 at most) within [startTime,
        endTime]."""
        symbol = call.params.require("symbol")
        self.engine_symbol(call)
        limit = call.params.integer("limit", 100, low=1, high=1000) or 100
        start = call.params.integer("startTime", low=0)
        end = call.params.integer("endTime", low=0)
        if start is not None and end is not None and start > end:
            raise invalid("startTime", "is after endTime")
        last = min(end if end is not None else call.now_ms, call.now_ms)
        settled = last - last % FUNDING_INTERVAL_MS
        rows: list[dict[str, object]] = []
        while len(rows) < limit and settled > 0 and (start is None or settled >= start):
            rows.append(
                {"symbol": symbol, "fundingRate": p.s(FUNDING_RATE), "fundingTime": settled}
            )
            settled -= FUNDING_INTERVAL_MS
        return rows

    def open_interest(self, call: Call) -> object:
        """The open contracts of a symbol, valued in USDT at the mark price [?]."""
        symbol = self.engine_symbol(call)
        assert symbol is not None
        engine = self.ctx.swap
        value = engine.open_interest(symbol) * engine.mark_price(symbol)
        return {
            "openInterest": f"{value:.2f}",
            "symbol": call.params.require("symbol"),
            "time": call.now_ms,
        }
