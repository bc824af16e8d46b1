"""SnapshotQueue: dedupe, one fetch at a time, retries, clean close; and a gap resyncing
only its own book through a shared queue."""

from __future__ import annotations

import asyncio
import logging
import random

import pytest

from tradeport.book.sequence import FirstLastRule
from tradeport.book.snapshots import SnapshotQueue
from tradeport.book.sync import BookSync
from tradeport.book.types import DepthUpdate
from tradeport.model.enums import BookState
from tradeport.model.market import OrderBook

SAFETY = 5.0  # seconds before a hung test fails; never a measured duration


def book(symbol: str, update_id: int = 1) -> OrderBook:
    return OrderBook(symbol=symbol, bids=[(100.0, 1.0)], asks=[(101.0, 1.0)], update_id=update_id)


class Recorder:
    """Test input: a fetch that logs what it does, and a deliver that collects results."""

    def __init__(self, expected: int) -> None:
        self.log: list[str] = []
        self.delivered: list[str] = []
        self.expected = expected
        self.done = asyncio.Event()
        self.failing: dict[str, int] = {}  # symbol → failures still to produce

    async def fetch(self, symbol: str) -> OrderBook:
        self.log.append(f"start {symbol}")
        await asyncio.sleep(0)  # let anything that could run concurrently run
        await asyncio.sleep(0)
        if self.failing.get(symbol, 0) > 0:
            self.failing[symbol] -= 1
            self.log.append(f"fail {symbol}")
            raise ConnectionError(f"depth of {symbol} timed out")
        self.log.append(f"end {symbol}")
        return book(symbol)

    def deliver(self, symbol: str, snapshot: OrderBook) -> None:
        assert snapshot.symbol == symbol
        self.delivered.append(symbol)
        if len(self.delivered) >= self.expected:
            self.done.set()


async def test_a_symbol_is_queued_once_at_a_time() -> None:
    rec = Recorder(expected=2)
    queue = SnapshotQueue(rec.fetch, rec.deliver)
    for symbol in ("BTC-USDT", "BTC-USDT", "ETH-USDT", "BTC-USDT"):
        queue.request(symbol)
    assert queue.pending == ["BTC-USDT", "ETH-USDT"]
    queue.start()
    await asyncio.wait_for(rec.done.wait(), SAFETY)
    await queue.close()
    assert rec.delivered == ["BTC-USDT", "ETH-USDT"]
    assert queue.fetched == 2


async def test_concurrency_one_fetches_in_request_order_one_at_a_time() -> None:
    rec = Recorder(expected=3)
    queue = SnapshotQueue(rec.fetch, rec.deliver, concurrency=1)
    queue.start()
    for symbol in ("A-USDT", "B-USDT", "C-USDT"):
        queue.request(symbol)
    await asyncio.wait_for(rec.done.wait(), SAFETY)
    await queue.close()
    assert rec.log == [
        "start A-USDT", "end A-USDT", "start B-USDT", "end B-USDT", "start C-USDT", "end C-USDT"
    ]  # fmt: skip


async def test_concurrency_two_overlaps_two_fetches() -> None:
    rec = Recorder(expected=2)
    queue = SnapshotQueue(rec.fetch, rec.deliver, concurrency=2)
    queue.start()
    queue.request("A-USDT")
    queue.request("B-USDT")
    await asyncio.wait_for(rec.done.wait(), SAFETY)
    await queue.close()
    assert rec.log[:2] == ["start A-USDT", "start B-USDT"]


async def test_failed_fetch_is_retried_while_other_symbols_go_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rec = Recorder(expected=2)
    rec.failing["A-USDT"] = 2
    queue = SnapshotQueue(
        rec.fetch, rec.deliver, retry_base=0.001, retry_max=0.002, rng=random.Random(7)
    )
    queue.start()
    queue.request("A-USDT")
    queue.request("B-USDT")
    with caplog.at_level(logging.WARNING, logger="tradeport.book"):
        await asyncio.wait_for(rec.done.wait(), SAFETY)
    await queue.close()
    assert rec.delivered == ["B-USDT", "A-USDT"]  # B was not held up by A's backoff
    assert rec.log.count("fail A-USDT") == 2
    assert queue.failures == 2
    assert queue.fetched == 2
    failures = [r for r in caplog.records if r.name == "tradeport.book"]
    assert len(failures) == 2
    assert "A-USDT" in failures[0].getMessage()


async def test_close_cancels_a_fetch_in_flight_and_forgets_waiting_requests() -> None:
    cancelled: list[str] = []
    started = asyncio.Event()

    async def hanging_fetch(symbol: str) -> OrderBook:
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append(symbol)
            raise
        raise AssertionError("unreachable: the wait above never ends")

    def deliver(symbol: str, snapshot: OrderBook) -> None:
        raise AssertionError(f"nothing should be delivered, got {symbol}")

    queue = SnapshotQueue(hanging_fetch, deliver)
    queue.request("A-USDT")
    queue.request("B-USDT")
    queue.start()
    await asyncio.wait_for(started.wait(), SAFETY)
    assert queue.in_flight == {"A-USDT"}
    assert queue.pending == ["B-USDT"]
    await queue.close()
    assert cancelled == ["A-USDT"]
    assert queue.in_flight == frozenset()
    assert queue.pending == []
    assert not queue.running


async def test_request_during_a_fetch_is_answered_by_it_and_one_during_delivery_is_queued() -> None:
    gate = asyncio.Event()
    fetches: list[str] = []
    delivered: list[str] = []
    done = asyncio.Event()
    queue: SnapshotQueue

    async def fetch(symbol: str) -> OrderBook:
        fetches.append(symbol)
        await gate.wait()
        return book(symbol)

    def deliver(symbol: str, snapshot: OrderBook) -> None:
        delivered.append(symbol)
        if len(delivered) == 1:
            queue.request(symbol)  # a book finding the snapshot too old asks again
        else:
            done.set()

    queue = SnapshotQueue(fetch, deliver)
    queue.start()
    queue.request("A-USDT")
    while not queue.in_flight:
        await asyncio.sleep(0)
    queue.request("A-USDT")
    assert queue.pending == []
    gate.set()
    await asyncio.wait_for(done.wait(), SAFETY)
    await queue.close()
    assert fetches == ["A-USDT", "A-USDT"]


async def test_min_interval_holds_back_a_symbol_fetched_just_now() -> None:
    rec = Recorder(expected=2)
    queue = SnapshotQueue(rec.fetch, rec.deliver, min_interval=3600.0)
    queue.start()
    queue.request("A-USDT")
    while rec.delivered != ["A-USDT"]:
        await asyncio.sleep(0)
    queue.request("A-USDT")
    queue.request("B-USDT")
    await asyncio.wait_for(rec.done.wait(), SAFETY)
    assert rec.delivered == ["A-USDT", "B-USDT"]
    assert queue.pending == ["A-USDT"]
    await queue.close()


def test_concurrency_below_one_is_refused() -> None:
    async def fetch(symbol: str) -> OrderBook:
        return book(symbol)

    with pytest.raises(ValueError, match="concurrency"):
        SnapshotQueue(fetch, lambda symbol, snapshot: None, concurrency=0)


# -- two books, one queue -----------------------------------------------------------------


def diff(symbol: str, update_id: int, price: float) -> DepthUpdate:
    return DepthUpdate(symbol, update_id, update_id, -1, [(price, float(update_id))], [])


async def test_gap_resyncs_only_that_book() -> None:
    symbols = ("BTC-USDT", "ETH-USDT")
    venue_ids = dict.fromkeys(symbols, 100)  # each symbol's newest id at the venue
    fetches: list[str] = []
    live = asyncio.Event()
    books: dict[str, BookSync] = {}

    async def fetch(symbol: str) -> OrderBook:
        fetches.append(symbol)
        await asyncio.sleep(0)
        return book(symbol, venue_ids[symbol])

    def deliver(symbol: str, snapshot: OrderBook) -> None:
        books[symbol].on_snapshot(snapshot)
        if all(b.state is BookState.LIVE for b in books.values()):
            live.set()

    queue = SnapshotQueue(fetch, deliver)
    books.update({s: BookSync(s, FirstLastRule(), queue.request) for s in symbols})
    queue.start()
    for symbol in symbols:
        queue.request(symbol)
    await asyncio.wait_for(live.wait(), SAFETY)
    live.clear()
    fetches.clear()

    for update_id in (101, 102):
        for symbol in symbols:
            venue_ids[symbol] = update_id
            books[symbol].on_update(diff(symbol, update_id, 99.0))
    venue_ids["BTC-USDT"] = 104  # BTC's 103 is lost on the way
    assert books["BTC-USDT"].on_update(diff("BTC-USDT", 104, 98.0)) is True
    assert books["BTC-USDT"].state is BookState.RESYNCING
    venue_ids["ETH-USDT"] = 103
    assert books["ETH-USDT"].on_update(diff("ETH-USDT", 103, 98.0)) is True
    assert books["ETH-USDT"].state is BookState.LIVE

    await asyncio.wait_for(live.wait(), SAFETY)
    await queue.close()
    assert fetches == ["BTC-USDT"]
    assert books["BTC-USDT"].update_id == 104
    assert books["ETH-USDT"].stats.resyncs == 0
    assert books["BTC-USDT"].stats.resyncs == 1


async def test_discarded_symbol_in_flight_is_neither_delivered_nor_retried() -> None:
    gate = asyncio.Event()
    fetches: list[str] = []
    delivered: list[str] = []

    async def fetch(symbol: str) -> OrderBook:
        fetches.append(symbol)
        await gate.wait()
        if symbol == "A-USDT":
            raise ConnectionError("reset by peer")
        return book(symbol)

    queue = SnapshotQueue(fetch, lambda symbol, _: delivered.append(symbol), concurrency=2)
    queue.start()
    queue.request("A-USDT")
    queue.request("B-USDT")
    while len(queue.in_flight) < 2:
        await asyncio.sleep(0)
    queue.discard("A-USDT")
    queue.discard("B-USDT")
    gate.set()
    while queue.in_flight:
        await asyncio.sleep(0)
    await queue.close()
    assert delivered == []
    assert queue.pending == []
    assert fetches == ["A-USDT", "B-USDT"]
