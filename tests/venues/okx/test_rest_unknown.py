"""Answers that do not settle an order (DESIGN.md principle 4) and refusals that are
safe to repeat (§3.2, §3.6): an order whose outcome is unknown is never sent again
and is looked up by clOrdId; a 50011 or a 50102 refusal is sent again once."""

from typing import Any

import pytest

from tradeport.emulator.faults import DropAfter, ErrorAfter, ErrorBefore, TimeoutAfter
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
        DropAfter(),
        TimeoutAfter(seconds=2.0),
    ],
    ids=["5xx", "50004", "dropped", "timeout"],
)
async def test_order_taken_but_not_answered_is_found_by_its_client_id(
    fault: Any, connect: Any, emulator: OkxEmulator, small_order: Any
) -> None:
    client = await connect("OKX___SWAP", timeout=0.5)
    qty, price = await small_order(client, SYMBOL, "0.95")
    emulator.faults.arm(PLACE, fault, times=1)
    order = await client.make_order(SYMBOL, qty, price, "buy-limit", client_order_id="lost1")
    assert order.status is OrderStatus.NEW and order.order_id
    assert order.client_order_id == "lost1" and order.qty == qty
    assert emulator.faults.seen[PLACE] == 1  # never resent
    assert [o.order_id for o in await client.get_open_orders(SYMBOL)] == [order.order_id]
    assert client.order_ids.order_id("lost1") == order.order_id


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


async def test_expired_timestamp_resyncs_the_clock_and_retries_once(
    swap: Any, emulator: OkxEmulator
) -> None:
    await swap.get_balance()  # the clock is synchronised with the venue
    emulator.clock_skew_ms = 120_000  # the venue's clock jumps two minutes ahead
    seen = emulator.faults.seen["GET /api/v5/account/balance"]
    balances = await swap.get_balance()
    assert "USDT" in balances
    # refused (50102) once, then answered with the resampled clock
    assert emulator.faults.seen["GET /api/v5/account/balance"] == seen + 2
    assert swap.clock.offset_ms > 90_000
