"""Stream events to consumers: async iterators, callbacks and thread-safe queues.

A venue opens one subscription per channel however many consumers watch it; the
`Dispatcher` fans each event out to every consumer's sink. State-like channels (books,
tickers, quotes, mark prices) are conflated: a consumer that reads slowly gets the
newest state, never a backlog. Event channels (trades, klines, orders, fills, balances,
positions) are queued in full; a consumer whose bounded queue overflows gets
`SlowConsumer` where it reads next instead of silently missing events.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Generator
from typing import Any, Generic, NamedTuple, Self, TypeVar

from tradeport.model.errors import SlowConsumer

T = TypeVar("T")
log = logging.getLogger("tradeport.streams")

# Channels whose events are states: the newest one supersedes the others.
CONFLATED = frozenset({"book", "partial_book", "ticker", "quotes", "mark"})
DEFAULT_MAXSIZE = 100_000


class Channel(NamedTuple):
    """What a consumer watches: `kind` is one of ticker, trades, klines, book,
    partial_book, quotes, mark, orders, fills, positions, balance; `param` is e.g. a
    kline period or a number of levels."""

    kind: str
    symbol: str | None = None
    param: str | None = None


# Turns what the venue published into what this consumer receives; None skips it
# (a book not LIVE, an order of another symbol).
Materialize = Callable[[Any], Any]


class _End:
    """Marks the end of a stream (the client closed)."""


_END = _End()


class Sink:
    """One consumer's end of a channel."""

    def __init__(self, materialize: Materialize | None) -> None:
        self.materialize = materialize

    def push(self, event: object) -> None:
        raise NotImplementedError

    def fail(self, exc: BaseException) -> None:
        raise NotImplementedError


class QueueSink(Sink):
    """Events wait in an asyncio queue; conflated channels keep only the newest."""

    def __init__(self, materialize: Materialize | None, *, conflate: bool, maxsize: int) -> None:
        super().__init__(materialize)
        self.conflate = conflate
        self.maxsize = maxsize
        self._items: deque[object] = deque()
        self._ready = asyncio.Event()
        # True from the push that set `_ready` until the reader clears it: a push then
        # needs no call into the event (this runs for every event of the channel)
        self._signalled = False
        self._error: BaseException | None = None

    def push(self, event: object) -> None:
        if self._error is not None:
            return
        items = self._items
        if self.conflate:
            items.clear()
            items.append(event)
        elif len(items) >= self.maxsize:
            items.clear()
            self._error = SlowConsumer(
                f"consumer fell {self.maxsize} events behind; events were dropped for it"
            )
        else:
            items.append(event)
        if not self._signalled:
            self._signalled = True
            self._ready.set()

    def fail(self, exc: BaseException) -> None:
        if self._error is None:
            self._error = exc
        self._ready.set()

    async def get(self) -> object:
        while True:
            if self._items:
                item = self._items.popleft()
                if self.materialize is not None:
                    item = self.materialize(item)
                    if item is None:
                        continue
                return item
            if self._error is not None:
                raise self._error
            self._signalled = False
            self._ready.clear()
            await self._ready.wait()


class CallbackSink(Sink):
    """Each event is handed to a function on the event loop; a coroutine function's
    calls run as tasks. A callback that raises is logged and counted, and the stream
    goes on: one consumer's bug must not cut the others off."""

    def __init__(
        self,
        materialize: Materialize | None,
        callback: Callable[[Any], Any],
    ) -> None:
        super().__init__(materialize)
        self.callback = callback
        # set by `Watch.when_closed`: told once, with the error or None, at the end
        self.on_close: Callable[[BaseException | None], None] | None = None
        self.errors = 0
        self.closed = asyncio.Event()
        self.error: BaseException | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    def push(self, event: object) -> None:
        if self.materialize is not None:
            event = self.materialize(event)
            if event is None:
                return
        try:
            result = self.callback(event)
        except Exception:
            self.errors += 1
            log.exception("stream callback %r raised", self.callback)
            return
        # most callbacks return None: no check against the Awaitable ABC for those
        if result is not None and isinstance(result, Awaitable):
            task = asyncio.ensure_future(result)
            self._tasks.add(task)
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.errors += 1
            log.error("stream callback %r raised", self.callback, exc_info=task.exception())

    def fail(self, exc: BaseException) -> None:
        if self.closed.is_set():
            return
        if not isinstance(exc, _EndOfStream):
            self.error = exc
        self.closed.set()
        if self.on_close is not None:
            self.on_close(self.error)


class _EndOfStream(Exception):
    """The client closed: iteration ends normally."""


Opener = Callable[[Channel], Awaitable[None]]


class Dispatcher:
    """Channel → consumers. The venue opens a channel when its first consumer comes
    and closes it when the last one leaves; it publishes to `publish`."""

    def __init__(self, open_channel: Opener, close_channel: Opener) -> None:
        self._open = open_channel
        self._close = close_channel
        self._sinks: dict[Channel, list[Sink]] = {}
        self._locks: dict[Channel, asyncio.Lock] = {}
        self.closed = False

    def channels(self) -> list[Channel]:
        return list(self._sinks)

    def watching(self, channel: Channel) -> bool:
        return channel in self._sinks

    def publish(self, channel: Channel, event: object) -> None:
        sinks = self._sinks.get(channel)
        if sinks:
            for sink in sinks:
                sink.push(event)

    def sinks_lookup(self) -> Callable[[Channel], list[Sink] | None]:
        """The consumers of a channel, looked up afresh at each call: a venue's hot path
        pushes each event to them itself, one call fewer than `publish`."""
        return self._sinks.get

    async def attach(self, channel: Channel, sink: Sink) -> None:
        if self.closed:
            raise RuntimeError("the client is closed")
        async with self._locks.setdefault(channel, asyncio.Lock()):
            sinks = self._sinks.get(channel)
            if sinks is not None:
                sinks.append(sink)
                return
            # the sink is registered before the venue subscribes, so no event of the
            # new subscription can arrive unseen
            self._sinks[channel] = [sink]
            try:
                await self._open(channel)
            except BaseException:
                del self._sinks[channel]
                raise

    async def detach(self, channel: Channel, sink: Sink) -> None:
        async with self._locks.setdefault(channel, asyncio.Lock()):
            sinks = self._sinks.get(channel)
            if sinks is None or sink not in sinks:
                return
            sinks.remove(sink)
            if not sinks:
                del self._sinks[channel]
                if not self.closed:
                    await self._close(channel)

    def close(self) -> None:
        """End every consumer (their iterators stop); the venue closes its sockets."""
        self.closed = True
        for sinks in self._sinks.values():
            for sink in sinks:
                sink.fail(_EndOfStream())
        self._sinks.clear()


class Watch(Generic[T]):
    """One consumer of one channel.

    `async for x in client.watch_trades("BTC-USDT")` iterates; with `callback=` the
    events go to the function instead: `w = await client.watch_trades(s, callback=f)`
    starts it and `await w.close()` stops it. `async with` closes it on exit.
    """

    def __init__(
        self,
        dispatcher: Dispatcher,
        channel: Channel,
        *,
        materialize: Materialize | None = None,
        callback: Callable[[T], Any] | None = None,
        maxsize: int = DEFAULT_MAXSIZE,
    ) -> None:
        self.channel = channel
        self._dispatcher = dispatcher
        self._sink: Sink
        if callback is not None:
            self._sink = CallbackSink(materialize, callback)
        else:
            self._sink = QueueSink(materialize, conflate=channel.kind in CONFLATED, maxsize=maxsize)
        self._started = False
        self._closed = False

    def __repr__(self) -> str:
        return f"<Watch {self.channel.kind} {self.channel.symbol or '*'}>"

    async def start(self) -> Self:
        """Subscribe (once); returns when the venue confirmed the subscription."""
        if not self._started:
            self._started = True
            try:
                await self._dispatcher.attach(self.channel, self._sink)
            except BaseException:
                self._closed = True
                raise
        return self

    def __await__(self) -> Generator[Any, None, Self]:
        return self.start().__await__()

    async def close(self) -> None:
        if not self._closed:
            self._closed = True
            if self._started:
                await self._dispatcher.detach(self.channel, self._sink)
            self._sink.fail(_EndOfStream())

    def when_closed(self, fn: Callable[[BaseException | None], None]) -> None:
        """Callback form: `fn(error or None)` runs once when the stream ends."""
        if not isinstance(self._sink, CallbackSink):
            raise TypeError("when_closed() is for callback watches")
        self._sink.on_close = fn

    async def wait_closed(self) -> None:
        """Callback form: wait until the stream ends; raises what ended it, if an error."""
        if not isinstance(self._sink, CallbackSink):
            raise TypeError("wait_closed() is for callback watches; iterate this one")
        await self._sink.closed.wait()
        if self._sink.error is not None:
            raise self._sink.error

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> T:
        if not isinstance(self._sink, QueueSink):
            raise TypeError("a watch with a callback delivers to the callback; do not iterate")
        if self._closed and not self._started:
            raise StopAsyncIteration
        await self.start()
        try:
            item: T = await self._sink.get()  # type: ignore[assignment]
        except _EndOfStream:
            raise StopAsyncIteration from None
        return item

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
