"""The sink protocol, and the bounded queue that stands between a recorder and a sink.

The recorder runs on the socket readers' path and must never wait for a sink: it hands
each event to every sink's `SinkQueue` without blocking. When a queue is full the
policy is **drop newest**: the event is not queued, it is counted, and once there is
room again a DROPPED marker (its `seq` the first lost one, `count` how many) goes in
ahead of the next event of that stream, so a reader sees exactly which sequence numbers
are missing. A book stream that lost a delta cannot be rebuilt from later deltas: its
deltas are dropped (and counted) until the next snapshot, which the queue asks the
recorder for at once. A batch the sink fails to write is handled the same way: a
DROPPED marker per stream goes in ahead of everything still queued.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from tradeport.model.errors import BadParameter, Disconnected
from tradeport.record.events import BookEvent, BookKind, Channel, Event, Marker, MarkerKind

log = logging.getLogger("tradeport.record")

DEFAULT_QUEUE_SIZE = 100_000
DEFAULT_BATCH = 5_000
DEFAULT_FLUSH_INTERVAL = 5.0

StreamKey = tuple[str, Channel]  # (symbol, channel)


class Sink(Protocol):
    """Where events go. Calls come from one task at a time, in order."""

    name: str

    async def write(self, events: Sequence[Event]) -> None:
        """Take a batch (it may buffer it)."""
        ...

    async def flush(self) -> None:
        """Make what was taken durable; called at least every flush interval."""
        ...

    async def close(self) -> None:
        """Flush and release everything; the sink is not used again."""
        ...


@dataclass(slots=True)
class SinkStats:
    queued: int = 0
    written: int = 0
    dropped: int = 0
    markers: int = 0  # DROPPED markers written
    errors: int = 0  # batches the sink failed to take (their events are counted dropped)
    queue_max: int = 0


@dataclass(slots=True)
class ServerSinkStats:
    """What a sink writing to a server that refuses duplicates did (PostgreSQL, Redis)."""

    written: int = 0
    duplicates: int = 0  # what the server already had (a resent batch)
    batches: int = 0
    reconnects: int = 0


async def resend_on_loss(
    send: Callable[[], Awaitable[None]],
    *,
    name: str,
    retries: int,
    lost: tuple[type[Exception], ...],
    reconnect: Callable[[], Awaitable[None]],
    unreachable: Callable[[Exception], Disconnected],
    stats: ServerSinkStats,
) -> None:
    """`send` a batch; when the connection is lost (`lost`), what reached the server is
    unknown, so resend all of it after `reconnect` (the server refuses what it already
    has), at most `retries` times, then raise `unreachable(error)`."""
    for attempt in range(retries + 1):
        try:
            await send()
            return
        except lost as exc:
            if attempt == retries:
                error = unreachable(exc)
                if error is exc:
                    raise
                raise error from exc
            log.warning("%s: connection lost (%s); resending the batch", name, exc)
            stats.reconnects += 1
            await reconnect()
            await asyncio.sleep(min(0.05 * 2**attempt, 1.0))


@dataclass(slots=True)
class _Loss:
    first_seq: int
    count: int
    venue: str


class SinkQueue:
    """One sink's bounded queue and the task that drains it."""

    def __init__(
        self,
        sink: Sink,
        *,
        maxsize: int = DEFAULT_QUEUE_SIZE,
        batch: int = DEFAULT_BATCH,
        flush_interval: float = DEFAULT_FLUSH_INTERVAL,
        request_snapshot: Callable[[str], None] | None = None,
    ) -> None:
        if maxsize < 2:
            raise BadParameter(f"queue size {maxsize}: expected at least 2")
        self.sink = sink
        self.maxsize = maxsize
        self.batch = batch
        self.flush_interval = flush_interval
        self.request_snapshot = request_snapshot
        self.stats = SinkStats()
        self._items: deque[Event] = deque()
        self._ready = asyncio.Event()
        self._losses: dict[StreamKey, _Loss] = {}
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    def put(self, event: Event) -> None:
        """Queue `event`, or drop it (see the module's policy). Never blocks."""
        items = self._items
        if not self._losses and len(items) < self.maxsize:
            # the usual case, on every event: no stream is losing events, and there is room
            items.append(event)
            stats = self.stats
            stats.queued += 1
            if len(items) > stats.queue_max:
                stats.queue_max = len(items)
            self._ready.set()
            return
        key = (event.symbol, event.channel)
        loss = self._losses.get(key)
        room = self.maxsize - len(items)
        if loss is not None:
            resumes = not (
                key[1] is Channel.BOOK
                and isinstance(event, BookEvent)
                and event.kind is not BookKind.SNAPSHOT
            )
            if resumes and room >= 2:
                del self._losses[key]
                self._append(
                    Marker(
                        venue=loss.venue,
                        symbol=event.symbol,
                        channel=event.channel,
                        seq=loss.first_seq,
                        kind=MarkerKind.DROPPED,
                        reason=f"{self.sink.name} queue full",
                        count=loss.count,
                        ts=event.ts,
                        local_ts=event.local_ts,
                    )
                )
                self.stats.markers += 1
                self._append(event)
                return
            loss.count += 1
            self.stats.dropped += 1
            self._want_snapshot(key)
            return
        if room >= 1:
            self._append(event)
            return
        self.stats.dropped += 1
        self._losses[key] = _Loss(event.seq, 1, event.venue)
        self._want_snapshot(key)

    def _want_snapshot(self, key: StreamKey) -> None:
        # asked again with every drop: the snapshot the last request brought may have
        # been dropped too, and without one the book stream never resumes
        if key[1] is Channel.BOOK and self.request_snapshot is not None:
            self.request_snapshot(key[0])

    def _append(self, event: Event) -> None:
        self._items.append(event)
        self.stats.queued += 1
        if len(self._items) > self.stats.queue_max:
            self.stats.queue_max = len(self._items)
        self._ready.set()

    @property
    def depth(self) -> int:
        return len(self._items)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._drain(), name=f"sink {self.sink.name}")

    async def close(self) -> None:
        """Write what is queued, then close the sink."""
        self._closing = True
        self._ready.set()
        if self._task is not None:
            await self._task
        await self.sink.close()

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        next_flush = loop.time() + self.flush_interval
        while True:
            if not self._items:
                if self._closing:
                    return
                self._ready.clear()
                # wakes for new events, or at the flush deadline with nothing new
                waiter = asyncio.ensure_future(self._ready.wait())
                done, _ = await asyncio.wait({waiter}, timeout=max(0.0, next_flush - loop.time()))
                if not done:
                    waiter.cancel()
            items = self._items
            batch = [items.popleft() for _ in range(min(self.batch, len(items)))]
            try:
                if batch:
                    await self.sink.write(batch)
                    self.stats.written += len(batch)
                if loop.time() >= next_flush:
                    await self.sink.flush()
                    next_flush = loop.time() + self.flush_interval
            except Exception:
                # a sink that fails must not stop the recording of the others; what it
                # could not take is counted as dropped
                self.stats.errors += 1
                self.stats.dropped += len(batch)
                log.exception("sink %s failed to write %d events", self.sink.name, len(batch))
                self._mark_failed(batch)

    def _mark_failed(self, batch: Sequence[Event]) -> None:
        """The batch is lost: a DROPPED marker per stream goes in ahead of everything
        queued (the lost events came before it), and books are re-snapshotted."""
        spans: dict[StreamKey, tuple[Event, int, int]] = {}
        for event in batch:
            key = (event.symbol, event.channel)
            covers = (
                event.count if isinstance(event, Marker) and event.kind is MarkerKind.DROPPED else 1
            )
            first = spans[key][1] if key in spans else event.seq
            spans[key] = (event, first, event.seq + covers)
        for (symbol, channel), (last, first, end) in reversed(spans.items()):
            self._items.appendleft(
                Marker(
                    venue=last.venue,
                    symbol=symbol,
                    channel=channel,
                    seq=first,
                    kind=MarkerKind.DROPPED,
                    reason=f"{self.sink.name} failed to write",
                    count=end - first,
                    ts=last.ts,
                    local_ts=last.local_ts,
                )
            )
            self.stats.markers += 1
            self._want_snapshot((symbol, channel))
