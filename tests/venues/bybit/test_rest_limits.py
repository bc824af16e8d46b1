"""Bybit's rate limits as the client sees them (PROTOCOLS.md §4.6): the per-endpoint
headers are observed and adopted, a 10006 is waited out and the order sent once more,
an HTTP 429 is retried, a 403 stops every request to the host."""

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest

import tradeport as tp
from tradeport.emulator.faults import ErrorBefore
from tradeport.model import AssetType, OrderStatus
from tradeport.model.errors import IpBanned, RateLimitExceeded
from tradeport.transport.ratelimit import RateLimiter
from tradeport.venues.bybit.client import BybitClient
from tradeport.venues.bybit.emulator import BybitEmulator

SYMBOL = "BTC-USDT"
CREATE = "POST /v5/order/create"


@pytest.fixture
async def started() -> AsyncIterator[list[BybitEmulator]]:
    """Emulators a test starts with its own budgets; stopped at the end."""
    emulators: list[BybitEmulator] = []
    try:
        yield emulators
    finally:
        for emu in emulators:
            host = emu.base_url.split("://", 1)[1]
            await emu.stop()
            # a ban the client recorded for this address must not outlive the emulator
            RateLimiter.forget_host(host)


async def start(started: list[BybitEmulator], **options: Any) -> BybitEmulator:
    emu = BybitEmulator(step_interval=None, seed=11, **options)
    await emu.start()
    started.append(emu)
    return emu


async def client_of(emu: BybitEmulator, key: str, **options: Any) -> BybitClient:
    api_key, secret = emu.credentials()
    client = await tp.create_client(
        key,
        environment="emulator",
        base_url=emu.base_url,
        ws_url=emu.stream_url(AssetType.SWAP),
        api_key=api_key,
        secret=secret,
        **options,
    )
    assert isinstance(client, BybitClient)
    return client


async def test_every_private_answer_reports_its_budget(spot: BybitClient, small_order: Any) -> None:
    assert spot.rate_limit_usage() == {}
    await spot.get_balance()
    usage = spot.rate_limit_usage()["GET /v5/account/wallet-balance"]
    assert (usage.limit, usage.remaining, usage.used) == (50, 49, 1)
    qty, price = await small_order(spot, SYMBOL, "0.9")
    await spot.make_order(SYMBOL, qty, price, "buy-limit")
    create = spot.rate_limit_usage()[CREATE]
    assert create.limit == 20 and create.used == 1  # spot order entry: 20/s
    budget = spot.limiter.usage()[f"order_entry[{CREATE}]"]
    assert budget.limit == 20 and budget.used >= 1
    # public market data carries no per-account headers
    assert "GET /v5/market/orderbook" not in spot.rate_limit_usage()


async def test_the_limiter_adopts_the_limit_the_venue_reports(
    started: list[BybitEmulator], small_order: Any
) -> None:
    emu = await start(started, order_limit=3, uid_window_ms=60_000)
    async with await client_of(emu, "BYBIT___SWAP", rate_limit_wait=False) as client:
        qty, price = await small_order(client, SYMBOL, "0.9")
        for _ in range(3):
            await client.make_order(SYMBOL, qty, price, "buy-limit")
        assert client.limiter.usage()[f"order_entry[{CREATE}]"].limit == 3
        with pytest.raises(RateLimitExceeded):
            await client.make_order(SYMBOL, qty, price, "buy-limit")
        assert len(await client.get_open_orders(SYMBOL)) == 3


async def test_too_many_visits_is_waited_out_and_the_order_sent_once_more(
    started: list[BybitEmulator], caplog: pytest.LogCaptureFixture, small_order: Any
) -> None:
    # the venue's window (3 s) is longer than the client's rolling second: the third
    # order is refused with 10006 and sent again after the reset time it names
    emu = await start(started, order_limit=2, uid_window_ms=3_000)
    async with await client_of(emu, "BYBIT___SWAP") as client:
        qty, price = await small_order(client, SYMBOL, "0.9")
        with caplog.at_level(logging.INFO, logger="tradeport.venues.bybit"):
            orders = [
                await client.make_order(SYMBOL, qty, price, "buy-limit", client_order_id=f"t{i}")
                for i in range(3)
            ]
        assert [o.status for o in orders] == [OrderStatus.NEW] * 3
        assert emu.faults.seen[CREATE] == 4  # the refused one went twice, same id
        assert sum("over its budget" in r.getMessage() for r in caplog.records) == 1
        assert sorted(o.client_order_id or "" for o in await client.get_open_orders()) == [
            "t0",
            "t1",
            "t2",
        ]


async def test_http_429_on_market_data_is_retried(
    swap: BybitClient, emulator: BybitEmulator
) -> None:
    emulator.faults.arm(
        "GET /v5/market/tickers",
        ErrorBefore(status=429, code=10429, msg="System level frequency protection", retry_after=0),
        times=1,
    )
    tick = await swap.get_tick(SYMBOL)
    assert tick.last > 0
    assert swap.http.status_counts[429] == 1 and emulator.faults.seen["GET /v5/market/tickers"] == 2


async def test_http_403_stops_every_request_to_the_host(started: list[BybitEmulator]) -> None:
    emu = await start(started, weight_limit=3, weight_interval=(5, "SECOND"))
    client = await client_of(emu, "BYBIT___SPOT", rate_limit_wait=False, ip_ban_wait=30)
    async with client:
        for _ in range(3):
            await client.get_server_time()
        with pytest.raises(IpBanned) as info:
            await client.get_server_time()
        assert info.value.code == 403 and info.value.retry_after == 30
        assert client.limiter.usage()["ip_requests"].banned
        sent = client.http.status_counts.total()
        # the stop holds for every endpoint of the host, without a request going out
        with pytest.raises(IpBanned):
            await client.get_depth(SYMBOL, 5)
        assert client.http.status_counts.total() == sent


async def test_concurrent_queries_share_one_budget(swap: BybitClient) -> None:
    balances = await asyncio.gather(*(swap.get_balance() for _ in range(20)))
    assert all("USDT" in b for b in balances)
    usage = swap.rate_limit_usage()["GET /v5/account/wallet-balance"]
    assert usage.limit == 50 and usage.remaining >= 0
