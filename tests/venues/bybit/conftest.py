"""A Bybit emulator on a loopback port per test, and real clients connected to it.

The folder is not a package: helpers reach the tests as fixtures."""

from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import ROUND_UP, Decimal

import pytest
from tests.emulated import clients, serving

from tradeport.execution.quantize import quantize, quantize_price
from tradeport.venues.bybit.client import BybitClient
from tradeport.venues.bybit.emulator import BybitEmulator

Connect = Callable[..., Awaitable[BybitClient]]
SmallOrder = Callable[[BybitClient, str, str], Awaitable[tuple[Decimal, Decimal]]]


@pytest.fixture
async def emulator() -> AsyncIterator[BybitEmulator]:
    # the market moves only when a test moves it: outcomes are exact
    async for emu in serving(BybitEmulator(step_interval=None, seed=11)):
        yield emu


@pytest.fixture
async def connect(emulator: BybitEmulator) -> AsyncIterator[Connect]:
    """`await connect("BYBIT___SWAP", account=1, **client_options)`; closed at the end."""
    async for make in clients(emulator, BybitClient):
        yield make


@pytest.fixture
async def spot(connect: Connect) -> BybitClient:
    return await connect("BYBIT___SPOT")


@pytest.fixture
async def swap(connect: Connect) -> BybitClient:
    return await connect("BYBIT___SWAP")


@pytest.fixture
def small_order() -> SmallOrder:
    """`await small_order(client, symbol, fraction)` → (qty, price): a price `fraction`
    of the best bid, on the tick, and a quantity just above the minimums there."""

    async def make(client: BybitClient, symbol: str, fraction: str) -> tuple[Decimal, Decimal]:
        inst = await client.instrument(symbol)
        book = await client.get_depth(symbol, 5)
        price = quantize_price(inst, Decimal(str(book.bids[0][0])) * Decimal(fraction))
        need = quantize(inst.min_notional * Decimal("1.5") / price, inst.step_size, ROUND_UP)
        return max(inst.min_qty, need), price

    return make
