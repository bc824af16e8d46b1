"""An OKX emulator on a loopback port per test, and real clients connected to it.

The folder is not a package: helpers reach the tests as fixtures."""

from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import ROUND_UP, Decimal
from typing import Any

import pytest

import tradeport as tp
from tradeport.execution.quantize import quantize, quantize_price
from tradeport.model import AssetType
from tradeport.transport.ratelimit import RateLimiter
from tradeport.venues.okx.emulator import OkxEmulator
from tradeport.venues.okx.rest import OkxRest

Connect = Callable[..., Awaitable[OkxRest]]
SmallOrder = Callable[[OkxRest, str, str], Awaitable[tuple[Decimal, Decimal]]]


async def _connect(emu: OkxEmulator, key: str, account: int = 0, **kw: Any) -> OkxRest:
    api_key, secret = emu.credentials(account)
    asset = AssetType.SPOT if key.endswith("SPOT") else AssetType.SWAP
    options: dict[str, Any] = {
        "environment": "emulator",
        "base_url": emu.base_url,
        "ws_url": emu.stream_url(asset),
        "api_key": api_key,
        "secret": secret,
        "passphrase": emu.passphrase(account),
        **kw,
    }
    client = await tp.create_client(key, **options)
    assert isinstance(client, OkxRest)
    return client


@pytest.fixture
async def emulator() -> AsyncIterator[OkxEmulator]:
    # the market moves only when a test moves it: outcomes are exact
    emu = OkxEmulator(step_interval=None, seed=11)
    await emu.start()
    try:
        yield emu
    finally:
        host = emu.base_url.split("://", 1)[1]
        await emu.stop()
        # budgets (and any stop) shared per address must not outlive the emulator
        RateLimiter.forget_host(host)


@pytest.fixture
async def connect(emulator: OkxEmulator) -> AsyncIterator[Connect]:
    """`await connect("OKX___SWAP", account=1, **client_options)`; closed at the end."""
    clients: list[OkxRest] = []

    async def make(key: str, account: int = 0, **kw: Any) -> OkxRest:
        client = await _connect(emulator, key, account, **kw)
        clients.append(client)
        return client

    try:
        yield make
    finally:
        for client in clients:
            await client.close()


@pytest.fixture
async def spot(connect: Connect) -> OkxRest:
    return await connect("OKX___SPOT")


@pytest.fixture
async def swap(connect: Connect) -> OkxRest:
    return await connect("OKX___SWAP")


@pytest.fixture
def small_order() -> SmallOrder:
    """`await small_order(client, symbol, fraction)` → (qty, price): a price `fraction`
    of the best bid, on the tick, and a quantity of ten times the minimum (above any
    minimum order value), in base units."""

    async def make(client: OkxRest, symbol: str, fraction: str) -> tuple[Decimal, Decimal]:
        inst = await client.instrument(symbol)
        book = await client.get_depth(symbol, 5)
        price = quantize_price(inst, Decimal(str(book.bids[0][0])) * Decimal(fraction))
        need = quantize(Decimal(20) / price, inst.step_size, ROUND_UP)
        return max(inst.min_qty * 10, need), price

    return make
