"""A BingX emulator on a loopback port per test, and real clients connected to it.

The folder is not a package: helpers reach the tests as fixtures."""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

import tradeport as tp
from tradeport.model import AssetType
from tradeport.transport.ratelimit import RateLimiter
from tradeport.venues.bingx.client import BingxClient
from tradeport.venues.bingx.emulator import BingxEmulator

KEY = "BINGX___SWAP"
Connect = Callable[..., Awaitable[BingxClient]]


@pytest.fixture
async def emulator() -> AsyncIterator[BingxEmulator]:
    # the market moves only when a test moves it: outcomes are exact
    emu = BingxEmulator(step_interval=None, seed=11)
    await emu.start()
    try:
        yield emu
    finally:
        host = emu.base_url.split("://", 1)[1]
        await emu.stop()
        # budgets (and any stop) shared per address must not outlive the emulator
        RateLimiter.forget_host(host)


@pytest.fixture
async def connect(emulator: BingxEmulator) -> AsyncIterator[Connect]:
    """`await connect(account=1, **client_options)`; closed at the end."""
    clients: list[BingxClient] = []

    async def make(account: int = 0, **kw: Any) -> BingxClient:
        api_key, secret = emulator.credentials(account)
        options: dict[str, Any] = {
            "environment": "emulator",
            "base_url": emulator.base_url,
            "ws_url": emulator.stream_url(AssetType.SWAP),
            "api_key": api_key,
            "secret": secret,
            **kw,
        }
        client = await tp.create_client(KEY, **options)
        assert isinstance(client, BingxClient)
        clients.append(client)
        return client

    try:
        yield make
    finally:
        for client in clients:
            await client.close()


@pytest.fixture
async def client(connect: Connect) -> BingxClient:
    return await connect()
