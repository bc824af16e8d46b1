"""The Binance emulator: spot (`/api/v3`) and USDⓈ-M (`/fapi`) on one aiohttp server.

Every request under those prefixes goes through one dispatcher: weight is charged first
(per client IP and market, as api.binance.com and fapi.binance.com keep separate
budgets), then SIGNED endpoints check the key, the signature over the received bytes and
the timestamp, then the handler runs. Errors are Binance's `{"code", "msg"}` bodies.
Before all that, the dispatcher asks `faults` whether this request is to fail.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import assert_never, cast

import msgspec
from aiohttp import web

from tradeport.emulator.accounts import AccountRef, EmulatorAccount
from tradeport.emulator.admin import Admin, json_response
from tradeport.emulator.engine import Engine
from tradeport.emulator.faults import (
    DropAfter,
    ErrorAfter,
    ErrorBefore,
    Fault,
    Latency,
    TimeoutAfter,
)
from tradeport.emulator.server import EmulatorServer
from tradeport.emulator.symbols import FUTURES_SYMBOLS, SPOT_SYMBOLS, synthetic_symbols
from tradeport.emulator.venue import VenueEmulator
from tradeport.model import AssetType
from tradeport.venues.binance.emulator.auth import (
    check_key_format,
    check_timestamp,
    verify_signature,
)
from tradeport.venues.binance.emulator.calls import Call, Market, Route
from tradeport.venues.binance.emulator.errors import BinanceApiError, key_invalid
from tradeport.venues.binance.emulator.futures import FuturesTrading
from tradeport.venues.binance.emulator.market import MarketData
from tradeport.venues.binance.emulator.params import Params
from tradeport.venues.binance.emulator.spot import SpotTrading
from tradeport.venues.binance.emulator.streams import install_public_streams
from tradeport.venues.binance.emulator.user_streams import install_user_streams
from tradeport.venues.binance.emulator.weights import (
    FUTURES_WEIGHTS,
    SPOT_WEIGHTS,
    Budget,
    OrderLimiter,
    WeightLimiter,
    WeightRule,
    weight_of,
)

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


class _Venue:
    """One market's routes, weights and budgets."""

    def __init__(
        self,
        weight: Budget,
        orders: tuple[Budget, ...],
        routes: dict[str, Route],
        weights: Mapping[str, WeightRule],
    ) -> None:
        self.weights = WeightLimiter(weight)
        self.orders = OrderLimiter(orders)
        self.routes = routes
        self.weight_table = weights

    def budgets(self) -> list[Budget]:
        return [self.weights.budget, *self.orders.budgets]


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
        if stream_time_scale <= 0:
            raise ValueError(f"stream_time_scale must be positive, not {stream_time_scale}")
        extra_spot, extra_futures = synthetic_symbols(extra_symbols)
        self.spot_symbols = (*SPOT_SYMBOLS, *extra_spot)
        self.futures_symbols = (*FUTURES_SYMBOLS, *extra_futures)
        self.ping_intervals: dict[Market, float] = {
            "spot": spot_ping_interval,
            "futures": futures_ping_interval,
        }
        self.stream_time_scale = stream_time_scale
        super().__init__(
            accounts=accounts,
            step_interval=step_interval,
            shutdown_notice=self._shutdown_notice,
        )
        self.spot = Engine(
            "spot",
            [s.engine() for s in self.spot_symbols],
            maker_fee=SPOT_FEES[0],
            taker_fee=SPOT_FEES[1],
            clock=self.now_ms,
            # spot accepts an unfillable FOK and answers it EXPIRED; USDⓈ-M rejects (-5021)
            expire_unfilled_fok=True,
        )
        self.futures = Engine(
            "perp",
            [s.engine() for s in self.futures_symbols],
            maker_fee=FUTURES_FEES[0],
            taker_fee=FUTURES_FEES[1],
            clock=self.now_ms,
        )
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
        self._spot_data = MarketData("spot", self.spot, self.spot_symbols, self._spot_budgets)
        self._futures_data = MarketData(
            "futures", self.futures, self.futures_symbols, self._futures_budgets
        )
        self._spot_trading = SpotTrading(
            self.spot, self.spot_symbols, maker_fee=SPOT_FEES[0], taker_fee=SPOT_FEES[1]
        )
        self._futures_trading = FuturesTrading(self.futures, self.futures_symbols)
        self._venues: dict[Market, _Venue] = {
            "spot": _Venue(
                spot_weight,
                spot_orders,
                {**self._spot_data.routes(), **self._spot_trading.routes()},
                dict(SPOT_WEIGHTS),
            ),
            "futures": _Venue(
                futures_weight,
                futures_orders,
                {**self._futures_data.routes(), **self._futures_trading.routes()},
                dict(FUTURES_WEIGHTS),
            ),
        }
        # Two hosts, as on Binance: this one serves REST of both markets plus the spot
        # streams and WS API (stream.binance.com, ws-api.binance.com paths do not
        # collide with /api and /fapi); `fstream_app` is fstream.binance.com, whose /ws
        # and /stream would collide with the spot ones.
        self.app = web.Application()
        self.fstream_app = web.Application()
        # user streams first: their /ws/<listenKey> route must win over /ws/<stream>
        self.user_streams = install_user_streams(self)
        self.public_streams = install_public_streams(self)
        self._build_app(self.app)
        self._server = EmulatorServer(self.app)
        self._fstream_server = EmulatorServer(self.fstream_app)

    # -- lifecycle ---------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return self._server.base_url

    @property
    def port(self) -> int:
        return self._server.port

    def ws_url(self, market: Market) -> str:
        """Base WebSocket URL of a market's stream host: spot `ws://host:port` (paths
        /ws, /stream, /ws-api/v3), futures `ws://host:port2` (/ws, /stream, /public,
        /market, /private)."""
        server = self._server if market == "spot" else self._fstream_server
        return "ws" + server.base_url.removeprefix("http")

    def stream_url(self, asset_type: AssetType) -> str:
        """`ws_url` in venue-neutral terms: the stream host serving `asset_type`."""
        return self.ws_url(cast(Market, self.market_name(asset_type)))

    async def _start_serving(self, host: str, port: int) -> str:
        url = await self._server.start(host, port)
        try:
            await self._fstream_server.start(host, 0)
        except BaseException:
            await self._server.stop()
            raise
        await self.public_streams.start()
        await self.user_streams.start()
        return url

    async def _stop_serving(self) -> None:
        # streams first: their sockets are closed (code 1001) before the servers go
        await self.user_streams.stop()
        await self.public_streams.stop()
        await self._fstream_server.stop()
        await self._server.stop()

    def _derivatives_label(self) -> str:
        return "USDⓈ-M"

    def _shutdown_notice(self) -> str:
        # §1.4: Binance announces a maintenance disconnect with this event
        return msgspec.json.encode({"e": "serverShutdown", "E": self.now_ms()}).decode()

    def _spot_budgets(self) -> list[Budget]:
        return self._venues["spot"].budgets()

    def _futures_budgets(self) -> list[Budget]:
        return self._venues["futures"].budgets()

    # -- HTTP --------------------------------------------------------------------------
    def _build_app(self, app: web.Application) -> None:
        # stream routes are added by the installers above; the catch-all comes last
        Admin(self).install(app)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)

    async def _dispatch(self, request: web.Request) -> web.Response:
        fault = self.faults.take(request.method, request.path)
        if fault is None:
            return await self._answer(request)
        return await self._answer_with_fault(request, fault)

    async def _answer_with_fault(self, request: web.Request, fault: Fault) -> web.Response:
        match fault:
            case Latency():
                await self.faults.hold(fault.seconds)
                return await self._answer(request)
            case ErrorBefore():
                await request.read()  # drained, so the connection stays usable
                headers: dict[str, str] = {}
                if fault.retry_after is not None:
                    headers["Retry-After"] = str(math.ceil(fault.retry_after))
                return _json({"code": fault.code, "msg": fault.msg}, fault.status, headers)
            case ErrorAfter():
                await self._answer(request)
                return _json({"code": fault.code, "msg": fault.msg}, fault.status)
            case DropAfter():
                answer = await self._answer(request)
                if request.transport is not None:
                    request.transport.close()
                # aiohttp's write of this answer meets the closed transport and is dropped
                return answer
            case TimeoutAfter():
                answer = await self._answer(request)
                await self.faults.hold(fault.seconds)
                return answer
            case _:
                assert_never(fault)

    async def _answer(self, request: web.Request) -> web.Response:
        path = request.path
        market: Market | None = (
            "spot"
            if path.startswith(("/api/", "/sapi/"))
            else "futures"
            if path.startswith("/fapi/")
            else None
        )
        if market is None:
            return _json(_not_found(request), 404)
        venue = self._venues[market]
        now = self.now_ms()
        ip = request.remote or "unknown"
        raw_query = request.raw_path.partition("?")[2]
        raw_body = (await request.read()).decode("utf-8", "surrogateescape")
        key = f"{request.method} {path}"
        route = venue.routes.get(key)
        headers: dict[str, str] = {}
        try:
            if route is None:
                raise _not_found(request)
            try:
                params = Params.from_raw(raw_query, raw_body)
            except BinanceApiError:
                venue.weights.charge(ip, 1, now)
                raise
            used = venue.weights.charge(ip, weight_of(venue.weight_table, key, params), now)
            headers[venue.weights.header] = str(used)
            call = Call(
                params, now, self._authenticate(request, route, params, raw_query, raw_body, now)
            )
            if route.order_entry:
                venue.orders.check(call.account_id, now)
            result = route.handler(call)
            if route.order_entry:
                headers.update(venue.orders.count(call.account_id, now))
            return _json(result, 200, headers)
        except BinanceApiError as exc:
            headers.setdefault(venue.weights.header, str(venue.weights.used(ip, now)))
            headers.update(exc.headers)
            return _json(exc.body(), exc.status, headers)

    def _authenticate(
        self,
        request: web.Request,
        route: Route,
        params: Params,
        raw_query: str,
        raw_body: str,
        now: int,
    ) -> AccountRef | None:
        if not (route.signed or route.key_only):
            return None
        ref = self.keys.find(check_key_format(request.headers.get("X-MBX-APIKEY")))
        if ref is None:
            raise key_invalid()
        if route.key_only:
            return ref
        verify_signature(ref.account.secret, raw_query, raw_body)
        check_timestamp(params, now)
        for name in ("timestamp", "recvWindow", "signature"):
            params.read.add(name)
        return ref


def _not_found(request: web.Request) -> BinanceApiError:
    return BinanceApiError(
        -5000, f"Path {request.path}, Method {request.method} is invalid", status=404
    )


def _json(payload: object, status: int, headers: dict[str, str] | None = None) -> web.Response:
    if isinstance(payload, BinanceApiError):
        payload = payload.body()
    return json_response(payload, status, headers)
