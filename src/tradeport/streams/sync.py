"""Streams for sync code: events land in a `queue.Queue` from the shared loop thread."""

from __future__ import annotations

import queue
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

from tradeport import runtime
from tradeport.book.view import BookView
from tradeport.model.errors import SlowConsumer
from tradeport.streams.watch import CONFLATED, DEFAULT_MAXSIZE, Watch

T = TypeVar("T")


class _Closed:
    """Put in the queue when the stream ends; carries the error that ended it, if any."""

    def __init__(self, error: BaseException | None) -> None:
        self.error = error


class SyncWatch(Generic[T]):
    """`for book in v.watch_order_book("BTC-USDT"): ...`, or `get(timeout=…)`.

    Events are put into `queue` by the event loop thread. Conflated channels (books,
    tickers) keep only the newest item waiting; event channels keep up to `maxsize` and
    then end with SlowConsumer rather than silently dropping events.
    """

    def __init__(self, maxsize: int = DEFAULT_MAXSIZE) -> None:
        self.queue: queue.Queue[Any] = queue.Queue()
        self._maxsize = maxsize
        self._conflate = False
        self._overflowed = False
        self._ended = False
        self._watch: Watch[T] | None = None

    def _start(self, watch: Watch[T]) -> SyncWatch[T]:
        self._conflate = watch.channel.kind in CONFLATED
        watch.when_closed(self._end)
        self._watch = runtime.run(watch.start())
        return self

    def _put(self, event: Any) -> None:  # on the loop thread
        if self._overflowed:
            return
        if isinstance(event, BookView):
            # read on another thread while this one changes the book: copy its levels now
            event.freeze()
        if self._conflate:
            while True:
                try:
                    self.queue.get_nowait()
                except queue.Empty:
                    break
        elif self.queue.qsize() >= self._maxsize:
            self._overflowed = True
            self.queue.put(_Closed(SlowConsumer(f"reader fell {self._maxsize} events behind")))
            return
        self.queue.put(event)

    def _end(self, error: BaseException | None) -> None:  # on the loop thread
        if not self._overflowed:
            self.queue.put(_Closed(error))

    def get(self, timeout: float | None = None) -> T:
        """The next event; `queue.Empty` after `timeout` seconds without one;
        StopIteration-like `EOFError` once the stream has ended."""
        if self._ended:
            raise EOFError("the stream has ended")
        item = self.queue.get(timeout=timeout)
        if isinstance(item, _Closed):
            self._ended = True
            if item.error is not None:
                raise item.error
            raise EOFError("the stream has ended")
        return item

    def __iter__(self) -> Iterator[T]:
        while True:
            try:
                yield self.get()
            except EOFError:
                return

    def close(self) -> None:
        if self._watch is not None:
            runtime.run(self._watch.close())

    def __enter__(self) -> SyncWatch[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SyncCallbackWatch:
    """A sync caller's callback watch: the callback runs on the loop thread."""

    def __init__(self, watch: Watch[Any]) -> None:
        self.watch = runtime.run(watch.start())

    def close(self) -> None:
        runtime.run(self.watch.close())


def sync_watch(
    watch_method: Callable[..., Watch[T]], *args: Any, **kwargs: Any
) -> SyncWatch[T] | SyncCallbackWatch:
    """Start `watch_method` for a sync caller: a SyncWatch queue, or with `callback=`
    a SyncCallbackWatch whose callback runs on the shared loop thread."""
    if kwargs.get("callback") is not None:
        return SyncCallbackWatch(watch_method(*args, **kwargs))
    sink: SyncWatch[T] = SyncWatch(kwargs.get("maxsize", DEFAULT_MAXSIZE))
    return sink._start(watch_method(*args, **{**kwargs, "callback": sink._put}))
