"""The Bybit emulator's REST dispatcher: every non-WebSocket, non-admin path.

Order of checks, as Bybit's gateway applies them: the IP budget (HTTP 403), the route
(HTTP 404, retCode 10017), then for private endpoints the key, the signature over the
bytes received and the timestamp (10003 / 10004 / 10002), then the per-UID endpoint
budget (10006), then the handler. Private answers carry the `X-Bapi-Limit*` headers.
Before all that the fault plan may take the request over, as in every venue emulator.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, assert_never

from aiohttp import web

from tradeport.emulator.admin import json_response
from tradeport.emulator.faults import (
    DropAfter,
    ErrorAfter,
    ErrorBefore,
    Fault,
    Latency,
    TimeoutAfter,
)
from tradeport.venues.bybit.emulator.account import Account
from tradeport.venues.bybit.emulator.auth import authenticate
from tradeport.venues.bybit.emulator.calls import Call, Route
from tradeport.venues.bybit.emulator.errors import BybitApiError, envelope, route_not_found
from tradeport.venues.bybit.emulator.limits import IpLimiter, UidLimiter, interval_ms
from tradeport.venues.bybit.emulator.market import MarketData
from tradeport.venues.bybit.emulator.params import Params
from tradeport.venues.bybit.emulator.queries import Queries
from tradeport.venues.bybit.emulator.trading import Trading

if TYPE_CHECKING:
    from tradeport.venues.bybit.emulator.app import BybitEmulator

IP_LIMIT = 600  # requests per IP per 5 s window (rate-limit.mdx)


class RestApi:
    def __init__(self, emu: BybitEmulator) -> None:
        self.emu = emu
        self.ip_limiter = IpLimiter(
            emu.weight_limit or IP_LIMIT, interval_ms(emu.weight_interval), emu.ip_ban_ms
        )
        self.uid_limiter = UidLimiter(emu.order_limit, emu.uid_window_ms)
        self.trading = Trading(emu)
        self.routes: dict[str, Route] = {
            **MarketData(emu).routes(),
            **self.trading.routes(),
            **Queries(emu).routes(),
            **Account(emu).routes(),
        }

    def install(self, app: web.Application) -> None:
        app.router.add_route("*", "/{tail:.*}", self.dispatch)

    async def dispatch(self, request: web.Request) -> web.Response:
        fault = self.emu.faults.take(request.method, request.path)
        if fault is None:
            return await self.answer(request)
        return await self._answer_with_fault(request, fault)

    async def _answer_with_fault(self, request: web.Request, fault: Fault) -> web.Response:
        match fault:
            case Latency():
                await self.emu.faults.hold(fault.seconds)
                return await self.answer(request)
            case ErrorBefore():
                await request.read()  # drained, so the connection stays usable
                headers: dict[str, str] = {}
                if fault.retry_after is not None:
                    headers["Retry-After"] = str(math.ceil(fault.retry_after))
                return self._fault_answer(fault.code, fault.msg, fault.status, headers)
            case ErrorAfter():
                await self.answer(request)
                return self._fault_answer(fault.code, fault.msg, fault.status, {})
            case DropAfter():
                answer = await self.answer(request)
                if request.transport is not None:
                    request.transport.close()
                # aiohttp's write of this answer meets the closed transport and is dropped
                return answer
            case TimeoutAfter():
                answer = await self.answer(request)
                await self.emu.faults.hold(fault.seconds)
                return answer
            case _:
                assert_never(fault)

    def _fault_answer(
        self, code: int | str, msg: str, status: int, headers: dict[str, str]
    ) -> web.Response:
        ret_code: int | str = int(code) if isinstance(code, str) and code.isdigit() else code
        return json_response(envelope(ret_code, msg, {}, self.emu.now_ms()), status, headers)

    async def answer(self, request: web.Request) -> web.Response:
        now = self.emu.now_ms()
        raw_body = await request.read()
        headers: dict[str, str] = {}
        try:
            self.ip_limiter.charge(request.remote or "unknown", now)
            endpoint = f"{request.method} {request.path}"
            route = self.routes.get(endpoint)
            if route is None:
                raise route_not_found()
            raw_query = request.raw_path.partition("?")[2]
            is_get = request.method == "GET"
            # a GET signs its raw query string, a POST its raw body (§4.2)
            payload = raw_query if is_get else raw_body.decode("utf-8", "surrogateescape")
            caller = None
            if route.signed:
                caller = authenticate(self.emu.keys, request.headers, payload, now)
            params = Params.from_query(raw_query) if is_get else Params.from_body(raw_body)
            if caller is not None:
                headers = self.uid_limiter.charge(
                    caller.uid, endpoint, params.text("category"), now
                )
            result = route.handler(Call(params, now, caller))
        except BybitApiError as exc:
            headers.update(exc.headers)
            return json_response(exc.body(now), exc.status, headers or None)
        return json_response(envelope(0, "OK", result, now), 200, headers or None)


def install_rest(emu: BybitEmulator) -> RestApi:
    """Add the catch-all REST route; call after the WebSocket and admin routes."""
    api = RestApi(emu)
    api.install(emu.app)
    return api
