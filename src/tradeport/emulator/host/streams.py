"""The stream host every venue emulator serves its WebSocket paths through.

A venue's stream skin says which paths exist, how a client frame is answered (its
control messages: subscribe / unsubscribe, ping / pong, login) and what is pushed; the
host accepts the sockets as `StreamConnection`s (so stream faults and the venue's ping
rule apply), keeps them in the registry faults reach by name prefix, closes a
connection that stays silent past the venue's idle limit, runs the stream clocks and
closes every socket (1001) on stop. `Subscribers` is the per-topic fan-out the venues'
hubs share.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from aiohttp import web

from tradeport.emulator.stream_faults import StreamFaultPlan
from tradeport.emulator.ws import GOING_AWAY, StreamConnection, StreamConnections, TextHandler

K = TypeVar("K", bound=Hashable)
S = TypeVar("S", bound="Subscriber")
T = TypeVar("T")


class Subscriber(Protocol):
    @property
    def conn(self) -> StreamConnection: ...


@dataclass(eq=False)
class StreamSession:
    """One client connection of a stream skin; a venue's session adds its connection
    id, topics and login."""

    conn: StreamConnection

    @property
    def key(self) -> int:
        return self.conn.id

    def send(self, frame: str) -> None:
        self.conn.send(frame)


class Clocked(Protocol):
    """A venue's stream hub: `tick` pushes its timed topics, one step of stream time."""

    def tick(self) -> None: ...


@dataclass(frozen=True)
class IdleCutoff:
    """A venue closes a connection from which nothing arrived for `seconds` (Bybit 10
    minutes, OKX 30 s), with its close `code` and `reason`."""

    seconds: float
    code: int
    reason: bytes = b""


class StreamHost:
    """Accepted sockets of one stream skin, and its clock tasks."""

    def __init__(self, faults: StreamFaultPlan, connections: StreamConnections, venue: str) -> None:
        self.faults = faults
        self.connections = connections
        self.venue = venue
        self._live: dict[int, StreamConnection] = {}
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def live(self) -> list[StreamConnection]:
        return list(self._live.values())

    async def accept(
        self,
        request: web.Request,
        name: str,
        *,
        ping_interval: float | None = None,
        incoming_limit: int | None = None,
        pong_timeout: float | None = None,
    ) -> tuple[web.WebSocketResponse, StreamConnection]:
        """Upgrade `request`; the connection is `name`d for faults ("spot:/ws")."""
        # autoping off: a silenced connection must stop answering pings for real
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        conn = StreamConnection(
            ws,
            name=name,
            faults=self.faults,
            ping_interval=ping_interval,
            incoming_limit=incoming_limit,
            pong_timeout=pong_timeout,
        )
        return ws, conn

    async def serve(
        self,
        conn: StreamConnection,
        on_text: TextHandler,
        idle: IdleCutoff | None = None,
        *,
        on_close: Callable[[], object] | None = None,
    ) -> None:
        """Serve `conn` until it closes, live for faults meanwhile; with `idle`, closed
        once no client text frame arrived for `idle.seconds`. `on_close` then forgets
        the connection's subscriptions or login, whatever ended it."""
        try:
            await self._serve(conn, on_text, idle)
        finally:
            if on_close is not None:
                on_close()

    async def _serve(
        self, conn: StreamConnection, on_text: TextHandler, idle: IdleCutoff | None
    ) -> None:
        self._live[conn.id] = conn
        self.connections.add(conn)
        watchdog: asyncio.Task[None] | None = None
        handler = on_text
        if idle is not None:
            last_seen = [time.monotonic()]

            async def handler(c: StreamConnection, text: str) -> None:
                last_seen[0] = time.monotonic()
                await on_text(c, text)

            watchdog = asyncio.create_task(
                _close_when_idle(conn, idle, last_seen), name=f"{self.venue}-idle-{conn.id}"
            )
        try:
            await conn.serve(handler)
        finally:
            if watchdog is not None:
                watchdog.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await watchdog
            self.connections.discard(conn)
            self._live.pop(conn.id, None)

    def start_clocks(self, hubs: Iterable[tuple[str, Clocked]], tick_seconds: float) -> None:
        """One clock task per (market, hub), named `<venue>-<market>-streams`."""
        self._tasks += [
            asyncio.create_task(
                _run_clock(hub, tick_seconds), name=f"{self.venue}-{market}-streams"
            )
            for market, hub in hubs
        ]

    async def stop(self) -> None:
        """Cancel the clock tasks, then close every live connection with 1001."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task  # a clock task that failed raises here
        await asyncio.gather(*(c.close(GOING_AWAY) for c in list(self._live.values())))


class StreamSkin:
    """A venue's stream side served by one `StreamHost`: `clocks` are the hubs whose
    timed topics tick every `tick_seconds`; `start` runs them, `stop` ends them and
    closes the skin's sockets."""

    def __init__(self, host: StreamHost, tick_seconds: float) -> None:
        self.host = host
        self.tick_seconds = tick_seconds

    def clocks(self) -> Iterable[tuple[str, Clocked]]:
        return ()

    @property
    def live(self) -> list[StreamConnection]:
        return self.host.live

    async def start(self) -> None:
        self.host.start_clocks(self.clocks(), self.tick_seconds)

    async def stop(self) -> None:
        await self.host.stop()


async def _run_clock(hub: Clocked, tick_seconds: float) -> None:
    # Sleeps a whole tick after each one: on a busy machine the stream clock runs slow
    # rather than in bursts. (Keeping real time instead made ticker pushes race the
    # conformance tests' reads; the load benchmarks state the rate they got.)
    while True:
        await asyncio.sleep(tick_seconds)
        hub.tick()


async def _close_when_idle(
    conn: StreamConnection, idle: IdleCutoff, last_seen: list[float]
) -> None:
    while not conn.closed:
        remaining = last_seen[0] + idle.seconds - time.monotonic()
        if remaining <= 0:
            await conn.close(idle.code, idle.reason)
            return
        await asyncio.sleep(remaining)


class HeldTrades(Generic[T]):
    """The public trades of an operation, held per symbol until the book change that
    closes it (an engine publishes an operation's trades before its book change), then
    handed to `publish(symbol, trades, seq)` with the book's update id."""

    def __init__(self, publish: Callable[[str, list[T], int], None]) -> None:
        self._publish = publish
        self._held: dict[str, list[T]] = {}

    def hold(self, symbol: str, trade: T) -> None:
        self._held.setdefault(symbol, []).append(trade)

    def release(self, symbol: str, seq: int) -> None:
        held = self._held.pop(symbol, None)
        if held:
            self._publish(symbol, held, seq)

    def release_all(self, seq_of: Callable[[str], int]) -> None:
        """On the stream clock: trades whose book change has not come (none is
        expected; they are never held past a tick), with `seq_of(symbol)`."""
        for symbol in list(self._held):
            self.release(symbol, seq_of(symbol))


class Subscribers(Generic[K, S]):
    """Who follows each topic, by the topic's key, in subscription order."""

    def __init__(self) -> None:
        self._subs: dict[K, dict[int, S]] = {}

    def add(self, key: K, session: S) -> bool:
        """Add `session`; True when it is the topic's only subscriber now."""
        subs = self._subs.setdefault(key, {})
        subs[session.conn.id] = session
        return subs.keys() == {session.conn.id}

    def remove(self, key: K, session: S) -> bool:
        """Remove `session`; True when that left the topic without subscribers."""
        subs = self._subs.get(key)
        if subs is None:
            return False
        subs.pop(session.conn.id, None)
        if subs:
            return False
        del self._subs[key]
        return True

    def __contains__(self, key: K) -> bool:
        return key in self._subs

    def __iter__(self) -> Iterator[K]:
        return iter(list(self._subs))

    def count(self, key: K) -> int:
        return len(self._subs.get(key, ()))

    def of(self, key: K) -> list[S]:
        return list(self._subs.get(key, {}).values())

    def get(self, key: K, conn_id: int) -> S | None:
        """The subscriber of `key` on connection `conn_id`, if it still is one."""
        return self._subs.get(key, {}).get(conn_id)

    def publish(self, key: K, frame: str | bytes, *, depth_symbol: str | None = None) -> None:
        for session in self.of(key):
            session.conn.send(frame, depth_symbol=depth_symbol)
