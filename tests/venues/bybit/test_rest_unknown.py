"""Orders whose outcome the answer did not say (DESIGN.md principle 4): never sent
again, looked up by orderLinkId, and UNKNOWN when the venue does not list them."""

from typing import Any

import pytest

from tradeport.emulator.faults import DropAfter, ErrorAfter, ErrorBefore, TimeoutAfter
from tradeport.model import OrderStatus
from tradeport.model.errors import OrderNotFound
from tradeport.venues.bybit.emulator import BybitEmulator

SYMBOL = "BTC-USDT"
CREATE = "POST /v5/order/create"


@pytest.mark.parametrize(
    "fault",
    [
        ErrorAfter(status=502, code=10016, msg="Internal System Error."),
        DropAfter(),
        TimeoutAfter(seconds=2.0),
    ],
    ids=["5xx", "dropped", "timeout"],
)
async def test_order_taken_but_not_answered_is_found_by_its_link_id(
    fault: Any, connect: Any, emulator: BybitEmulator, small_order: Any
) -> None:
    client = await connect("BYBIT___SWAP", timeout=0.5)
    qty, price = await small_order(client, SYMBOL, "0.95")
    emulator.faults.arm(CREATE, fault, times=1)
    order = await client.make_order(SYMBOL, qty, price, "buy-limit", client_order_id="lost-1")
    assert order.status is OrderStatus.NEW and order.order_id
    assert order.client_order_id == "lost-1" and order.qty == qty
    assert emulator.faults.seen[CREATE] == 1  # never resent
    assert [o.order_id for o in await client.get_open_orders(SYMBOL)] == [order.order_id]
    assert client.order_ids.order_id("lost-1") == order.order_id


async def test_order_refused_by_the_gateway_is_unknown_not_failed(
    spot: Any, emulator: BybitEmulator, small_order: Any
) -> None:
    qty, price = await small_order(spot, SYMBOL, "0.95")
    emulator.faults.arm(CREATE, ErrorBefore(status=503, code=10016, msg="busy"), times=1)
    order = await spot.make_order(SYMBOL, qty, price, "buy-limit", client_order_id="lost-2")
    assert order.status is OrderStatus.UNKNOWN and order.order_id is None
    assert order.client_order_id == "lost-2" and order.price == price
    assert emulator.faults.seen[CREATE] == 1
    with pytest.raises(OrderNotFound):
        await spot.query_order(SYMBOL, client_order_id="lost-2")


async def test_unknown_outcome_whose_lookup_also_fails_stays_unknown(
    swap: Any, emulator: BybitEmulator, small_order: Any
) -> None:
    qty, price = await small_order(swap, SYMBOL, "0.95")
    emulator.faults.arm(CREATE, ErrorAfter(status=500, code=10016, msg="err"), times=1)
    emulator.faults.arm(
        "GET /v5/order/realtime", ErrorBefore(status=503, code=10016, msg="busy"), times=10
    )
    order = await swap.make_order(SYMBOL, qty, price, "buy-limit", client_order_id="lost-3")
    assert order.status is OrderStatus.UNKNOWN and order.client_order_id == "lost-3"
    # the venue has it: once the lookups work again it is found
    emulator.faults.clear()
    found = await swap.query_order(SYMBOL, client_order_id="lost-3")
    assert found.status is OrderStatus.NEW and emulator.faults.seen[CREATE] == 1
