"""Maker-first against the emulator: a maker fill in a still market, the fallback to a
taker when the market runs away, and a cancel that leaves nothing at the venue."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest
from tests.conformance.conftest import SYMBOL
from tests.execution.routing import buy, routed

from tradeport.emulator.faults import ErrorBefore, TimeoutAfter
from tradeport.execution.algos.progress import AlgoStatus, EventKind
from tradeport.execution.intent import FeeSource, IntentOrderType, ReceiptStatus
from tradeport.execution.router import MakerFirstPolicy, Router
from tradeport.model import Order
from tradeport.model.errors import NotReady

VENUE = "BINANCE___SWAP"
DERIVATIVES = ["BINANCE___SWAP", "BYBIT___SWAP", "OKX___SWAP"]


@pytest.mark.parametrize("key", DERIVATIVES)
async def test_maker_first_fills_as_maker_in_a_calm_market(key: str, tmp_path: Path) -> None:
    async with routed(key, tmp_path) as r:
        qty = await r.venue.small_qty()
        bid, ask = await r.venue.touch()
        handle = Router(r.port).maker_first(buy(qty), MakerFirstPolicy(timeout=120))
        async for event in handle:
            if event.kind is EventKind.SUBMITTED:
                # one tick above the best bid, inside the spread, and alone at its price
                assert event.price is not None and bid < event.price < ask
                r.venue.move(event.price)  # the market comes down to it
        result = await handle
        assert result.status is AlgoStatus.FILLED
        assert result.filled_qty == qty
        assert [c.intent_id for c in result.children] == [f"{handle.parent.intent_id}m1"]
        fills = await r.fills_of(result.children[0].order_id)
        assert fills and all(f.is_maker for f in fills)
        assert sum(f.qty for f in fills) == qty
        assert await r.open_orders() == []


@pytest.mark.parametrize("key", DERIVATIVES)
async def test_maker_first_falls_back_to_taker_within_its_timeout_when_the_market_runs_away(
    key: str, tmp_path: Path
) -> None:
    policy = MakerFirstPolicy(
        timeout=4.0, max_reprices=2, min_reprice_interval=0.1, poll_interval=0.2
    )
    async with routed(key, tmp_path) as r:
        qty = await r.venue.small_qty()
        inst = await r.venue.inst()
        handle = Router(r.port).maker_first(buy(qty), policy)
        taker_id = f"{handle.parent.intent_id}t"
        started = fallback = None
        async for event in handle:
            if event.kind is EventKind.STARTED:
                started = event.ts
            elif event.kind is EventKind.SUBMITTED and event.child_id != taker_id:
                assert event.price is not None
                r.venue.move(event.price + 40 * inst.tick_size)  # away from the buy
            elif event.kind is EventKind.FALLBACK:
                fallback = event.ts
        result = await handle
        assert result.status is AlgoStatus.FILLED and result.filled_qty == qty
        events = [e async for e in handle]
        assert sum(e.kind is EventKind.REPRICED for e in events) == 2
        assert started is not None and fallback is not None
        assert fallback - started >= policy.timeout  # the maker phase ran its full time
        *makers, taker = result.children
        assert len(makers) == 3 and all(m.filled_qty == 0 for m in makers)
        assert taker.intent_id == f"{handle.parent.intent_id}t"
        fills = await r.fills_of(taker.order_id)
        assert fills and not any(f.is_maker for f in fills)
        assert await r.open_orders() == []


@pytest.mark.parametrize("key", DERIVATIVES)
async def test_cancelling_maker_first_leaves_no_open_child(key: str, tmp_path: Path) -> None:
    async with routed(key, tmp_path) as r:
        qty = await r.venue.small_qty()
        handle = Router(r.port).maker_first(buy(qty), MakerFirstPolicy(timeout=120))
        async for event in handle:
            if event.kind is EventKind.SUBMITTED:
                resting = await r.open_orders()
                assert [o.client_order_id for o in resting] == [event.receipt.client_order_id]
                result = await handle.cancel()
        assert result.status is AlgoStatus.CANCELLED
        assert result.filled_qty == 0
        assert await r.venue.client.get_open_orders(SYMBOL) == []
        assert [c.status.value for c in result.children] == ["cancelled"]


async def test_maker_first_decides_only_on_a_live_book(tmp_path: Path) -> None:
    async with routed(VENUE, tmp_path) as r:
        qty = await r.venue.small_qty()
        faults = r.venue.emulator.faults
        # every book snapshot fails: the streamed book cannot leave SYNCING
        down = ErrorBefore(status=503, code=-1001, msg="snapshots are down")
        faults.arm(r.venue.endpoint("get_depth"), down, times=None)
        policy = MakerFirstPolicy(timeout=30, book_timeout=0.5)
        result = await Router(r.port).maker_first(buy(qty), policy)
        assert result.status is AlgoStatus.FAILED
        assert isinstance(result.error, NotReady)
        assert result.children == []
        assert faults.seen[r.venue.endpoint("make_order")] == 0
        assert faults.seen[r.venue.endpoint("get_depth")] >= 1  # a snapshot was asked for

        faults.clear()  # the book can be verified again: the same algorithm goes ahead
        handle = Router(r.port).maker_first(buy(qty), MakerFirstPolicy(timeout=30))
        async for event in handle:
            if event.kind is EventKind.SUBMITTED:
                await handle.cancel()
        assert (await handle).status is AlgoStatus.CANCELLED
        assert await r.open_orders() == []


async def test_market_takes_the_size_at_once(tmp_path: Path) -> None:
    async with routed(VENUE, tmp_path) as r:
        qty = await r.venue.small_qty()
        _, ask = await r.venue.touch()
        result = await Router(r.port).market(buy(qty), max_slippage_bps=Decimal(20))
        assert result.status is AlgoStatus.FILLED and result.filled_qty == qty
        (child,) = result.children
        assert child.avg_price is not None and child.avg_price >= ask
        assert child.fee_source is FeeSource.VENUE and result.fees == {"USDT": child.fee}
        assert await r.open_orders() == []


async def test_a_limit_order_that_does_not_fill_is_cancelled_at_its_timeout(
    tmp_path: Path,
) -> None:
    async with routed(VENUE, tmp_path) as r:
        qty = await r.venue.small_qty()
        far = await r.venue.price_under_bid("0.95")
        intent = buy(qty, order_type=IntentOrderType.LIMIT, limit_price=far)
        handle = Router(r.port).limit(intent, timeout=0.5, poll_interval=0.1)
        resting: list[Order] = []
        async for event in handle:
            if event.kind is EventKind.SUBMITTED:
                resting = await r.open_orders()
        result = await handle
        assert [o.price for o in resting] == [far]
        assert result.status is AlgoStatus.STOPPED and result.filled_qty == 0
        assert [c.status for c in result.children] == [ReceiptStatus.CANCELLED]
        assert await r.open_orders() == []


async def test_a_cancel_during_a_child_submit_still_cancels_that_child(tmp_path: Path) -> None:
    async with routed(VENUE, tmp_path) as r:
        qty = await r.venue.small_qty()
        faults = r.venue.emulator.faults
        placed = asyncio.Event()
        watch = await r.venue.client.watch_orders(SYMBOL, callback=lambda _order: placed.set())
        # the venue takes the order, and its answer is held back
        faults.arm(r.venue.endpoint("make_order"), TimeoutAfter(seconds=60))
        handle = Router(r.port).maker_first(buy(qty), MakerFirstPolicy(timeout=120))
        await placed.wait()
        # the answer arrives only after the cancel was asked for
        asyncio.get_running_loop().call_soon(faults.clear)
        result = await handle.cancel()
        await watch.close()
        assert result.status is AlgoStatus.CANCELLED
        assert [c.status for c in result.children] == [ReceiptStatus.CANCELLED]
        assert faults.seen[r.venue.endpoint("make_order")] == 1
        assert await r.open_orders() == []
