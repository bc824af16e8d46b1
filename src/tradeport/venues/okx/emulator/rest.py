"""The OKX emulator's REST dispatcher: every non-WebSocket, non-admin path.

Order of checks: the route (HTTP 404), the body's JSON (50000 / 50002), for private
endpoints the headers, key, timestamp, passphrase and signature over the bytes received
(401, `auth.py`), then the endpoint's budget (429, 50011), then the handler. Before all
that the fault plan may take the request over, as in every venue emulator.
"""

from __future__ import annotations

import math
import time
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
from tradeport.venues.okx.emulator.account import Account
from tradeport.venues.okx.emulator.auth import authenticate
from tradeport.venues.okx.emulator.calls import Answer, Call, Route
from tradeport.venues.okx.emulator.errors import (
    OkxApiError,
    body_required,
    envelope,
    not_found,
)
from tradeport.venues.okx.emulator.limits import RateLimiter
from tradeport.venues.okx.emulator.market import MarketData
from tradeport.venues.okx.emulator.params import Params, decode_body
from tradeport.venues.okx.emulator.queries import Queries
from tradeport.venues.okx.emulator.trading import Trading

if TYPE_CHECKING:
    from tradeport.venues.okx.emulator.app import OkxEmulator


class RestApi:
    def __init__(self, emu: OkxEmulator) -> None:
        self.emu = emu
        self.limiter = RateLimiter(emu.weight_limit, emu.order_limit, emu.weight_interval)
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

    @staticmethod
    def _fault_answer(
        code: int | str, msg: str, status: int, headers: dict[str, str]
    ) -> web.Response:
        return json_response(envelope(str(code), msg, []), status, headers or None)

    def _micros(self) -> str:
        return str(time.time_ns() // 1000 + self.emu.clock_skew_ms * 1000)

    async def answer(self, request: web.Request) -> web.Response:
        in_time = self._micros()
        now = self.emu.now_ms()
        raw_body = await request.read()
        endpoint = f"{request.method} {request.path}"
        route = self.routes.get(endpoint)
        try:
            if route is None:
                raise not_found()
            call = self._call(request, route, raw_body, now)
            self._charge(request, route, endpoint, call, now)
            result = route.handler(call)
        except OkxApiError as exc:
            return json_response(exc.body(), exc.status)
        answer = result if isinstance(result, Answer) else Answer(list(result))  # type: ignore[call-overload]
        body: dict[str, object] = envelope(answer.code, answer.msg, answer.data)
        if route.trade:
            body["inTime"] = in_time
            body["outTime"] = self._micros()
        return json_response(body, 200)

    def _call(self, request: web.Request, route: Route, raw_body: bytes, now: int) -> Call:
        raw_query = request.raw_path.partition("?")[2]
        body: object = None
        if request.method == "GET":
            params = Params.from_query(raw_query)
        else:
            if not raw_body.strip():
                raise body_required()
            body = decode_body(raw_body)
            params = Params.from_object(body) if not isinstance(body, list) else Params({})
        caller = None
        if route.signed:
            payload = "" if request.method == "GET" else raw_body.decode("utf-8", "surrogateescape")
            caller = authenticate(
                self.emu.keys, request.headers, request.method, request.raw_path, payload, now
            )
        return Call(params, body, now, caller)

    def _charge(
        self, request: web.Request, route: Route, endpoint: str, call: Call, now: int
    ) -> None:
        if isinstance(call.body, list):
            inst_ids = [str(i.get("instId", "")) for i in call.body if isinstance(i, dict)]
            if len(inst_ids) == 1 and endpoint == "POST /api/v5/trade/batch-orders":
                endpoint = "POST /api/v5/trade/order"  # a one-order batch counts as a place
        else:
            inst_ids = [call.params.text("instId") or ""]
        self.limiter.charge(
            endpoint,
            signed=route.signed,
            ip=request.remote or "unknown",
            uid=call.caller.uid if call.caller is not None else None,
            inst_type=call.params.text("instType"),
            inst_ids=inst_ids,
            now_ms=now,
        )


def install_rest(emu: OkxEmulator) -> RestApi:
    """Add the catch-all REST route; call after the WebSocket and admin routes."""
    api = RestApi(emu)
    api.install(emu.app)
    return api
