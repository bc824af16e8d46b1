"""Server side of an emulator WebSocket: one accepted connection and the live registry.

Venue-neutral: a venue skin accepts the socket, wraps it in a `StreamConnection`, hands
`serve` its text handler and calls `send` with frames it already encoded (each event is
encoded once and the same bytes go to every subscriber). The connection owns what every
venue's socket does alike: a bounded outgoing queue written by one task, protocol-level
ping frames on a timer, pongs echoing client pings, and the stream faults of
`StreamFaultPlan` (depth frames dropped / duplicated / reordered, silence).

The server socket must be prepared with `autoping=False`: aiohttp would otherwise answer
pings itself, and a silenced connection has to stop answering for real.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Literal, Protocol

from aiohttp import WSMsgType, web

log = logging.getLogger("tradeport.emulator.ws")

Frame = str | bytes
TextHandler = Callable[["StreamConnection", str], Awaitable[None]]

# Close codes (RFC 6455 §7.4.1): 1008 policy violation is what a venue sends a client that
# cannot keep up or breaks its message limits; 1001 "going away" is a server shutting down.
POLICY_VIOLATION = 1008
GOING_AWAY = 1001
DEFAULT_MAX_QUEUE = 10_000
FLUSH_TIMEOUT = 1.0  # how long a flushing close waits for the queue to be written

_ids = itertools.count(1)
DepthAction = Literal["drop", "duplicate", "reorder"]
_COUNTED = frozenset({WSMsgType.TEXT, WSMsgType.PING, WSMsgType.PONG})


class FrameFaults(Protocol):
    """What a connection asks of the stream fault plan (`StreamFaultPlan`) per frame."""

    def take_depth(self, name: str, symbol: str) -> DepthAction | None: ...

    def is_silenced(self, name: str) -> bool: ...


class StreamConnection:
    """One accepted server-side WebSocket.

    `name` identifies the connection to faults, which match it by prefix (a skin names
    them e.g. "spot:/stream" or "futures:/public/ws"). `send` never blocks: frames wait in
    a queue of at most `max_queue` frames and a reader that lets it overflow is closed
    with 1008, as a venue drops a client it cannot serve.
    """

    def __init__(
        self,
        ws: web.WebSocketResponse,
        *,
        name: str,
        faults: FrameFaults,
        ping_interval: float | None,
        max_queue: int = DEFAULT_MAX_QUEUE,
        incoming_limit: int | None = None,
        pong_timeout: float | None = None,
    ) -> None:
        """`incoming_limit`: client frames (text, ping, pong) allowed per second; one more
        closes the connection with 1008, as Binance does past its 5 (spot) or 10
        (USDⓈ-M) messages per second. `pong_timeout`: seconds without a pong echoing one
        of our pings after which the connection is closed (Binance: 1 min spot, 10 min
        USDⓈ-M; unsolicited pongs do not count). `ping_interval` None: the server sends no
        protocol pings (venues whose heartbeat is an application message, e.g. Bybit)."""
        if ping_interval is not None and ping_interval <= 0:
            raise ValueError(f"ping_interval must be positive, not {ping_interval}")
        if max_queue < 1:
            raise ValueError(f"max_queue must be at least 1, not {max_queue}")
        self.id = next(_ids)
        self.name = name
        self.closed = False
        self.ws = ws
        self.faults = faults
        self.ping_interval = ping_interval
        self.max_queue = max_queue
        self.incoming_limit = incoming_limit
        self.pong_timeout = pong_timeout
        self._last_pong = time.monotonic()
        self._incoming: deque[float] = deque()
        self.pings_sent = 0
        self.pongs_received = 0
        self.frames_received = 0  # every client frame read, answered or not
        self._queue: deque[Frame] = deque()
        self._ready = asyncio.Event()
        self._idle = asyncio.Event()  # set by the writer whenever it has nothing to send
        self._writing = False
        # reorder fault: a depth frame held back until the next one of its symbol passes it
        self._held: dict[str, Frame] = {}
        self._closing: asyncio.Task[None] | None = None

    def __repr__(self) -> str:
        return f"StreamConnection(id={self.id}, name={self.name!r}, closed={self.closed})"

    @property
    def silenced(self) -> bool:
        return self.faults.is_silenced(self.name)

    @property
    def queued(self) -> int:
        return len(self._queue)

    def send(self, frame: Frame, *, depth_symbol: str | None = None) -> None:
        """Queue `frame`. Frames of a depth diff / partial book stream name their symbol in
        `depth_symbol` so the drop / duplicate / reorder faults can apply to them."""
        if self.closed or self._closing is not None:
            return
        if self.silenced:
            return  # a silent venue sends nothing: the frames are lost, not delayed
        if depth_symbol is None:
            self._enqueue(frame)
            return
        for out in self._shape_depth(depth_symbol, frame):
            self._enqueue(out)

    async def serve(self, on_text: TextHandler) -> None:
        """Read client frames until the socket closes, passing text frames to `on_text`;
        writes queued frames and sends pings meanwhile. Returns once the socket is closed."""
        writer = asyncio.create_task(self._write_loop(), name=f"ws-writer-{self.id}")
        pinger = asyncio.create_task(self._ping_loop(), name=f"ws-pinger-{self.id}")
        try:
            async for msg in self.ws:
                self.frames_received += 1
                if self._over_incoming_limit(msg.type):
                    # answers already queued go out first, then the close
                    await self._drained(writer)
                    await self.close(POLICY_VIOLATION, b"too many messages")
                    break
                if msg.type == WSMsgType.TEXT:
                    await on_text(self, msg.data)
                elif msg.type == WSMsgType.PING:
                    if not self.silenced:
                        await self.ws.pong(msg.data)
                elif msg.type == WSMsgType.PONG:
                    self.pongs_received += 1
                    if msg.data == str(self.pings_sent).encode():
                        self._last_pong = time.monotonic()
                elif msg.type == WSMsgType.ERROR:
                    log.info("%s: socket error %s", self.name, self.ws.exception())
                    break
                # binary frames from a client are not part of any venue protocol here
        finally:
            self.closed = True
            for task in (writer, pinger):
                task.cancel()
            await asyncio.gather(writer, pinger, return_exceptions=True)
            if self._closing is not None and not self._closing.done():
                await self._closing
            if not self.ws.closed:
                await self.ws.close()

    async def close(self, code: int = 1000, message: bytes = b"", *, flush: bool = False) -> None:
        """Close the socket; with `flush`, the frames already queued (a venue's last
        notice) are written first, for at most FLUSH_TIMEOUT seconds."""
        if flush and not self.closed:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(FLUSH_TIMEOUT):
                    while (self._queue or self._writing) and not self.ws.closed:
                        self._idle.clear()
                        await self._idle.wait()
        self.closed = True
        self._ready.set()
        if not self.ws.closed:
            await self.ws.close(code=code, message=message)

    # -- internals ---------------------------------------------------------------------
    def _over_incoming_limit(self, kind: WSMsgType) -> bool:
        if self.incoming_limit is None or kind not in _COUNTED:
            return False
        now = time.monotonic()
        self._incoming.append(now)
        while self._incoming and self._incoming[0] <= now - 1.0:
            self._incoming.popleft()
        return len(self._incoming) > self.incoming_limit

    def _enqueue(self, frame: Frame) -> None:
        if len(self._queue) >= self.max_queue:
            log.info("%s: reader too slow (%d frames queued); closing", self.name, self.max_queue)
            self._queue.clear()
            self._closing = asyncio.get_running_loop().create_task(
                self.close(POLICY_VIOLATION, b"queue overflow")
            )
            return
        self._queue.append(frame)
        self._ready.set()

    def _shape_depth(self, symbol: str, frame: Frame) -> list[Frame]:
        held = self._held.pop(symbol, None)
        action = self.faults.take_depth(self.name, symbol)
        if action == "drop":
            out: list[Frame] = []
        elif action == "duplicate":
            out = [frame, frame]
        elif action == "reorder":
            self._held[symbol] = frame
            out = []
        else:
            out = [frame]
        if held is not None:
            out.append(held)
        return out

    def _pong_overdue(self) -> bool:
        if self.pong_timeout is None:
            return False
        return time.monotonic() - self._last_pong > self.pong_timeout

    async def _drained(self, writer: asyncio.Task[None]) -> None:
        while not writer.done() and (self._queue or self._writing):
            self._idle.clear()
            await self._idle.wait()

    async def _write_loop(self) -> None:
        try:
            while not self.closed:
                self._writing = False
                self._idle.set()
                await self._ready.wait()
                self._ready.clear()
                self._writing = True
                await self._write_queued()
        finally:
            self._writing = False
            self._idle.set()  # nobody waits for a writer that has stopped

    async def _write_queued(self) -> None:
        while self._queue and not self.closed:
            frame = self._queue.popleft()
            if self.silenced:
                continue
            try:
                if isinstance(frame, str):
                    await self.ws.send_str(frame)
                else:
                    await self.ws.send_bytes(frame)
            except ConnectionResetError:
                # the client went away; the reader loop sees the close and ends serve()
                self.closed = True
                return

    async def _ping_loop(self) -> None:
        if self.ping_interval is None:
            return
        while not self.closed:
            await asyncio.sleep(self.ping_interval)
            if self.silenced or self.closed:
                continue
            if self._pong_overdue():
                log.info("%s: no pong for %.1f s; closing", self.name, self.pong_timeout)
                await self.close(POLICY_VIOLATION, b"pong timeout")
                return
            self.pings_sent += 1
            try:
                await self.ws.ping(str(self.pings_sent).encode())
            except ConnectionResetError:
                return


class StreamConnections:
    """The registry of live connections, so faults can reach them by name prefix."""

    def __init__(self) -> None:
        self._live: dict[int, StreamConnection] = {}

    def __len__(self) -> int:
        return len(self._live)

    def add(self, conn: StreamConnection) -> None:
        self._live[conn.id] = conn

    def discard(self, conn: StreamConnection) -> None:
        self._live.pop(conn.id, None)

    def matching(self, prefix: str = "") -> list[StreamConnection]:
        return [c for c in self._live.values() if c.name.startswith(prefix) and not c.closed]

    async def close_all(self, code: int = GOING_AWAY, prefix: str = "") -> int:
        """Close every live connection whose name starts with `prefix`; returns how many."""
        conns = self.matching(prefix)
        await asyncio.gather(*(c.close(code) for c in conns))
        return len(conns)
