"""The smart order router: algorithms that work a parent intent through execution ports
(DESIGN.md §6). Each algorithm starts at once and returns an `AlgoHandle`: await it for
the consolidated result, iterate it for progress events, `await handle.cancel()` to stop
it. Child orders go only through the port, each an intent whose id is the parent's plus
a suffix; whatever way an algorithm ends, it leaves no child open at the venue.

Decisions (maker or taker, which price, which venue) read the venue's verified book,
and only while it is LIVE.

    router = Router(port)
    result = await router.maker_first(intent, MakerFirstPolicy(timeout=20))
    result = await split([Route(binance, Decimal("0.0005")), Route(okx, ...)], intent)
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from tradeport.execution.algos.clock import Clock, MonotonicClock
from tradeport.execution.algos.handle import AlgoContext, AlgoHandle, Body, EventCallback
from tradeport.execution.algos.iceberg import IcebergPolicy, iceberg
from tradeport.execution.algos.maker import Fallback, MakerFirstPolicy, maker_first
from tradeport.execution.algos.placement import limit_order, on_step, take
from tradeport.execution.algos.ports import OrderPort
from tradeport.execution.algos.progress import (
    AlgoResult,
    AlgoStatus,
    EventKind,
    ProgressEvent,
    VenueFills,
)
from tradeport.execution.algos.split import Route, allocate
from tradeport.execution.algos.split import split as split_body
from tradeport.execution.algos.twap import SliceMode, TwapPolicy, twap
from tradeport.execution.intent import Intent, ReceiptStatus
from tradeport.model.errors import BadParameter
from tradeport.venues.kit import arguments


def _outcome(ctx: AlgoContext) -> AlgoStatus:
    return AlgoStatus.FILLED if ctx.children.filled() >= ctx.parent.size else AlgoStatus.STOPPED


class Router:
    """The single-venue algorithms, on one port. `clock` (a fake one in tests) times
    schedules and timeouts; `on_event` is called with every progress event."""

    def __init__(
        self,
        port: OrderPort,
        *,
        clock: Clock | None = None,
        on_event: EventCallback | None = None,
    ) -> None:
        self.port = port
        self.clock: Clock = clock if clock is not None else MonotonicClock()
        self.on_event = on_event

    def _start(self, algo: str, intent: Intent, body: Body) -> AlgoHandle:
        return AlgoHandle(algo, intent, body, self.clock, self.on_event)

    def market(self, intent: Intent, *, max_slippage_bps: Decimal | None = None) -> AlgoHandle:
        """Take the whole size now: a market order, or with `max_slippage_bps` a limit
        that far beyond the far touch whose unfilled rest is cancelled."""
        port = self.port

        async def body(ctx: AlgoContext) -> AlgoStatus:
            qty = on_step("size", intent.size, await ctx.instrument(port))
            await take(ctx, port, qty, "t", max_slippage_bps)
            return _outcome(ctx)

        return self._start("market", intent, body)

    def limit(
        self, intent: Intent, *, timeout: float | None = None, poll_interval: float = 1.0
    ) -> AlgoHandle:
        """One limit order at `intent.limit_price`, resting until filled, or cancelled
        after `timeout` seconds."""
        if intent.limit_price is None:
            raise BadParameter(f"intent {intent.intent_id}: a limit order needs a limit_price")
        price = intent.limit_price
        if timeout is not None:
            arguments.seconds("timeout", timeout)
        arguments.seconds("poll_interval", poll_interval)
        port = self.port

        async def body(ctx: AlgoContext) -> AlgoStatus:
            await limit_order(ctx, port, price, timeout, poll_interval)
            return _outcome(ctx)

        return self._start("limit", intent, body)

    def maker_first(self, intent: Intent, policy: MakerFirstPolicy | None = None) -> AlgoHandle:
        """Post-only one tick inside the spread, following the book when it moves away,
        then the policy's fallback (cross within a slippage bound, or stop)."""
        policy = policy if policy is not None else MakerFirstPolicy()
        port = self.port

        async def body(ctx: AlgoContext) -> AlgoStatus:
            qty = on_step("size", intent.size, await ctx.instrument(port))
            return await maker_first(ctx, port, qty, policy)

        return self._start("maker_first", intent, body)

    def chase(
        self,
        intent: Intent,
        *,
        max_reprices: int = 10,
        min_interval: float = 1.0,
        timeout: float = 60.0,
    ) -> AlgoHandle:
        """Cancel-replace chase: rest post-only at the front of the book and move with
        it, at most `max_reprices` times and `min_interval` seconds apart; after
        `timeout` the rest is cancelled (never crosses)."""
        policy = MakerFirstPolicy(
            timeout=timeout,
            fallback=Fallback.STOP,
            max_reprices=max_reprices,
            min_reprice_interval=min_interval,
        )
        port = self.port

        async def body(ctx: AlgoContext) -> AlgoStatus:
            qty = on_step("size", intent.size, await ctx.instrument(port))
            return await maker_first(ctx, port, qty, policy)

        return self._start("chase", intent, body)

    def twap(self, intent: Intent, policy: TwapPolicy) -> AlgoHandle:
        port = self.port

        async def body(ctx: AlgoContext) -> AlgoStatus:
            return await twap(ctx, port, policy)

        return self._start("twap", intent, body)

    def iceberg(self, intent: Intent, policy: IcebergPolicy) -> AlgoHandle:
        port = self.port

        async def body(ctx: AlgoContext) -> AlgoStatus:
            return await iceberg(ctx, port, policy)

        return self._start("iceberg", intent, body)


def split(
    routes: Sequence[Route],
    intent: Intent,
    *,
    max_slippage_bps: Decimal | None = None,
    clock: Clock | None = None,
    on_event: EventCallback | None = None,
) -> AlgoHandle:
    """One parent across several venues: sized by the best prices net of each venue's
    taker fee over their LIVE books, taken on each at once (market, or within
    `max_slippage_bps` of each far touch); the result has a breakdown per venue."""
    chosen = list(routes)
    if not chosen:
        raise BadParameter("split: give at least one Route")

    async def body(ctx: AlgoContext) -> AlgoStatus:
        return await split_body(ctx, chosen, max_slippage_bps)

    used = clock if clock is not None else MonotonicClock()
    return AlgoHandle("split", intent, body, used, on_event)


__all__ = [
    "AlgoHandle",
    "AlgoResult",
    "AlgoStatus",
    "Clock",
    "EventKind",
    "Fallback",
    "IcebergPolicy",
    "MakerFirstPolicy",
    "MonotonicClock",
    "OrderPort",
    "ProgressEvent",
    "ReceiptStatus",
    "Route",
    "Router",
    "SliceMode",
    "TwapPolicy",
    "VenueFills",
    "allocate",
    "split",
]
