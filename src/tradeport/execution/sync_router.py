"""The router for sync code: each algorithm starts on the shared background loop
(DESIGN.md principle 3) and returns a `SyncAlgoHandle` whose result, progress and cancel
are plain calls. The algorithms themselves are the async router's, unchanged.

    with tp.SyncExecutionPort(tp.connect("BYBIT___SWAP", environment="emulator")) as port:
        handle = tp.SyncRouter(port).twap(intent, tp.TwapPolicy(slices=5, duration=60))
        for event in handle:          # progress, ending after FINISHED
            print(event.kind, event.detail)
        result = handle.result()
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from tradeport import runtime
from tradeport.execution.algos.clock import Clock
from tradeport.execution.algos.handle import AlgoHandle, EventCallback
from tradeport.execution.algos.progress import AlgoResult, ProgressEvent
from tradeport.execution.algos.split import Route
from tradeport.execution.intent import Intent
from tradeport.execution.router import (
    IcebergPolicy,
    MakerFirstPolicy,
    Router,
    TwapPolicy,
    split,
)
from tradeport.execution.sync_port import SyncExecutionPort


class SyncAlgoHandle:
    """A running algorithm seen from sync code: `result()` waits for its outcome,
    iterating it follows the progress from the start, `cancel()` stops it (every open
    child is cancelled) and gives the result."""

    def __init__(self, handle: AlgoHandle) -> None:
        self.handle = handle

    def __repr__(self) -> str:
        return f"<SyncAlgoHandle {self.handle.algo} {self.handle.parent.intent_id}>"

    @property
    def parent(self) -> Intent:
        return self.handle.parent

    @property
    def done(self) -> bool:
        return self.handle.done

    @property
    def filled_qty(self) -> Decimal:
        return self.handle.filled_qty

    def result(self, timeout: float | None = None) -> AlgoResult:
        """The outcome, once the algorithm ended; TimeoutError after `timeout` seconds
        (the algorithm goes on: that is what `cancel` is for)."""
        return runtime.run(self.handle.result(), timeout)

    def cancel(self, reason: str = "cancelled by the caller") -> AlgoResult:
        return runtime.run(self.handle.cancel(reason))

    def __iter__(self) -> Iterator[ProgressEvent]:
        return self.events()

    def events(self) -> Iterator[ProgressEvent]:
        """Every event from STARTED on, ending after FINISHED; each step waits on the
        loop for the next event."""
        stream: AsyncIterator[ProgressEvent] = runtime.run(_open(self.handle))
        try:
            while True:
                try:
                    yield runtime.run(_next(stream))
                except StopAsyncIteration:
                    return
        finally:
            runtime.run(_close(stream))


async def _open(handle: AlgoHandle) -> AsyncIterator[ProgressEvent]:
    return handle.events()  # made on the loop, where its queue belongs


async def _next(stream: AsyncIterator[ProgressEvent]) -> ProgressEvent:
    return await anext(stream)


async def _close(stream: AsyncIterator[ProgressEvent]) -> None:
    aclose: Callable[[], Any] | None = getattr(stream, "aclose", None)
    if aclose is not None:
        await aclose()


def _async_port(port: Any) -> Any:
    return port.port if isinstance(port, SyncExecutionPort) else port


class SyncRouter:
    """`SyncRouter(port)` on a SyncExecutionPort (or an ExecutionPort on the shared
    loop); the methods and their options are Router's."""

    def __init__(
        self,
        port: Any,
        *,
        clock: Clock | None = None,
        on_event: EventCallback | None = None,
    ) -> None:
        self.router = Router(_async_port(port), clock=clock, on_event=on_event)

    def _start(self, name: str, *args: Any, **kwargs: Any) -> SyncAlgoHandle:
        async def start() -> AlgoHandle:
            # the handle's task is created on the loop that runs it
            return getattr(self.router, name)(*args, **kwargs)

        return SyncAlgoHandle(runtime.run(start()))

    def market(self, intent: Intent, *, max_slippage_bps: Decimal | None = None) -> SyncAlgoHandle:
        return self._start("market", intent, max_slippage_bps=max_slippage_bps)

    def limit(
        self, intent: Intent, *, timeout: float | None = None, poll_interval: float = 1.0
    ) -> SyncAlgoHandle:
        return self._start("limit", intent, timeout=timeout, poll_interval=poll_interval)

    def maker_first(self, intent: Intent, policy: MakerFirstPolicy | None = None) -> SyncAlgoHandle:
        return self._start("maker_first", intent, policy)

    def chase(
        self,
        intent: Intent,
        *,
        max_reprices: int = 10,
        min_interval: float = 1.0,
        timeout: float = 60.0,
    ) -> SyncAlgoHandle:
        return self._start(
            "chase", intent, max_reprices=max_reprices, min_interval=min_interval, timeout=timeout
        )

    def twap(self, intent: Intent, policy: TwapPolicy) -> SyncAlgoHandle:
        return self._start("twap", intent, policy)

    def iceberg(self, intent: Intent, policy: IcebergPolicy) -> SyncAlgoHandle:
        return self._start("iceberg", intent, policy)


for _name in ("market", "limit", "maker_first", "chase", "twap", "iceberg"):
    getattr(SyncRouter, _name).__doc__ = getattr(Router, _name).__doc__


def sync_split(routes: Sequence[Route], intent: Intent, **options: Any) -> SyncAlgoHandle:
    """`split` for sync code; each Route may hold a SyncExecutionPort."""
    chosen = [Route(_async_port(r.port), r.taker_fee) for r in routes]

    async def start() -> AlgoHandle:
        return split(chosen, intent, **options)

    return SyncAlgoHandle(runtime.run(start()))


__all__ = ["SyncAlgoHandle", "SyncRouter", "sync_split"]
