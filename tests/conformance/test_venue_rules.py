"""Clock skew and request budgets (orders whose outcome is unknown:
test_unknown_outcomes.py)."""

import asyncio

from tradeport.model import OrderStatus
from tradeport.venues.capability import Capability

from .conftest import SYMBOL, Venue, needs, start_venue


@needs(Capability.GET_DEPTH, Capability.GET_BALANCE, Capability.MAKE_ORDER)
async def test_skewed_server_clock_is_recovered_by_resync(venue: Venue) -> None:
    await venue.client.get_balance()  # synchronised against the true clock
    venue.emulator.clock_skew_ms = 30_000  # the venue now runs 30 s ahead
    assert "USDT" in await venue.client.get_balance()
    order = await venue.client.make_order(
        SYMBOL, await venue.small_qty(), await venue.price_under_bid("0.9"), "buy-limit"
    )
    assert order.status is OrderStatus.NEW


@needs(Capability.GET_EXCHANGE_INFO, Capability.GET_DEPTH)
async def test_limiter_waits_instead_of_collecting_rejections(venue: Venue) -> None:
    # a small budget in a short window: the burst must be spread, not refused
    emulator, client = await start_venue(
        venue.spec.key, weight_limit=50, weight_interval=(2, "SECOND")
    )
    try:
        await client.get_exchange_info()
        books = await asyncio.gather(*(client.get_depth(SYMBOL, 100) for _ in range(30)))
        assert len(books) == 30
        # each reached the venue once: none was refused (429 / 418) and sent again
        assert emulator.faults.seen[venue.endpoint("get_depth")] == 30
    finally:
        await client.close()
        await emulator.stop()
