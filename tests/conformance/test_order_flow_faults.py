"""The order flow under faults that hit after the venue acted, on every trading venue.

An order the venue acknowledged is never reported as failed, whatever happens to the
read-back after it. An answer that cannot be read (an HTML page, a body cut short) is a
MalformedMessage naming the endpoint; to an order submit it is an unknown outcome,
settled by asking the venue for the client order id."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from tradeport.emulator.faults import ErrorBefore, Fault, GarbledAfter
from tradeport.model import OrderStatus
from tradeport.model.errors import MalformedMessage
from tradeport.venues.capability import TRADING

from .conftest import EMULATED, SYMBOL, Venue, running

TRADED = [s.key for s in EMULATED if s.capabilities >= TRADING]
UNMAPPED = -1000  # a code no venue.yaml maps: only the HTTP status speaks
BODIES = ["html", "truncated"]

# what a read-back can meet, again and again, once the order is acknowledged
READ_BACK_FAILURES: dict[str, Callable[[], Fault]] = {
    "5xx": lambda: ErrorBefore(status=503, code=UNMAPPED, msg="Service Unavailable."),
    "unreadable": lambda: GarbledAfter(body="html"),
}


@pytest.fixture(params=TRADED)
async def trader(request: pytest.FixtureRequest) -> AsyncIterator[Venue]:
    async with running(request.param) as started:
        yield started


async def resting(v: Venue) -> list[tuple[str | None, str | None]]:
    return [(o.order_id, o.client_order_id) for o in await v.client.get_open_orders(SYMBOL)]


@pytest.mark.parametrize("failure", list(READ_BACK_FAILURES))
async def test_acknowledged_order_is_returned_when_its_read_back_fails(
    trader: Venue, failure: str
) -> None:
    client, emulator = trader.client, trader.emulator
    qty, price = await trader.small_qty(), await trader.price_under_bid("0.95")
    place, query = trader.endpoint("make_order"), trader.endpoint("query_order")
    emulator.faults.arm(query, READ_BACK_FAILURES[failure](), None)
    # no client id given: what make_order returns is the caller's only handle
    order = await client.make_order(SYMBOL, qty, price, "buy-limit")
    assert order.status is OrderStatus.NEW
    assert order.order_id and order.client_order_id
    assert order.price == price and order.qty == qty
    emulator.faults.clear()
    assert emulator.faults.seen[place] == 1
    assert await resting(trader) == [(order.order_id, order.client_order_id)]


@pytest.mark.parametrize("body", BODIES)
async def test_unreadable_answer_to_an_order_is_settled_by_its_client_id(
    trader: Venue, body: str
) -> None:
    client, emulator = trader.client, trader.emulator
    qty, price = await trader.small_qty(), await trader.price_under_bid("0.95")
    place = trader.endpoint("make_order")
    emulator.faults.arm(place, GarbledAfter(body=body))  # type: ignore[arg-type]
    order = await client.make_order(SYMBOL, qty, price, "buy-limit", client_order_id="garb1")
    assert order.status is OrderStatus.NEW and order.order_id
    assert order.client_order_id == "garb1" and order.qty == qty
    assert emulator.faults.seen[place] == 1  # looked up, never resent
    assert await resting(trader) == [(order.order_id, "garb1")]


@pytest.mark.parametrize("body", BODIES)
@pytest.mark.parametrize("method", ["get_depth", "get_balance", "get_open_orders"])
async def test_unreadable_answer_to_a_read_is_malformed_naming_the_endpoint(
    trader: Venue, method: str, body: str
) -> None:
    client, emulator = trader.client, trader.emulator
    await client.instrument(SYMBOL)
    endpoint = trader.endpoint(method)
    emulator.faults.arm(endpoint, GarbledAfter(body=body))  # type: ignore[arg-type]
    with pytest.raises(MalformedMessage) as raised:
        if method == "get_depth":
            await client.get_depth(SYMBOL, 5)
        elif method == "get_balance":
            await client.get_balance()
        else:
            await client.get_open_orders(SYMBOL)
    assert endpoint in str(raised.value)
    # the next answer is read as usual
    emulator.faults.clear()
    assert (await client.get_depth(SYMBOL, 5)).bids
