"""The Binance emulator: spot (`/api/v3`) and USDⓈ-M (`/fapi`) on one aiohttp server,
with the spot streams and WS API on it and the USDⓈ-M streams on a second one.

The REST gateway (`rest.py`) charges weight, checks signatures and answers in
Binance's `{"code", "msg"}` bodies; the stream parts (`streams.py`, `user_streams.py`)
serve the public and private streams. This module composes them around the engines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal
from typing import cast

import msgspec
from aiohttp import web

from tradeport.emulator.accounts import EmulatorAccount
from tradeport.emulator.admin import Admin
from tradeport.emulator.server import EmulatorServer
from tradeport.emulator.symbol_set import SymbolSet
from tradeport.emulator.symbols import listed_symbols
from tradeport.emulator.venue import VenueEmulator
from tradeport.model import AssetType
from tradeport.venues.binance.emulator.calls import Market, Route
from tradeport.venues.binance.emulator.context import BinanceContext
from tradeport.venues.binance.emulator.futures import FuturesTrading
from tradeport.venues.binance.emulator.futures_config import FuturesConfig
from tradeport.venues.binance.emulator.futures_edits import FuturesEdits
from tradeport.venues.binance.emulator.market import MarketData
from tradeport.venues.binance.emulator.market_history import MarketHistory
from tradeport.venues.binance.emulator.rest import MarketGate, install_rest
from tradeport.venues.binance.emulator.spot import SpotTrading
from tradeport.venues.binance.emulator.spot_replace import CancelReplace
from tradeport.venues.binance.emulator.streams import install_public_streams
from tradeport.venues.binance.emulator.symbols import (
    FUTURES_PRICE_BAND,
    SPOT_PRICE_BAND,
    SPOT_SELF_TRADE,
)
from tradeport.venues.binance.emulator.user_streams import install_user_streams
from tradeport.venues.binance.emulator.wallet import Wallet
from tradeport.venues.binance.emulator.weights import FUTURES_WEIGHTS, SPOT_WEIGHTS, Budget

# Fee schedule of a regular (VIP 0) account: spot 0.1 % / 0.1 %, USDⓈ-M 0.02 % / 0.05 %.
SPOT_FEES = (Decimal("0.001"), Decimal("0.001"))
FUTURES_FEES = (Decimal("0.0002"), Decimal("0.0005"))
# Budgets as exchangeInfo announces them (§1.6 doc values, §2.6 captures).
SPOT_WEIGHT = Budget("REQUEST_WEIGHT", 1, "MINUTE", 6000)
SPOT_ORDERS = (Budget("ORDERS", 10, "SECOND", 50), Budget("ORDERS", 1, "DAY", 160000))
FUTURES_WEIGHT = Budget("REQUEST_WEIGHT", 1, "MINUTE", 2400)
FUTURES_ORDERS = (Budget("ORDERS", 10, "SECOND", 300), Budget("ORDERS", 1, "MINUTE", 1200))
# Server WebSocket pings: spot every 20 s (§1.4), USDⓈ-M every 3 minutes (§2.4).
SPOT_PING_INTERVAL = 20.0
FUTURES_PING_INTERVAL = 180.0


class BinanceEmulator(VenueEmulator):
    venue_name = "Binance"

    def __init__(
        self,
        *,
        accounts: Sequence[EmulatorAccount] | None = None,
        seed: int = 7,
        step_interval: float | None = 0.25,
        weight_limit: int | None = None,
        weight_interval: tuple[int, str] = (1, "MINUTE"),
        order_limit: int | None = None,
        extra_symbols: int = 0,
        load_depth: int = 0,
        spot_ping_interval: float = SPOT_PING_INTERVAL,
        futures_ping_interval: float = FUTURES_PING_INTERVAL,
        stream_time_scale: float = 1.0,
    ) -> None:
        """`weight_limit`/`weight_interval` replace the REQUEST_WEIGHT budget and
        `order_limit` every ORDERS budget (tests use small ones, benchmarks huge ones);
        exchangeInfo announces what is in force. `extra_symbols` lists that many more
        made-up pairs (SYM001USDT, …) in both markets. The ping intervals are the
        seconds between the server's WebSocket pings; `stream_time_scale` multiplies
        every timed stream's period (0.1: a 1000 ms depth stream pushes every 100 ms)."""
        spot_specs, futures_specs = listed_symbols(extra_symbols)
        self.spot_symbols, self.futures_symbols = SymbolSet(spot_specs), SymbolSet(futures_specs)
        self.ping_intervals: dict[Market, float] = {
            "spot": spot_ping_interval,
            "futures": futures_ping_interval,
        }
        super().__init__(
            accounts=accounts,
            step_interval=step_interval,
            shutdown_notice=self._shutdown_notice,
            stream_time_scale=stream_time_scale,
            load_depth=load_depth,
        )
        self.symbol_sets = {"spot": self.spot_symbols, "futures": self.futures_symbols}
        # spot accepts an unfillable FOK and answers it EXPIRED; USDⓈ-M rejects (-5021)
        self.spot = self._engine(
            "spot", [s.engine() for s in self.spot_symbols], SPOT_FEES, expire_unfilled_fok=True
        )
        self.futures = self._engine(
            "perp", [s.engine() for s in self.futures_symbols], FUTURES_FEES
        )
        # the venue's price band and self-trade prevention (the engine has neither unless
        # a skin sets them)
        self.spot.price_band = SPOT_PRICE_BAND
        self.futures.price_band = FUTURES_PRICE_BAND
        self.spot.self_trade = SPOT_SELF_TRADE
        self.spot_market, self.futures_market = self._open_markets(
            ("spot", self.spot), ("futures", self.futures), seed=seed
        )

        spot_weight, futures_weight = SPOT_WEIGHT, FUTURES_WEIGHT
        if weight_limit is not None or weight_interval != (1, "MINUTE"):
            num, unit = weight_interval
            spot_weight = Budget("REQUEST_WEIGHT", num, unit, weight_limit or SPOT_WEIGHT.limit)
            futures_weight = Budget(
                "REQUEST_WEIGHT", num, unit, weight_limit or FUTURES_WEIGHT.limit
            )
        spot_orders: tuple[Budget, ...] = SPOT_ORDERS
        futures_orders: tuple[Budget, ...] = FUTURES_ORDERS
        if order_limit is not None:
            spot_orders = tuple(replace(b, limit=order_limit) for b in SPOT_ORDERS)
            futures_orders = tuple(replace(b, limit=order_limit) for b in FUTURES_ORDERS)
        self._spot_data = MarketData(
            "spot", self.spot, self.spot_symbols, self._spot_budgets, self.listings
        )
        self._futures_data = MarketData(
            "futures", self.futures, self.futures_symbols, self._futures_budgets, self.listings
        )
        self._spot_trading = SpotTrading(
            self.spot, self.spot_symbols, maker_fee=SPOT_FEES[0], taker_fee=SPOT_FEES[1]
        )
        self._futures_trading = FuturesTrading(self.futures, self.futures_symbols)
        self.context = BinanceContext(
            **self.host_fields(),
            engines={"spot": self.spot, "futures": self.futures},
            spot_symbols=self.spot_symbols,
            futures_symbols=self.futures_symbols,
            ping_intervals=self.ping_intervals,
        )
        # Two hosts, as on Binance: this one serves REST of both markets plus the spot
        # streams and WS API (stream.binance.com, ws-api.binance.com paths do not
        # collide with /api and /fapi); `fstream_app` is fstream.binance.com, whose /ws
        # and /stream would collide with the spot ones.
        self.app = web.Application()
        self.fstream_app = web.Application()
        # user streams first: their /ws/<listenKey> route must win over /ws/<stream>
        self.user_streams = install_user_streams(self.context, self.app, self.fstream_app)
        self.public_streams = install_public_streams(self.context, self.app, self.fstream_app)
        self._venues: dict[Market, MarketGate] = {
            "spot": MarketGate(
                spot_weight,
                spot_orders,
                {
                    **self._spot_data.routes(),
                    **MarketHistory(self._spot_data).routes(),
                    **self._spot_trading.routes(),
                    **CancelReplace(self._spot_trading).routes(),
                    **Wallet(self.spot, self.spot_symbols).routes(),
                },
                dict(SPOT_WEIGHTS),
            ),
            "futures": MarketGate(
                futures_weight,
                futures_orders,
                {
                    **self._futures_data.routes(),
                    **MarketHistory(self._futures_data).routes(),
                    **self._futures_trading.routes(),
                    **FuturesEdits(self._futures_trading).routes(),
                    **FuturesConfig(self._futures_trading).routes(),
                    **self.user_streams.routes(),
                },
                dict(FUTURES_WEIGHTS),
            ),
        }
        spot_gate = self._venues["spot"]
        spot_gate.routes["GET /api/v3/rateLimit/order"] = Route(
            lambda call: spot_gate.orders.usage(call.account_id, call.now_ms), signed=True
        )
        # USDⓈ-M "Query User Rate Limit": the ORDERS budgets, without spot's counts
        futures_gate = self._venues["futures"]
        futures_gate.routes["GET /fapi/v1/rateLimit/order"] = Route(
            lambda call: [b.describe() for b in futures_gate.orders.budgets], signed=True
        )
        # stream routes are added above; the REST catch-all comes last
        Admin(self).install(self.app)
        self.rest = install_rest(self.context, self.app, self._venues)
        self._server = EmulatorServer(self.app)
        self._fstream_server = EmulatorServer(self.fstream_app)
        self._serve([self._server, self._fstream_server], [self.public_streams, self.user_streams])

    # -- lifecycle ---------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._server.port

    def ws_url(self, market: Market) -> str:
        """Base WebSocket URL of a market's stream host: spot `ws://host:port` (paths
        /ws, /stream, /ws-api/v3), futures `ws://host:port2` (/ws, /stream, /public,
        /market, /private)."""
        server = self._server if market == "spot" else self._fstream_server
        return self._ws_url(server)

    def stream_url(self, asset_type: AssetType) -> str:
        """`ws_url` in venue-neutral terms: the stream host serving `asset_type`."""
        return self.ws_url(cast(Market, self.market_name(asset_type)))

    def _derivatives_label(self) -> str:
        return "USDⓈ-M"

    def _shutdown_notice(self) -> str:
        # §1.4: Binance announces a maintenance disconnect with this event
        return msgspec.json.encode({"e": "serverShutdown", "E": self.now_ms()}).decode()

    def _spot_budgets(self) -> list[Budget]:
        return self._venues["spot"].budgets()

    def _futures_budgets(self) -> list[Budget]:
        return self._venues["futures"].budgets()
