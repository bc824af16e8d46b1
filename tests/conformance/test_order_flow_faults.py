"""The order flow under faults that hit after the venue acted, on every trading venue.

An order the venue acknowledged is never reported as failed, whatever happens to the
read-back after it. An answer that cannot be read (an HTML page, a body cut short) is a
MalformedMessage naming the endpoint; to an order submit it is an unknown outcome,
settled by asking the venue for the client order id. A cancel whose answer is lost is
settled by reading the order back, never by sending the cancel again blind."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Literal

import aiohttp
import pytest

from tradeport.emulator.faults import (
    DropAfter,
    ErrorAfter,
    ErrorBefore,
    Fault,
    Firing,
    GarbledAfter,
    TimeoutAfter,
)
from tradeport.model import Order, OrderStatus
from tradeport.model.errors import MalformedMessage, OrderFilled, OrderNotFound
from tradeport.venues.base import VenueClient
from tradeport.venues.capability import TRADING

from .conftest import EMULATED, SYMBOL, Venue, running

TRADED = [s.key for s in EMULATED if s.capabilities >= TRADING]
UNMAPPED = -1000  # a code no venue.yaml maps: only the HTTP status speaks
BODIES: list[Literal["html", "truncated"]] = ["html", "truncated"]

# what a read-back can meet, again and again, once the order is acknowledged
READ_BACK_FAILURES: dict[str, Callable[[], Fault]] = {
    "5xx": lambda: ErrorBefore(status=503, code=UNMAPPED, msg="Service Unavailable."),
    "unreadable": lambda: GarbledAfter(body="html"),
}

# a cancel the venue carried out, whose answer the client never reads
LOST_CANCEL: dict[str, Callable[[], Fault]] = {
    "5xx": lambda: ErrorAfter(status=502, code=UNMAPPED, msg="Internal System Error."),
    "dropped": DropAfter,
    # held far longer than the client waits; stopping the emulator releases it
    "timeout": lambda: TimeoutAfter(seconds=600),
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
    trader: Venue, body: Literal["html", "truncated"]
) -> None:
    client, emulator = trader.client, trader.emulator
    qty, price = await trader.small_qty(), await trader.price_under_bid("0.95")
    place = trader.endpoint("make_order")
    emulator.faults.arm(place, GarbledAfter(body=body))
    order = await client.make_order(SYMBOL, qty, price, "buy-limit", client_order_id="garb1")
    assert order.status is OrderStatus.NEW and order.order_id
    assert order.client_order_id == "garb1" and order.qty == qty
    assert emulator.faults.seen[place] == 1  # looked up, never resent
    assert await resting(trader) == [(order.order_id, "garb1")]


@pytest.mark.parametrize("body", BODIES)
@pytest.mark.parametrize("method", ["get_depth", "get_balance", "get_open_orders"])
async def test_unreadable_answer_to_a_read_is_malformed_naming_the_endpoint(
    trader: Venue, method: str, body: Literal["html", "truncated"]
) -> None:
    client, emulator = trader.client, trader.emulator
    await client.instrument(SYMBOL)
    endpoint = trader.endpoint(method)
    emulator.faults.arm(endpoint, GarbledAfter(body=body))
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


async def impatient(v: Venue) -> VenueClient:
    """A client of the venue's first account whose requests time out after 0.5 s,
    warmed up (instruments, connection, clock)."""
    client = await v.connect(timeout=0.5)
    await client.instrument(SYMBOL)
    await client.get_balance()
    return client


async def rest_one(v: Venue, client: VenueClient, cid: str) -> Order:
    qty, price = await v.small_qty(), await v.price_under_bid("0.95")
    return await client.make_order(SYMBOL, qty, price, "buy-limit", client_order_id=cid)


@pytest.mark.parametrize("kind", list(LOST_CANCEL))
async def test_cancel_whose_answer_is_lost_returns_the_cancelled_order(
    trader: Venue, kind: str
) -> None:
    emulator = trader.emulator
    client = await impatient(trader)
    try:
        order = await rest_one(trader, client, "cx1")
        cancel = trader.endpoint("cancel_order")
        emulator.faults.arm(cancel, LOST_CANCEL[kind]())
        cancelled = await client.cancel_order(SYMBOL, order_id=order.order_id)
        assert cancelled.status is OrderStatus.CANCELED
        assert cancelled.order_id == order.order_id and cancelled.client_order_id == "cx1"
        assert emulator.faults.seen[cancel] == 1  # read back, never resent blind
        assert await resting(trader) == []
    finally:
        await client.close()


async def test_cancel_refused_before_the_venue_saw_it_is_sent_again_once_seen_open(
    trader: Venue,
) -> None:
    client, emulator = trader.client, trader.emulator
    order = await rest_one(trader, client, "cx2")
    cancel = trader.endpoint("cancel_order")
    emulator.faults.arm(cancel, ErrorBefore(status=503, code=UNMAPPED, msg="busy"))
    cancelled = await client.cancel_order(SYMBOL, client_order_id="cx2")
    assert cancelled.status is OrderStatus.CANCELED and cancelled.order_id == order.order_id
    # the read-back showed it open: the cancel had not taken, so it went once more
    assert emulator.faults.seen[cancel] == 2
    assert await resting(trader) == []


async def test_cancel_unanswered_after_the_order_filled_says_it_filled(trader: Venue) -> None:
    client, emulator = trader.client, trader.emulator
    order = await rest_one(trader, client, "cx3")
    assert order.price is not None
    trader.move(order.price * Decimal("0.99"))  # the market comes down through it
    cancel = trader.endpoint("cancel_order")
    emulator.faults.arm(cancel, ErrorBefore(status=503, code=UNMAPPED, msg="busy"))
    with pytest.raises(OrderFilled) as raised:
        await client.cancel_order(SYMBOL, order_id=order.order_id)
    filled = raised.value.order
    assert isinstance(filled, Order) and filled.status is OrderStatus.FILLED
    assert filled.order_id == order.order_id and filled.filled_qty == order.qty
    assert isinstance(raised.value, OrderNotFound)  # as the venue's own refusal would be
    assert emulator.faults.seen[cancel] == 1


async def test_garbled_fault_is_armed_over_http_like_the_others(trader: Venue) -> None:
    client, emulator = trader.client, trader.emulator
    depth = trader.endpoint("get_depth")
    url = f"{emulator.base_url}/_emulator/fault"
    async with aiohttp.ClientSession(headers=emulator.admin_headers()) as raw:
        bad = {"match": depth, "kind": "garbled_after", "body": "json"}
        async with raw.post(url, json=bad) as resp:
            assert resp.status == 400  # only an HTML page or a cut answer
        arm = {"match": depth, "kind": "garbled_after", "body": "html"}
        async with raw.post(url, json=arm) as resp:
            assert resp.status == 200
    with pytest.raises(MalformedMessage, match=depth):
        await client.get_depth(SYMBOL, 5)
    assert emulator.faults.fired == [Firing(depth, GarbledAfter(body="html"))]
