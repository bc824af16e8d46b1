"""Clock skew, request budgets and orders whose outcome is unknown."""

import asyncio

import pytest

from tradeport.emulator.faults import ErrorAfter, ErrorBefore
from tradeport.model import OrderStatus
from tradeport.model.errors import OrderNotFound

from .conftest import SYMBOL, Venue, start_venue


async def test_skewed_server_clock_is_recovered_by_resync(venue: Venue) -> None:
    await venue.client.get_balance()  # synchronised against the true clock
    venue.emulator.clock_skew_ms = 30_000  # the venue now runs 30 s ahead
    assert "USDT" in await venue.client.get_balance()
    order = await venue.client.make_order(
        SYMBOL, await venue.small_qty(), await venue.price_under_bid("0.9"), "buy-limit"
    )
    assert order.status is OrderStatus.NEW


async def test_limiter_waits_instead_of_collecting_rejections(venue: Venue) -> None:
    # a small budget in a short window: the burst must be spread, not refused
    emulator, client = await start_venue(
        venue.spec.key, weight_limit=50, weight_interval=(2, "SECOND")
    )
    try:
        await client.get_exchange_info()
        books = await asyncio.gather(*(client.get_depth(SYMBOL, 100) for _ in range(30)))
        assert len(books) == 30
        counts = client.http.status_counts  # type: ignore[attr-defined]
        assert counts[429] == 0 and counts[418] == 0
    finally:
        await client.close()
        await emulator.stop()


async def test_order_accepted_then_5xx_is_reconciled_not_resent(venue: Venue) -> None:
    fault = ErrorAfter(status=503, code=-1000, msg="Unknown error, please check later.")
    venue.emulator.faults.arm(venue.order_endpoint, fault)
    price = await venue.price_under_bid("0.95")
    order = await venue.client.make_order(
        SYMBOL, await venue.small_qty(), price, "buy-limit", client_order_id="u1"
    )
    assert order.status is OrderStatus.NEW and order.order_id and order.client_order_id == "u1"
    assert venue.emulator.faults.seen[venue.order_endpoint] == 1  # never resent
    assert [o.client_order_id for o in await venue.client.get_open_orders(SYMBOL)] == ["u1"]


async def test_order_lost_before_the_venue_is_unknown_not_failed(venue: Venue) -> None:
    venue.emulator.faults.arm(
        venue.order_endpoint, ErrorBefore(status=503, code=-1000, msg="Service Unavailable.")
    )
    order = await venue.client.make_order(
        SYMBOL,
        await venue.small_qty(),
        await venue.price_under_bid("0.95"),
        "buy-limit",
        client_order_id="u2",
    )
    assert order.status is OrderStatus.UNKNOWN and order.order_id is None
    assert order.client_order_id == "u2"
    assert venue.emulator.faults.seen[venue.order_endpoint] == 1
    with pytest.raises(OrderNotFound):  # the venue never accepted it
        await venue.client.query_order(SYMBOL, client_order_id="u2")
