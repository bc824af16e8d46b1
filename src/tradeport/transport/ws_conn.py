"""One physical WebSocket connection: reading, pacing, heartbeats and the watchdog.

The connection knows nothing of topics or reconnects: it reads frames, hands data to
the sink, resolves request acks, answers server pings, pings the server, and declares
itself finished (`done`) when the socket ends or falls silent. Its owner
(`transport/ws_slot.py`) decides what to do next.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import aiohttp

from tradeport.model.errors import Disconnected, MalformedMessage, NetworkError, RequestTimeout
from tradeport.transport.redact import redact
from tradeport.transport.ws_endpoint import (
    Ack,
    Answer,
    Pong,
    Reconnect,
    Sink,
    WsEndpoint,
    WsStats,
)

log = logging.getLogger("tradeport.transport.ws")

# how long a close handshake may take before the socket is simply dropped
CLOSE_TIMEOUT = 1.0

_END = (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED)


class SendPacer:
    """Spaces client frames at most `rate` per second on one connection.

    A token bucket holding one token: frames leave 1/rate apart, so no one-second
    window sees more than `rate` of them (Binance counts pings, pongs and control
    messages against 5/s spot, 10/s USDⓈ-M per connection, PROTOCOLS.md §1.4, §2.4).
    """

    def __init__(self, rate: float) -> None:
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0  # loop time at which the next frame may leave
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        """Wait for this frame's turn (first come, first served)."""
        loop = asyncio.get_running_loop()
        async with self._lock:
            # re-check after each sleep: `take_now` may have pushed the slot out
            while (delay := self._next - loop.time()) > 0:
                await asyncio.sleep(delay)
            self._next = loop.time() + self._interval

    def take_now(self) -> None:
        """Spend the next slot for a frame that cannot queue (a pong): later frames wait
        longer instead, so the budget still holds."""
        now = asyncio.get_running_loop().time()
        self._next = max(now, self._next) + self._interval


class WsConnection:
    """One open socket to a venue. Created and owned by the engine; venues see it in
    `WsEndpoint.on_open` (to authenticate through `request`)."""

    def __init__(
        self,
        endpoint: WsEndpoint,
        sink: Sink,
        stats: WsStats,
        *,
        serial: int,
        on_move: Callable[[WsConnection, Reconnect], None],
        on_done: Callable[[WsConnection], None],
    ) -> None:
        self.endpoint = endpoint
        self.serial = serial
        self.topics: set[str] = set()  # topics the venue confirmed on this socket
        self.opened_at = 0.0  # loop time
        self.last_frame_at = 0.0  # loop time of the last frame of any kind
        self.done = asyncio.Event()  # set when the socket ended, fell silent or was closed
        self.reason = ""  # why it is done
        self._sink = sink
        self._stats = stats
        self._on_move = on_move
        self._on_done = on_done
        self._pacer = SendPacer(endpoint.max_sends_per_second)
        # a venue whose frames come compressed turns each into text once, here
        self._decode: Callable[[str | bytes], str | bytes] | None = getattr(
            endpoint, "decode_frame", None
        )
        self._pending: dict[int | str, asyncio.Future[Ack]] = {}
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._closed = False

    def __repr__(self) -> str:
        return f"WsConnection({self.endpoint.name}#{self.serial}, topics={len(self.topics)})"

    # -- life ------------------------------------------------------------------------
    async def open(self, session: aiohttp.ClientSession) -> None:
        """Connect and start reading; raises a `NetworkError` if the venue is unreachable."""
        name = self.endpoint.name
        url = await self.endpoint.url()
        timeout = aiohttp.ClientWSTimeout(ws_receive=None, ws_close=CLOSE_TIMEOUT)
        try:
            # autoping off: we answer pings ourselves so that they count as liveness
            self._ws = await session.ws_connect(
                url, autoping=False, autoclose=True, heartbeat=None, timeout=timeout
            )
        except aiohttp.WSServerHandshakeError as exc:
            raise NetworkError(
                f"websocket handshake refused: {exc.status} {exc.message}",
                venue=name,
                code=exc.status,
                raw_message=exc.message,
            ) from None  # aiohttp's exception holds the URL, which may hold a listen key
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            raise Disconnected(f"cannot connect: {redact(repr(exc))}", venue=name) from None
        loop = asyncio.get_running_loop()
        self.opened_at = self.last_frame_at = loop.time()
        self._tasks.append(loop.create_task(self._read(), name=f"ws-read {self!r}"))
        self._tasks.append(loop.create_task(self._watch(), name=f"ws-watchdog {self!r}"))
        if self.endpoint.ping_interval:
            self._tasks.append(loop.create_task(self._ping(), name=f"ws-ping {self!r}"))

    async def close(self) -> None:
        """Stop every task of this connection and close the socket (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._finish("closed by the client")
        current = asyncio.current_task()
        tasks = [t for t in self._tasks if t is not current]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._ws is not None:
            await self._ws.close()

    def _finish(self, reason: str) -> None:
        if self.done.is_set():
            return
        self.reason = reason
        self.done.set()
        for request_id, future in self._pending.items():
            if not future.done():
                future.set_exception(
                    Disconnected(
                        f"connection ended before request {request_id!r} was answered: {reason}",
                        venue=self.endpoint.name,
                    )
                )
        self._pending.clear()
        self._on_done(self)

    # -- sending ---------------------------------------------------------------------
    async def send(self, frame: str) -> None:
        """Send one text frame, paced by `max_sends_per_second`."""
        await self._pacer.wait()
        ws = self._live()
        try:
            await ws.send_str(frame)
        except (aiohttp.ClientError, ConnectionError) as exc:
            self._finish(f"send failed: {exc!r}")
            raise Disconnected(f"send failed: {exc!r}", venue=self.endpoint.name) from exc
        self._stats.sends += 1

    async def request(self, frame: str, request_id: int | str, timeout: float = 10.0) -> Ack:
        """Send a frame and wait for the venue's response to `request_id`.

        Raises `RequestTimeout` if no response comes within `timeout` (counted from the
        moment the frame left), `Disconnected` if the connection ends first.
        """
        future: asyncio.Future[Ack] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        try:
            await self.send(frame)
            try:
                async with asyncio.timeout(timeout):
                    ack = await future
            except TimeoutError:
                raise RequestTimeout(
                    f"no response to request {request_id!r} within {timeout} s",
                    venue=self.endpoint.name,
                ) from None
        finally:
            if self._pending.get(request_id) is future:
                del self._pending[request_id]
            if future.done() and not future.cancelled():
                # the connection ended while the frame waited to be sent: the send
                # raised already, this copy of the error is not news
                future.exception()
        if ack.error is not None:
            self._stats.acks_failed += 1
        return ack

    def _live(self) -> aiohttp.ClientWebSocketResponse:
        if self._ws is None or self.done.is_set():
            raise Disconnected(
                f"connection is closed ({self.reason or 'not open'})", venue=self.endpoint.name
            )
        return self._ws

    # -- tasks -----------------------------------------------------------------------
    async def _read(self) -> None:
        ws = self._live()
        loop = asyncio.get_running_loop()
        try:
            while True:
                msg = await ws.receive()
                local_ts = time.time_ns()
                self.last_frame_at = loop.time()
                kind = msg.type
                if kind is aiohttp.WSMsgType.TEXT or kind is aiohttp.WSMsgType.BINARY:
                    answer = self._on_frame(msg.data, local_ts)
                    if answer is not None:
                        # the venue's heartbeat: like a pong, it takes the next slot
                        self._pacer.take_now()
                        await ws.send_str(answer)
                        self._stats.sends += 1
                        self._stats.pings_answered += 1
                elif kind is aiohttp.WSMsgType.PING:
                    # the pong must echo the ping payload (Binance §1.4); it cannot
                    # queue behind subscribe frames, so it takes the next send slot
                    self._pacer.take_now()
                    await ws.pong(msg.data)
                    self._stats.sends += 1
                    self._stats.pings_answered += 1
                elif kind is aiohttp.WSMsgType.PONG:
                    continue  # liveness only, recorded above
                elif kind in _END:
                    self._finish(f"closed by the venue (code {ws.close_code})")
                    return
                else:  # ERROR
                    self._finish(f"socket error: {ws.exception()!r}")
                    return
        except (aiohttp.ClientError, ConnectionError) as exc:
            self._finish(f"socket error: {exc!r}")

    def _on_frame(self, data: str | bytes, local_ts: int) -> str | None:
        """Hand a data frame to the sink or act on a control one; returns the frame to
        answer the venue's own heartbeat with, if it was one."""
        try:
            if self._decode is not None:
                data = self._decode(data)
            control = self.endpoint.classify(data)
            if control is None:
                self._stats.frames += 1
                self._sink(data, local_ts)
            elif isinstance(control, Ack):
                self._resolve(control)
            elif isinstance(control, Pong):
                self._stats.pongs += 1  # liveness was recorded when the frame was read
            elif isinstance(control, Answer):
                return control.frame
            else:
                self._on_move(self, control)
        except MalformedMessage as exc:
            # the venue's frame, not our code: one line says what did not read
            self._stats.sink_errors += 1
            log.warning("%s: unreadable frame dropped: %s", self.endpoint.name, exc)
        except Exception:
            # a consumer bug must not cost every other topic on this socket its data
            self._stats.sink_errors += 1
            log.exception("%s: frame handler raised; frame dropped", self.endpoint.name)
        return None

    def _resolve(self, ack: Ack) -> None:
        future = self._pending.pop(ack.request_id, None)
        if future is None or future.done():
            self._stats.unmatched_acks += 1
            log.debug("%s: response to no pending request: %r", self.endpoint.name, ack)
            return
        future.set_result(ack)

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        timeout = self.endpoint.silence_timeout
        while (remaining := self.last_frame_at + timeout - loop.time()) > 0:
            await asyncio.sleep(remaining)
        self._stats.watchdog_replacements += 1
        log.warning(
            "%s: no frame for %.1f s on connection #%d; replacing it",
            self.endpoint.name,
            timeout,
            self.serial,
        )
        self._finish(f"silent for {timeout} s")

    async def _ping(self) -> None:
        interval = self.endpoint.ping_interval or 0.0
        # a venue whose heartbeat is a text frame (Bybit {"op":"ping"}) names it
        text_ping: Callable[[], str] | None = getattr(self.endpoint, "ping_frame", None)
        ws = self._live()
        count = 0
        while True:
            await asyncio.sleep(interval)
            await self._pacer.wait()
            count += 1
            try:
                if text_ping is not None:
                    await ws.send_str(text_ping())
                else:
                    await ws.ping(str(count).encode())
            except (aiohttp.ClientError, ConnectionError) as exc:
                self._finish(f"ping failed: {exc!r}")
                return
            self._stats.sends += 1
