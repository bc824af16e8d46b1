"""A venue's public streams: our channels → the venue's topics → parsed events.

Which connection path and topic serve a channel comes from venue.yaml `wss_paths`
("<path> <topic template>", with `<symbol>`, `<depth>`, `<levels>` and `<period>`
filled in here); a venue supplies how a symbol enters its topic names, a handler per
topic kind (`handlers`) and its connection kind (`_endpoint`). Several channels may
share one topic (two consumers of one book, a ticker and a mark price): the topic is
subscribed once and unsubscribed when its last channel closes. Each path has its own
connections (`WsStream`), created on first use.

`PublicTopics` is that plumbing. `PublicSession` adds what a venue that pushes each
book's snapshot on subscription needs (Bybit, OKX): a book that loses continuity
(a gap, a checksum mismatch, a crossed book, an unreadable push) is RESYNCING and only
its topic is unsubscribed and subscribed again on its connection, which brings a
fresh snapshot: no REST request, no other book touched. Requests made while a
resubscription is in flight (the snapshot answering it failed its checksum) coalesce
into the next one, with backoff, so a book is never left RESYNCING with no snapshot
coming. A lost connection leaves its books SYNCING until the replacement's snapshots
arrive.
"""

from __future__ import annotations

import asyncio
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Generic, Protocol, TypeVar

from tradeport.config.schema import ResolvedAssetConfig
from tradeport.model import AssetType, Instrument
from tradeport.model.errors import BadParameter, NotSupported, TradeportError
from tradeport.streams.watch import Channel, Dispatcher
from tradeport.transport.ws import WsEndpoint, WsStream
from tradeport.transport.ws_endpoint import WsStats
from tradeport.transport.ws_slot import Backoff
from tradeport.venues.kit.liveness import Liveness
from tradeport.venues.streaming import RawFrames

# resubscriptions of one topic closer together than this (seconds) back off: its
# snapshots keep failing
RESYNC_SETTLED = 10.0
RESYNC_BACKOFF_INITIAL = 0.05
RESYNC_BACKOFF_MAX = 5.0


class PublicContext(Protocol):
    """What public streams need from their client."""

    @property
    def key(self) -> str: ...

    @property
    def config(self) -> ResolvedAssetConfig: ...

    @property
    def asset_type(self) -> AssetType: ...

    @property
    def partial_book_levels(self) -> tuple[int, ...]: ...

    @property
    def liveness(self) -> Liveness: ...

    @property
    def streams(self) -> Dispatcher: ...

    async def instrument(self, symbol: str) -> Instrument: ...


class Book(Protocol):
    """A topic's book, as the session resets and flags it."""

    def reset(self) -> None: ...

    def invalidate(self, reason: str) -> None: ...


@dataclass(eq=False, slots=True)
class Topic:
    """One subscribed venue topic: the channels it serves. A venue's topic adds what it
    keeps between frames (a book, merged ticker fields, a size converter)."""

    name: str  # the venue's topic, e.g. "orderbook.50.BTCUSDT"
    path: str  # its connection path, e.g. "/v5/public/linear"
    kind: str  # what handles its frames: a key of `handlers`
    symbol: str  # standard, e.g. "BTC-USDT"
    # a tuple, not a set: every frame iterates it, a channel joins or leaves rarely
    channels: tuple[Channel, ...] = field(default=(), init=False)
    # (frame, local receipt ns) → published: bound whenever the channels change, so
    # that a frame costs one call (the hot path)
    deliver: Callable[[str | bytes, int], None] = field(init=False, repr=False)

    @property
    def book(self) -> Book | None:
        return None


T = TypeVar("T", bound=Topic)
Handler = Callable[[T, str | bytes, int], None]  # (topic, whole frame, local receipt ns)


class PublicTopics(ABC, Generic[T]):
    log: logging.Logger  # the venue's logger

    def __init__(self, client: PublicContext, ws_base: str) -> None:
        self.client = client
        # bound once: every event of the hot path goes through it
        self.publish = client.streams.publish
        self.ws_base = ws_base.rstrip("/")
        self.spot = client.asset_type is AssetType.SPOT
        self.topics: dict[str, T] = {}  # topic name → its state
        self.handlers: dict[str, Handler[T]] = {}  # topic kind → its frames' handler
        # topic kind → a builder of that topic's deliver function, for the hottest kinds
        # (a closure over the topic's state costs less per frame than a handler call)
        self.binders: dict[str, Callable[[T], Callable[[str | bytes, int], None]]] = {}
        self._located: dict[Channel, str] = {}  # channel → topic name
        self._sockets: dict[str, WsStream] = {}  # connection path → its stream manager
        self.malformed = 0  # frames that could not be read
        self.raw_frames: RawFrames | None = None  # see `on_raw_frames`

    # -- what a venue supplies ---------------------------------------------------------
    @abstractmethod
    async def _topic_name(self, template: str, channel: Channel) -> str:
        """The topic of `channel` from its `wss_paths` template (parameters filled in):
        the venue's symbol goes in (UnknownSymbol if there is none)."""

    @abstractmethod
    def _new_topic(self, name: str, path: str, channel: Channel) -> T:
        """The state of a topic first subscribed (NotSupported for one not known)."""

    @abstractmethod
    def _endpoint(self, path: str) -> WsEndpoint:
        """The connection kind serving `path`."""

    @abstractmethod
    def feed(self, frame: str | bytes, local_ts: int = 0) -> None:
        """One data frame off a socket (the hot path): find its topic name and hand the
        frame to `_dispatch`."""

    def _subscribed(self, topic: T, channel: Channel, shared: bool) -> None:
        """`channel` joined `topic` and the venue confirmed the topic; `shared`: other
        channels were served by it already."""

    def _dropped(self, topic: T) -> None:
        """`topic` lost its last channel and is being unsubscribed."""

    # -- channels ----------------------------------------------------------------------
    async def open(self, channel: Channel) -> None:
        path, name = await self._locate(channel)
        topic = self.attach(channel, path, name)
        shared = len(topic.channels) > 1
        try:
            await self._socket(path).subscribe([name])
        except BaseException:
            await self.close(channel)
            raise
        self._subscribed(topic, channel, shared)

    def attach(self, channel: Channel, path: str, name: str) -> T:
        """Route the frames of topic `name` to `channel`, without subscribing (`open`
        subscribes; the benchmarks feed frames directly)."""
        topic = self.topics.get(name)
        if topic is None:
            topic = self.topics[name] = self._new_topic(name, path, channel)
        if channel not in topic.channels:
            topic.channels += (channel,)
            self._bind(topic)
        self._located[channel] = name
        return topic

    async def close(self, channel: Channel) -> None:
        name = self._located.pop(channel, None)
        topic = None if name is None else self.topics.get(name)
        if topic is None:
            return
        topic.channels = tuple(c for c in topic.channels if c != channel)
        if topic.channels:
            self._bind(topic)
            return
        del self.topics[topic.name]
        self._dropped(topic)
        socket = self._sockets.get(topic.path)
        if socket is not None:
            await socket.unsubscribe([topic.name])

    def on_raw_frames(self, callback: RawFrames | None) -> None:
        """Hand every frame of a subscribed topic, as received, to `callback` before it
        is read (None: stop). Only the topics' deliver functions change, so a session
        without a callback pays nothing per frame."""
        self.raw_frames = callback
        for topic in self.topics.values():
            self._bind(topic)

    def stats(self) -> dict[str, WsStats]:
        return {f"{self.client.key}{path}": s.stats for path, s in self._sockets.items()}

    async def aclose(self) -> None:
        sockets, self._sockets = self._sockets, {}
        for socket in sockets.values():
            await socket.close()

    async def _locate(self, channel: Channel) -> tuple[str, str]:
        """(connection path, topic name) of a channel, from venue.yaml `wss_paths`."""
        client = self.client
        spec = client.config.wss_paths.get(channel.kind)
        if spec is None:
            raise NotSupported(f"{channel.kind} streams are not supported on {client.key}")
        path, _, template = spec.partition(" ")
        param = channel.param or ""
        if "<depth>" in template:
            template = template.replace("<depth>", param)
        if channel.kind == "partial_book":  # a venue may stream one size only (books5)
            allowed = client.partial_book_levels
            if param not in {str(n) for n in allowed}:
                raise BadParameter(
                    f"partial book levels {channel.param!r}: expected one of {allowed}"
                )
            template = template.replace("<levels>", param)
        if "<period>" in template:
            period = client.config.kline_periods.get(param)
            if period is None:
                raise BadParameter(
                    f"kline period {channel.param!r}: expected one of "
                    f"{sorted(client.config.kline_periods)}"
                )
            template = template.replace("<period>", period)
        return path, await self._topic_name(template, channel)

    def _socket(self, path: str) -> WsStream:
        socket = self._sockets.get(path)
        if socket is None:
            socket = WsStream(
                self._endpoint(path),
                self.feed,
                on_reconnect=self._on_reconnect,
                on_lost=self._on_lost,
            )
            self._sockets[path] = socket
        return socket

    # -- frames ------------------------------------------------------------------------
    def _bind(self, topic: T) -> None:
        binder = self.binders.get(topic.kind)
        deliver = binder(topic) if binder else partial(self.handlers[topic.kind], topic)
        raw = self.raw_frames
        if raw is not None:
            deliver = partial(_tee, raw, topic.symbol, topic.name, deliver)
        topic.deliver = deliver

    def _dispatch(self, name: str, frame: str | bytes, local_ts: int) -> None:
        topic = self.topics.get(name)
        if topic is not None:  # None: a frame still in flight after an unsubscribe
            topic.deliver(frame, local_ts or time.time_ns())

    def each_event(self, parse: Callable[[T, str | bytes, int], Sequence[object]]) -> Handler[T]:
        """A handler publishing every event `parse` reads off a frame to every channel
        of its topic."""

        def handler(topic: T, frame: str | bytes, local_ts: int) -> None:
            events = parse(topic, frame, local_ts)
            publish = self.publish
            for channel in topic.channels:
                for event in events:
                    publish(channel, event)

        return handler

    # -- connections -------------------------------------------------------------------
    def _on_lost(self, names: list[str]) -> None:
        """A connection carrying `names` was lost (its replacement is on the way)."""

    def _on_reconnect(self, names: list[str]) -> None:
        self.log.info("%s: resubscribed %d topics after a reconnect", self.client.key, len(names))


class PublicSession(PublicTopics[T]):
    """Public topics whose books come as a snapshot on (re)subscription."""

    def __init__(self, client: PublicContext, ws_base: str) -> None:
        super().__init__(client, ws_base)
        self._resyncs: dict[str, asyncio.Task[None]] = {}  # topic → its resubscription
        self._again: set[str] = set()  # topics asked to resync while one was in flight
        self._resync_backoff: dict[str, Backoff] = {}
        self._resynced_at: dict[str, float] = {}  # topic → loop time of its last round
        self.resubscribes = 0  # book topics resubscribed to resync them

    @abstractmethod
    def _publish_book(self, topic: T) -> None:
        """Publish `topic`'s book (its state changed) to the channels it serves."""

    async def prepare(self, channel: Channel) -> T:
        """Route the frames of `channel`'s topic to it, without subscribing."""
        path, name = await self._locate(channel)
        return self.attach(channel, path, name)

    def _dropped(self, topic: T) -> None:
        self._again.discard(topic.name)
        self._resync_backoff.pop(topic.name, None)
        self._resynced_at.pop(topic.name, None)
        task = self._resyncs.pop(topic.name, None)
        if task is not None:
            task.cancel()

    async def aclose(self) -> None:
        tasks, self._resyncs = list(self._resyncs.values()), {}
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await super().aclose()

    # -- books -------------------------------------------------------------------------
    def _unreadable(self, topic: T, reason: str) -> None:
        """A book frame we cannot read is one we missed: that book resyncs."""
        book = topic.book
        assert book is not None
        self.malformed += 1
        book.invalidate(reason)
        self._publish_book(topic)

    def _resync(self, name: str) -> None:
        """A book lost continuity: resubscribe its topic alone (the venue answers a
        subscription with a snapshot). One resubscription at a time per topic: a
        request made while one is in flight (its snapshot failed its checksum, say)
        is not dropped but served by the next one."""
        if name not in self.topics:
            return
        if name in self._resyncs:
            self._again.add(name)
            return
        self._resyncs[name] = asyncio.get_running_loop().create_task(
            self._resubscribe(name), name=f"resync {self.client.key} {name}"
        )

    async def _resubscribe(self, name: str) -> None:
        """Resubscribe `name` until no request is left over: requests made meanwhile
        coalesce into the next round. Rounds closer together than `RESYNC_SETTLED`
        wait a growing delay first, so a topic whose snapshots keep failing does not
        spin."""
        try:
            await self._resubscribe_rounds(name)
        finally:
            # out of `_resyncs` in the same step as the last look at `_again`: a request
            # coming after it starts a new task, none falls between the two
            if self._resyncs.get(name) is asyncio.current_task():
                del self._resyncs[name]

    async def _resubscribe_rounds(self, name: str) -> None:
        loop = asyncio.get_running_loop()
        while True:
            topic = self.topics.get(name)
            socket = None if topic is None else self._sockets.get(topic.path)
            if socket is None:
                return
            backoff = self._resync_backoff.setdefault(
                name, Backoff(RESYNC_BACKOFF_INITIAL, RESYNC_BACKOFF_MAX)
            )
            last = self._resynced_at.get(name)
            if last is not None and loop.time() - last < RESYNC_SETTLED:
                await asyncio.sleep(backoff.next_delay())
            else:
                backoff.reset()
            self._again.discard(name)
            self._resynced_at[name] = loop.time()
            self.resubscribes += 1
            self.log.info("%s: resubscribing %s for a fresh snapshot", self.client.key, name)
            try:
                await socket.resubscribe([name])
            except TradeportError as exc:
                # the book stays RESYNCING (flagged, never shown as LIVE): try again
                self.log.warning("%s: resubscribing %s failed: %s", self.client.key, name, exc)
                self._again.add(name)
            if name not in self._again:
                return

    def _on_lost(self, names: list[str]) -> None:
        # nothing a lost connection carried is current until its replacement's snapshots
        for name in names:
            topic = self.topics.get(name)
            if topic is not None and topic.book is not None:
                topic.book.reset()
                self._publish_book(topic)


def _tee(
    raw: RawFrames,
    symbol: str,
    name: str,
    deliver: Callable[[str | bytes, int], None],
    frame: str | bytes,
    local_ts: int,
) -> None:
    raw(symbol, name, frame, local_ts)
    deliver(frame, local_ts)
