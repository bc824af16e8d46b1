"""The Bybit emulator's REST gateway: every non-WebSocket, non-admin path.

Order of checks, as Bybit's gateway applies them: the IP budget (HTTP 403), the route
(HTTP 404, retCode 10017), then for private endpoints the key, the signature over the
bytes received and the timestamp (10003 / 10004 / 10002), then the per-UID endpoint
budget (10006), then the handler. Private answers carry the `X-Bapi-Limit*` headers.
Before all that the host's fault plan may take the request over.
"""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from tradeport.emulator.host.limits import interval_ms
from tradeport.emulator.host.rest import (
    Gateway,
    Headers,
    Incoming,
    RestHost,
    json_response,
)
from tradeport.venues.bybit.emulator.account import Account
from tradeport.venues.bybit.emulator.auth import authenticate
from tradeport.venues.bybit.emulator.batch import Batches
from tradeport.venues.bybit.emulator.calls import Call, Route
from tradeport.venues.bybit.emulator.closed_pnl import ClosedPnl
from tradeport.venues.bybit.emulator.context import BybitContext
from tradeport.venues.bybit.emulator.errors import (
    BybitApiError,
    WithExtInfo,
    bad_param,
    envelope,
    route_not_found,
)
from tradeport.venues.bybit.emulator.history import History
from tradeport.venues.bybit.emulator.ids import Category
from tradeport.venues.bybit.emulator.limits import IpLimiter, UidLimiter
from tradeport.venues.bybit.emulator.market import BookSync, MarketData
from tradeport.venues.bybit.emulator.params import Params
from tradeport.venues.bybit.emulator.queries import Queries
from tradeport.venues.bybit.emulator.trading import Trading

IP_LIMIT = 600  # requests per IP per 5 s window (rate-limit.mdx)


class RestApi(Gateway[Call, BybitApiError]):
    error_type = BybitApiError

    def __init__(self, ctx: BybitContext, books: Mapping[Category, BookSync]) -> None:
        self.ctx = ctx
        self.ip_limiter = IpLimiter(
            ctx.weight_limit or IP_LIMIT, interval_ms(ctx.weight_interval), ctx.ip_ban_ms
        )
        self.uid_limiter = UidLimiter(ctx.order_limit, ctx.uid_window_ms)
        self.trading = Trading(ctx)
        self.routes: dict[str, Route] = {
            **MarketData(ctx, books).routes(),
            **self.trading.routes(),
            **Queries(ctx).routes(),
            **Account(ctx).routes(),
            **History(ctx).routes(),
            **Batches(self.trading).routes(),
            **ClosedPnl(ctx).routes(),
        }

    def gate(self, incoming: Incoming) -> None:
        self.ip_limiter.charge(incoming.remote, incoming.now_ms)

    def not_found(self, incoming: Incoming) -> BybitApiError:
        return route_not_found()

    def oversized(self, incoming: Incoming) -> BybitApiError:
        return bad_param("request body too large")

    def call(self, incoming: Incoming, route: Route, headers: Headers) -> Call:
        now = incoming.now_ms
        is_get = incoming.method == "GET"
        # a GET signs its raw query string, a POST its raw body (§4.2)
        payload = incoming.raw_query if is_get else incoming.body_text
        caller = None
        if route.signed:
            caller = authenticate(self.ctx.keys, incoming.headers, payload, now)
        params = (
            Params.from_query(incoming.raw_query) if is_get else Params.from_body(incoming.raw_body)
        )
        if caller is not None:
            headers.update(
                self.uid_limiter.charge(caller.uid, incoming.endpoint, params.text("category"), now)
            )
        return Call(params, now, caller)

    def respond(
        self, result: object, route: Route, call: Call, incoming: Incoming, headers: Headers
    ) -> web.Response:
        if isinstance(result, WithExtInfo):
            body = envelope(0, "OK", result.result, incoming.now_ms, result.ext_info)
        else:
            body = envelope(0, "OK", result, incoming.now_ms)
        return json_response(body, 200, headers or None)

    def refuse(self, error: BybitApiError, incoming: Incoming, headers: Headers) -> web.Response:
        headers.update(error.headers)
        return json_response(error.body(incoming.now_ms), error.status, headers or None)

    def fault_body(self, code: int | str, msg: str, now_ms: int) -> object:
        ret_code: int | str = int(code) if isinstance(code, str) and code.isdigit() else code
        return envelope(ret_code, msg, {}, now_ms)


def install_rest(
    ctx: BybitContext, app: web.Application, books: Mapping[Category, BookSync]
) -> tuple[RestHost[Call, BybitApiError], RestApi]:
    """Add the catch-all REST route; call after the WebSocket and admin routes. The
    gateway comes back too: the WebSocket order entry runs its order handlers."""
    api = RestApi(ctx, books)
    host = RestHost(api, ctx.faults, ctx.clock)
    host.install(app)
    return host, api
