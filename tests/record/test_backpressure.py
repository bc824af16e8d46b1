"""A sink that stalls never stalls the recorder: its bounded queue drops the newest
events, counts them, and marks the loss in the data; a book that lost a delta resumes
with a snapshot, so the replayed book is still the live one wherever it is valid."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import pytest
from tests.record.conftest import Market

from tradeport.model import BookState, OrderBook
from tradeport.model.errors import BadParameter
from tradeport.record import BookReplayer, ParquetSink, Recorder, read_events
from tradeport.record.events import BookEvent, BookKind, Event, Marker, MarkerKind
from tradeport.record.sink import SinkQueue

SYMBOL = "BTC-USDT"
QUEUE = 8
DROPS = 10  # events dropped before the sink is let go
LIVE_AFTER = 10  # LIVE book updates after the sink wrote its DROPPED marker


class StalledSink:
    """A Parquet sink whose first write waits until the test lets it go: a disk or a
    server that stopped answering for a while."""

    def __init__(self, root: Path) -> None:
        self.inner = ParquetSink(root)
        self.name = "stalled"
        self.go = asyncio.Event()

    async def write(self, events: Sequence[Event]) -> None:
        await self.go.wait()
        await self.inner.write(events)

    async def flush(self) -> None:
        await self.inner.flush()

    async def close(self) -> None:
        await self.inner.close()


@pytest.mark.parametrize("market", ["BINANCE___SWAP"], indirect=True)
async def test_a_stalled_sink_drops_counts_and_marks_and_books_resume_from_a_snapshot(
    market: Market, tmp_path: Path
) -> None:
    sink = StalledSink(tmp_path)
    recorder = Recorder(
        market.client, [SYMBOL], [sink], trades=False, queue_size=QUEUE, snapshot_interval=3600
    )
    queue = recorder.queues[0]
    states: dict[int, tuple[object, object]] = {}
    after = 0
    done = asyncio.Event()

    def on_book(book: OrderBook) -> None:
        nonlocal after
        if book.state is not BookState.LIVE:
            return
        states[book.update_id] = (tuple(book.bids), tuple(book.asks))
        if queue.stats.dropped >= DROPS:
            sink.go.set()
        if queue.stats.markers:
            after += 1
            if after >= LIVE_AFTER:
                done.set()

    watch = await market.client.watch_order_book(SYMBOL, all_states=True, callback=on_book)
    await recorder.start()
    await asyncio.wait_for(done.wait(), 30)
    await recorder.stop()
    await watch.close()

    assert queue.stats.queue_max <= QUEUE
    events = list(read_events(tmp_path, channel="book"))
    # sequence numbers: every one written once, or covered by a DROPPED marker
    expected = 1
    for event in events:
        assert event.seq == expected
        covers = (
            event.count if isinstance(event, Marker) and event.kind is MarkerKind.DROPPED else 1
        )
        expected += covers
    dropped = [e for e in events if isinstance(e, Marker) and e.kind is MarkerKind.DROPPED]
    assert dropped
    assert sum(m.count for m in dropped) == queue.stats.dropped
    for marker in dropped:
        following = events[events.index(marker) + 1]
        assert isinstance(following, BookEvent) and following.kind is BookKind.SNAPSHOT

    replayer = BookReplayer(SYMBOL)
    compared = 0
    for event in events:
        if replayer.apply(event):
            view = replayer.view()
            assert (tuple(view.bids), tuple(view.asks)) == states[view.update_id]
            compared += 1
    assert replayer.broken == 0
    assert compared >= LIVE_AFTER


def test_a_queue_needs_room_for_an_event_and_its_marker(tmp_path: Path) -> None:
    with pytest.raises(BadParameter, match="queue size"):
        SinkQueue(ParquetSink(tmp_path), maxsize=1)


class FailingOnceSink:
    """A Parquet sink whose second batch fails, as a full disk or a lost server would."""

    def __init__(self, root: Path) -> None:
        self.inner = ParquetSink(root)
        self.name = "failing"
        self.calls = 0

    async def write(self, events: Sequence[Event]) -> None:
        self.calls += 1
        if self.calls == 2:
            raise OSError("No space left on device")
        await self.inner.write(events)

    async def flush(self) -> None:
        await self.inner.flush()

    async def close(self) -> None:
        await self.inner.close()


@pytest.mark.parametrize("market", ["BINANCE___SWAP"], indirect=True)
async def test_a_batch_a_sink_fails_to_write_is_marked_and_books_resume(
    market: Market, tmp_path: Path
) -> None:
    sink = FailingOnceSink(tmp_path)
    recorder = Recorder(
        market.client, [SYMBOL], [sink], snapshot_interval=3600, flush_interval=3600
    )
    queue = recorder.queues[0]
    states: dict[int, tuple[object, object]] = {}
    after = 0
    done = asyncio.Event()

    def on_book(book: OrderBook) -> None:
        nonlocal after
        if book.state is not BookState.LIVE:
            return
        states[book.update_id] = (tuple(book.bids), tuple(book.asks))
        if queue.stats.errors:
            after += 1
            if after >= LIVE_AFTER:
                done.set()

    watch = await market.client.watch_order_book(SYMBOL, all_states=True, callback=on_book)
    await recorder.start()
    await asyncio.wait_for(done.wait(), 30)
    await recorder.stop()
    await watch.close()

    assert queue.stats.errors == 1
    for channel in ("book", "trades"):
        events = list(read_events(tmp_path, channel=channel))
        expected = 1
        for event in events:
            assert event.seq == expected, channel
            dropped = isinstance(event, Marker) and event.kind is MarkerKind.DROPPED
            expected += event.count if dropped else 1  # type: ignore[union-attr]
    book = list(read_events(tmp_path, channel="book"))
    marks = [e for e in book if isinstance(e, Marker) and e.kind is MarkerKind.DROPPED]
    assert [m.reason for m in marks] == ["failing failed to write"]
    replayer = BookReplayer(SYMBOL)
    compared = 0
    for event in book:
        if replayer.apply(event):
            view = replayer.view()
            assert (tuple(view.bids), tuple(view.asks)) == states[view.update_id]
            compared += 1
    assert replayer.broken == 0
    assert compared >= LIVE_AFTER
