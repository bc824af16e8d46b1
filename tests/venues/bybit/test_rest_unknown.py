"""Bybit's own code in an answer that does not settle an order: 10016 (mapped to
overloaded) in a 5xx still leaves the outcome unknown, so the order is looked up by
orderLinkId, never sent again. The venue-neutral cases are in
tests/conformance/test_unknown_outcomes.py."""

from typing import Any

import pytest

from tradeport.emulator.faults import ErrorAfter, ErrorBefore
from tradeport.model import OrderStatus
from tradeport.model.errors import OrderNotFound
from tradeport.venues.bybit.emulator import BybitEmulator

SYMBOL = "BTC-USDT"
CREATE = "POST /v5/order/create"


async def test_order_taken_under_a_10016_is_found_by_its_link_id(
    swap: Any, emulator: BybitEmulator, small_order: Any
) -> None:
    qty, price = await small_order(swap, SYMBOL, "0.95")
    emulator.faults.arm(CREATE, ErrorAfter(status=502, code=10016, msg="Internal System Error."))
    order = await swap.make_order(SYMBOL, qty, price, "buy-limit", client_order_id="lost-1")
    assert order.status is OrderStatus.NEW and order.order_id
    assert order.client_order_id == "lost-1" and order.qty == qty
    assert emulator.faults.seen[CREATE] == 1  # never resent
    assert [o.order_id for o in await swap.get_open_orders(SYMBOL)] == [order.order_id]


async def test_order_refused_with_a_10016_is_unknown_not_failed(
    spot: Any, emulator: BybitEmulator, small_order: Any
) -> None:
    qty, price = await small_order(spot, SYMBOL, "0.95")
    emulator.faults.arm(CREATE, ErrorBefore(status=503, code=10016, msg="busy"))
    order = await spot.make_order(SYMBOL, qty, price, "buy-limit", client_order_id="lost-2")
    assert order.status is OrderStatus.UNKNOWN and order.order_id is None
    assert order.client_order_id == "lost-2" and order.price == price
    assert emulator.faults.seen[CREATE] == 1
    with pytest.raises(OrderNotFound):
        await spot.query_order(SYMBOL, client_order_id="lost-2")
