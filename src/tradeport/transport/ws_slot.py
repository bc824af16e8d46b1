"""One logical connection: a set of topics kept subscribed across physical sockets.

A `Slot` owns a supervisor task that opens a socket, authenticates (`on_open`),
subscribes the slot's topics, serves until the socket is lost or must move, and then
does it again: with backoff after a loss, make-before-break after a venue notice or
at the end of the venue's connection lifetime.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import aiohttp

from tradeport.model.errors import NetworkError
from tradeport.transport.redact import redact
from tradeport.transport.ws_conn import WsConnection
from tradeport.transport.ws_endpoint import (
    Reconnect,
    Sink,
    TopicState,
    WsEndpoint,
    WsStats,
    topics_per_frame,
)

log = logging.getLogger("tradeport.transport.ws")

ACK_TIMEOUT = 10.0  # a subscribe frame unanswered this long: the socket is not working


class Backoff:
    """Exponential delays with jitter (each delay is drawn from the upper half of its
    step, so many clients do not reconnect in lockstep)."""

    def __init__(self, initial: float, maximum: float) -> None:
        self.initial = initial
        self.maximum = maximum
        self.attempt = 0

    def next_delay(self) -> float:
        step = min(self.maximum, self.initial * 2.0**self.attempt)
        self.attempt += 1
        return step * random.uniform(0.5, 1.0)

    def reset(self) -> None:
        self.attempt = 0


@dataclass
class SlotContext:
    """What every slot of one `WsStream` shares."""

    endpoint: WsEndpoint
    sink: Sink
    stats: WsStats
    states: dict[str, TopicState]
    session: Callable[[], aiohttp.ClientSession]
    refused: Callable[[str, str], None]  # (topic, venue error) → FAILED, retried later
    changed: Callable[[], None]  # a topic state or a slot's readiness changed
    on_reconnect: Callable[[list[str]], None] | None
    backoff_initial: float
    backoff_max: float
    healthy_after: float
    # told the contract topics of a connection as soon as it is lost (before the backoff):
    # what it carried is stale until its replacement is subscribed
    on_lost: Callable[[list[str]], None] | None = None
    closers: set[asyncio.Task[None]] = field(default_factory=set)
    _ids: Iterator[int] = field(default_factory=lambda: iter(range(1, 2**62)))
    _serials: Iterator[int] = field(default_factory=lambda: iter(range(1, 2**62)))

    def next_id(self) -> int:
        return next(self._ids)

    def next_serial(self) -> int:
        return next(self._serials)

    def close_later(self, conn: WsConnection) -> None:
        """Close an old socket without holding up its replacement."""
        task = asyncio.get_running_loop().create_task(conn.close(), name=f"ws-close {conn!r}")
        self.closers.add(task)
        task.add_done_callback(self.closers.discard)


class _Outcome(enum.Enum):
    LOST = "lost"
    MOVE = "move"


class Slot:
    def __init__(self, ctx: SlotContext) -> None:
        self.ctx = ctx
        self.topics: dict[str, None] = {}  # the contract: kept subscribed across sockets
        self.conn: WsConnection | None = None  # the serving socket, once subscribed
        self.ready = False  # a socket has been opened and subscribed at least once
        self.first_error: BaseException | None = None  # why it never got ready
        self._unsent: dict[str, None] = {}
        self._signal = asyncio.Event()
        self._move: Reconnect | None = None
        self._opening: WsConnection | None = None
        self._backoff = Backoff(ctx.backoff_initial, ctx.backoff_max)
        self._task: asyncio.Task[None] | None = None

    @property
    def room(self) -> int:
        return self.ctx.endpoint.max_topics - len(self.topics)

    def start(self) -> None:
        name = f"ws-supervisor {self.ctx.endpoint.name}"
        self._task = asyncio.get_running_loop().create_task(self._run(), name=name)

    def add(self, topics: Sequence[str]) -> None:
        for topic in topics:
            self.topics[topic] = None
            self._unsent[topic] = None
        self._signal.set()

    async def remove(self, topics: Sequence[str]) -> None:
        """Drop topics from the contract and unsubscribe them from the serving socket."""
        for topic in topics:
            self.topics.pop(topic, None)
            self._unsent.pop(topic, None)
        conn = self.conn
        if conn is not None:
            await self._unsubscribe(conn, [t for t in topics if t in conn.topics])

    async def resubscribe(self, topics: Sequence[str]) -> None:
        """Unsubscribe and subscribe again those of `topics` the serving socket carries,
        on that socket; they stay in the contract throughout. A venue that sends a
        topic's snapshot only on subscription (Bybit order books, §4.5) resyncs one book
        this way. A topic not confirmed on a socket is skipped: its coming subscription
        brings the snapshot anyway."""
        conn = self.conn
        if conn is None:
            return
        wanted = [t for t in topics if t in self.topics and t in conn.topics]
        if not wanted:
            return
        await self._unsubscribe(conn, wanted)
        states = self.ctx.states
        for topic in wanted:
            if states.get(topic) is TopicState.CONFIRMED:
                states[topic] = TopicState.PENDING
        self.ctx.changed()
        try:
            await self._subscribe(conn, wanted)
        except NetworkError as exc:
            # the socket is failing: its replacement subscribes the contract anew
            log.warning("%s: resubscribing failed: %s", self.ctx.endpoint.name, exc)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        for conn in (self._opening, self.conn):
            if conn is not None:
                await conn.close()
        self.conn = self._opening = None

    # -- supervisor ------------------------------------------------------------------
    async def _run(self) -> None:
        replacing = False
        while True:
            new = await self._connect()
            carried = list(self.topics)
            self._unsent.clear()
            try:
                await self._subscribe(new, carried)
            except NetworkError as exc:
                self._lost(new, f"subscribing failed: {exc}")
                await asyncio.sleep(self._backoff.next_delay())
                continue
            old, self.conn, self._opening = self.conn, new, None
            self._move = None  # notices the old socket sent while this one was set up
            if old is not None:
                self.ctx.close_later(old)  # make-before-break: the new one already serves
            self.ready = True
            self.ctx.changed()
            if replacing:
                self._report_reconnect([t for t in carried if t in new.topics])
            outcome = await self._serve(new)
            replacing = True
            if outcome is _Outcome.LOST:
                self.conn = None
                self._lost(new, new.reason or "unresponsive")
                if new.last_frame_at - new.opened_at >= self.ctx.healthy_after:
                    self._backoff.reset()
                await asyncio.sleep(self._backoff.next_delay())

    async def _connect(self) -> WsConnection:
        """Open and authenticate a socket, retrying with backoff until one works."""
        ctx = self.ctx
        while True:
            conn = WsConnection(
                ctx.endpoint,
                ctx.sink,
                ctx.stats,
                serial=ctx.next_serial(),
                on_move=self._on_move,
                on_done=self._on_done,
            )
            self._opening = conn
            try:
                await conn.open(ctx.session())
                await ctx.endpoint.on_open(conn)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # on_open is venue code: whatever it raised, this socket is unusable
                ctx.stats.connect_failures += 1
                log.warning("%s: connect failed: %s", ctx.endpoint.name, redact(str(exc)))
                if not self.ready:
                    self.first_error = exc
                    ctx.changed()
                ctx.close_later(conn)
                await asyncio.sleep(self._backoff.next_delay())
                continue
            ctx.stats.connects += 1
            self.first_error = None
            return conn

    async def _serve(self, conn: WsConnection) -> _Outcome:
        loop = asyncio.get_running_loop()
        lifetime = self.ctx.endpoint.max_lifetime
        deadline = conn.opened_at + lifetime if lifetime else None
        while True:
            # a venue's notice first: it often closes right after sending it, and that
            # close is the move it announced, not a loss to back off from
            if self._move is not None:
                self._log_move(conn, self._move.reason)
                return _Outcome.MOVE
            if conn.done.is_set():
                return _Outcome.LOST
            if deadline is not None and loop.time() >= deadline:
                self._log_move(conn, "connection lifetime")
                return _Outcome.MOVE
            if self._unsent:
                batch = list(self._unsent)
                self._unsent.clear()
                try:
                    await self._subscribe(conn, batch)
                except NetworkError as exc:
                    log.warning("%s: subscribing failed: %s", self.ctx.endpoint.name, exc)
                    return _Outcome.LOST
                continue
            self._signal.clear()
            wait = None if deadline is None else max(0.0, deadline - loop.time())
            try:
                async with asyncio.timeout(wait):
                    await self._signal.wait()
            except TimeoutError:
                continue

    def _on_move(self, conn: WsConnection, notice: Reconnect) -> None:
        if conn is self.conn:
            self._move = notice
            self._signal.set()

    def _on_done(self, conn: WsConnection) -> None:
        if conn is self.conn:
            self._signal.set()

    def _lost(self, conn: WsConnection, reason: str) -> None:
        ctx = self.ctx
        ctx.stats.reconnects += 1
        for topic in self.topics:
            if ctx.states.get(topic) is TopicState.CONFIRMED:
                ctx.states[topic] = TopicState.PENDING
        ctx.changed()
        log.warning("%s: connection #%d lost (%s)", ctx.endpoint.name, conn.serial, reason)
        ctx.close_later(conn)
        if ctx.on_lost is not None:
            try:
                ctx.on_lost(list(self.topics))
            except Exception:
                # the consumer's reaction failed; reconnecting goes on regardless
                log.exception("%s: on_lost callback raised", ctx.endpoint.name)

    def _log_move(self, conn: WsConnection, reason: str) -> None:
        self.ctx.stats.moves += 1
        log.info(
            "%s: moving connection #%d (%s): opening its replacement first",
            self.ctx.endpoint.name,
            conn.serial,
            reason,
        )

    def _report_reconnect(self, topics: list[str]) -> None:
        callback = self.ctx.on_reconnect
        if callback is None:
            return
        try:
            callback(topics)
        except Exception:
            # the consumer's reaction failed; the connection itself is fine
            log.exception("%s: on_reconnect callback raised", self.ctx.endpoint.name)

    # -- subscriptions ---------------------------------------------------------------
    async def _subscribe(self, conn: WsConnection, topics: list[str]) -> None:
        """Subscribe topics on one socket, chunked; a refused chunk is retried topic by
        topic so that only the topics the venue refuses are marked FAILED."""
        size = topics_per_frame(self.ctx.endpoint)
        for start in range(0, len(topics), size):
            chunk = [t for t in topics[start : start + size] if t in self.topics]
            if not chunk:
                continue
            error = await self._send_subscribe(conn, chunk)
            if error is None:
                continue
            if len(chunk) == 1:
                self._refuse(chunk[0], error)
                continue
            for topic in chunk:
                if topic in self.topics and (single := await self._send_subscribe(conn, [topic])):
                    self._refuse(topic, single)

    async def _send_subscribe(self, conn: WsConnection, chunk: list[str]) -> str | None:
        request_id = self.ctx.next_id()
        frame = self.ctx.endpoint.subscribe_frame(chunk, request_id)
        ack = await conn.request(frame, request_id, ACK_TIMEOUT)
        if ack.error is not None:
            return ack.error
        states = self.ctx.states
        for topic in chunk:
            conn.topics.add(topic)
            if topic in self.topics:
                states[topic] = TopicState.CONFIRMED
        self.ctx.changed()
        # topics dropped from the contract while their ack was in flight
        await self._unsubscribe(conn, [t for t in chunk if t not in self.topics])
        return None

    def _refuse(self, topic: str, error: str) -> None:
        self.topics.pop(topic, None)
        self.ctx.refused(topic, error)

    async def _unsubscribe(self, conn: WsConnection, topics: list[str]) -> None:
        size = topics_per_frame(self.ctx.endpoint)
        for start in range(0, len(topics), size):
            chunk = topics[start : start + size]
            conn.topics.difference_update(chunk)
            request_id = self.ctx.next_id()
            frame = self.ctx.endpoint.unsubscribe_frame(chunk, request_id)
            try:
                ack = await conn.request(frame, request_id, ACK_TIMEOUT)
            except NetworkError as exc:
                # already out of the contract: a new socket will not carry them
                log.info("%s: unsubscribe not confirmed: %s", self.ctx.endpoint.name, exc)
                return
            if ack.error is not None:
                log.warning("%s: unsubscribe refused: %s", self.ctx.endpoint.name, ack.error)
