"""Raw frames (`raw=True`): every frame of a recorded symbol's topics is written as it
came off the socket, in its own stream, on every venue that streams books."""

from __future__ import annotations

import asyncio
import gzip
from pathlib import Path

import pytest
from tests.record.conftest import Market

from tradeport.model import BookState
from tradeport.record import BookEvent, Marker, ParquetSink, Recorder, read_events
from tradeport.record.events import BookKind, Channel, MarkerKind, RawEvent

LIVE_UPDATES = 8


def _text(frame: bytes) -> str:
    # BingX sends every frame gzip-compressed, the others send text
    return gzip.decompress(frame).decode() if frame[:2] == b"\x1f\x8b" else frame.decode()


async def test_raw_frames_are_recorded_as_received(market: Market, tmp_path: Path) -> None:
    client = market.client
    enough = asyncio.Event()
    live = 0

    def count(book: object) -> None:
        nonlocal live
        if getattr(book, "state", None) is BookState.LIVE:
            live += 1
            if live >= LIVE_UPDATES:
                enough.set()

    recorder = Recorder(client, ["BTC-USDT"], [ParquetSink(tmp_path)], raw=True)
    # another consumer's topic (ETH-USDT) must stay out of the recording
    other = await client.watch_trades("ETH-USDT")
    await recorder.start()
    watch = await client.watch_order_book("BTC-USDT", all_states=True, callback=count)
    await asyncio.wait_for(enough.wait(), 30)
    await recorder.stop()
    await watch.close()
    await other.close()

    raw = list(read_events(tmp_path, channel=Channel.RAW))
    assert {e.symbol for e in raw} == {"BTC-USDT"}
    assert [e.seq for e in raw] == list(range(1, len(raw) + 1))
    assert isinstance(raw[0], Marker) and raw[0].kind is MarkerKind.START
    frames = [e for e in raw if isinstance(e, RawEvent)]
    venue_symbol = client.to_venue_symbol("BTC-USDT")
    for frame in frames:
        assert frame.topic and frame.local_ts > 0
        assert venue_symbol in _text(frame.frame), frame
    receipts = [f.local_ts for f in frames]
    assert receipts == sorted(receipts)
    # every recorded book change was read off one of the recorded frames
    deltas = [
        e
        for e in read_events(tmp_path, channel=Channel.BOOK)
        if isinstance(e, BookEvent) and e.kind is BookKind.DELTA
    ]
    assert len(frames) >= len(deltas) >= 1
    assert recorder.stats.raw == len(frames)


@pytest.mark.parametrize("market", ["BINANCE___SWAP"], indirect=True)
async def test_the_hook_is_removed_when_the_recorder_stops(market: Market, tmp_path: Path) -> None:
    client = market.client
    recorder = Recorder(client, ["BTC-USDT"], [ParquetSink(tmp_path)], raw=True, books=False)
    await recorder.start()
    streams = client.public_streams
    assert streams.raw_frames is not None
    await recorder.stop()
    assert streams.raw_frames is None
