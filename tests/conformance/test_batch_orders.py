"""Batch orders (`submit_orders`) on every trading venue: one result per request in
request order, a venue's refusal of one item typed on that item while the others
rest, and a bad item refused before anything is sent. A venue with a batch endpoint
sends through it; one without sends the orders one after the other."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradeport.model import Order, OrderStatus, OrderType, Side
from tradeport.model.errors import BadParameter, PostOnlyRejected
from tradeport.venues.base import OrderRequest
from tradeport.venues.capability import Capability

from .conftest import SYMBOL, Venue, needs


def buy(qty: Decimal, price: Decimal, cid: str, kind: OrderType = OrderType.LIMIT) -> OrderRequest:
    return OrderRequest(
        symbol=SYMBOL, side=Side.BUY, type=kind, qty=qty, price=price, client_order_id=cid
    )


def order_posts(venue: Venue) -> int:
    """Order-placing requests the emulator has seen (single and batch endpoints)."""
    paths = venue.client.config.rest_paths
    endpoints = {paths[name] for name in ("make_order", "make_orders") if name in paths}
    return sum(venue.emulator.faults.seen[e] for e in endpoints)


@needs(Capability.GET_DEPTH, Capability.MAKE_ORDER, Capability.GET_OPEN_ORDERS)
async def test_batch_of_resting_orders_is_listed_open_with_its_client_ids(venue: Venue) -> None:
    qty = await venue.small_qty()
    prices = [await venue.price_under_bid(f) for f in ("0.90", "0.91", "0.92")]
    cids = ["batch1", "batch2", "batch3"]
    results = await venue.client.submit_orders(
        [buy(qty, p, c) for p, c in zip(prices, cids, strict=True)]
    )
    assert [type(r) for r in results] == [Order, Order, Order]
    orders = [r for r in results if isinstance(r, Order)]
    assert [o.client_order_id for o in orders] == cids
    assert [o.price for o in orders] == prices
    assert all(o.status is OrderStatus.NEW and o.order_id for o in orders)
    listed = await venue.client.get_open_orders(SYMBOL)
    assert sorted((o.client_order_id or "").lower() for o in listed) == cids
    assert {o.order_id for o in listed} == {o.order_id for o in orders}


@needs(Capability.GET_DEPTH, Capability.MAKE_ORDER, Capability.GET_OPEN_ORDERS)
async def test_refused_item_is_its_typed_error_and_the_others_rest(venue: Venue) -> None:
    qty = await venue.small_qty()
    _, ask = await venue.touch()
    low, lower = await venue.price_under_bid("0.95"), await venue.price_under_bid("0.94")
    results = await venue.client.submit_orders(
        [
            buy(qty, low, "keep1"),
            buy(qty, ask, "cross1", OrderType.POST_ONLY),  # would take: refused
            buy(qty, lower, "keep2"),
        ]
    )
    first, refused, last = results
    assert isinstance(refused, PostOnlyRejected)
    assert isinstance(first, Order) and first.status is OrderStatus.NEW
    assert isinstance(last, Order) and last.status is OrderStatus.NEW
    assert (first.client_order_id, last.client_order_id) == ("keep1", "keep2")
    listed = await venue.client.get_open_orders(SYMBOL)
    assert sorted((o.client_order_id or "").lower() for o in listed) == ["keep1", "keep2"]


@needs(Capability.GET_DEPTH, Capability.MAKE_ORDER, Capability.GET_OPEN_ORDERS)
async def test_bad_item_raises_naming_its_index_and_nothing_is_sent(venue: Venue) -> None:
    inst = await venue.inst()
    qty, price = await venue.small_qty(), await venue.price_under_bid("0.9")
    good = buy(qty, price, "good1")
    await venue.client.get_open_orders(SYMBOL)  # what the checks read is loaded
    sent = order_posts(venue)
    off_tick = buy(qty, price + inst.tick_size / 2, "bad1")
    with pytest.raises(BadParameter, match=r"orders\[1\]") as caught:
        await venue.client.submit_orders([good, off_tick, good])
    assert "tick size" in str(caught.value)
    with pytest.raises(BadParameter, match=r"orders\[2\].*orders\[0\]"):
        await venue.client.submit_orders([good, buy(qty, price, "other1"), good])
    with pytest.raises(BadParameter, match=r"orders\[0\]"):
        await venue.client.submit_orders([buy(qty, price, "")])
    assert order_posts(venue) == sent
    assert await venue.client.get_open_orders(SYMBOL) == []


@needs(Capability.MAKE_ORDER)
async def test_empty_batch_sends_nothing(venue: Venue) -> None:
    assert await venue.client.submit_orders([]) == []
