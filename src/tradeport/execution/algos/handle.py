"""A running algorithm: started at once, cancellable, telling its progress, and always
ending the same way: its open children cancelled through their port, fees read from
the venue, and one consolidated result (also on the last event, FINISHED)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Generator
from decimal import Decimal
from typing import Any

from tradeport.execution.algos.books import LiveBook, Wake
from tradeport.execution.algos.children import Children
from tradeport.execution.algos.clock import Clock
from tradeport.execution.algos.ports import OrderPort
from tradeport.execution.algos.progress import AlgoResult, AlgoStatus, EventKind, ProgressEvent
from tradeport.execution.intent import Intent
from tradeport.model import Instrument
from tradeport.model.errors import TradeportError

log = logging.getLogger("tradeport.execution.router")
EventCallback = Callable[[ProgressEvent], None]


class AlgoContext:
    """What an algorithm's body works with: its parent intent, clock, children, the
    verified books of the venues it trades and the wake-up they share."""

    def __init__(self, parent: Intent, clock: Clock, emit: Callable[..., None]) -> None:
        self.parent = parent
        self.clock = clock
        self.emit = emit
        self.children = Children(parent, emit)
        self.wake = Wake()
        self._books: dict[str, LiveBook] = {}

    @property
    def symbol(self) -> str:
        return self.parent.asset

    async def book(self, port: OrderPort) -> LiveBook:
        """The verified book of the parent's symbol on `port`'s venue, watched from the
        first call until the algorithm ends."""
        key = port.client.key
        book = self._books.get(key)
        if book is None:
            book = LiveBook(port.client, self.symbol, self.wake)
            self._books[key] = book
            await book.start()
        return book

    async def instrument(self, port: OrderPort) -> Instrument:
        return await port.client.instrument(self.symbol)

    async def close_books(self) -> None:
        for book in self._books.values():
            await book.close()
        self._books.clear()


# An algorithm's body: trades through `ctx.children` and returns FILLED, or STOPPED when
# its own policy ends it short of the size. Raising a TradeportError fails it.
Body = Callable[[AlgoContext], Awaitable[AlgoStatus]]


class AlgoHandle:
    """`await handle` (or `await handle.result()`) gives the AlgoResult; `async for event
    in handle` follows the progress from the start; `await handle.cancel()` stops it,
    cancels its open children and gives the result."""

    def __init__(
        self,
        algo: str,
        parent: Intent,
        body: Body,
        clock: Clock,
        on_event: EventCallback | None = None,
    ) -> None:
        self.algo = algo
        self.parent = parent
        self._on_event = on_event
        self._events: list[ProgressEvent] = []
        self._queues: list[asyncio.Queue[ProgressEvent | None]] = []
        self._ended = False
        self._in_body = False
        self._cancel_reason: str | None = None
        self._ctx = AlgoContext(parent, clock, self._emit)
        self._task = asyncio.get_running_loop().create_task(self._drive(body))

    def __repr__(self) -> str:
        state = "done" if self._task.done() else "running"
        return f"<AlgoHandle {self.algo} {self.parent.intent_id} {state}>"

    @property
    def done(self) -> bool:
        return self._task.done()

    @property
    def filled_qty(self) -> Decimal:
        return self._ctx.children.filled()

    async def result(self) -> AlgoResult:
        """The outcome, once the algorithm ended. Cancelling this wait does not stop
        the algorithm (that is `cancel`)."""
        return await asyncio.shield(self._task)

    def __await__(self) -> Generator[Any, None, AlgoResult]:
        return self.result().__await__()

    async def cancel(self, reason: str = "cancelled by the caller") -> AlgoResult:
        if not self._task.done() and self._cancel_reason is None:
            self._cancel_reason = reason
            if self._in_body:
                self._task.cancel()
            # before the body starts, `_drive` sees the reason and ends at once; once
            # it has ended, the algorithm is already cleaning up: nothing to interrupt
        return await self.result()

    def __aiter__(self) -> AsyncIterator[ProgressEvent]:
        return self.events()

    async def events(self) -> AsyncIterator[ProgressEvent]:
        """Every event from STARTED on (past ones first), ending after FINISHED."""
        queue: asyncio.Queue[ProgressEvent | None] = asyncio.Queue()
        for event in self._events:
            queue.put_nowait(event)
        if self._ended:
            queue.put_nowait(None)
        self._queues.append(queue)
        try:
            while (item := await queue.get()) is not None:
                yield item
                if item.kind is EventKind.FINISHED:
                    return
        finally:
            self._queues.remove(queue)

    def _emit(self, kind: EventKind, **fields: Any) -> None:
        event = ProgressEvent(
            kind=kind,
            parent_id=self.parent.intent_id,
            ts=self._ctx.clock.now(),
            filled_qty=self._ctx.children.filled(),
            **fields,
        )
        self._events.append(event)
        for queue in self._queues:
            queue.put_nowait(event)
        if self._on_event is not None:
            self._on_event(event)

    async def _drive(self, body: Body) -> AlgoResult:
        error: TradeportError | None = None
        if self._cancel_reason is not None:
            return await self._finish(AlgoStatus.CANCELLED, None, self._cancel_reason)
        self._emit(EventKind.STARTED, detail=self.algo)
        self._in_body = True
        try:
            status = await body(self._ctx)
            reason = f"{self.algo} ended"
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()  # the cancellation is handled: cleanup may await again
            status, reason = AlgoStatus.CANCELLED, self._cancel_reason or "cancelled"
        except TradeportError as exc:
            log.warning("%s %s failed: %s", self.algo, self.parent.intent_id, exc)
            status, error, reason = AlgoStatus.FAILED, exc, f"{self.algo} failed"
            self._emit(EventKind.ERROR, detail=str(exc))
        except BaseException:
            # a defect, not a venue's answer: the children still go before it surfaces
            self._in_body = False
            await self._cleanup(f"{self.algo} crashed")
            self._end()
            raise
        finally:
            self._in_body = False
        return await self._finish(status, error, reason)

    async def _cleanup(self, reason: str) -> list[TradeportError]:
        try:
            return await self._ctx.children.close_out(reason)
        finally:
            await self._ctx.close_books()

    async def _finish(
        self, status: AlgoStatus, error: TradeportError | None, reason: str
    ) -> AlgoResult:
        cleanup_errors = await self._cleanup(reason)
        children = self._ctx.children
        if status is AlgoStatus.STOPPED and children.filled() >= self.parent.size:
            status = AlgoStatus.FILLED
        result = children.result(self.algo, status, error, cleanup_errors)
        self._emit(EventKind.FINISHED, result=result, detail=status.value)
        self._end()
        return result

    def _end(self) -> None:
        self._ended = True
        for queue in self._queues:
            queue.put_nowait(None)
