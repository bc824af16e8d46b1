"""Auth, clock skew and rate limits, end to end against the emulator."""

import pytest

import tradeport as tp
from tradeport.model.errors import (
    InvalidApiKey,
    InvalidSignature,
    RateLimitError,
    RateLimitExceeded,
)
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
