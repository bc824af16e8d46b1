"""An OKX emulator on a loopback port per test, and real clients connected to it.

The folder is not a package: helpers reach the tests as fixtures."""

from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import ROUND_UP, Decimal

import pytest
from tests.emulated import clients, serving

from tradeport.execution.quantize import quantize, quantize_price
from tradeport.venues.okx.emulator import OkxEmulator
from tradeport.venues.okx.rest import OkxRest

Connect = Callable[..., Awaitable[OkxRest]]
SmallOrder = Callable[[OkxRest, str, str], Awaitable[tuple[Decimal, Decimal]]]


@pytest.fixture
async def emulator() -> AsyncIterator[OkxEmulator]:
    # the market moves only when a test moves it: outcomes are exact
    async for emu in serving(OkxEmulator(step_interval=None, seed=11)):
        yield emu


@pytest.fixture
async def connect(emulator: OkxEmulator) -> AsyncIterator[Connect]:
    """`await connect("OKX___SWAP", account=1, **client_options)`; closed at the end."""
    async for make in clients(emulator, OkxRest):
        yield make


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
