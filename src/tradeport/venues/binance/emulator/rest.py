"""The Binance emulator's REST gateway: spot (`/api/v3`, `/sapi`) and USDⓈ-M (`/fapi`).

Weight is charged first (per client IP and market, as api.binance.com and
fapi.binance.com keep separate budgets), then SIGNED endpoints check the key, the
signature over the received bytes and the timestamp, then order entry checks the ORDERS
budgets, then the handler runs. Errors are Binance's `{"code", "msg"}` bodies. Before
all that the host's fault plan may take the request over.
"""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from tradeport.emulator.accounts import AccountRef, KeyRing
from tradeport.emulator.host.rest import Gateway, Headers, Incoming, RestHost, json_response
from tradeport.venues.binance.emulator.auth import (
    check_key_format,
    check_timestamp,
    verify_signature,
)
from tradeport.venues.binance.emulator.calls import Call, Market, Route
from tradeport.venues.binance.emulator.context import BinanceContext
from tradeport.venues.binance.emulator.errors import BinanceApiError, key_invalid
from tradeport.venues.binance.emulator.params import Params
from tradeport.venues.binance.emulator.weights import (
    Budget,
    OrderLimiter,
    WeightLimiter,
    WeightRule,
    weight_of,
)


class MarketGate:
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


def market_of(path: str) -> Market | None:
    if path.startswith(("/api/", "/sapi/")):
        return "spot"
    if path.startswith(("/fapi/", "/dapi/", "/futures/data/")):
        # /dapi: COIN-M, of which the emulator lists nothing; /futures/data: USDⓈ-M
        # trading statistics, served by fapi.binance.com
        return "futures"
    return None


class RestApi(Gateway[Call, BinanceApiError]):
    error_type = BinanceApiError

    def __init__(self, keys: KeyRing, markets: Mapping[Market, MarketGate]) -> None:
        self.keys = keys
        self.markets = markets

    def _market(self, incoming: Incoming) -> MarketGate | None:
        market = market_of(incoming.path)
        return None if market is None else self.markets[market]

    def table(self, incoming: Incoming) -> Mapping[str, Route] | None:
        market = self._market(incoming)
        return None if market is None else market.routes

    def not_found(self, incoming: Incoming) -> BinanceApiError:
        return BinanceApiError(
            -5000, f"Path {incoming.path}, Method {incoming.method} is invalid", status=404
        )

    def oversized(self, incoming: Incoming) -> BinanceApiError:
        # Binance states no code for an oversized request; -1101 is its nearest
        # (too many parameters), a best guess
        return BinanceApiError(-1101, "Too many parameters sent for this endpoint.", status=413)

    def call(self, incoming: Incoming, route: Route, headers: Headers) -> Call:
        market = self._market(incoming)
        assert market is not None  # `route` found it
        now, ip = incoming.now_ms, incoming.remote
        raw_query, raw_body = incoming.raw_query, incoming.body_text
        try:
            params = Params.from_raw(raw_query, raw_body)
        except BinanceApiError:
            market.weights.charge(ip, 1, now)
            raise
        weight = weight_of(market.weight_table, incoming.endpoint, params)
        headers[market.weights.header] = str(market.weights.charge(ip, weight, now))
        call = Call(params, now, self._authenticate(incoming, route, params))
        if route.order_entry:
            market.orders.check(call.account_id, now)
        return call

    def respond(
        self, result: object, route: Route, call: Call, incoming: Incoming, headers: Headers
    ) -> web.Response:
        if route.order_entry:
            market = self._market(incoming)
            assert market is not None
            headers.update(market.orders.count(call.account_id, incoming.now_ms))
        return json_response(result, 200, headers)

    def refuse(self, error: BinanceApiError, incoming: Incoming, headers: Headers) -> web.Response:
        market = self._market(incoming)
        if market is None:
            return json_response(error.body(), error.status)
        used = market.weights.used(incoming.remote, incoming.now_ms)
        headers.setdefault(market.weights.header, str(used))
        headers.update(error.headers)
        return json_response(error.body(), error.status, headers)

    def fault_body(self, code: int | str, msg: str, now_ms: int) -> object:
        return {"code": code, "msg": msg}

    def _authenticate(self, incoming: Incoming, route: Route, params: Params) -> AccountRef | None:
        if not (route.signed or route.key_only):
            return None
        ref = self.keys.find(check_key_format(incoming.headers.get("X-MBX-APIKEY")))
        if ref is None:
            raise key_invalid()
        if route.key_only:
            return ref
        verify_signature(ref.account.secret, incoming.raw_query, incoming.body_text)
        check_timestamp(params, incoming.now_ms)
        for name in ("timestamp", "recvWindow", "signature"):
            params.read.add(name)
        return ref


def install_rest(
    ctx: BinanceContext, app: web.Application, markets: Mapping[Market, MarketGate]
) -> RestHost[Call, BinanceApiError]:
    """Add the catch-all REST route; call after the WebSocket and admin routes."""
    host = RestHost(RestApi(ctx.keys, markets), ctx.faults, ctx.clock)
    host.install(app)
    return host
