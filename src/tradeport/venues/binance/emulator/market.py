"""Public market-data endpoints of both markets (PROTOCOLS.md §1.3 spot, §2.3 USDⓈ-M).

Spot writes prices and sizes with 8 decimals; USDⓈ-M at the symbol's precision. Field
names and their order follow the documented responses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

from tradeport.emulator import decimal_text
from tradeport.emulator.engine import Engine, Kline, PublicTrade, Ticker24h
from tradeport.emulator.funding import FUNDING_RATE, next_funding_ms
from tradeport.emulator.listing import Listings
from tradeport.emulator.symbol_set import by_symbol
from tradeport.venues.binance.emulator.calls import Call, Market, Route
from tradeport.venues.binance.emulator.errors import (
    BinanceApiError,
    bad_combination,
    illegal,
    invalid_symbol,
    start_after_end,
)
from tradeport.venues.binance.emulator.symbols import (
    Listed,
    SymbolSpec,
    futures_exchange_info,
    spot_exchange_info,
)
from tradeport.venues.binance.emulator.weights import Budget

MINUTE_MS = 60_000
KLINE_INTERVALS_MS = {
    "1s": 1000,
    "1m": MINUTE_MS,
    "3m": 3 * MINUTE_MS,
    "5m": 5 * MINUTE_MS,
    "15m": 15 * MINUTE_MS,
    "30m": 30 * MINUTE_MS,
    "1h": 60 * MINUTE_MS,
    "2h": 120 * MINUTE_MS,
    "4h": 240 * MINUTE_MS,
    "6h": 360 * MINUTE_MS,
    "8h": 480 * MINUTE_MS,
    "12h": 720 * MINUTE_MS,
    "1d": 1440 * MINUTE_MS,
    "3d": 3 * 1440 * MINUTE_MS,
    "1w": 7 * 1440 * MINUTE_MS,
    # calendar months are not a fixed length; the engine's bars are 30 days long
    "1M": 30 * 1440 * MINUTE_MS,
}
FUTURES_DEPTH_LIMITS = (5, 10, 20, 50, 100, 500, 1000)
AVG_PRICE_MINS = 5
EIGHT_DECIMALS = Decimal("0.00000001")  # NOTIONAL.avgPriceMins of every spot symbol


def avg_price(engine: Engine, symbol: str, now_ms: int) -> Decimal:
    """Volume-weighted price of the last 5 minutes (spot avgPrice, §1.3), else the mark."""
    bars = engine.klines(
        symbol, MINUTE_MS, now_ms - AVG_PRICE_MINS * MINUTE_MS, now_ms, AVG_PRICE_MINS + 1
    )
    volume = sum((b.volume for b in bars), Decimal(0))
    if volume == 0:
        return engine.mark_price(symbol)
    return sum((b.quote_volume for b in bars), Decimal(0)) / volume


class MarketData:
    def __init__(
        self,
        market: Market,
        engine: Engine,
        specs: Sequence[SymbolSpec],
        budgets: Callable[[], Sequence[Budget]],
        listings: Listings | None = None,
    ) -> None:
        self.market = market
        # a stream host formats with this class but announces no instruments
        self.listings = listings if listings is not None else Listings()
        self.engine = engine
        self.specs = by_symbol(specs)
        self._budgets = budgets

    # -- formatting --------------------------------------------------------------------
    def price(self, spec: SymbolSpec, value: Decimal) -> str:
        if self.market == "spot":
            # averages carry long fractions; the wire has 8 decimals
            return decimal_text.spot(value.quantize(EIGHT_DECIMALS))
        return decimal_text.fixed(value, spec.price_precision)

    def qty(self, spec: SymbolSpec, value: Decimal) -> str:
        if self.market == "spot":
            return decimal_text.spot(value)
        return decimal_text.fixed(value, spec.quantity_precision)

    def amount(self, value: Decimal) -> str:
        return decimal_text.spot(value) if self.market == "spot" else decimal_text.plain(value)

    def spec(self, call: Call) -> SymbolSpec:
        return call.params.spec(self.specs)

    def _selected(self, call: Call) -> list[SymbolSpec] | None:
        """`symbol` -> one, `symbols` -> several, neither -> None (meaning all)."""
        symbol = call.params.get("symbol")
        names = call.params.symbols() if symbol is None else [symbol]
        if names is None:
            return None
        if symbol is not None and call.params.has("symbols"):
            raise bad_combination()
        specs = [self.specs.get(n) for n in names]
        if any(s is None for s in specs):
            raise invalid_symbol()
        return [s for s in specs if s is not None]

    def limit(self, call: Call, default: int, maximum: int) -> int:
        limit = call.params.integer("limit")
        if limit is None:
            return default
        if limit < 1:
            raise illegal("limit", r"^[0-9]{1,20}$")
        return min(limit, maximum)

    # -- endpoints ---------------------------------------------------------------------
    def ping(self, call: Call) -> object:
        return {}

    def time(self, call: Call) -> object:
        return {"serverTime": call.now_ms}

    def exchange_info(self, call: Call) -> object:
        if self.market == "futures":
            listed = self._listed(self.specs.values())
            return futures_exchange_info(listed, self._budgets(), call.now_ms)
        selected = self._selected(call)
        specs = list(self.specs.values()) if selected is None else selected
        return spot_exchange_info(self._listed(specs), self._budgets(), call.now_ms)

    def _listed(self, specs: Iterable[SymbolSpec]) -> list[Listed]:
        """The symbols announced, each with its listing state."""
        return [
            (s, self.listings.state(self.market, s.symbol))
            for s in self.listings.listed(self.market, specs)
        ]

    def depth(self, call: Call) -> object:
        spec = self.spec(call)
        if self.market == "spot":
            limit = self.limit(call, 100, 5000)  # above 5000 the answer is truncated (§1.3)
        else:
            wanted = self.limit(call, 500, 1000)
            limit = next(n for n in FUTURES_DEPTH_LIMITS if n >= wanted)
        view = self.engine.depth(spec.symbol, limit)
        bids = [[self.price(spec, p), self.qty(spec, q)] for p, q in view.bids]
        asks = [[self.price(spec, p), self.qty(spec, q)] for p, q in view.asks]
        if self.market == "spot":
            return {"lastUpdateId": view.update_id, "bids": bids, "asks": asks}
        return {
            "lastUpdateId": view.update_id,
            "E": call.now_ms,
            "T": view.ts_ms,
            "bids": bids,
            "asks": asks,
        }

    def trade_row(self, spec: SymbolSpec, t: PublicTrade) -> dict[str, object]:
        row: dict[str, object] = {
            "id": t.trade_id,
            "price": self.price(spec, t.price),
            "qty": self.qty(spec, t.qty),
            "quoteQty": self.amount(t.quote_qty),
            "time": t.ts_ms,
            "isBuyerMaker": t.buyer_is_maker,
        }
        if self.market == "spot":
            row["isBestMatch"] = True
        return row

    def trades(self, call: Call) -> object:
        spec = self.spec(call)
        limit = self.limit(call, 500, 1000)
        return [self.trade_row(spec, t) for t in self.engine.recent_trades(spec.symbol, limit)]

    def _kline(self, spec: SymbolSpec, k: Kline) -> list[object]:
        return [
            k.open_ms,
            self.price(spec, k.open),
            self.price(spec, k.high),
            self.price(spec, k.low),
            self.price(spec, k.close),
            self.qty(spec, k.volume),
            k.close_ms,
            self.amount(k.quote_volume),
            k.trades,
            self.qty(spec, k.taker_buy_volume),
            self.amount(k.taker_buy_quote_volume),
            "0",
        ]

    def klines(self, call: Call, *, by_pair: bool = False, prices_only: bool = False) -> object:
        """Trade bars of `symbol` (or of `pair`, for the USDⓈ-M continuous / index price
        bars). `prices_only`: the mark / index price bars, whose volume and count fields
        the docs list as "Ignore" ("0", 0); the emulator's references sit at the trade
        prices (price_band.py), so the bars are the trade bars' prices."""
        spec = self._pair_spec(call) if by_pair else self.spec(call)
        interval = KLINE_INTERVALS_MS.get(call.params.require("interval"))
        if interval is None:
            raise BinanceApiError(-1120, "Invalid interval.")
        start = call.params.integer("startTime")
        end = call.params.integer("endTime")
        if start is not None and end is not None and start > end:
            raise start_after_end()
        call.params.get("timeZone")  # accepted; bars are UTC-aligned
        limit = self.limit(call, 500, 1000 if self.market == "spot" else 1500)
        bars = self.engine.klines(spec.symbol, interval, start, end, limit)
        rows = [self._kline(spec, k) for k in bars]
        if prices_only:
            return [[*row[:5], "0", row[6], "0", 0, "0", "0", "0"] for row in rows]
        return rows

    def _pair_spec(self, call: Call) -> SymbolSpec:
        """The perpetual of `pair`; a continuous kline's `contractType` must be
        PERPETUAL, the one contract type listed here."""
        spec = self.specs.get(call.params.require("pair"))
        if spec is None:
            raise invalid_symbol()
        contract = call.params.get("contractType")
        if contract is not None and contract != "PERPETUAL":
            raise BinanceApiError(-1130, "Invalid data sent for parameter 'contractType'.")
        return spec

    def _ticker(self, spec: SymbolSpec, t: Ticker24h, mini: bool) -> dict[str, object]:
        change = t.last - t.open
        percent = change / t.open * 100 if t.open else Decimal(0)
        row: dict[str, object] = {"symbol": spec.symbol}
        if not mini:
            row["priceChange"] = self.price(spec, change)
            row["priceChangePercent"] = decimal_text.fixed(percent, 3)
            row["weightedAvgPrice"] = self.price(spec, t.weighted_avg)
            if self.market == "spot":
                # the close just before the window is the window's first trade price here
                row["prevClosePrice"] = self.price(spec, t.open)
        if mini:
            row["openPrice"] = self.price(spec, t.open)
            row["highPrice"] = self.price(spec, t.high)
            row["lowPrice"] = self.price(spec, t.low)
        row["lastPrice"] = self.price(spec, t.last)
        if not mini:
            row["lastQty"] = self.qty(spec, t.last_qty)
            if self.market == "spot":
                row["bidPrice"] = self.price(spec, t.bid)
                row["bidQty"] = self.qty(spec, t.bid_qty)
                row["askPrice"] = self.price(spec, t.ask)
                row["askQty"] = self.qty(spec, t.ask_qty)
            row["openPrice"] = self.price(spec, t.open)
            row["highPrice"] = self.price(spec, t.high)
            row["lowPrice"] = self.price(spec, t.low)
        row["volume"] = self.qty(spec, t.volume)
        row["quoteVolume"] = self.amount(t.quote_volume)
        row["openTime"] = t.open_ms
        row["closeTime"] = t.close_ms
        row["firstId"] = t.first_id
        row["lastId"] = t.last_id
        row["count"] = t.count
        return row

    def ticker_24h(self, call: Call) -> object:
        mini = False
        if self.market == "spot":
            kind = call.params.get("type") or "FULL"
            if kind not in ("FULL", "MINI"):
                raise BinanceApiError(
                    -1100,
                    "Illegal characters found in parameter 'type'; legal range is 'FULL, MINI'.",
                )
            mini = kind == "MINI"
        return self.each(call, lambda s: self._ticker(s, self.engine.ticker_24h(s.symbol), mini))

    def each(self, call: Call, render: Callable[[SymbolSpec], dict[str, object]]) -> object:
        """One object for `symbol`, a list for `symbols` or for every symbol."""
        selected = self._selected(call)
        if selected is not None and call.params.get("symbol") is not None:
            return render(selected[0])
        return [render(s) for s in (selected or self.specs.values())]

    def ticker_price(self, call: Call) -> object:
        def render(spec: SymbolSpec) -> dict[str, object]:
            last = self.engine.last_price(spec.symbol) or self.engine.mark_price(spec.symbol)
            row: dict[str, object] = {"symbol": spec.symbol, "price": self.price(spec, last)}
            if self.market == "futures":
                row["time"] = call.now_ms
            return row

        return self.each(call, render)

    def book_ticker(self, call: Call) -> object:
        def render(spec: SymbolSpec) -> dict[str, object]:
            view = self.engine.depth(spec.symbol, 1)
            bid = view.bids[0] if view.bids else (Decimal(0), Decimal(0))
            ask = view.asks[0] if view.asks else (Decimal(0), Decimal(0))
            row: dict[str, object] = {
                "symbol": spec.symbol,
                "bidPrice": self.price(spec, bid[0]),
                "bidQty": self.qty(spec, bid[1]),
                "askPrice": self.price(spec, ask[0]),
                "askQty": self.qty(spec, ask[1]),
            }
            if self.market == "futures":
                row["time"] = view.ts_ms
                row["lastUpdateId"] = view.update_id
            return row

        return self.each(call, render)

    def avg_price(self, call: Call) -> object:
        spec = self.spec(call)
        return {
            "mins": AVG_PRICE_MINS,
            "price": self.price(spec, avg_price(self.engine, spec.symbol, call.now_ms)),
            "closeTime": call.now_ms,
        }

    def premium_index(self, call: Call) -> object:
        next_funding = next_funding_ms(call.now_ms)

        def render(spec: SymbolSpec) -> dict[str, object]:
            # one synthetic market: index and mark are the same price, funding is flat
            mark = decimal_text.fixed(self.engine.mark_price(spec.symbol), 8)
            return {
                "symbol": spec.symbol,
                "markPrice": mark,
                "indexPrice": mark,
                "estimatedSettlePrice": mark,
                "lastFundingRate": decimal_text.fixed(FUNDING_RATE, 8),
                "interestRate": "0.00010000",
                "nextFundingTime": next_funding,
                "time": call.now_ms,
            }

        return self.each(call, render)

    def coin_m_exchange_info(self, call: Call) -> object:
        """COIN-M's exchangeInfo with no symbols: the emulator trades no inverse contracts."""
        return {
            "timezone": "UTC",
            "serverTime": call.now_ms,
            "rateLimits": [b.describe() for b in self._budgets()],
            "exchangeFilters": [],
            "symbols": [],
        }

    def margin_pairs(self, call: Call) -> object:
        # no margin trading here: every symbol says isMarginTradingAllowed=false
        return []

    def routes(self) -> dict[str, Route]:
        if self.market == "spot":
            p = "/api/v3"
            return {
                f"GET {p}/ping": Route(self.ping),
                f"GET {p}/time": Route(self.time),
                f"GET {p}/exchangeInfo": Route(self.exchange_info),
                f"GET {p}/depth": Route(self.depth),
                f"GET {p}/trades": Route(self.trades),
                f"GET {p}/klines": Route(self.klines),
                f"GET {p}/ticker/24hr": Route(self.ticker_24h),
                f"GET {p}/ticker/price": Route(self.ticker_price),
                f"GET {p}/ticker/bookTicker": Route(self.book_ticker),
                f"GET {p}/avgPrice": Route(self.avg_price),
                # ccxt lists margin pairs while loading spot markets
                "GET /sapi/v1/margin/allPairs": Route(self.margin_pairs),
                "GET /sapi/v1/margin/isolated/allPairs": Route(self.margin_pairs),
            }
        p = "/fapi/v1"
        return {
            f"GET {p}/ping": Route(self.ping),
            f"GET {p}/time": Route(self.time),
            f"GET {p}/exchangeInfo": Route(self.exchange_info),
            f"GET {p}/depth": Route(self.depth),
            f"GET {p}/trades": Route(self.trades),
            f"GET {p}/klines": Route(self.klines),
            f"GET {p}/ticker/24hr": Route(self.ticker_24h),
            f"GET {p}/ticker/price": Route(self.ticker_price),
            "GET /fapi/v2/ticker/price": Route(self.ticker_price),
            f"GET {p}/ticker/bookTicker": Route(self.book_ticker),
            f"GET {p}/premiumIndex": Route(self.premium_index),
            # continuous contract and index price bars are asked by `pair`, mark price
            # bars by `symbol`
            f"GET {p}/continuousKlines": Route(lambda call: self.klines(call, by_pair=True)),
            f"GET {p}/indexPriceKlines": Route(
                lambda call: self.klines(call, by_pair=True, prices_only=True)
            ),
            f"GET {p}/markPriceKlines": Route(lambda call: self.klines(call, prices_only=True)),
            # lists the symbols whose funding cap, floor or interval was adjusted: none here
            f"GET {p}/fundingInfo": Route(lambda call: []),
            # clients loading every market type (ccxt's binance) also ask COIN-M
            "GET /dapi/v1/exchangeInfo": Route(self.coin_m_exchange_info),
        }
