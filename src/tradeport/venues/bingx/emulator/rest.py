"""The BingX emulator's REST gateway: every non-WebSocket, non-admin path.

Order of checks: the route (HTTP 404), the IP group budget (HTTP 429, 100410), then for
signed endpoints the key, the signature over the query string received and the
timestamp (100413 / 100001 / 109400), then the account's order rate, then the handler.
Every answer carries the rate-limit headers of its group.
"""

from __future__ import annotations

from aiohttp import web

from tradeport.emulator.host.params import split_query
from tradeport.emulator.host.rest import Gateway, Headers, Incoming, RestHost, Route, json_response
from tradeport.venues.bingx.emulator.account_stream import AccountStreams, Bare
from tradeport.venues.bingx.emulator.auth import authenticate
from tradeport.venues.bingx.emulator.batch import BatchOrders
from tradeport.venues.bingx.emulator.calls import Call
from tradeport.venues.bingx.emulator.context import BingxContext
from tradeport.venues.bingx.emulator.errors import (
    BingxApiError,
    bad_key,
    envelope,
    invalid,
    not_found,
)
from tradeport.venues.bingx.emulator.income import Income
from tradeport.venues.bingx.emulator.limits import Budgets
from tradeport.venues.bingx.emulator.market import MarketData
from tradeport.venues.bingx.emulator.params import Params
from tradeport.venues.bingx.emulator.trading import Trading


class RestApi(Gateway[Call, BingxApiError]):
    error_type = BingxApiError

    def __init__(self, ctx: BingxContext, account: AccountStreams) -> None:
        self.ctx = ctx
        self.budgets = Budgets(ctx.market_limit, ctx.account_limit, ctx.window_ms, ctx.order_limit)
        trading = Trading(ctx, on_config=account.config_changed)
        self.routes: dict[str, Route[Call]] = {
            **MarketData(ctx).routes(),
            **trading.routes(),
            **BatchOrders(trading).routes(),
            **Income(ctx).routes(),
            **account.routes(),
        }

    def not_found(self, incoming: Incoming) -> BingxApiError:
        return not_found()

    def oversized(self, incoming: Incoming) -> BingxApiError:
        return invalid("body", "is too large")

    def call(self, incoming: Incoming, route: Route[Call], headers: Headers) -> Call:
        now = incoming.now_ms
        group = "account" if route.signed or route.key_only else "market"
        headers.update(self.budgets.charge_ip(group, incoming.remote, now))
        query = split_query(incoming.raw_query)
        caller = None
        if route.key_only:  # the listen-key calls: the API key header alone (§5.3)
            api_key = incoming.headers.get("X-BX-APIKEY", "")
            caller = self.ctx.keys.find(api_key) if api_key else None
            if caller is None:
                raise bad_key()
        elif route.signed:
            caller = authenticate(self.ctx.keys, incoming.headers, incoming.raw_query, query, now)
            if route.order_entry:
                self.budgets.charge_order(caller.engine_id, now, headers)
        return Call(Params(dict(query)), now, caller)

    def respond(
        self, result: object, route: Route[Call], call: Call, incoming: Incoming, headers: Headers
    ) -> web.Response:
        if isinstance(result, Bare):
            return json_response(result.payload, 200, headers or None)
        return json_response(envelope(0, "", result), 200, headers or None)

    def refuse(self, error: BingxApiError, incoming: Incoming, headers: Headers) -> web.Response:
        headers.update(error.headers)
        return json_response(error.body(), error.status, headers or None)

    def fault_body(self, code: int | str, msg: str, now_ms: int) -> object:
        value: int | str = int(code) if isinstance(code, str) and code.isdigit() else code
        return envelope(value, msg, {})


def install_rest(
    ctx: BingxContext, account: AccountStreams, app: web.Application
) -> RestHost[Call, BingxApiError]:
    """Add the catch-all REST route; call after the admin routes."""
    host = RestHost(RestApi(ctx, account), ctx.faults, ctx.clock)
    host.install(app)
    return host
