"""TWAP on a fake clock and the iceberg against the emulator: how many slices, when,
how much rests, and that a cancel leaves nothing at the venue."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from tests.execution.routing import FakeClock, buy, routed

from tradeport.execution.algos.progress import AlgoStatus, EventKind, ProgressEvent
from tradeport.execution.router import (
    IcebergPolicy,
    MakerFirstPolicy,
    Router,
    SliceMode,
    TwapPolicy,
)
from tradeport.model.errors import BadParameter

VENUE = "BINANCE___SWAP"


async def test_twap_sends_its_slices_evenly_spaced_on_the_clock(tmp_path: Path) -> None:
    async with routed(VENUE, tmp_path) as r:
        slice_qty = await r.venue.small_qty()
        clock = FakeClock()
        start = clock.now()
        policy = TwapPolicy(slices=4, duration=60.0)
        told: list[ProgressEvent] = []
        router = Router(r.port, clock=clock, on_event=told.append)
        handle = router.twap(buy(slice_qty * 4), policy)
        result = await handle
        events = [e async for e in handle]
        assert told == events and events[-1].result == result
        slices = [e for e in events if e.kind is EventKind.SLICE]
        assert [e.slice_index for e in slices] == [0, 1, 2, 3]
        assert [e.ts - start for e in slices] == [0.0, 15.0, 30.0, 45.0]
        assert result.status is AlgoStatus.FILLED and result.filled_qty == slice_qty * 4
        assert [c.filled_qty for c in result.children] == [slice_qty] * 4
        parent = handle.parent.intent_id
        assert [c.intent_id for c in result.children] == [f"{parent}s{i}t" for i in range(1, 5)]


async def test_twap_jitter_delays_each_slice_within_its_interval(tmp_path: Path) -> None:
    async with routed(VENUE, tmp_path) as r:
        slice_qty = await r.venue.small_qty()
        clock = FakeClock()
        start = clock.now()
        policy = TwapPolicy(slices=3, duration=30.0, jitter=0.5, seed=5)
        handle = Router(r.port, clock=clock).twap(buy(slice_qty * 3), policy)
        result = await handle
        offsets = [e.ts - start async for e in handle if e.kind is EventKind.SLICE]
        assert offsets == pytest.approx(policy.offsets())
        assert all(i * 10.0 <= at <= i * 10.0 + 5.0 for i, at in enumerate(offsets))
        assert offsets != [0.0, 10.0, 20.0]  # the jitter did move them
        assert result.filled_qty == slice_qty * 3


@pytest.mark.parametrize("key", ["BINANCE___SWAP", "BYBIT___SWAP", "OKX___SWAP"])
async def test_iceberg_never_rests_more_than_its_display_size(key: str, tmp_path: Path) -> None:
    async with routed(key, tmp_path) as r:
        display = await r.venue.small_qty()
        taker = await r.venue.connect(account=1)
        try:
            handle = Router(r.port).iceberg(buy(display * 3), IcebergPolicy(display=display))
            shown: list[Decimal] = []
            async for event in handle:
                if event.kind is EventKind.SUBMITTED:
                    resting = sum((o.remaining_qty for o in await r.open_orders()), Decimal(0))
                    shown.append(resting)
                    # another account sells into the refill: it stands first in the book
                    await taker.make_order("BTC-USDT", display, order_type="sell-market")
        finally:
            await taker.close()
        result = await handle
        assert shown == [display, display, display]
        assert result.status is AlgoStatus.FILLED and result.filled_qty == display * 3
        assert len(result.children) == 3
        assert await r.open_orders() == []


async def test_an_iceberg_child_worn_below_refill_below_is_replaced_by_a_full_one(
    tmp_path: Path,
) -> None:
    async with routed(VENUE, tmp_path) as r:
        q = await r.venue.small_qty()
        taker = await r.venue.connect(account=1)
        policy = IcebergPolicy(display=q * 3, refill_below=q * 2, poll_interval=0.2)
        try:
            handle = Router(r.port).iceberg(buy(q * 5), policy)
            shown: list[Decimal] = []
            async for event in handle:
                if event.kind is EventKind.SUBMITTED:
                    resting = sum((o.remaining_qty for o in await r.open_orders()), Decimal(0))
                    shown.append(resting)
                    # the first child is worn down to q (< refill_below), the second filled
                    hit = q * 2 if len(shown) == 1 else q * 3
                    await taker.make_order("BTC-USDT", hit, order_type="sell-market")
        finally:
            await taker.close()
        result = await handle
        # the worn child was cancelled before its replacement showed the full size again
        assert shown == [q * 3, q * 3]
        assert [c.filled_qty for c in result.children] == [q * 2, q * 3]
        assert result.status is AlgoStatus.FILLED and result.filled_qty == q * 5
        assert await r.open_orders() == []


def test_refill_below_above_the_display_size_is_refused() -> None:
    with pytest.raises(BadParameter, match="refill_below 3: must not exceed display 2"):
        IcebergPolicy(display=Decimal(2), refill_below=Decimal(3))


async def test_cancelling_an_iceberg_leaves_no_open_child(tmp_path: Path) -> None:
    async with routed(VENUE, tmp_path) as r:
        display = await r.venue.small_qty()
        taker = await r.venue.connect(account=1)
        try:
            handle = Router(r.port).iceberg(buy(display * 5), IcebergPolicy(display=display))
            refills = 0
            async for event in handle:
                if event.kind is EventKind.SUBMITTED:
                    refills += 1
                    if refills == 1:
                        await taker.make_order("BTC-USDT", display, order_type="sell-market")
                    else:
                        assert len(await r.open_orders()) == 1
                        result = await handle.cancel()
        finally:
            await taker.close()
        assert result.status is AlgoStatus.CANCELLED
        assert result.filled_qty == display
        assert await r.open_orders() == []


async def test_twap_maker_slices_fall_back_to_taker_before_the_next_slice(tmp_path: Path) -> None:
    async with routed(VENUE, tmp_path) as r:
        slice_qty = await r.venue.small_qty()
        clock = FakeClock()
        start = clock.now()
        maker = MakerFirstPolicy(timeout=60.0, poll_interval=5.0)
        policy = TwapPolicy(slices=2, duration=20.0, mode=SliceMode.MAKER_FIRST, maker=maker)
        handle = Router(r.port, clock=clock).twap(buy(slice_qty * 2), policy)
        result = await handle
        events = [e async for e in handle]
        slices = [e.ts - start for e in events if e.kind is EventKind.SLICE]
        fallbacks = [e.ts - start for e in events if e.kind is EventKind.FALLBACK]
        # nothing trades in a still market: each slice rests as maker for its interval
        # (not the policy's 60 s), then crosses
        assert slices == [0.0, 10.0]
        assert fallbacks == [10.0, 20.0]
        parent = handle.parent.intent_id
        ids = [c.intent_id for c in result.children]
        assert ids == [f"{parent}s1m1", f"{parent}s1t", f"{parent}s2m1", f"{parent}s2t"]
        assert [c.filled_qty for c in result.children] == [0, slice_qty, 0, slice_qty]
        assert result.status is AlgoStatus.FILLED
        assert await r.open_orders() == []


async def test_an_iceberg_display_off_the_step_fails_naming_it_and_sends_nothing(
    tmp_path: Path,
) -> None:
    async with routed(VENUE, tmp_path) as r:
        qty = await r.venue.small_qty()
        inst = await r.venue.inst()
        policy = IcebergPolicy(display=qty + inst.step_size / 2)
        result = await Router(r.port).iceberg(buy(qty * 2), policy)
        assert result.status is AlgoStatus.FAILED
        assert isinstance(result.error, BadParameter) and "display" in str(result.error)
        assert result.children == []
        assert r.venue.emulator.faults.seen[r.venue.endpoint("make_order")] == 0
