"""Books watched through the public API against every venue's emulator, fed frames no
venue should send: a depth update with a level that is not real, or update ids that
cannot be real. The book leaves LIVE, no consumer ever sees the garbage, and it comes
back LIVE from a fresh snapshot. And an OKX book whose resync snapshot fails its
checksum again resubscribes again instead of staying RESYNCING."""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest

import tradeport as tp
from tradeport.emulator.handle import EmulatorHandle
from tradeport.model import BookState, OrderBook
from tradeport.venues import registry
from tradeport.venues.base import VenueClient
from tradeport.venues.capability import Capability

SYMBOL = "BTC-USDT"
STREAMING = [
    s.key
    for s in registry.list_venues()
    if Capability.EMULATOR in s.capabilities and Capability.WATCH_ORDER_BOOK in s.capabilities
]
WAIT = 10.0  # a bound on a failing test, not a timing the test relies on


@dataclass
class Consumer:
    """What `watch_order_book(all_states=True)` delivered, with an event per state."""

    views: list[OrderBook] = field(default_factory=list)
    left_live: asyncio.Event = field(default_factory=asyncio.Event)
    live_again: asyncio.Event = field(default_factory=asyncio.Event)
    live: asyncio.Event = field(default_factory=asyncio.Event)

    def __call__(self, view: OrderBook) -> None:
        self.views.append(view)
        if view.state is BookState.LIVE:
            self.live.set()
            if self.left_live.is_set():
                self.live_again.set()
        elif self.live.is_set():
            self.left_live.set()

    def garbage_seen(self) -> list[OrderBook]:
        return [
            v
            for v in self.views
            if not all(0.0 < p < math.inf and 0.0 < q < math.inf for p, q in v.bids + v.asks)
        ]


@pytest.fixture(params=STREAMING)
async def venue(request: pytest.FixtureRequest) -> AsyncIterator[tuple[EmulatorHandle, Any]]:
    spec = registry.get_venue(request.param)
    assert spec.emulator_factory is not None
    emulator = spec.emulator_factory(seed=11, step_interval=None)
    await emulator.start()
    key, secret = emulator.credentials(0)
    options: dict[str, Any] = {
        "environment": "emulator",
        "base_url": emulator.base_url,
        "ws_url": emulator.stream_url(spec.asset_type),
        "api_key": key,
        "secret": secret,
    }
    passphrase = getattr(emulator, "passphrase", None)
    if passphrase is not None:
        options["passphrase"] = passphrase(0)
    client = await tp.create_client(request.param, **options)
    try:
        yield emulator, client
    finally:
        await client.close()
        await emulator.stop()


async def live_book(client: VenueClient) -> tuple[Consumer, Any, str]:
    """A consumer of every state of the BTC-USDT book, once it is LIVE; the book engine
    and the venue topic carrying it."""
    consumer = Consumer()
    await client.watch_order_book(SYMBOL, all_states=True, callback=consumer)
    await asyncio.wait_for(consumer.live.wait(), WAIT)
    book = client.synced_book(SYMBOL)
    assert book is not None
    streams = client.public_streams  # type: ignore[attr-defined]
    (topic,) = [t.name for t in streams.topics.values() if t.book is not None]
    return consumer, book, topic


def depth_frame(
    key: str, topic: str, first: int, last: int, prev: int, bids: list[list[str]]
) -> str:
    """A depth update of `topic` in the venue's own format, continuing the book."""
    if key.startswith("BINANCE"):
        data = {"e": "depthUpdate", "E": 1, "T": 1, "s": "BTCUSDT"}
        data |= {"U": first, "u": last, "pu": prev, "b": bids, "a": []}
        return json.dumps({"stream": topic, "data": data})
    if key.startswith("BYBIT"):
        data = {"s": topic.rsplit(".", 1)[1], "b": bids, "a": [], "u": last, "seq": last}
        return json.dumps({"topic": topic, "type": "delta", "ts": 1, "data": data})
    if key.startswith("BINGX"):  # one id per push: each is the previous one + 1
        data = {"action": "update", "lastUpdateId": last, "time": 1, "bids": bids, "asks": []}
        return json.dumps({"code": 0, "dataType": topic, "ts": 1, "data": data})
    channel, _, inst = topic.partition(":")
    levels = [[*level, "0", "1"] for level in bids]
    row = {"asks": [], "bids": levels, "ts": "1", "checksum": 0}
    row |= {"prevSeqId": prev, "seqId": last}
    arg = {"channel": channel, "instId": inst}
    return json.dumps({"arg": arg, "action": "update", "data": [row]})


def gzipped(client: VenueClient) -> bool:
    """The venue compresses every frame it sends (BingX)."""
    return client.key.startswith("BINGX")


async def back_to_live(emulator: EmulatorHandle, consumer: Consumer) -> None:
    """Move the market until the book is LIVE again (the venue's next frames carry the
    resync: Binance's next diff joins the REST snapshot, the others' snapshots come on
    resubscription)."""
    waiting = asyncio.ensure_future(consumer.live_again.wait())
    try:
        for _ in range(100):
            emulator.step()
            done, _ = await asyncio.wait({waiting}, timeout=0.1)
            if done:
                return
        raise AssertionError("the book never came back LIVE")
    finally:
        waiting.cancel()


GARBAGE = {
    "NaN price": ["NaN", "1"],
    "inf size": ["50000", "inf"],
    "negative size": ["50000", "-3"],
    "zero price": ["0", "1"],
    "negative price": ["-50000", "1"],
}


@pytest.mark.parametrize("level", GARBAGE.values(), ids=GARBAGE.keys())
async def test_a_level_that_is_not_real_resyncs_the_book_and_never_reaches_a_consumer(
    venue: tuple[EmulatorHandle, VenueClient], level: list[str]
) -> None:
    emulator, client = venue
    consumer, book, topic = await live_book(client)
    local = book.update_id
    frame = depth_frame(client.key, topic, local + 1, local + 1, local, [level])
    assert emulator.stream_faults.send_frame(frame, gzip=gzipped(client)) >= 1
    await asyncio.wait_for(consumer.left_live.wait(), WAIT)
    assert client.public_streams.malformed == 1  # type: ignore[attr-defined]
    await back_to_live(emulator, consumer)
    assert consumer.garbage_seen() == []
    assert book.state is BookState.LIVE


IMPOSSIBLE = {
    "u = 10**30": (1, 10**30),
    "u beyond int64": (1, 2**63),
    "u = 2**62": (1, 2**62),
    "U above u": (5, 2),
}


@pytest.mark.parametrize("ids", IMPOSSIBLE.values(), ids=IMPOSSIBLE.keys())
async def test_an_impossible_update_id_never_leaves_a_live_book_frozen(
    venue: tuple[EmulatorHandle, VenueClient], ids: tuple[int, int]
) -> None:
    emulator, client = venue
    consumer, book, topic = await live_book(client)
    local = book.update_id
    first, last = ids
    first, last = local + first, last if last > 100 else local + last
    frame = depth_frame(client.key, topic, first, last, local, [])
    assert emulator.stream_faults.send_frame(frame, gzip=gzipped(client)) >= 1
    # the book may take the frame (u = 2**62 fits 64 bits and continues it), but then
    # the venue's next real update cannot join it: either way it resyncs, never stays
    # LIVE skipping every real update
    await back_to_live(emulator, consumer)
    assert book.state is BookState.LIVE
    assert book.update_id < 2**50
    views_after = consumer.views[-1]
    assert views_after.state is BookState.LIVE and views_after.update_id == book.update_id


async def test_okx_resync_snapshot_failing_its_checksum_resubscribes_again() -> None:
    """The snapshot answering a resubscription fails its checksum too: the second resync
    request arrives while the first resubscription is still in flight. It must lead to
    another resubscription, not be dropped with the book left RESYNCING."""
    from tradeport.venues.okx.emulator import OkxEmulator

    emulator = OkxEmulator(seed=11, step_interval=None)
    await emulator.start()
    key, secret = emulator.credentials(0)
    client = await tp.create_client(
        "OKX___SPOT",
        environment="emulator",
        base_url=emulator.base_url,
        ws_url=emulator.stream_url(tp.model.AssetType.SPOT),
        api_key=key,
        secret=secret,
        passphrase=emulator.passphrase(0),
    )
    try:
        inst = (await client.instrument(SYMBOL)).venue_symbol
        consumer = Consumer()
        corrupted = 0

        def on_view(view: OrderBook) -> None:
            nonlocal corrupted
            consumer(view)
            # each time the book leaves LIVE (or a snapshot is refused), the venue's next
            # snapshot for it, the resubscription's, is corrupted too (not a heartbeat
            # that the emulator's clock may push first)
            if view.state is not BookState.LIVE and corrupted < 3:
                corrupted += 1
                emulator.streams.corrupt_checksum(inst, snapshot=True)

        await client.watch_order_book(SYMBOL, all_states=True, callback=on_view)
        await asyncio.wait_for(consumer.live.wait(), WAIT)
        book = client.synced_book(SYMBOL)
        assert book is not None
        emulator.streams.corrupt_checksum(inst)
        await back_to_live(emulator, consumer)
        assert book.stats.checksum_mismatches >= 3
        streams = client.public_streams  # type: ignore[attr-defined]
        assert streams.resubscribes >= 3
        assert book.state is BookState.LIVE
    finally:
        await client.close()
        await emulator.stop()
