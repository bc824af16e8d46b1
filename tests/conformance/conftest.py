"""The conformance suite (DESIGN.md principle 11): the same scenarios against every
registered venue that has an emulator. A venue is done when it passes; its own test
folder covers only its quirks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import ROUND_UP, Decimal
from typing import Any

import pytest
from tests.emulated import login

import tradeport as tp
from tradeport.emulator.handle import EmulatorHandle
from tradeport.execution.quantize import quantize, quantize_price
from tradeport.model import AssetType, Instrument
from tradeport.venues import registry
from tradeport.venues.base import VenueClient
from tradeport.venues.capability import Capability

EMULATED = [s for s in registry.list_venues() if Capability.EMULATOR in s.capabilities]
SYMBOL = "BTC-USDT"  # every emulator lists it


@dataclass
class Venue:
    """One venue under test: its emulator, a client on the first account, helpers."""

    spec: registry.VenueSpec
    emulator: EmulatorHandle
    client: VenueClient

    @property
    def derivatives(self) -> bool:
        return Capability.GET_POSITION in self.spec.capabilities

    def endpoint(self, method: str) -> str:
        """The request behind a client method as faults match it, e.g. "POST
        /api/v3/order" for make_order (where a method spreads over several requests:
        the first its client's `method_endpoints` names)."""
        return self.endpoints(method)[0]

    def endpoints(self, method: str) -> tuple[str, ...]:
        """Every request a client method may make, as faults match them: its venue.yaml
        path, or those its client's `method_endpoints` names (BTCC's position model
        places an order by several calls, and sets leverage by none)."""
        names = getattr(self.client, "method_endpoints", {}).get(method, (method,))
        return tuple(self.client.config.rest_paths[name] for name in names)

    def sent(self, method: str) -> int:
        """How many requests of a client method the emulator saw, over its endpoints."""
        return sum(self.emulator.faults.seen[e] for e in self.endpoints(method))

    async def connect(self, account: int = 0, **options: Any) -> VenueClient:
        return await tp.create_client(
            self.spec.key,
            **{**login(self.emulator, self.spec.asset_type, account), **options},
        )

    def move(self, price: Decimal) -> None:
        self.emulator.move_market(self.spec.asset_type, SYMBOL, price)

    async def touch(self) -> tuple[Decimal, Decimal]:
        """The best bid and ask: from the book, or (a venue without a REST book) from
        the first ticker its quote stream pushes."""
        if Capability.GET_DEPTH in self.spec.capabilities:
            book = await self.client.get_depth(SYMBOL, 5)
            return Decimal(str(book.bids[0][0])), Decimal(str(book.asks[0][0]))
        watch = await self.client.watch_ticker(SYMBOL)
        try:
            async for tick in watch:
                if tick.bid and tick.ask:
                    return Decimal(str(tick.bid)), Decimal(str(tick.ask))
        finally:
            await watch.close()
        raise AssertionError(f"{self.spec.key}: the ticker stream ended without a quote")

    async def price_under_bid(self, fraction: str) -> Decimal:
        bid, _ = await self.touch()
        return quantize_price(await self.inst(), bid * Decimal(fraction))

    async def inst(self) -> Instrument:
        return await self.client.instrument(SYMBOL)

    async def small_qty(self) -> Decimal:
        """A quantity just above the instrument's minimums at the current price."""
        inst = await self.inst()
        bid, _ = await self.touch()
        by_notional = inst.min_notional * Decimal("1.5") / (bid * inst.contract_size)
        return max(inst.min_qty, quantize(by_notional, inst.step_size, ROUND_UP))


async def start_venue(
    key: str, client_options: dict[str, Any] | None = None, **emulator_options: Any
) -> tuple[EmulatorHandle, VenueClient]:
    spec = registry.get_venue(key)
    assert spec.emulator_factory is not None
    options = {"seed": 11, "step_interval": None, **emulator_options}
    emulator = spec.emulator_factory(**options)
    await emulator.start()
    client = await tp.create_client(
        key, **{**login(emulator, spec.asset_type), **(client_options or {})}
    )
    return emulator, client


@asynccontextmanager
async def running(key: str, **emulator_options: Any) -> AsyncIterator[Venue]:
    """Venue `key` on a fresh emulator (see `start_venue`), stopped at the end."""
    emulator, client = await start_venue(key, **emulator_options)
    try:
        yield Venue(registry.get_venue(key), emulator, client)
    finally:
        await client.close()
        await emulator.stop()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "needs(*capabilities): what a scenario exercises")


def needs(*capabilities: Capability) -> pytest.MarkDecorator:
    """The capabilities a scenario exercises: a venue that does not list every one of
    them skips it (its methods would only raise NotSupported)."""
    return pytest.mark.needs(*capabilities)


def skip_unless_capable(request: pytest.FixtureRequest, key: str) -> None:
    listed = registry.get_venue(key).capabilities
    wanted = [c for m in request.node.iter_markers("needs") for c in m.args]
    missing = sorted(c.value for c in wanted if c not in listed)
    if missing:
        pytest.skip(f"{key} does not list {', '.join(missing)}")


@pytest.fixture(params=[s.key for s in EMULATED])
async def venue(request: pytest.FixtureRequest) -> AsyncIterator[Venue]:
    skip_unless_capable(request, request.param)
    async with running(request.param) as started:
        yield started


@pytest.fixture(params=[s.key for s in EMULATED if Capability.GET_POSITION in s.capabilities])
async def derivatives(request: pytest.FixtureRequest) -> AsyncIterator[Venue]:
    skip_unless_capable(request, request.param)
    async with running(request.param) as started:
        yield started


def is_spot(v: Venue) -> bool:
    return v.spec.asset_type is AssetType.SPOT
