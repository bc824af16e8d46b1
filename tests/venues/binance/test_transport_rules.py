"""Auth, clock skew and rate limits, end to end against the emulator."""

import asyncio

import pytest

import tradeport as tp
from tradeport.model.errors import InvalidApiKey, InvalidSignature, RateLimitError
from tradeport.venues.base import VenueClient
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
        assert abs(client.clock.offset_ms - 30_000) < 2_000  # type: ignore[attr-defined]
        assert client.http.status_counts[400] == 1  # type: ignore[attr-defined]  # one -1021


async def burst(client: VenueClient, n: int) -> None:
    await asyncio.gather(*(client.get_depth("BTC-USDT", 100) for _ in range(n)))


async def test_limiter_waits_instead_of_collecting_429s() -> None:
    # 50 weight per 2 s window; 30 depth requests of weight 5 = 150 weight
    emu = BinanceEmulator(step_interval=None, weight_limit=50, weight_interval=(2, "SECOND"))
    await emu.start()
    try:
        client = await connect(emu, "BINANCE___SPOT")
        async with client:
            await client.get_exchange_info()  # adopts the venue's announced budget
            await burst(client, 30)
            counts = client.http.status_counts  # type: ignore[attr-defined]
            assert counts[429] == 0 and counts[418] == 0 and counts[200] == 31
    finally:
        await emu.stop()


async def test_without_the_limiter_the_same_burst_hits_429() -> None:
    emu = BinanceEmulator(step_interval=None, weight_limit=50, weight_interval=(2, "SECOND"))
    await emu.start()
    try:
        client = await connect(emu, "BINANCE___SPOT", rate_limit=False)
        async with client:
            with pytest.raises(RateLimitError):
                for _ in range(30):
                    await client.get_depth("BTC-USDT", 100)
            assert client.http.status_counts[429] + client.http.status_counts[418] >= 1  # type: ignore[attr-defined]
    finally:
        await emu.stop()
