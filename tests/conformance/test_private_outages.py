"""Private streams across outages, on every venue with one: the client's private
socket runs through a fault proxy that cuts it, holds its reconnection, or corrupts a
frame. Whatever happened meanwhile is delivered once the stream is whole again: every
fill and every final order state exactly once, with readiness down until then."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

import tradeport as tp
from tradeport.emulator.faults import ErrorBefore
from tradeport.execution.quantize import quantize_price
from tradeport.model import Fill, Order, OrderStatus
from tradeport.model.errors import NotReady
from tradeport.venues import registry
from tradeport.venues.base import VenueClient
from tradeport.venues.capability import Capability
from tradeport.venues.reconcile import RECONCILED, OutageReconciler

from ..faultproxy import FaultProxy
from .conftest import EMULATED, SYMBOL, Venue, login

PRIVATE = [s.key for s in EMULATED if Capability.WATCH_ORDERS in s.capabilities]
ORDERS = 5
PATIENCE = 60.0  # a stuck test fails instead of hanging; nothing here waits for it


@dataclass
class Events:
    """What the client's private watches delivered, and a wake-up on each."""

    orders: list[Order] = field(default_factory=list)
    fills: list[Fill] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def on_order(self, order: Order) -> None:
        self.orders.append(order)
        self._changed.set()

    def on_fill(self, fill: Fill) -> None:
        self.fills.append(fill)
        self._changed.set()

    async def until(self, check: Callable[[], bool]) -> None:
        async with asyncio.timeout(PATIENCE):
            while not check():
                self._changed.clear()
                await self._changed.wait()

    def filled(self, order_id: str | None) -> list[Order]:
        return [o for o in self.orders if o.order_id == order_id and o.status is OrderStatus.FILLED]

    def fills_of(self, order_id: str | None) -> list[Fill]:
        return [f for f in self.fills if f.order_id == order_id]


class LogSeen(logging.Handler):
    """Sets an event when the venue logs a record containing `text`."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.records: list[logging.LogRecord] = []
        self.seen = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.records.append(record)
            self.seen.set()


@dataclass
class Proxied:
    venue: Venue
    proxy: FaultProxy
    events: Events

    @property
    def client(self) -> VenueClient:
        return self.venue.client


@pytest.fixture(params=PRIVATE)
async def proxied(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Proxied]:
    # retries come quickly here; the backoff itself is what is under test, not its pace
    monkeypatch.setattr(OutageReconciler, "reconcile_backoff", (0.05, 0.4))
    # history is read from exactly where the stream was complete: an outage of a few
    # milliseconds counts as a long one (the overlap would otherwise cover it)
    monkeypatch.setattr(OutageReconciler, "history_overlap_ms", 0)
    spec = registry.get_venue(request.param)
    assert spec.emulator_factory is not None
    emulator = spec.emulator_factory(seed=11, step_interval=None)
    await emulator.start()
    proxy = FaultProxy(emulator.stream_url(spec.asset_type))
    options = {**login(emulator, spec.asset_type), "ws_url": await proxy.start()}
    client = await tp.create_client(spec.key, **options, readiness="refuse")
    events = Events()
    try:
        await client.watch_orders(callback=events.on_order)
        await client.watch_fills(callback=events.on_fill)
        yield Proxied(Venue(spec, emulator, client), proxy, events)
    finally:
        await client.close()
        await proxy.stop()
        await emulator.stop()


async def rest_five(p: Proxied) -> list[Order]:
    """Five resting buys under the bid, each seen NEW on the stream, highest price
    first."""
    qty = await p.venue.small_qty()
    placed = [
        await p.client.make_order(
            SYMBOL, qty, await p.venue.price_under_bid(f"0.9{9 - n}"), "buy-limit"
        )
        for n in range(ORDERS)
    ]
    ids = {o.order_id for o in placed}
    await p.events.until(lambda: ids <= {o.order_id for o in p.events.orders})
    return placed


async def cut_and_hold(p: Proxied) -> None:
    """Cut the private socket and hold its reconnection; returns once the client has
    seen the loss (it is trying to connect again)."""
    p.proxy.hold()
    opened = p.proxy.accepted
    assert await p.proxy.cut() >= 1
    await p.proxy.wait_accepted(opened + 1)


async def fill_all(p: Proxied, placed: list[Order]) -> None:
    """Move the market through `placed` (and whatever rests above them), not lower."""
    lowest = min(o.price for o in placed if o.price is not None)
    p.venue.move(lowest * Decimal("0.999"))


async def assert_each_delivered_once(p: Proxied, placed: list[Order]) -> None:
    for order in placed:
        deals = await p.client.get_deals(SYMBOL, order_id=order.order_id)
        streamed = p.events.fills_of(order.order_id)
        assert sorted(f.trade_id for f in streamed) == sorted(d.trade_id for d in deals)
        assert sum(f.qty for f in streamed) == order.qty
        assert len(p.events.filled(order.order_id)) == 1


async def test_fills_while_the_private_socket_is_cut_are_delivered_once(
    proxied: Proxied,
) -> None:
    p = proxied
    placed = await rest_five(p)
    await cut_and_hold(p)
    assert RECONCILED in p.client.readiness.down()
    await fill_all(p, placed)
    p.proxy.release()

    await p.events.until(lambda: all(p.events.filled(o.order_id) for o in placed))
    await p.events.until(lambda: len(p.events.fills) >= ORDERS)
    await p.client.readiness.wait(PATIENCE)  # reconciled: nothing more is coming
    await assert_each_delivered_once(p, placed)
    assert len(p.events.fills) == sum(len(p.events.fills_of(o.order_id)) for o in placed)


async def test_reconciliation_is_retried_while_history_fails(proxied: Proxied) -> None:
    p = proxied
    placed = await rest_five(p)
    await cut_and_hold(p)
    await fill_all(p, placed)
    faults = p.venue.emulator.faults
    busy = ErrorBefore(503, "50001", "Service temporarily unavailable")
    for method in ("get_open_orders", "get_deals"):
        faults.arm(p.venue.endpoint(method), busy, times=None)
    failed = LogSeen("reconciliation after an outage failed")
    logging.getLogger("tradeport").addHandler(failed)
    try:
        p.proxy.release()
        await asyncio.wait_for(failed.seen.wait(), PATIENCE)
        # reconnected, but what happened meanwhile is not known yet: no order goes out
        assert RECONCILED in p.client.readiness.down()
        with pytest.raises(NotReady) as refused:
            await p.client.make_order(SYMBOL, placed[0].qty, placed[0].price, "buy-limit")
        assert RECONCILED in refused.value.down
        faults.clear()
        await p.client.readiness.wait(PATIENCE)
    finally:
        logging.getLogger("tradeport").removeHandler(failed)
    await p.events.until(lambda: all(p.events.filled(o.order_id) for o in placed))
    await assert_each_delivered_once(p, placed)


async def test_an_unreadable_private_frame_is_recovered_over_rest(proxied: Proxied) -> None:
    p = proxied
    marker = "garbled1"  # every frame about this order reaches the client cut in half
    p.proxy.corrupt(marker.encode(), times=100)
    unreadable = LogSeen("unreadable private frame")
    logging.getLogger("tradeport").addHandler(unreadable)
    try:
        _, ask = await p.venue.touch()
        crossing = quantize_price(await p.venue.inst(), ask * Decimal("1.01"))
        taken = await p.client.make_order(
            SYMBOL, await p.venue.small_qty(), crossing, "buy-limit", client_order_id=marker
        )
        await p.events.until(lambda: bool(p.events.filled(taken.order_id)))
        await p.events.until(lambda: bool(p.events.fills_of(taken.order_id)))
        await p.client.readiness.wait(PATIENCE)
    finally:
        logging.getLogger("tradeport").removeHandler(unreadable)
    assert p.proxy.corrupted >= 1
    assert unreadable.records, "the unreadable frame was not logged"
    await assert_each_delivered_once(p, [taken])


async def test_outages_that_pile_up_are_reconciled_from_the_first(proxied: Proxied) -> None:
    p = proxied
    placed = await rest_five(p)
    first, second = placed[:2], placed[2:]
    await cut_and_hold(p)
    await fill_all(p, first)  # the lower-priced orders fill in the first outage
    faults = p.venue.emulator.faults
    busy = ErrorBefore(503, "50001", "Service temporarily unavailable")
    faults.arm(p.venue.endpoint("get_open_orders"), busy, times=None)
    failed = LogSeen("reconciliation after an outage failed")
    logging.getLogger("tradeport").addHandler(failed)
    try:
        p.proxy.release()
        await asyncio.wait_for(failed.seen.wait(), PATIENCE)  # connected, not reconciled
    finally:
        logging.getLogger("tradeport").removeHandler(failed)
    await cut_and_hold(p)  # lost again before the first outage was reconciled
    await fill_all(p, second)
    faults.clear()
    p.proxy.release()
    await p.client.readiness.wait(PATIENCE)
    await p.events.until(lambda: all(p.events.filled(o.order_id) for o in placed))
    await assert_each_delivered_once(p, placed)


async def test_closing_the_client_stops_the_retries(proxied: Proxied) -> None:
    p = proxied
    await cut_and_hold(p)
    faults = p.venue.emulator.faults
    busy = ErrorBefore(503, "50001", "Service temporarily unavailable")
    faults.arm(p.venue.endpoint("get_open_orders"), busy, times=None)
    failed = LogSeen("reconciliation after an outage failed")
    logging.getLogger("tradeport").addHandler(failed)
    try:
        p.proxy.release()
        await asyncio.wait_for(failed.seen.wait(), PATIENCE)
    finally:
        logging.getLogger("tradeport").removeHandler(failed)
    session = p.client.user_stream
    retrying = session._reconcile_task
    assert retrying is not None and not retrying.done()
    await p.client.close()
    assert retrying.done()
    assert RECONCILED not in p.client.readiness.required  # no order waits for it


async def test_an_order_waits_for_the_reconciliation(proxied: Proxied) -> None:
    p = proxied
    p.client.readiness_mode, p.client.ready_timeout = "wait", PATIENCE
    qty, price = await p.venue.small_qty(), await p.venue.price_under_bid("0.95")
    await cut_and_hold(p)
    faults = p.venue.emulator.faults
    busy = ErrorBefore(503, "50001", "Service temporarily unavailable")
    faults.arm(p.venue.endpoint("get_open_orders"), busy, times=None)
    failed = LogSeen("reconciliation after an outage failed")
    logging.getLogger("tradeport").addHandler(failed)
    try:
        p.proxy.release()
        await asyncio.wait_for(failed.seen.wait(), PATIENCE)
        placing = asyncio.create_task(p.client.make_order(SYMBOL, qty, price, "buy-limit"))
        sent = faults.seen[p.venue.endpoint("make_order")]
        # another failed attempt: the order was free to go meanwhile, and did not
        failed.seen.clear()
        await asyncio.wait_for(failed.seen.wait(), PATIENCE)
        assert not placing.done()
        assert faults.seen[p.venue.endpoint("make_order")] == sent
        faults.clear()
        order = await asyncio.wait_for(placing, PATIENCE)
    finally:
        logging.getLogger("tradeport").removeHandler(failed)
    assert order.status is OrderStatus.NEW
    assert RECONCILED not in p.client.readiness.down()
