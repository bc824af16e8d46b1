"""The OKX emulator's REST gateway: every non-WebSocket, non-admin path.

Order of checks: the route (HTTP 404), the body's JSON (50000 / 50002), for private
endpoints the headers, key, timestamp, passphrase and signature over the bytes received
(401, `auth.py`), then the endpoint's budget (429, 50011), then the handler. Before all
that the host's fault plan may take the request over.
"""

from __future__ import annotations

from aiohttp import web

from tradeport.emulator.host.rest import Gateway, Headers, Incoming, RestHost, json_response
from tradeport.venues.okx.emulator.account import Account
from tradeport.venues.okx.emulator.auth import authenticate
from tradeport.venues.okx.emulator.calls import Answer, Call, Route
from tradeport.venues.okx.emulator.context import OkxContext
from tradeport.venues.okx.emulator.errors import (
    OkxApiError,
    body_required,
    envelope,
    invalid,
    unknown_path,
)
from tradeport.venues.okx.emulator.history import History
from tradeport.venues.okx.emulator.limits import RateLimiter
from tradeport.venues.okx.emulator.market import MarketData
from tradeport.venues.okx.emulator.params import Params, decode_body
from tradeport.venues.okx.emulator.position_close import PositionClose
from tradeport.venues.okx.emulator.positions_history import PositionsHistory
from tradeport.venues.okx.emulator.queries import Queries
from tradeport.venues.okx.emulator.trading import Trading

ONE_ORDER_BATCH = "POST /api/v5/trade/batch-orders"


class RestApi(Gateway[Call, OkxApiError]):
    error_type = OkxApiError

    def __init__(self, ctx: OkxContext) -> None:
        self.ctx = ctx
        self.limiter = RateLimiter(ctx.weight_limit, ctx.order_limit, ctx.weight_interval)
        self.trading = Trading(ctx)
        market = MarketData(ctx)
        self.routes: dict[str, Route] = {
            **market.routes(),
            **self.trading.routes(),
            **Queries(ctx).routes(),
            **Account(ctx).routes(),
            **History(ctx, market).routes(),
            **PositionClose(ctx).routes(),
            **PositionsHistory(ctx).routes(),
        }

    def not_found(self, incoming: Incoming) -> OkxApiError:
        return unknown_path()

    def oversized(self, incoming: Incoming) -> OkxApiError:
        # OKX names the parameter only (51000 "Parameter {0} error")
        return invalid("body")

    def call(self, incoming: Incoming, route: Route, headers: Headers) -> Call:
        call = self._call(incoming, route)
        self._charge(incoming, route, call)
        return call

    def respond(
        self, result: object, route: Route, call: Call, incoming: Incoming, headers: Headers
    ) -> web.Response:
        answer = result if isinstance(result, Answer) else Answer(list(result))  # type: ignore[call-overload]
        body: dict[str, object] = envelope(answer.code, answer.msg, answer.data)
        if route.trade:
            body["inTime"] = str(incoming.received_us)
            body["outTime"] = str(self.ctx.clock.now_us())
        return json_response(body, 200)

    def refuse(self, error: OkxApiError, incoming: Incoming, headers: Headers) -> web.Response:
        return json_response(error.body(), error.status)

    def fault_body(self, code: int | str, msg: str, now_ms: int) -> object:
        return envelope(str(code), msg, [])

    def _call(self, incoming: Incoming, route: Route) -> Call:
        body: object = None
        if incoming.method == "GET":
            params = Params.from_query(incoming.raw_query)
        else:
            if not incoming.raw_body.strip():
                raise body_required()
            body = decode_body(incoming.raw_body)
            params = Params.from_object(body) if not isinstance(body, list) else Params({})
        caller = None
        if route.signed:
            payload = "" if incoming.method == "GET" else incoming.body_text
            caller = authenticate(
                self.ctx.keys,
                incoming.headers,
                incoming.method,
                incoming.raw_path,
                payload,
                incoming.now_ms,
                demo_keys=self.ctx.demo_keys,
            )
        return Call(params, incoming.now_ms, caller, body=body)

    def _charge(self, incoming: Incoming, route: Route, call: Call) -> None:
        self.charge(incoming.endpoint, route, call, incoming.remote)

    def charge(self, endpoint: str, route: Route, call: Call, ip: str) -> None:
        """Count `call` against `endpoint`'s budget (the WebSocket order entry shares
        the REST budgets)."""
        if isinstance(call.body, list):
            inst_ids = [str(i.get("instId", "")) for i in call.body if isinstance(i, dict)]
            if len(inst_ids) == 1 and endpoint == ONE_ORDER_BATCH:
                endpoint = "POST /api/v5/trade/order"  # a one-order batch counts as a place
        else:
            inst_ids = [call.params.text("instId") or ""]
        self.limiter.charge(
            endpoint,
            signed=route.signed,
            ip=ip,
            uid=call.caller.uid if call.caller is not None else None,
            inst_type=call.params.text("instType"),
            inst_ids=inst_ids,
            now_ms=call.now_ms,
        )


def install_rest(
    ctx: OkxContext, app: web.Application
) -> tuple[RestHost[Call, OkxApiError], RestApi]:
    """Add the catch-all REST route; call after the WebSocket and admin routes. The
    gateway comes back too: the WebSocket order entry runs its order handlers."""
    api = RestApi(ctx)
    host = RestHost(api, ctx.faults, ctx.clock)
    host.install(app)
    return host, api
