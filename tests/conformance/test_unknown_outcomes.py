"""Unknown is not failed (DESIGN.md principle 4), with faults injected into every
trading venue's emulator.

An order submit that meets a 5xx, a lost connection or a timeout after the venue took
it is never sent again: the client asks the venue for the order by its client order id,
and returns UNKNOWN (carrying the client id) while the venue cannot tell. Market-data
GETs may be retried, and a 429 is waited out."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from tradeport.emulator.faults import (
    DropAfter,
    ErrorAfter,
    ErrorBefore,
    Fault,
    Firing,
    Latency,
    TimeoutAfter,
)
from tradeport.model import OrderStatus
from tradeport.model.errors import OrderNotFound
from tradeport.venues.base import VenueClient
from tradeport.venues.capability import TRADING

from .conftest import EMULATED, SYMBOL, Venue, running

TRADED = [s.key for s in EMULATED if s.capabilities >= TRADING]
UNMAPPED = -1000
# what each fault does to a submit the venue took: it answers late, wrongly or not at all
AFTER_ACCEPT = {
    "5xx": lambda code: ErrorAfter(status=502, code=code, msg="Internal System Error."),
    "dropped": lambda code: DropAfter(),
    # held far longer than the client waits; stopping the emulator releases it
    "timeout": lambda code: TimeoutAfter(seconds=600),
}


@pytest.fixture(params=TRADED)
async def trader(request: pytest.FixtureRequest) -> AsyncIterator[Venue]:
    async with running(request.param) as started:
        yield started


def unmapped(client: VenueClient) -> int:
    """An error code the venue's venue.yaml does not map, so the client has only the
    HTTP status to go by (a venue's own codes are pinned in its folder's tests)."""
    assert str(UNMAPPED) not in client.config.error_map
    return UNMAPPED


async def impatient(venue: Venue, seconds: float) -> VenueClient:
    """A client of the venue's first account, warmed up (instruments, connection,
    clock), whose requests time out after `seconds`."""
    client = await venue.connect(timeout=seconds)
    await client.instrument(SYMBOL)
    await client.get_balance()
    return client


@pytest.mark.parametrize("kind", list(AFTER_ACCEPT))
async def test_order_taken_but_not_answered_is_found_by_its_client_id(
    trader: Venue, kind: str
) -> None:
    emulator = trader.emulator
    client = await impatient(trader, 0.5)
    try:
        qty, price = await trader.small_qty(), await trader.price_under_bid("0.95")
        place, query = trader.endpoint("make_order"), trader.endpoint("query_order")
        fault: Fault = AFTER_ACCEPT[kind](unmapped(client))
        emulator.faults.arm(place, fault)
        queried = emulator.faults.seen[query]
        order = await client.make_order(SYMBOL, qty, price, "buy-limit", client_order_id="lost1")
        assert order.status is OrderStatus.NEW and order.order_id
        assert order.client_order_id == "lost1"
        assert order.price == price and order.qty == qty
        assert emulator.faults.fired == [Firing(place, fault)]
        assert emulator.faults.seen[place] == 1  # never resent
        # the answer came from the reconciling query
        assert emulator.faults.seen[query] == queried + 1
        listed = await client.get_open_orders(SYMBOL)
        assert [(o.order_id, o.client_order_id) for o in listed] == [(order.order_id, "lost1")]
        found = await client.query_order(SYMBOL, client_order_id="lost1")
        assert found.order_id == order.order_id
    finally:
        await client.close()


async def test_failed_lookup_after_a_lost_submit_still_returns_the_client_id(
    trader: Venue,
) -> None:
    client, emulator = trader.client, trader.emulator
    qty, price = await trader.small_qty(), await trader.price_under_bid("0.95")
    place, query = trader.endpoint("make_order"), trader.endpoint("query_order")
    emulator.faults.arm(place, ErrorAfter(status=500, code=unmapped(client), msg="err"))
    # every lookup by client id fails too (the GET may be retried, then gives up)
    emulator.faults.arm(query, ErrorBefore(status=503, code=unmapped(client), msg="busy"), None)
    order = await client.make_order(SYMBOL, qty, price, "buy-limit", client_order_id="lf1")
    assert order.status is OrderStatus.UNKNOWN and order.client_order_id == "lf1"
    assert order.price == price and order.qty == qty
    # the venue has it: once the lookups work again it is found
    emulator.faults.clear()
    placed = await client.query_order(SYMBOL, client_order_id="lf1")
    assert placed.status is OrderStatus.NEW  # it was placed all along
    assert emulator.faults.seen[place] == 1


async def test_order_refused_by_the_gateway_is_unknown_not_failed(trader: Venue) -> None:
    client, emulator = trader.client, trader.emulator
    qty, price = await trader.small_qty(), await trader.price_under_bid("0.95")
    place = trader.endpoint("make_order")
    emulator.faults.arm(place, ErrorBefore(status=503, code=unmapped(client), msg="busy"))
    order = await client.make_order(SYMBOL, qty, price, "buy-limit", client_order_id="eb1")
    # the venue never saw it, but the client cannot know that
    assert order.status is OrderStatus.UNKNOWN
    assert order.client_order_id == "eb1" and order.order_id is None
    assert order.price == price and order.qty == qty
    assert emulator.faults.seen[place] == 1
    with pytest.raises(OrderNotFound):
        await client.query_order(SYMBOL, client_order_id="eb1")
    assert await client.get_open_orders(SYMBOL) == []


async def test_depth_is_retried_past_one_503(trader: Venue) -> None:
    client, emulator = trader.client, trader.emulator
    depth = trader.endpoint("get_depth")
    fault = ErrorBefore(status=503, code=unmapped(client), msg="Service Unavailable.")
    emulator.faults.arm(depth, fault)
    book = await client.get_depth(SYMBOL, 5)
    assert book.bids and book.asks
    assert emulator.faults.seen[depth] == 2
    assert emulator.faults.fired == [Firing(depth, fault)]  # one 503, then the book


async def test_depth_waits_out_a_429_and_succeeds(trader: Venue) -> None:
    client, emulator = trader.client, trader.emulator
    await client.get_depth(SYMBOL, 5)  # connection and clock warm
    depth = trader.endpoint("get_depth")
    seen = emulator.faults.seen[depth]
    limited = ErrorBefore(status=429, code=unmapped(client), msg="Too many.", retry_after=1)
    emulator.faults.arm(depth, limited)
    started = time.monotonic()
    book = await client.get_depth(SYMBOL, 5)
    # the retry waited for Retry-After, not only for the transport's shorter backoff
    assert time.monotonic() - started >= 1.0
    assert book.bids and book.asks
    assert emulator.faults.fired == [Firing(depth, limited)]
    assert emulator.faults.seen[depth] == seen + 2


async def test_latency_delays_depth_but_it_succeeds(trader: Venue) -> None:
    client, emulator = trader.client, trader.emulator
    await client.get_depth(SYMBOL, 5)  # connection and clock warm
    depth = trader.endpoint("get_depth")
    emulator.faults.arm(depth, Latency(0.3))
    started = time.monotonic()
    book = await client.get_depth(SYMBOL, 5)
    assert time.monotonic() - started >= 0.3
    assert book.bids and book.asks
    assert emulator.faults.fired == [Firing(depth, Latency(0.3))]


async def test_fault_armed_over_http_fires_then_clears(trader: Venue) -> None:
    client, emulator = trader.client, trader.emulator
    place, query = trader.endpoint("make_order"), trader.endpoint("query_order")
    arm = {
        "match": place,
        "kind": "error_after",
        "status": 503,
        "code": unmapped(client),
        "msg": "Unknown error, please check your request or try again later.",
        "seconds": 0,
        "times": None,
    }
    qty, price = await trader.small_qty(), await trader.price_under_bid("0.95")
    # how many lookups an order answered at once costs (a venue that only acknowledges
    # an order is read back)
    queried = emulator.faults.seen[query]
    await client.make_order(SYMBOL, qty, price, "buy-limit", client_order_id="h0")
    read_back = emulator.faults.seen[query] - queried
    queried = emulator.faults.seen[query]
    async with aiohttp.ClientSession() as raw:
        admin = emulator.admin_headers()
        async with raw.post(
            f"{emulator.base_url}/_emulator/fault", json=arm, headers=admin
        ) as resp:
            assert resp.status == 200
            assert (await resp.json())["fault"]["kind"] == "error_after"
        first = await client.make_order(SYMBOL, qty, price, "buy-limit", client_order_id="h1")
        second = await client.make_order(SYMBOL, qty, price, "buy-limit", client_order_id="h2")
        assert [first.status, second.status] == [OrderStatus.NEW, OrderStatus.NEW]
        assert emulator.faults.seen[query] == queried + 2
        async with raw.post(f"{emulator.base_url}/_emulator/fault/clear", headers=admin) as resp:
            assert await resp.json() == {"disarmed": 1, "fired": 2}
    third = await client.make_order(SYMBOL, qty, price, "buy-limit", client_order_id="h3")
    assert third.status is OrderStatus.NEW
    # answered directly, no reconcile
    assert emulator.faults.seen[query] == queried + 2 + read_back


@pytest.mark.parametrize(
    "arm",
    [
        {"kind": "melt"},
        {"match": "order", "kind": "drop_after"},
        {"kind": "timeout_after", "seconds": "long"},
    ],
    ids=["unknown-kind", "bad-match", "bad-seconds"],
)
async def test_bad_fault_request_is_refused_and_arms_nothing(
    trader: Venue, arm: dict[str, object]
) -> None:
    body = {"match": trader.endpoint("make_order"), **arm}
    url = f"{trader.emulator.base_url}/_emulator/fault"
    admin = trader.emulator.admin_headers()
    async with aiohttp.ClientSession() as raw, raw.post(url, json=body, headers=admin) as resp:
        assert resp.status == 400 and "error" in await resp.json()
    assert trader.emulator.faults.armed == []


async def test_expired_timestamp_resyncs_the_clock_and_retries_once(trader: Venue) -> None:
    client, emulator = trader.client, trader.emulator
    await client.get_balance()  # the clock is synchronised with the venue
    balance = trader.endpoint("get_balance")
    emulator.clock_skew_ms = 120_000  # the venue's clock jumps two minutes ahead
    seen = emulator.faults.seen[balance]
    assert "USDT" in await client.get_balance()
    # refused (a timestamp error) once, then answered with the resampled clock
    assert emulator.faults.seen[balance] == seen + 2
    # the resampled clock holds: the next request is answered at once
    assert "USDT" in await client.get_balance()
    assert emulator.faults.seen[balance] == seen + 3
