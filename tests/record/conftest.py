"""A swap venue's emulator with its market moving on its own, and a client of it."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import nats
import pytest
from nats.js import JetStreamContext

import tradeport as tp
from tradeport.emulator.handle import EmulatorHandle
from tradeport.model import AssetType
from tradeport.record import BookEvent, Marker, Recorder
from tradeport.record.events import BookKind, Channel, Event, MarkerKind
from tradeport.venues import registry
from tradeport.venues.base import VenueClient
from tradeport.venues.capability import Capability

# what the recorder uses of a venue: 24 h tickers to rank, verified books and trades
RECORDED = {
    Capability.EMULATOR,
    Capability.GET_TICK,
    Capability.WATCH_ORDER_BOOK,
    Capability.WATCH_TRADES,
}
SWAPS = [
    s.key
    for s in registry.list_venues()
    if s.asset_type is AssetType.SWAP and s.capabilities >= RECORDED
]
STEP = 0.002  # seconds between the synthetic markets' moves
NATS_URL = "nats://127.0.0.1:4222"


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


async def record_until_books(market: Market, recorder: Recorder, books: int) -> None:
    """Run `recorder` until the client has seen `books` order books of BTC-USDT."""
    enough = asyncio.Event()
    seen = 0

    def count(_: object) -> None:
        nonlocal seen
        seen += 1
        if seen >= books:
            enough.set()

    watch = await market.client.watch_order_book("BTC-USDT", callback=count)
    await recorder.start()
    await asyncio.wait_for(enough.wait(), 30)
    await recorder.stop()
    await watch.close()


@pytest.fixture
async def js() -> AsyncIterator[JetStreamContext]:
    nc = await nats.connect(NATS_URL)
    yield nc.jetstream()
    await nc.close()


@pytest.fixture
async def names(js: JetStreamContext) -> AsyncIterator[tuple[str, str]]:
    """A JetStream stream and subject prefix of the test's own, deleted (with its
    consumers) at the end."""
    tag = uuid.uuid4().hex[:10]
    stream, prefix = f"TPTEST_{tag}", f"tptest{tag}"
    yield stream, prefix
    await js.delete_stream(stream)


def sample_events(first_seq: int, n: int) -> list[Event]:
    """`n` book events and markers of one stream, numbered from `first_seq`."""
    now = time.time_ns()
    out: list[Event] = []
    for i in range(n):
        seq = first_seq + i
        if i % 3 == 0:
            out.append(
                BookEvent(
                    venue="V",
                    symbol="BTC-USDT",
                    seq=seq,
                    kind=BookKind.DELTA,
                    prev_id=seq - 1,
                    update_id=seq,
                    ts=now,
                    local_ts=now + i,
                    bids=[(100.0 + i, 1.5)],
                    asks=[],
                )
            )
        elif i % 3 == 1:
            out.append(
                Marker(
                    venue="V",
                    symbol="BTC-USDT",
                    channel=Channel.BOOK,
                    seq=seq,
                    kind=MarkerKind.GAP,
                    reason="test",
                    local_ts=now + i,
                )
            )
        else:
            out.append(
                BookEvent(
                    venue="V",
                    symbol="BTC-USDT",
                    seq=seq,
                    kind=BookKind.SNAPSHOT,
                    prev_id=-1,
                    update_id=seq,
                    ts=now,
                    local_ts=now + i,
                    bids=[(99.0, 2.0)],
                    asks=[(101.0, 3.0)],
                )
            )
    return out
