"""The venue-neutral WebSocket engine (DESIGN.md principle 4).

`WsStream` keeps a set of topics subscribed on as many connections as the venue's
per-connection cap needs, across drops, silent sockets, venue maintenance notices and
connection lifetimes; or, for a session endpoint (user data, `max_topics == 0`), keeps
one authenticated connection open. The venue supplies a `WsEndpoint`; nothing here
knows a venue.

Module map: `ws_endpoint.py` (the types a venue codes against), `ws_conn.py` (one
socket), `ws_slot.py` (one logical connection kept alive across sockets), this file
(the topic contract spread over slots, refused-topic retries, the public API).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType

import aiohttp

from tradeport.model.errors import (
    Disconnected,
    NetworkError,
    NotSupported,
    RequestTimeout,
    SubscriptionError,
    TradeportError,
)
from tradeport.transport.ws_conn import WsConnection
from tradeport.transport.ws_endpoint import (
    Ack,
    Answer,
    Control,
    Pong,
    Reconnect,
    Sink,
    TopicState,
    WsEndpoint,
    WsRequester,
    WsStats,
)
from tradeport.transport.ws_slot import Backoff, Slot, SlotContext

__all__ = [
    "Ack",
    "Answer",
    "Control",
    "Pong",
    "Reconnect",
    "Sink",
    "TopicState",
    "WsConnection",
    "WsEndpoint",
    "WsRequester",
    "WsStats",
    "WsStream",
]

log = logging.getLogger("tradeport.transport.ws")

# a connection that stayed up this long resets the reconnect backoff
HEALTHY_AFTER = 30.0


class WsStream:
    """Topics (or one session) on a venue's WebSocket, kept alive.

    The sink is called synchronously from the socket's reader task for every data
    frame, with the receipt time taken as soon as the frame was read. Frames may repeat
    while a connection is being replaced (make-before-break); consumers deduplicate.
    `on_lost(topics)` is told as soon as a connection is lost (its topics, none for a
    session), `on_reconnect(topics)` once its replacement is subscribed.
    """

    def __init__(
        self,
        endpoint: WsEndpoint,
        sink: Sink,
        *,
        on_reconnect: Callable[[list[str]], None] | None = None,
        on_lost: Callable[[list[str]], None] | None = None,
        backoff_initial: float = 0.1,
        backoff_max: float = 30.0,
        healthy_after: float = HEALTHY_AFTER,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.stats = WsStats()
        self._states: dict[str, TopicState] = {}
        self._errors: dict[str, str] = {}  # topic → the venue's last refusal
        self._retry_at: dict[str, float] = {}  # FAILED topic → loop time of its next try
        self._retry_backoff: dict[str, Backoff] = {}
        self._slot_of: dict[str, Slot] = {}
        self._slots: list[Slot] = []
        self._session = session
        self._own_session = session is None
        self._changed = asyncio.Event()
        self._retry_wake = asyncio.Event()
        self._retry_task: asyncio.Task[None] | None = None
        self._closed = False
        self._ctx = SlotContext(
            endpoint=endpoint,
            sink=sink,
            stats=self.stats,
            states=self._states,
            session=self._get_session,
            refused=self._on_refused,
            changed=self._on_changed,
            on_reconnect=on_reconnect,
            backoff_initial=backoff_initial,
            backoff_max=backoff_max,
            healthy_after=healthy_after,
            on_lost=on_lost,
        )

    @property
    def topics(self) -> Mapping[str, TopicState]:
        return MappingProxyType(self._states)

    @property
    def connections(self) -> list[WsConnection]:
        """The sockets currently serving (one per logical connection that is up)."""
        return [slot.conn for slot in self._slots if slot.conn is not None]

    # -- public API ------------------------------------------------------------------
    async def start(self) -> None:
        """Open the session connection of a `max_topics == 0` endpoint (connect, then
        `on_open`); returns when it is open. Raises the first failure, and stops.

        For a topic endpoint this does nothing: connections open as topics are added.
        """
        self._check_open()
        if self.endpoint.max_topics > 0 or self._slots:
            return
        slot = self._new_slot()
        try:
            await self._wait(lambda: slot.ready, [slot], timeout=None)
        except BaseException:
            self._slots.remove(slot)
            await slot.close()
            raise

    async def subscribe(self, topics: Iterable[str], timeout: float = 10.0) -> None:
        """Add topics to the contract; return when the venue confirmed them all.

        Raises `SubscriptionError` naming the topics the venue refused: they stay in
        the set as FAILED and are retried with backoff in the background. Raises
        `RequestTimeout` (or the connection error) if they are not settled within
        `timeout`: they stay in the set and are subscribed when a connection comes up.
        """
        self._check_open()
        if self.endpoint.max_topics <= 0:
            raise NotSupported(
                "this endpoint is a session connection and carries no topics",
                venue=self.endpoint.name,
            )
        wanted = list(dict.fromkeys(topics))
        self._place([t for t in wanted if t not in self._states])
        slots = list({id(s): s for t in wanted if (s := self._slot_of.get(t))}.values())
        await self._wait(
            lambda: all(self._states.get(t) is not TopicState.PENDING for t in wanted),
            slots,
            timeout=timeout,
            pending=wanted,
        )
        failed = [t for t in wanted if self._states.get(t) is TopicState.FAILED]
        if failed:
            reasons = "; ".join(f"{t}: {self._errors.get(t)}" for t in failed)
            raise SubscriptionError(
                f"the venue refused {len(failed)} topic(s): {reasons}",
                topics=failed,
                venue=self.endpoint.name,
                raw_message=reasons,
            )

    async def unsubscribe(self, topics: Iterable[str]) -> None:
        """Drop topics from the contract and unsubscribe them from their connections;
        a connection left with no topics is closed."""
        self._check_open()
        by_slot: dict[int, tuple[Slot, list[str]]] = {}
        for topic in dict.fromkeys(topics):
            self._states.pop(topic, None)
            self._errors.pop(topic, None)
            self._retry_at.pop(topic, None)
            self._retry_backoff.pop(topic, None)
            slot = self._slot_of.pop(topic, None)
            if slot is not None:
                by_slot.setdefault(id(slot), (slot, []))[1].append(topic)
        for slot, dropped in by_slot.values():
            await slot.remove(dropped)
            if not slot.topics and slot in self._slots:
                self._slots.remove(slot)
                await slot.close()

    async def resubscribe(self, topics: Iterable[str]) -> None:
        """Unsubscribe and subscribe `topics` again on the connections serving them,
        keeping them in the contract: for a venue that sends a topic's snapshot only on
        subscription, this asks for a fresh one (e.g. to resync one order book). A
        refusal marks the topic FAILED and retries it, as for `subscribe`."""
        self._check_open()
        by_slot: dict[int, tuple[Slot, list[str]]] = {}
        for topic in dict.fromkeys(topics):
            slot = self._slot_of.get(topic)
            if slot is not None:
                by_slot.setdefault(id(slot), (slot, []))[1].append(topic)
        for slot, chosen in by_slot.values():
            await slot.resubscribe(chosen)

    async def close(self) -> None:
        """Cancel every task and close every socket (and the session, if ours)."""
        if self._closed:
            return
        self._closed = True
        if self._retry_task is not None:
            self._retry_task.cancel()
            await asyncio.gather(self._retry_task, return_exceptions=True)
        slots, self._slots = self._slots, []
        for slot in slots:
            await slot.close()
        while self._ctx.closers:
            await asyncio.gather(*self._ctx.closers, return_exceptions=True)
        if self._own_session and self._session is not None:
            await self._session.close()
        self._session = None

    # -- placement -------------------------------------------------------------------
    def _place(self, topics: list[str]) -> None:
        """Put new topics on slots with room, opening new slots past `max_topics`."""
        cap = self.endpoint.max_topics
        for topic in topics:
            self._states[topic] = TopicState.PENDING
        remaining = list(topics)
        for slot in self._slots:
            room = slot.room
            if remaining and room > 0:
                self._assign(slot, remaining[:room])
                remaining = remaining[room:]
        while remaining:
            self._assign(self._new_slot(), remaining[:cap])
            remaining = remaining[cap:]

    def _assign(self, slot: Slot, topics: list[str]) -> None:
        for topic in topics:
            self._slot_of[topic] = slot
        slot.add(topics)

    def _new_slot(self) -> Slot:
        slot = Slot(self._ctx)
        self._slots.append(slot)
        slot.start()
        return slot

    # -- waiting ---------------------------------------------------------------------
    async def _wait(
        self,
        done: Callable[[], bool],
        slots: list[Slot],
        *,
        timeout: float | None,
        pending: list[str] | None = None,
    ) -> None:
        """Wait until `done()`; raise if one of `slots` cannot even connect."""
        try:
            async with asyncio.timeout(timeout):
                while not done():
                    for slot in slots:
                        if not slot.ready and slot.first_error is not None:
                            raise _connect_error(self.endpoint.name, slot.first_error)
                    changed = self._changed
                    await changed.wait()
        except TimeoutError:
            unsettled = [t for t in pending or [] if self._states.get(t) is TopicState.PENDING]
            raise RequestTimeout(
                f"subscriptions not confirmed within {timeout} s: {unsettled}",
                venue=self.endpoint.name,
            ) from None

    def _on_changed(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    # -- refused topics --------------------------------------------------------------
    def _on_refused(self, topic: str, error: str) -> None:
        if topic not in self._states:
            return  # unsubscribed while the request was in flight
        self._slot_of.pop(topic, None)
        self._states[topic] = TopicState.FAILED
        self._errors[topic] = error
        backoff = self._retry_backoff.setdefault(
            topic, Backoff(self._ctx.backoff_initial, self._ctx.backoff_max)
        )
        loop = asyncio.get_running_loop()
        self._retry_at[topic] = loop.time() + backoff.next_delay()
        log.warning("%s: venue refused %s: %s", self.endpoint.name, topic, error)
        if self._retry_task is None:
            self._retry_task = loop.create_task(
                self._retry_refused(), name=f"ws-retry {self.endpoint.name}"
            )
        self._retry_wake.set()
        self._on_changed()

    async def _retry_refused(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self._retry_wake.clear()
            now = loop.time()
            due = [t for t, at in self._retry_at.items() if at <= now]
            for topic in due:
                del self._retry_at[topic]
            if due:
                log.info("%s: retrying refused topics %s", self.endpoint.name, due)
                self._place(due)
            wait = min(self._retry_at.values(), default=None)
            try:
                async with asyncio.timeout(None if wait is None else max(0.0, wait - now)):
                    await self._retry_wake.wait()
            except TimeoutError:
                continue

    def _check_open(self) -> None:
        if self._closed:
            raise Disconnected("the stream is closed", venue=self.endpoint.name)

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            timeout = aiohttp.ClientTimeout(total=None, sock_connect=10.0)
            self._session = aiohttp.ClientSession(timeout=timeout)
        return self._session


def _connect_error(venue: str, cause: BaseException) -> TradeportError:
    """The first connect failure as the caller sees it (auth errors keep their type)."""
    if isinstance(cause, TradeportError):
        return cause
    return NetworkError(f"cannot open the connection: {cause!r}", venue=venue)
