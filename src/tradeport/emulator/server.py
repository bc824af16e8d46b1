"""Host an aiohttp application on a loopback port inside the running event loop.

Venue-neutral: every venue emulator builds its own `web.Application` and hands it here.
The server guards itself against clients that connect and never finish a request: a
request's headers must arrive within `ServerLimits.header_timeout`, its body within
`body_timeout`, and past `max_waiting` connections still sending headers the oldest is
closed, so half-sent requests cannot use up the process's sockets and stop it
answering everyone else.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Handler
from aiohttp.web_protocol import RequestHandler

# set on a request whose body is over `ServerLimits.max_body`; the REST host answers it
# in the venue's own words (the body is not read)
OVERSIZED = web.RequestKey("tradeport.oversized", bool)


@dataclass(frozen=True)
class ServerLimits:
    """How much a client may send, and how slowly, before the server stops waiting."""

    header_timeout: float = 10.0  # s from connecting (or the first byte of a next request)
    body_timeout: float = 30.0  # s to receive a request's body once its headers arrived
    keepalive_timeout: float = 75.0  # s an idle keep-alive connection is kept
    max_waiting: int = 512  # connections still sending headers; the oldest goes past it
    max_body: int = 1024 * 1024  # bytes
    max_line_size: int = 8190  # request line and header lines, bytes
    max_field_size: int = 8190
    max_headers: int = 100

    def __post_init__(self) -> None:
        for name in ("header_timeout", "body_timeout", "keepalive_timeout"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, not {getattr(self, name)}")
        for name in ("max_waiting", "max_body", "max_line_size", "max_field_size", "max_headers"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, not {getattr(self, name)}")


class _Guard:
    """The connections still sending a request's headers, oldest first, each with the
    timer that closes it."""

    def __init__(self) -> None:
        self.limits = ServerLimits()
        self._waiting: OrderedDict[RequestHandler, asyncio.TimerHandle] = OrderedDict()
        self._busy: set[RequestHandler] = set()

    def __len__(self) -> int:
        return len(self._waiting)

    def expect_request(self, handler: RequestHandler) -> None:
        if handler in self._waiting or handler in self._busy:
            return
        while len(self._waiting) >= self.limits.max_waiting:
            oldest, timer = self._waiting.popitem(last=False)
            timer.cancel()
            _close(oldest)
        loop = asyncio.get_running_loop()
        self._waiting[handler] = loop.call_later(self.limits.header_timeout, self._expire, handler)

    def request_started(self, handler: RequestHandler) -> None:
        timer = self._waiting.pop(handler, None)
        if timer is not None:
            timer.cancel()
        self._busy.add(handler)

    def request_ended(self, handler: RequestHandler) -> None:
        self._busy.discard(handler)

    def gone(self, handler: RequestHandler) -> None:
        self._busy.discard(handler)
        timer = self._waiting.pop(handler, None)
        if timer is not None:
            timer.cancel()

    def _expire(self, handler: RequestHandler) -> None:
        if self._waiting.pop(handler, None) is not None:
            _close(handler)


def _close(handler: RequestHandler) -> None:
    if handler.transport is not None:
        handler.transport.close()


class _GuardedProtocol(asyncio.Protocol):
    """aiohttp's request handler, with the guard told when a connection starts sending
    a request and when it goes."""

    def __init__(self, handler: RequestHandler, guard: _Guard) -> None:
        self.handler = handler
        self.guard = guard

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.handler.connection_made(transport)
        self.guard.expect_request(self.handler)

    def data_received(self, data: bytes) -> None:
        self.guard.expect_request(self.handler)  # a next request on a kept-alive connection
        self.handler.data_received(data)

    def eof_received(self) -> None:
        self.handler.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self.guard.gone(self.handler)
        self.handler.connection_lost(exc)

    def pause_writing(self) -> None:
        self.handler.pause_writing()

    def resume_writing(self) -> None:
        self.handler.resume_writing()


class _GuardedSite(web.TCPSite):
    def __init__(self, runner: web.AppRunner, host: str, port: int, guard: _Guard) -> None:
        super().__init__(runner, host, port)
        self._guard = guard

    async def start(self) -> None:
        await web.BaseSite.start(self)
        server = self._runner.server
        assert server is not None
        guard = self._guard

        def protocol() -> _GuardedProtocol:
            return _GuardedProtocol(server(), guard)

        self._server = await asyncio.get_running_loop().create_server(
            protocol, self._host, self._port, reuse_address=True
        )


class EmulatorServer:
    """Start and stop one aiohttp application; `port=0` asks the OS for a free port."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self._runner: web.AppRunner | None = None
        self._guard = _Guard()
        self.host = ""
        self.port = 0
        app.middlewares.append(self._admit)

    @property
    def base_url(self) -> str:
        if self._runner is None:
            raise RuntimeError("the emulator server is not running; call start() first")
        return f"http://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._runner is not None

    @property
    def waiting(self) -> int:
        """Connections that have not finished sending a request's headers."""
        return len(self._guard)

    async def start(
        self, host: str = "127.0.0.1", port: int = 0, limits: ServerLimits | None = None
    ) -> str:
        """Bind and serve; returns the base URL, e.g. `http://127.0.0.1:40123`."""
        if self._runner is not None:
            raise RuntimeError(f"already serving on {self.base_url}")
        limits = limits or ServerLimits()
        self._guard.limits = limits
        runner = web.AppRunner(
            self.app,
            handle_signals=False,
            access_log=None,
            keepalive_timeout=limits.keepalive_timeout,
            max_line_size=limits.max_line_size,
            max_field_size=limits.max_field_size,
            max_headers=limits.max_headers,
        )
        await runner.setup()
        site = _GuardedSite(runner, host, port, self._guard)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        # the first bound socket tells the real port when port=0 was asked for
        bound = runner.addresses[0]
        self.host, self.port = host, int(bound[1])
        self._runner = runner
        return self.base_url

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    @web.middleware
    async def _admit(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """The headers are in: stop the header timer, then take the body (within its
        time and size) before the route's handler runs."""
        protocol = request.protocol
        self._guard.request_started(protocol)
        try:
            limits = self._guard.limits
            length = request.content_length
            if length is not None and length > limits.max_body:
                request[OVERSIZED] = True
            elif request.can_read_body:
                try:
                    async with asyncio.timeout(limits.body_timeout):
                        await request.read()
                except TimeoutError:
                    # a body that stopped arriving: nothing to answer, the socket goes
                    _close(protocol)
                    return web.Response(status=408)
                except web.HTTPRequestEntityTooLarge:
                    request[OVERSIZED] = True
            return await handler(request)
        finally:
            self._guard.request_ended(protocol)
