"""The REST host every venue emulator serves through (DESIGN.md "The venue kit").

One catch-all route takes every request that is not a WebSocket or admin path. The
fault plan (`faults.py`) is asked first and may take the request over: late answers,
errors before or after the request is processed, a dropped connection, an answer held
past the client's timeout. Then the venue's `Gateway` runs the request in the venue's
own order of checks: its IP gate, the route from its table (method + path), its
parameters, signature and limits (`call`), the handler, and the answer in the venue's
envelope, a refusal in the envelope of the venue's own error code.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar, assert_never

import msgspec
from aiohttp import web
from multidict import CIMultiDictProxy

from tradeport.emulator.accounts import AccountRef
from tradeport.emulator.faults import (
    DropAfter,
    ErrorAfter,
    ErrorBefore,
    Fault,
    FaultPlan,
    GarbledAfter,
    Latency,
    TimeoutAfter,
)
from tradeport.emulator.host.clock import ServerClock
from tradeport.emulator.server import OVERSIZED

C = TypeVar("C")
E = TypeVar("E", bound="ApiError")
P = TypeVar("P")
Headers = dict[str, str]


def json_response(payload: object, status: int, headers: Headers | None = None) -> web.Response:
    return web.Response(
        body=msgspec.json.encode(payload),
        status=status,
        content_type="application/json",
        headers=headers,
    )


# what a proxy in front of the venue answers with when the venue behind it failed
_PROXY_PAGE = b"<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>"


def garbled(answer: web.Response, kind: str) -> web.Response:
    """An HTTP 200 the client cannot read, sent in place of `answer` (already made, so
    the request was processed): a proxy's HTML page, or the answer cut short."""
    if kind == "html":
        return web.Response(body=_PROXY_PAGE, status=200, content_type="text/html")
    body = answer.body if isinstance(answer.body, bytes) else b"{}"
    return web.Response(body=body[: len(body) // 2], status=200, content_type="application/json")


class ApiError(Exception):
    """A venue's refusal: its HTTP `status` and the `headers` the answer carries (e.g.
    Retry-After, limit headers). A venue's error class adds its code and envelope."""

    def __init__(
        self, message: str, *, status: int, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.headers = dict(headers or {})


@dataclass(frozen=True)
class Route(Generic[C]):
    """One endpoint: the handler of the venue's call object `C` and how it is guarded."""

    handler: Callable[[C], object]
    signed: bool = False  # key, signature over the received bytes and timestamp checked
    key_only: bool = False  # the API key alone, no signature (Binance USER_STREAM)
    order_entry: bool = False  # counts toward the venue's order-rate budget
    trade: bool = False  # the answer carries the gateway's in / out times (OKX inTime)


@dataclass(frozen=True)
class Call(Generic[P]):
    """One request after the gateway's checks, as a handler receives it: the venue's
    parameters `P`, the server clock and the caller (set on signed endpoints)."""

    params: P
    now_ms: int
    caller: AccountRef | None = None

    def unauthenticated(self) -> Exception:
        """What a handler needing the caller raises on a call without one (the venue's
        error for a missing key; here, a bug in the route table)."""
        return RuntimeError("a public endpoint has no account")

    @property
    def account(self) -> AccountRef:
        if self.caller is None:
            raise self.unauthenticated()
        return self.caller

    @property
    def account_id(self) -> str:
        return self.account.engine_id


@dataclass(frozen=True)
class Incoming:
    """One request as received: the raw query and body are what a signature covers."""

    method: str
    path: str
    raw_path: str  # path and raw query, as sent
    raw_body: bytes
    headers: CIMultiDictProxy[str]
    remote: str
    now_ms: int  # server clock when the request arrived
    received_us: int

    @property
    def endpoint(self) -> str:
        """ "METHOD /path", the key of a route table."""
        return f"{self.method} {self.path}"

    @property
    def raw_query(self) -> str:
        return self.raw_path.partition("?")[2]

    @property
    def body_text(self) -> str:
        return self.raw_body.decode("utf-8", "surrogateescape")


class Gateway(ABC, Generic[C, E]):
    """A venue's side of the REST host: its routes, its checks, its error class `E` and
    its envelopes."""

    routes: dict[str, Route[C]]
    error_type: type[E]

    def gate(self, incoming: Incoming) -> None:
        """Checks made before the route is looked up (a per-IP budget); none by default."""

    def table(self, incoming: Incoming) -> Mapping[str, Route[C]] | None:
        """The route table serving `incoming` (a venue with one table per host or
        market picks it here); None: no table, the path is not found."""
        return self.routes

    def route(self, incoming: Incoming) -> Route[C]:
        table = self.table(incoming)
        route = None if table is None else table.get(incoming.endpoint)
        if route is None:
            raise self.not_found(incoming)
        return route

    @abstractmethod
    def not_found(self, incoming: Incoming) -> E: ...

    @abstractmethod
    def call(self, incoming: Incoming, route: Route[C], headers: Headers) -> C:
        """Parameters, the signature check and the limits, in the venue's order; the
        limit headers go into `headers`."""

    @abstractmethod
    def respond(
        self, result: object, route: Route[C], call: C, incoming: Incoming, headers: Headers
    ) -> web.Response:
        """The handler's result in the venue's envelope."""

    @abstractmethod
    def refuse(self, error: E, incoming: Incoming, headers: Headers) -> web.Response:
        """A refusal in the venue's envelope."""

    @abstractmethod
    def fault_body(self, code: int | str, msg: str, now_ms: int) -> object:
        """The venue's error body for an injected error fault."""

    def oversized(self, incoming: Incoming) -> E | None:
        """The venue's refusal of a body over the server's size limit (HTTP 413); None:
        a plain 413 answer."""
        return None


class RestHost(Generic[C, E]):
    def __init__(self, gateway: Gateway[C, E], faults: FaultPlan, clock: ServerClock) -> None:
        self.gateway = gateway
        self.faults = faults
        self.clock = clock

    def install(self, app: web.Application) -> None:
        """Add the catch-all route; call after the WebSocket and admin routes."""
        app.router.add_route("*", "/{tail:.*}", self.dispatch)

    async def dispatch(self, request: web.Request) -> web.Response:
        fault = self.faults.take(request.method, request.path)
        if fault is None:
            return await self.answer(request)
        return await self._answer_with_fault(request, fault)

    async def answer(self, request: web.Request) -> web.Response:
        received_us = self.clock.now_us()
        now = self.clock.now_ms()
        oversized = bool(request.get(OVERSIZED))
        incoming = Incoming(
            method=request.method,
            path=request.path,
            raw_path=request.raw_path,
            raw_body=b"" if oversized else await request.read(),
            headers=request.headers,
            remote=request.remote or "unknown",
            now_ms=now,
            received_us=received_us,
        )
        gateway = self.gateway
        headers: Headers = {}
        if oversized:
            refusal = gateway.oversized(incoming)
            if refusal is None:
                return json_response({"error": "request body too large"}, 413)
            refusal.status = 413
            return gateway.refuse(refusal, incoming, headers)
        try:
            gateway.gate(incoming)
            route = gateway.route(incoming)
            call = gateway.call(incoming, route, headers)
            result = route.handler(call)
            return gateway.respond(result, route, call, incoming, headers)
        except gateway.error_type as exc:
            return gateway.refuse(exc, incoming, headers)

    async def _answer_with_fault(self, request: web.Request, fault: Fault) -> web.Response:
        match fault:
            case Latency():
                await self.faults.hold(fault.seconds)
                return await self.answer(request)
            case ErrorBefore():
                await request.read()  # drained, so the connection stays usable
                headers: Headers = {}
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
                await self.faults.hold(fault.seconds)
                return answer
            case GarbledAfter():
                return garbled(await self.answer(request), fault.body)
            case _:
                assert_never(fault)

    def _fault_answer(
        self, code: int | str, msg: str, status: int, headers: Headers
    ) -> web.Response:
        body = self.gateway.fault_body(code, msg, self.clock.now_ms())
        return json_response(body, status, headers or None)
