"""Fetching REST depth snapshots for the books that need one, gently.

Books ask (`request`) and the queue fetches: each symbol at most once at a time, at most
`concurrency` fetches in flight, so that a mass gap (a reconnect under hundreds of books)
does not spend the venue's REST weight budget in one burst. `fetch` is the REST
client's depth call, which waits on the client's rate limiter; a failed fetch, or a
snapshot its book refused as malformed, is retried with exponential backoff and jitter
while other symbols keep going.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable

from tradeport.model.errors import MalformedMessage
from tradeport.model.market import OrderBook

log = logging.getLogger("tradeport.book")

Fetch = Callable[[str], Awaitable[OrderBook]]
Deliver = Callable[[str, OrderBook], None]


class SnapshotQueue:
    def __init__(
        self,
        fetch: Fetch,
        deliver: Deliver,
        *,
        concurrency: int = 1,
        min_interval: float = 0.0,
        retry_base: float = 0.5,
        retry_max: float = 30.0,
        rng: random.Random | None = None,
    ) -> None:
        if concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {concurrency}")
        self.fetch = fetch
        self.deliver = deliver
        self.concurrency = concurrency
        self.min_interval = min_interval  # seconds between two fetches of one symbol
        self.retry_base = retry_base
        self.retry_max = retry_max
        self.fetched = 0
        self.failures = 0
        self._rng = rng or random.Random()
        self._pending: dict[str, float] = {}  # symbol → earliest loop time; FIFO order
        self._in_flight: set[str] = set()
        self._dropped: set[str] = set()  # discarded while in flight: neither deliver nor retry
        self._attempts: dict[str, int] = {}  # consecutive failures per symbol
        self._last_fetch: dict[str, float] = {}  # loop time a fetch of the symbol began
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(concurrency)
        self._scheduler: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._timers: dict[int, asyncio.TimerHandle] = {}  # wake-ups for delayed symbols
        self._timer_ids = 0

    @property
    def pending(self) -> list[str]:
        """Symbols waiting for a fetch, in the order they will be served."""
        return list(self._pending)

    @property
    def in_flight(self) -> frozenset[str]:
        return frozenset(self._in_flight)

    @property
    def running(self) -> bool:
        return self._scheduler is not None and not self._scheduler.done()

    def request(self, symbol: str) -> None:
        """Ask for a snapshot of `symbol`. A symbol already waiting or being fetched is
        not queued again: the fetch under way answers this request too."""
        self._dropped.discard(symbol)
        if symbol in self._pending or symbol in self._in_flight:
            return
        if self.min_interval and symbol in self._last_fetch:
            self._schedule(symbol, 0.0)
        else:
            self._pending[symbol] = 0.0
            self._wake.set()

    def discard(self, symbol: str) -> None:
        """Drop a request (e.g. the book was unsubscribed); a fetch already under way
        finishes but is neither delivered nor retried."""
        self._pending.pop(symbol, None)
        self._attempts.pop(symbol, None)
        if symbol in self._in_flight:
            self._dropped.add(symbol)

    def start(self) -> None:
        """Start serving requests (idempotent); needs a running event loop."""
        if self.running:
            return
        self._scheduler = asyncio.get_running_loop().create_task(
            self._serve(), name="tradeport.book.snapshots"
        )

    async def close(self) -> None:
        """Stop: cancel the scheduler and the fetches in flight, forget waiting requests."""
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        tasks = set(self._tasks)
        if self._scheduler is not None:
            tasks.add(self._scheduler)
            self._scheduler = None
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        self._tasks.clear()
        self._pending.clear()
        self._in_flight.clear()
        self._dropped.clear()
        self._attempts.clear()
        self._slots = asyncio.Semaphore(self.concurrency)

    async def _serve(self) -> None:
        while True:
            await self._slots.acquire()
            symbol = await self._next_ready()
            self._in_flight.add(symbol)
            task = asyncio.get_running_loop().create_task(self._fetch_one(symbol))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _next_ready(self) -> str:
        loop = asyncio.get_running_loop()
        while True:
            self._wake.clear()
            now = loop.time()
            for symbol, not_before in self._pending.items():
                if not_before <= now:
                    del self._pending[symbol]
                    return symbol
            await self._wake.wait()

    async def _fetch_one(self, symbol: str) -> None:
        loop = asyncio.get_running_loop()
        try:
            self._last_fetch[symbol] = loop.time()
            try:
                snapshot = await self.fetch(symbol)
            except Exception as exc:  # any failure of one fetch: retry it, keep serving
                self._in_flight.discard(symbol)
                if symbol in self._dropped:
                    self._dropped.discard(symbol)
                    log.info("snapshot of discarded %s failed: %r", symbol, exc)
                    return
                self._retry_later(symbol, exc)
                return
            self.fetched += 1
            if symbol in self._dropped:
                self._dropped.discard(symbol)
                return
            # out of flight before delivery: a book that finds this snapshot too old
            # asks again from inside `deliver`, and that request must be queued
            self._in_flight.discard(symbol)
            try:
                self.deliver(symbol, snapshot)
            except MalformedMessage as exc:
                # the book refused the snapshot (garbage levels) and asked again: the
                # next fetch waits its backoff, or a venue sending garbage would be
                # asked as fast as the rate limiter lets us
                if self._pending.pop(symbol, None) is not None:
                    self._retry_later(symbol, exc)
                else:
                    self.failures += 1
                    log.warning("the %s snapshot was refused: %s", symbol, exc)
                return
            except Exception:
                self.failures += 1
                log.exception("delivering the %s snapshot failed", symbol)
            self._attempts.pop(symbol, None)
        finally:
            self._in_flight.discard(symbol)
            self._slots.release()

    def _retry_later(self, symbol: str, exc: Exception) -> None:
        self.failures += 1
        attempt = self._attempts.get(symbol, 0) + 1
        self._attempts[symbol] = attempt
        delay = min(self.retry_max, self.retry_base * 2 ** (attempt - 1))
        delay *= 0.5 + self._rng.random() / 2  # jitter: books that failed together spread
        log.warning(
            "snapshot of %s failed (attempt %d): %r; retrying in %.2f s",
            symbol,
            attempt,
            exc,
            delay,
        )
        self._schedule(symbol, delay)

    def _schedule(self, symbol: str, delay: float) -> None:
        loop = asyncio.get_running_loop()
        not_before = loop.time() + delay
        if self.min_interval:
            last = self._last_fetch.get(symbol)
            if last is not None:
                not_before = max(not_before, last + self.min_interval)
        self._pending[symbol] = not_before
        self._timer_ids += 1
        self._timers[self._timer_ids] = loop.call_at(not_before, self._wake_up, self._timer_ids)

    def _wake_up(self, timer_id: int) -> None:
        self._timers.pop(timer_id, None)
        self._wake.set()
