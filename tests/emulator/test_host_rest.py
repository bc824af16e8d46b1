"""The core REST host with a minimal gateway over a real socket: the pipeline runs the
venue's hooks in order, refusals and injected faults answer in the venue's envelope."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp import web

from tradeport.emulator.faults import ErrorAfter, ErrorBefore, FaultPlan
from tradeport.emulator.host.clock import ServerClock
from tradeport.emulator.host.rest import (
    ApiError,
    Gateway,
    Headers,
    Incoming,
    RestHost,
    Route,
    json_response,
)
from tradeport.emulator.server import EmulatorServer


class ToyError(ApiError):
    def __init__(self, code: int, status: int = 400) -> None:
        super().__init__(f"toy {code}", status=status, headers={"X-Toy": str(code)})
        self.code = code


@dataclass
class ToyCall:
    name: str
    now_ms: int


class ToyGateway(Gateway[ToyCall, ToyError]):
    error_type = ToyError

    def __init__(self) -> None:
        self.order: list[str] = []
        self.placed = 0
        self.routes = {
            "GET /hello": Route(lambda c: {"hello": c.name}),
            "POST /place": Route(self._place, signed=True),
        }

    def _place(self, call: ToyCall) -> object:
        self.placed += 1
        return {"placed": self.placed}

    def gate(self, incoming: Incoming) -> None:
        self.order.append("gate")

    def not_found(self, incoming: Incoming) -> ToyError:
        return ToyError(404, status=404)

    def call(self, incoming: Incoming, route: Route[ToyCall], headers: Headers) -> ToyCall:
        self.order.append("call")
        if route.signed and incoming.headers.get("X-Key") != "k":
            raise ToyError(401, status=401)
        headers["X-Used"] = "1"
        name = dict(p.split("=") for p in incoming.raw_query.split("&") if p).get("name", "")
        return ToyCall(name, incoming.now_ms)

    def respond(
        self,
        result: object,
        route: Route[ToyCall],
        call: ToyCall,
        incoming: Incoming,
        headers: Headers,
    ) -> web.Response:
        return json_response({"ok": result}, 200, headers)

    def refuse(self, error: ToyError, incoming: Incoming, headers: Headers) -> web.Response:
        return json_response({"code": error.code}, error.status, {**headers, **error.headers})

    def fault_body(self, code: int | str, msg: str, now_ms: int) -> object:
        return {"code": code, "msg": msg, "toy": True}


@dataclass
class Rig:
    url: str
    gateway: ToyGateway
    faults: FaultPlan
    session: aiohttp.ClientSession


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    gateway, faults = ToyGateway(), FaultPlan()
    app = web.Application()
    RestHost(gateway, faults, ServerClock()).install(app)
    server = EmulatorServer(app)
    url = await server.start()
    async with aiohttp.ClientSession() as session:
        try:
            yield Rig(url, gateway, faults, session)
        finally:
            faults.clear()
            await server.stop()


async def test_a_route_answers_through_the_venue_hooks_in_order(rig: Rig) -> None:
    async with rig.session.get(rig.url + "/hello?name=ann") as resp:
        assert resp.status == 200
        assert resp.headers["X-Used"] == "1"
        assert await resp.json() == {"ok": {"hello": "ann"}}
    assert rig.gateway.order == ["gate", "call"]


async def test_an_unknown_route_is_the_venues_refusal(rig: Rig) -> None:
    async with rig.session.get(rig.url + "/nowhere") as resp:
        assert resp.status == 404
        assert await resp.json() == {"code": 404}
    assert rig.gateway.order == ["gate"]


async def test_a_refusal_keeps_the_headers_gathered_before_it(rig: Rig) -> None:
    async with rig.session.post(rig.url + "/place") as resp:
        assert resp.status == 401
        assert resp.headers["X-Toy"] == "401"
        assert await resp.json() == {"code": 401}
    assert rig.gateway.placed == 0


async def test_error_before_answers_in_the_venue_body_and_processes_nothing(rig: Rig) -> None:
    rig.faults.arm("POST /place", ErrorBefore(429, -1, "slow down", retry_after=1.5))
    async with rig.session.post(rig.url + "/place", headers={"X-Key": "k"}) as resp:
        assert resp.status == 429
        assert resp.headers["Retry-After"] == "2"
        assert await resp.json() == {"code": -1, "msg": "slow down", "toy": True}
    assert rig.gateway.placed == 0
    assert rig.faults.seen["POST /place"] == 1


async def test_error_after_processes_the_request_then_answers_the_error(rig: Rig) -> None:
    rig.faults.arm("POST /place", ErrorAfter(503, "-1000", "unknown"))
    async with rig.session.post(rig.url + "/place", headers={"X-Key": "k"}) as resp:
        assert resp.status == 503
        assert await resp.json() == {"code": "-1000", "msg": "unknown", "toy": True}
    assert rig.gateway.placed == 1
