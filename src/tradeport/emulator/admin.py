"""An emulator's admin endpoints (`/_emulator/...`): tests, demos and the CLI drive the
market, the clock and the faults through them. Every venue's emulator installs the same
ones.

They move prices and arm faults, so a request must carry the emulator's admin token
(made at start, printed by `tradeport emulate`) in the `X-Emulator-Token` header; one
without it is refused with 401 and changes nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from typing import Protocol

import msgspec
from aiohttp import web

from tradeport.emulator.faults import FaultPlan, parse_fault
from tradeport.emulator.host.decoding import decode_json, signature_matches
from tradeport.emulator.host.rest import json_response
from tradeport.emulator.stream_faults import StreamFaultPlan, parse_stream_fault
from tradeport.emulator.symbols import NewContract

ADMIN_TOKEN_HEADER = "X-Emulator-Token"
Handler = Callable[[web.Request], Awaitable[web.Response]]


class Administered(Protocol):
    """What the admin endpoints drive."""

    admin_token: str
    clock_skew_ms: int
    faults: FaultPlan
    stream_faults: StreamFaultPlan

    def now_ms(self) -> int: ...

    def step(self, n: int = 1) -> None: ...

    def move_to(self, market: str, symbol: str, price: Decimal | str) -> None: ...

    def set_listing(self, market: str, symbol: str, state: str) -> None: ...

    def list_contract(self, market: str, contract: NewContract, state: str) -> str: ...


class Admin:
    def __init__(self, emu: Administered) -> None:
        self.emu = emu

    def install(self, app: web.Application) -> None:
        routes = {
            "/_emulator/step": self.step,
            "/_emulator/move": self.move,
            "/_emulator/listing": self.listing,
            "/_emulator/contract": self.contract,
            "/_emulator/clock": self.clock,
            "/_emulator/fault": self.fault,
            "/_emulator/fault/clear": self.fault_clear,
            "/_emulator/stream_fault": self.stream_fault,
            "/_emulator/stream_fault/clear": self.stream_fault_clear,
        }
        for path, handler in routes.items():
            app.router.add_post(path, self._guarded(handler))

    def _guarded(self, handler: Handler) -> Handler:
        async def guarded(request: web.Request) -> web.Response:
            given = request.headers.get(ADMIN_TOKEN_HEADER, "")
            expected = self.emu.admin_token
            if not signature_matches(expected, given):
                reason = "missing" if not given else "wrong"
                return json_response(
                    {"error": f"{reason} {ADMIN_TOKEN_HEADER} header: admin endpoints need "
                     "the token the emulator printed at start"},
                    401,
                )  # fmt: skip
            return await handler(request)

        return guarded

    async def step(self, request: web.Request) -> web.Response:
        body = await _body(request)
        n = body.get("n", 1)
        if not isinstance(n, int) or not 1 <= n <= 10_000:
            return json_response({"error": "n must be an integer from 1 to 10000"}, 400)
        self.emu.step(n)
        return json_response({"steps": n}, 200)

    async def move(self, request: web.Request) -> web.Response:
        body = await _body(request)
        try:
            price = Decimal(str(body.get("price")))
            self.emu.move_to(str(body.get("market")), str(body.get("symbol")), price)
        except (ValueError, InvalidOperation) as exc:
            return json_response({"error": str(exc) or "bad price"}, 400)
        return json_response(
            {"market": body["market"], "symbol": body["symbol"], "price": str(price)}, 200
        )

    async def listing(self, request: web.Request) -> web.Response:
        """`{"market", "symbol", "state"}`: how the instruments payload announces the
        symbol from now on (trading, close_only, pre_launch, delisted, unlisted)."""
        body = await _body(request)
        market, symbol, state = (str(body.get(k)) for k in ("market", "symbol", "state"))
        try:
            self.emu.set_listing(market, symbol, state)
        except ValueError as exc:
            return json_response({"error": str(exc)}, 400)
        return json_response({"market": market, "symbol": symbol, "state": state}, 200)

    async def contract(self, request: web.Request) -> web.Response:
        """`{"market", "symbol", "base", "quote", "tick_size", "step_size", "min_qty",
        "min_notional", "start_price"[, "max_leverage"][, "state"]}` (decimals as
        strings): list a new contract, trading from now on (or in `state`)."""
        body = await _body(request)
        market, state = str(body.pop("market", None)), str(body.pop("state", "trading"))
        try:
            contract = msgspec.convert(body, NewContract, strict=False)
            symbol = self.emu.list_contract(market, contract, state)
        except (msgspec.ValidationError, ValueError) as exc:
            return json_response({"error": str(exc)}, 400)
        return json_response({"market": market, "symbol": symbol, "state": state}, 200)

    async def clock(self, request: web.Request) -> web.Response:
        body = await _body(request)
        skew = body.get("skew_ms")
        if not isinstance(skew, int):
            return json_response({"error": "skew_ms must be an integer"}, 400)
        self.emu.clock_skew_ms = skew
        return json_response({"skew_ms": skew, "serverTime": self.emu.now_ms()}, 200)

    async def fault(self, request: web.Request) -> web.Response:
        body = await _body(request)
        try:
            spec, fault = parse_fault(body)
            self.emu.faults.arm(spec.match, fault, spec.times)
        except ValueError as exc:
            return json_response({"error": str(exc)}, 400)
        return json_response({"match": spec.match, "fault": fault, "times": spec.times}, 200)

    async def fault_clear(self, request: web.Request) -> web.Response:
        disarmed = len(self.emu.faults.armed)
        self.emu.faults.clear()
        return json_response({"disarmed": disarmed, "fired": len(self.emu.faults.fired)}, 200)

    async def stream_fault(self, request: web.Request) -> web.Response:
        body = await _body(request)
        try:
            fault = parse_stream_fault(body)
            affected = await self.emu.stream_faults.apply(fault)
        except ValueError as exc:
            return json_response({"error": str(exc)}, 400)
        return json_response({"fault": fault, "connections": affected}, 200)

    async def stream_fault_clear(self, request: web.Request) -> web.Response:
        armed = self.emu.stream_faults.armed
        self.emu.stream_faults.clear()
        return json_response({"disarmed": armed}, 200)


async def _body(request: web.Request) -> dict[str, object]:
    raw = await request.read()
    if not raw:
        return {}
    try:
        body = decode_json(raw)
    except msgspec.DecodeError:
        raise web.HTTPBadRequest(
            text='{"error": "body must be JSON"}', content_type="application/json"
        ) from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(
            text='{"error": "body must be a JSON object"}', content_type="application/json"
        )
    return body
