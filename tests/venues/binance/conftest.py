"""A Binance emulator on a loopback port per test, and real clients connected to it."""

from collections.abc import AsyncIterator

import pytest

import tradeport as tp
from tradeport.venues.binance.client import BinanceClient
from tradeport.venues.binance.emulator import DEFAULT_ACCOUNTS, BinanceEmulator


@pytest.fixture
async def emulator() -> AsyncIterator[BinanceEmulator]:
    # the market moves only when a test moves it: outcomes are exact
    async with BinanceEmulator(step_interval=None, seed=11) as emu:
        yield emu


async def connect(emu: BinanceEmulator, key: str, account: int = 0, **kw: object) -> BinanceClient:
    acct = DEFAULT_ACCOUNTS[account]
    client = await tp.create_client(
        key,
        environment="emulator",
        base_url=emu.base_url,
        api_key=acct.api_key,
        secret=acct.secret,
        **kw,
    )
    assert isinstance(client, BinanceClient)
    return client


@pytest.fixture
async def spot(emulator: BinanceEmulator) -> AsyncIterator[BinanceClient]:
    client = await connect(emulator, "BINANCE___SPOT")
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
async def swap(emulator: BinanceEmulator) -> AsyncIterator[BinanceClient]:
    client = await connect(emulator, "BINANCE___SWAP")
    try:
        yield client
    finally:
        await client.close()
