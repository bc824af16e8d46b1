"""Keep-alive HTTP/1.1 connections as asyncio Protocols, and a bounded pool per origin.

A connection carries one request at a time (no pipelining). The pool hands out the
most recently used idle connection first (LIFO): under light load the same few sockets
stay warm and the rest age out, instead of every socket going stale in turn.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import deque

from tradeport.model.errors import Disconnected
from tradeport.transport.h1_response import MalformedResponse, ResponseParser


class ClosedEarly(Exception):
    """The connection ended before a whole response arrived.

    `received_any` tells whether any response byte came first: when none did on a
    connection that had served earlier requests, the server most likely closed it while
    it sat idle, before reading this request."""

    def __init__(self, message: str, *, received_any: bool) -> None:
        super().__init__(message)
        self.received_any = received_any


class Connection(asyncio.Protocol):
    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self.transport: asyncio.Transport | None = None
        self._parser: ResponseParser | None = None
        self._waiter: asyncio.Future[ResponseParser] | None = None
        self.usable = True  # false once the peer closed, an error hit, or framing broke
        self.served = 0  # responses completed on this connection
        self.idle_since = 0.0
        self.closed: asyncio.Future[None] = loop.create_future()

    # -- asyncio.Protocol --------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        parser = self._parser
        if parser is None:
            # bytes nobody asked for: the stream is out of step, so it cannot carry
            # another request
            self.usable = False
            self.abort()
            return
        try:
            done = parser.feed(data)
        except MalformedResponse as exc:
            self._fail(ClosedEarly(f"malformed response: {exc}", received_any=True))
            self.abort()
            return
        if done:
            self._complete(parser)

    def eof_received(self) -> bool:
        self.usable = False
        self._ended(None)
        return False  # let the transport close itself

    def connection_lost(self, exc: Exception | None) -> None:
        self.usable = False
        self._ended(exc)
        if not self.closed.done():
            self.closed.set_result(None)

    # -- one exchange ------------------------------------------------------------------
    def send(self, data: bytes, *, head_request: bool) -> asyncio.Future[ResponseParser]:
        """Write one request; the future holds the parsed response."""
        waiter: asyncio.Future[ResponseParser] = self._loop.create_future()
        if not self.usable or self.transport is None or self.transport.is_closing():
            waiter.set_exception(ClosedEarly("connection already closed", received_any=False))
            return waiter
        self._parser = ResponseParser(head_request=head_request)
        self._waiter = waiter
        # a write to a socket the peer has reset fails later, through connection_lost
        self.transport.write(data)
        return waiter

    def abort(self) -> None:
        self.usable = False
        if self.transport is not None:
            self.transport.abort()

    def _complete(self, parser: ResponseParser) -> None:
        self._parser = None
        self.served += 1
        if not parser.keep_alive:
            self.usable = False
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(parser)

    def _ended(self, exc: Exception | None) -> None:
        parser = self._parser
        if parser is None:
            return
        if exc is None and parser.reads_until_close and parser.feed_eof():
            self._complete(parser)
            return
        reason = f"connection lost: {exc}" if exc else "connection closed by the server"
        where = "mid-response" if parser.received_any else "before any response byte"
        self._fail(ClosedEarly(f"{reason} {where}", received_any=parser.received_any))

    def _fail(self, exc: ClosedEarly) -> None:
        self._parser = None
        self.usable = False
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)


class Pool:
    """At most `limit` connections to one (scheme, host, port): idle, busy or opening."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        ssl_context: ssl.SSLContext | None,
        limit: int,
        keepalive_timeout: float,
    ) -> None:
        self.host = host
        self.port = port
        self._ssl = ssl_context
        self.limit = limit
        self._keepalive = keepalive_timeout
        self._idle: list[Connection] = []
        self._open = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._closed = False
        self._all: set[Connection] = set()

    @property
    def open_connections(self) -> int:
        return self._open

    @property
    def idle_connections(self) -> int:
        return len(self._idle)

    async def acquire(self, *, fresh: bool = False) -> tuple[Connection, bool]:
        """A connection and whether it served requests before. `fresh` skips idle ones:
        for the one retry after a stale connection."""
        first = True
        while True:
            if self._closed:
                raise Disconnected(f"connection pool for {self.host}:{self.port} is closed")
            if not fresh:
                conn = self._pop_idle()
                if conn is not None:
                    return conn, True
            elif self._open >= self.limit and self._idle:
                self._discard(self._idle.pop(0))  # the oldest idle one gives up its slot
            if self._open < self.limit:
                return await self._connect(), False
            await self._wait_turn(first)
            first = False

    def release(self, conn: Connection, *, reuse: bool) -> None:
        if reuse and conn.usable and not self._closed:
            conn.idle_since = time.monotonic()
            self._idle.append(conn)
        else:
            self._discard(conn)
        self._wake()

    def drop_idle_older_than(self, moment: float) -> None:
        """After one stale connection, those idle as long or longer are likely stale too."""
        keep = [c for c in self._idle if c.idle_since > moment]
        for conn in self._idle:
            if conn.idle_since <= moment:
                self._discard(conn)
        self._idle = keep

    async def close(self) -> None:
        self._closed = True
        for conn in list(self._all):
            conn.abort()
        self._idle.clear()
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
        # abort() schedules connection_lost on the next loop pass: wait for it, so no
        # socket outlives the client
        await asyncio.gather(*(c.closed for c in list(self._all)))

    # -- internals ---------------------------------------------------------------------
    def _pop_idle(self) -> Connection | None:
        now = time.monotonic()
        while self._idle:
            conn = self._idle.pop()
            transport = conn.transport
            fresh_enough = now - conn.idle_since < self._keepalive
            if (
                conn.usable
                and fresh_enough
                and transport is not None
                and not transport.is_closing()
            ):
                return conn
            self._discard(conn)
        return None

    async def _connect(self) -> Connection:
        self._open += 1
        loop = asyncio.get_running_loop()
        try:
            _, conn = await loop.create_connection(
                lambda: Connection(loop),
                self.host,
                self.port,
                ssl=self._ssl,
                server_hostname=self.host if self._ssl is not None else None,
            )
        except BaseException:
            self._open -= 1
            self._wake()
            raise
        self._all.add(conn)
        conn.closed.add_done_callback(lambda _: self._all.discard(conn))
        return conn

    def _discard(self, conn: Connection) -> None:
        self._open -= 1
        if conn.transport is not None and not conn.transport.is_closing():
            conn.transport.close()

    async def _wait_turn(self, first: bool) -> None:
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        # a task woken but beaten to the slot keeps its place at the head of the queue
        if first:
            self._waiters.append(waiter)
        else:
            self._waiters.appendleft(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._wake()  # woken and cancelled at once: hand the turn on
            raise

    def _wake(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
