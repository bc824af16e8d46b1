"""A book that stops updating gets one STALE marker; its next update is written as a
snapshot, so the replayed book is valid again right after it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import tradeport as tp
from tradeport.model import BookState, OrderBook
from tradeport.model.errors import BadParameter
from tradeport.record import BookReplayer, Marker, ParquetSink, Recorder, read_events
from tradeport.record.events import BookEvent, BookKind, MarkerKind

SYMBOL = "BTC-USDT"


async def test_a_silent_book_is_marked_stale_once_and_resumes_with_a_snapshot(
    tmp_path: Path,
) -> None:
    # a market that moves only when told: after its first snapshot the book is silent
    options = {"seed": 5, "step_interval": None}
    async with tp.connect_async(
        "BINANCE___SWAP", environment="emulator", emulator_options=options
    ) as client:
        stale = asyncio.Event()
        moved = asyncio.Event()
        states: dict[int, tuple[object, object]] = {}

        def on_marker(marker: Marker) -> None:
            if marker.kind is MarkerKind.STALE:
                stale.set()

        def on_book(book: OrderBook) -> None:
            if book.state is BookState.LIVE:
                states[book.update_id] = (tuple(book.bids), tuple(book.asks))
                if stale.is_set():
                    moved.set()

        with pytest.raises(BadParameter, match="stale_after"):
            Recorder(client, [SYMBOL], [ParquetSink(tmp_path)], stale_after=0)
        watch = await client.watch_order_book(SYMBOL, callback=on_book)
        recorder = Recorder(
            client,
            [SYMBOL],
            [ParquetSink(tmp_path)],
            trades=False,
            stale_after=0.05,
            on_marker=on_marker,
        )
        await recorder.start()
        await stale.wait()
        emulator = client._emulator  # type: ignore[attr-defined]
        emulator.step(5)  # the market moves: its book updates
        await asyncio.wait_for(moved.wait(), 30)
        await recorder.stop()
        await watch.close()

    events = list(read_events(tmp_path, channel="book"))
    kinds = [e.kind for e in events]
    assert kinds.count(MarkerKind.STALE) >= 1
    at = kinds.index(MarkerKind.STALE)
    after = events[at + 1]
    assert isinstance(after, BookEvent) and after.kind is BookKind.SNAPSHOT
    replayer = BookReplayer(SYMBOL)
    for event in events:
        if replayer.apply(event):
            view = replayer.view()
            assert (tuple(view.bids), tuple(view.asks)) == states[view.update_id]
    assert replayer.valid
    assert replayer.broken == 0
