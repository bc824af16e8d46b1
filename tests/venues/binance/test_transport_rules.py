"""Auth, clock skew and rate limits, end to end against the emulator."""

from decimal import Decimal

import pytest

import tradeport as tp
from tradeport.model.errors import (
    InvalidApiKey,
    InvalidSignature,
    RateLimitError,
    RateLimitExceeded,
)
from tradeport.transport.ratelimit import RateLimiter
from tradeport.venues.binance.emulator import DEFAULT_ACCOUNTS, BinanceEmulator

from .conftest import connect


async def test_bad_secret_is_an_auth_error(emulator: BinanceEmulator) -> None:
    client = await tp.create_client(
        "BINANCE___SPOT",
        environment="emulator",
        base_url=emulator.base_url,
        api_key=DEFAULT_ACCOUNTS[0].api_key,
        secret="not-the-secret",
    )
    async with client:
        with pytest.raises(InvalidSignature) as info:
            await client.get_balance()
        assert info.value.code == -1022
        assert "not-the-secret" not in str(info.value) and "not-the-secret" not in repr(client)


async def test_unknown_key_is_an_auth_error(emulator: BinanceEmulator) -> None:
    client = await tp.create_client(
        "BINANCE___SWAP",
        environment="emulator",
        base_url=emulator.base_url,
        api_key="nobody",
        secret="x",
    )
    async with client:
        with pytest.raises(InvalidApiKey):
            await client.get_balance()


@pytest.mark.parametrize("key", ["BINANCE___SPOT", "BINANCE___SWAP"])
async def test_skewed_clock_recovers_by_resync(emulator: BinanceEmulator, key: str) -> None:
    client = await connect(emulator, key)
    async with client:
        await client.get_balance()  # synced against the true clock
        emulator.clock_skew_ms = 30_000  # the server now runs 30 s ahead: -1021
        balances = await client.get_balance()
        assert "USDT" in balances
        assert abs(client.clock.offset_ms - 30_000) < 2_000
        assert client.http.status_counts[400] == 1  # one -1021


async def test_without_the_limiter_the_same_burst_hits_429() -> None:
    emu = BinanceEmulator(step_interval=None, weight_limit=50, weight_interval=(2, "SECOND"))
    await emu.start()
    try:
        client = await connect(emu, "BINANCE___SPOT", rate_limit=False)
        async with client:
            with pytest.raises(RateLimitError):
                for _ in range(30):
                    await client.get_depth("BTC-USDT", 100)
            assert client.http.status_counts[429] + client.http.status_counts[418] >= 1
    finally:
        await emu.stop()


async def test_over_budget_raises_at_once_when_told_not_to_wait() -> None:
    # an hour-long window: no window edge falls inside the test
    emu = BinanceEmulator(step_interval=None, weight_limit=50, weight_interval=(1, "HOUR"))
    await emu.start()
    try:
        client = await connect(emu, "BINANCE___SPOT", rate_limit_wait=False)
        async with client:
            await client.get_exchange_info()  # weight 20 of 50
            with pytest.raises(RateLimitExceeded) as info:
                for _ in range(10):  # weight 5 each: the 7th does not fit
                    await client.get_depth("BTC-USDT", 100)
            assert info.value.retry_after is not None and info.value.retry_after > 0
            assert client.http.status_counts[429] == 0  # refused here, never sent
            assert client.http.status_counts[200] == 7
    finally:
        await emu.stop()


async def test_order_rate_429_stops_orders_only() -> None:
    emu = BinanceEmulator(step_interval=None, order_limit=2)
    await emu.start()
    try:
        client = await connect(emu, "BINANCE___SPOT")
        async with client:
            await client.get_exchange_info()  # adopts the announced order budgets
            far = Decimal(str((await client.get_depth("BTC-USDT", 5)).bids[0][0])) / 2
            price = far.quantize(Decimal("0.01"))
            # bypass our own order budget to meet the venue's -1015
            client.limiter.set_rules([r for r in client.limiter.rules if not r.endpoints])
            await client.make_order("BTC-USDT", "0.01", price, "buy-limit")
            await client.make_order("BTC-USDT", "0.01", price, "buy-limit")
            with pytest.raises(RateLimitExceeded) as info:
                await client.make_order("BTC-USDT", "0.01", price, "buy-limit")
            assert info.value.code == -1015
            # the request-weight budget was not stopped: reads and cancels go on at once
            assert client.limiter.usage()["request_weight"].blocked_until is None
            assert len(await client.get_open_orders("BTC-USDT")) == 2
    finally:
        await emu.stop()


async def test_closing_a_client_forgets_its_emulator_budgets() -> None:
    client = await tp.create_client("BINANCE___SPOT", environment="emulator")
    host = client.base_url.split("://", 1)[1]
    await client.get_depth("BTC-USDT", 5)
    assert any(k[0] == host for k in RateLimiter._shared)
    await client.close()
    assert not any(k[0] == host for k in RateLimiter._shared)
