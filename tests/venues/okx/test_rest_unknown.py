"""OKX's own codes about an order's fate (§3.2, §3.6): 50001 in a 5xx and 50004 in an
HTTP 200 leave the outcome unknown, so the order is looked up by clOrdId and never sent
again; a 50011 refusal is safe to repeat and is sent again once. The venue-neutral
cases (dropped connection, timeout, failed lookup, clock resync) are in
tests/conformance/test_unknown_outcomes.py."""

from typing import Any

import pytest

from tradeport.emulator.faults import ErrorAfter, ErrorBefore
from tradeport.model import OrderStatus
from tradeport.model.errors import OrderNotFound, RateLimitExceeded
from tradeport.venues.okx.emulator import OkxEmulator

SYMBOL = "BTC-USDT"
PLACE = "POST /api/v5/trade/order"


@pytest.mark.parametrize(
    "fault",
    [
        ErrorAfter(status=502, code="50001", msg="Service temporarily unavailable"),
        ErrorAfter(status=200, code="50004", msg="Endpoint request timeout"),
    ],
    ids=["5xx", "50004"],
)
async def test_order_taken_but_not_answered_is_found_by_its_client_id(
    fault: Any, swap: Any, emulator: OkxEmulator, small_order: Any
) -> None:
    qty, price = await small_order(swap, SYMBOL, "0.95")
    emulator.faults.arm(PLACE, fault, times=1)
    order = await swap.make_order(SYMBOL, qty, price, "buy-limit", client_order_id="lost1")
    assert order.status is OrderStatus.NEW and order.order_id
    assert order.client_order_id == "lost1" and order.qty == qty
    assert emulator.faults.seen[PLACE] == 1  # never resent
    assert [o.order_id for o in await swap.get_open_orders(SYMBOL)] == [order.order_id]


async def test_order_refused_by_the_gateway_is_unknown_not_failed(
    spot: Any, emulator: OkxEmulator, small_order: Any
) -> None:
    qty, price = await small_order(spot, SYMBOL, "0.95")
    emulator.faults.arm(PLACE, ErrorBefore(status=503, code="50001", msg="busy"), times=1)
    order = await spot.make_order(SYMBOL, qty, price, "buy-limit", client_order_id="lost2")
    assert order.status is OrderStatus.UNKNOWN and order.order_id is None
    assert order.client_order_id == "lost2" and order.price == price
    assert emulator.faults.seen[PLACE] == 1
    with pytest.raises(OrderNotFound):
        await spot.query_order(SYMBOL, client_order_id="lost2")


async def test_order_over_the_rate_limit_is_sent_again_once(
    swap: Any, emulator: OkxEmulator, small_order: Any
) -> None:
    qty, price = await small_order(swap, SYMBOL, "0.95")
    refusal = ErrorBefore(status=429, code="50011", msg="Rate limit reached.", retry_after=0)
    emulator.faults.arm(PLACE, refusal, times=1)
    order = await swap.make_order(SYMBOL, qty, price, "buy-limit", client_order_id="rl1")
    assert order.status is OrderStatus.NEW
    assert emulator.faults.seen[PLACE] == 2  # refused (not placed), then placed
    assert len(await swap.get_open_orders(SYMBOL)) == 1


async def test_rate_limit_twice_in_a_row_is_raised(
    swap: Any, emulator: OkxEmulator, small_order: Any
) -> None:
    qty, price = await small_order(swap, SYMBOL, "0.95")
    refusal = ErrorBefore(status=200, code="50011", msg="Rate limit reached.", retry_after=0)
    emulator.faults.arm(PLACE, refusal, times=2)
    with pytest.raises(RateLimitExceeded) as info:
        await swap.make_order(SYMBOL, qty, price, "buy-limit")
    assert info.value.code == "50011" and emulator.faults.seen[PLACE] == 2
    assert await swap.get_open_orders(SYMBOL) == []
