"""The Binance emulator: spot (`/api/v3`) and USDⓈ-M (`/fapi`) on one aiohttp server.

Every request under those prefixes goes through one dispatcher: weight is charged first
(per client IP and market, as api.binance.com and fapi.binance.com keep separate
budgets), then SIGNED endpoints check the key, the signature over the received bytes and
the timestamp, then the handler runs. Errors are Binance's `{"code", "msg"}` bodies.
Before all that, the dispatcher asks `faults` whether this request is to fail.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import assert_never

import msgspec
from aiohttp import web

from tradeport.emulator.accounts import (
    DEFAULT_ACCOUNTS,
    AccountRef,
    EmulatorAccount,
    KeyRing,
)
from tradeport.emulator.admin import Admin, json_response
from tradeport.emulator.engine import Engine
from tradeport.emulator.faults import (
    DropAfter,
    ErrorAfter,
    ErrorBefore,
    Fault,
    FaultPlan,
    Latency,
    TimeoutAfter,
)
from tradeport.emulator.market import SyntheticMarket
from tradeport.emulator.server import EmulatorServer
from tradeport.emulator.stream_faults import StreamFaultPlan
from tradeport.emulator.symbols import FUTURES_SYMBOLS, SPOT_SYMBOLS, synthetic_symbols
from tradeport.emulator.ws import StreamConnections
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
HISTORY_MINUTES = 500
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


class BinanceEmulator:
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
        self.keys = KeyRing(list(accounts if accounts is not None else DEFAULT_ACCOUNTS))
        self.accounts = [r.account for r in self.keys.refs]
        self.clock_skew_ms = 0
        self.faults = FaultPlan()
        # stream faults and the live sockets they reach, shared by public and user streams
        self.connections = StreamConnections()
        self.stream_faults = StreamFaultPlan(
            self.connections, shutdown_notice=self._shutdown_notice
        )
        self.step_interval = step_interval
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
        self.spot_market = SyntheticMarket(self.spot, seed=seed)
        self.futures_market = SyntheticMarket(self.futures, seed=seed + 1)
        self.spot_market.seed_history(HISTORY_MINUTES)
        self.futures_market.seed_history(HISTORY_MINUTES)
        for ref in self.keys.refs:
            self.spot.open_account(ref.engine_id, ref.account.spot_balances)
            self.futures.open_account(ref.engine_id, ref.account.futures_balances)

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
        self._tasks: list[asyncio.Task[None]] = []

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
        markets: dict[AssetType, Market] = {AssetType.SPOT: "spot", AssetType.SWAP: "futures"}
        if asset_type not in markets:
            raise ValueError(f"no {asset_type.value} market in the Binance emulator")
        return self.ws_url(markets[asset_type])

    def engine_for(self, asset_type: AssetType) -> Engine:
        """The matching engine behind `asset_type` (tests compare books against it)."""
        engines = {AssetType.SPOT: self.spot, AssetType.SWAP: self.futures}
        if asset_type not in engines:
            raise ValueError(f"no {asset_type.value} market in the Binance emulator")
        return engines[asset_type]

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        url = await self._server.start(host, port)
        try:
            await self._fstream_server.start(host, 0)
        except BaseException:
            await self._server.stop()
            raise
        await self.public_streams.start()
        await self.user_streams.start()
        if self.step_interval is not None:
            self._tasks = [
                asyncio.create_task(self.spot_market.run(self.step_interval)),
                asyncio.create_task(self.futures_market.run(self.step_interval)),
            ]
        return url

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        # answer requests an injected delay still holds, so the server stops at once
        self.faults.clear()
        # streams first: their sockets are closed (code 1001) before the servers go
        await self.user_streams.stop()
        await self.public_streams.stop()
        await self._fstream_server.stop()
        await self._server.stop()
        for task in tasks:
            # a market task that died on its own is a bug worth seeing, not a shutdown
            if not task.cancelled() and task.exception() is not None:
                raise RuntimeError("a synthetic market task failed") from task.exception()

    def credentials(self, index: int = 0) -> tuple[str, str]:
        """(api_key, secret) of an account, the first by default."""
        account = self.accounts[index]
        return account.api_key, account.secret

    def describe_accounts(self) -> list[str]:
        """One line per account: its test credentials and starting funds."""

        def funds(balances: Mapping[str, Decimal]) -> str:
            return ", ".join(f"{a} {v}" for a, v in balances.items())

        return [
            f"api_key={a.api_key} secret={a.secret} spot: {funds(a.spot_balances)}; "
            f"USDⓈ-M: {funds(a.futures_balances)}"
            for a in self.accounts
        ]

    # -- control (tests and demos) -----------------------------------------------------
    def now_ms(self) -> int:
        """The server clock: real time plus `clock_skew_ms`."""
        return time.time_ns() // 1_000_000 + self.clock_skew_ms

    def step(self, n: int = 1) -> None:
        for _ in range(n):
            self.spot_market.step()
            self.futures_market.step()

    def move_to(self, market: str, symbol: str, price: Decimal | str) -> None:
        """Walk `market` ("spot" or "futures") to `price`; resting orders it crosses fill."""
        synthetic = {"spot": self.spot_market, "futures": self.futures_market}.get(market)
        if synthetic is None:
            raise ValueError(f"market must be 'spot' or 'futures', not {market!r}")
        if symbol not in synthetic.engine.instruments:
            raise ValueError(f"unknown {market} symbol {symbol!r}")
        target = Decimal(price)
        if not target.is_finite() or target <= 0:
            raise ValueError(f"price must be a positive number, not {price!r}")
        synthetic.move_to(symbol, target)

    def move_market(self, asset_type: AssetType, symbol: str, price: Decimal) -> None:
        """`move_to` in venue-neutral terms (asset type, BASE-QUOTE symbol)."""
        markets = {AssetType.SPOT: "spot", AssetType.SWAP: "futures"}
        if asset_type not in markets:
            raise ValueError(f"no {asset_type.value} market in the Binance emulator")
        self.move_to(markets[asset_type], symbol.replace("-", ""), price)

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
