"""BingX's budgets as the client sees them (PROTOCOLS.md §5.6): the remaining count each
answer reports is adopted by the limiter, 100410 / HTTP 429 is waited out and the
request sent once more, HTTP 403 stops every request to the host."""

from collections.abc import AsyncIterator
from typing import Any

import pytest

import tradeport as tp
from tradeport.emulator.faults import ErrorBefore
from tradeport.model import OrderStatus
from tradeport.model.errors import IpBanned, RateLimitExceeded
from tradeport.transport.ratelimit import RateLimiter
from tradeport.venues.bingx.client import BingxClient
from tradeport.venues.bingx.emulator import BingxEmulator

from .conftest import KEY

SYMBOL = "BTC-USDT"
DEPTH = "GET /openApi/swap/v2/quote/depth"
PLACE = "POST /openApi/swap/v2/trade/order"
BALANCE = "GET /openApi/swap/v3/user/balance"


@pytest.fixture
async def started() -> AsyncIterator[list[BingxEmulator]]:
    emulators: list[BingxEmulator] = []
    try:
        yield emulators
    finally:
        for emu in emulators:
            host = emu.base_url.split("://", 1)[1]
            await emu.stop()
            RateLimiter.forget_host(host)


async def start(started: list[BingxEmulator], **options: Any) -> BingxEmulator:
    emu = BingxEmulator(step_interval=None, seed=11, **options)
    await emu.start()
    started.append(emu)
    return emu


async def client_of(emu: BingxEmulator, **options: Any) -> BingxClient:
    api_key, secret = emu.credentials()
    client = await tp.create_client(
        KEY,
        environment="emulator",
        base_url=emu.base_url,
        api_key=api_key,
        secret=secret,
        **options,
    )
    assert isinstance(client, BingxClient)
    return client


async def test_remaining_count_is_adopted_before_the_venue_refuses(
    started: list[BingxEmulator],
) -> None:
    # the venue's window is far smaller than venue.yaml's: only its headers tell
    emu = await start(started, market_limit=4, window_ms=60_000)
    client = await client_of(emu, rate_limit_wait=False)
    async with client:
        await client.get_exchange_info()  # the contracts count in the market group
        for _ in range(3):
            await client.get_depth(SYMBOL, 5)
        with pytest.raises(RateLimitExceeded):
            await client.get_depth(SYMBOL, 5)
    assert emu.faults.seen[DEPTH] == 3  # the fourth never left the client


async def test_emulator_refuses_over_budget_with_429_and_100410(
    started: list[BingxEmulator],
) -> None:
    emu = await start(started, market_limit=3, window_ms=60_000)
    client = await client_of(emu, rate_limit=False)
    async with client:
        await client.get_exchange_info()
        await client.get_depth(SYMBOL, 5)
        await client.get_depth(SYMBOL, 5)
        with pytest.raises(RateLimitExceeded) as info:
            await client.get_depth(SYMBOL, 5)
    assert info.value.code == 100410


async def test_throttled_order_is_sent_once_more_and_placed(
    started: list[BingxEmulator],
) -> None:
    emu = await start(started)
    client = await client_of(emu)
    async with client:
        emu.faults.arm(PLACE, ErrorBefore(status=429, code=100410, msg="busy", retry_after=0))
        order = await client.make_order(SYMBOL, "0.01", "50000", "buy-limit")
        assert order.status is OrderStatus.NEW
        assert len(await client.get_open_orders(SYMBOL)) == 1
    assert emu.faults.seen[PLACE] == 2  # refused (not placed), then placed


async def test_403_stops_every_request_to_the_host(started: list[BingxEmulator]) -> None:
    emu = await start(started)
    client = await client_of(emu, rate_limit_wait=False)
    async with client:
        await client.get_balance()
        emu.faults.arm(BALANCE, ErrorBefore(status=403, code=403, msg="forbidden"))
        with pytest.raises(IpBanned):
            await client.get_balance()
        with pytest.raises(IpBanned):
            await client.get_depth(SYMBOL, 5)
    assert emu.faults.seen[DEPTH] == 0
