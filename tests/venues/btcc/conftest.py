"""A BTCC emulator on a loopback port per test, and real clients logged in to it.

The folder is not a package: helpers reach the tests as fixtures."""

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

import tradeport as tp
from tradeport.model import AssetType
from tradeport.transport.ratelimit import RateLimiter
from tradeport.venues.btcc.client import BtccClient
from tradeport.venues.btcc.emulator import BtccEmulator

KEY = "BTCC___SWAP"
Connect = Callable[..., Awaitable[BtccClient]]


@pytest.fixture
def emulator_options() -> dict[str, Any]:
    """What a test folder's emulator is started with (a test overrides it)."""
    return {}


@pytest.fixture
async def emulator(emulator_options: dict[str, Any]) -> AsyncIterator[BtccEmulator]:
    # the market moves only when a test moves it: outcomes are exact
    emu = BtccEmulator(step_interval=None, seed=11, **emulator_options)
    await emu.start()
    try:
        yield emu
    finally:
        host = emu.base_url.split("://", 1)[1]
        await emu.stop()
        RateLimiter.forget_host(host)


@pytest.fixture
async def connect(emulator: BtccEmulator) -> AsyncIterator[Connect]:
    """`await connect(account=1, **client_options)`; closed at the end."""
    clients: list[BtccClient] = []

    async def make(account: int = 0, **kw: Any) -> BtccClient:
        api_key, secret = emulator.credentials(account)
        options: dict[str, Any] = {
            "environment": "emulator",
            "base_url": emulator.base_url,
            "ws_url": emulator.stream_url(AssetType.SWAP),
            "api_key": api_key,
            "secret": secret,
            **emulator.login_options(account),
            **kw,
        }
        client = await tp.create_client(KEY, **options)
        assert isinstance(client, BtccClient)
        clients.append(client)
        return client

    try:
        yield make
    finally:
        for client in clients:
            await client.close()
