"""A swap venue's emulator with its market moving on its own, and a client of it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

import tradeport as tp
from tradeport.emulator.handle import EmulatorHandle
from tradeport.model import AssetType
from tradeport.venues import registry
from tradeport.venues.base import VenueClient
from tradeport.venues.capability import Capability

SWAPS = [
    s.key
    for s in registry.list_venues()
    if s.asset_type is AssetType.SWAP and Capability.EMULATOR in s.capabilities
]
STEP = 0.002  # seconds between the synthetic markets' moves


@dataclass
class Market:
    key: str
    emulator: EmulatorHandle
    client: VenueClient


@pytest.fixture(params=SWAPS)
async def market(request: pytest.FixtureRequest) -> AsyncIterator[Market]:
    spec = registry.get_venue(request.param)
    assert spec.emulator_factory is not None
    emulator = spec.emulator_factory(seed=5, step_interval=STEP)
    await emulator.start()
    client = await tp.create_client(
        spec.key,
        environment="emulator",
        base_url=emulator.base_url,
        ws_url=emulator.stream_url(spec.asset_type),
    )
    try:
        yield Market(spec.key, emulator, client)
    finally:
        await client.close()
        await emulator.stop()
