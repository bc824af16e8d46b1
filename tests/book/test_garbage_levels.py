"""Garbage never makes a LIVE book: levels that are not real (NaN, infinity, a negative
size, a price not above zero) and update ids that cannot be the venue's are malformed,
and the book that meets them leaves LIVE and asks for a snapshot."""

from __future__ import annotations

import asyncio
import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradeport.book.levels import L2Book
from tradeport.book.sequence import FirstLastRule, PrevLinkRule, SeqLinkRule
from tradeport.book.snapshots import SnapshotQueue
from tradeport.book.sync import BookSync
from tradeport.book.types import DepthUpdate
from tradeport.model.enums import BookState
from tradeport.model.errors import MalformedMessage
from tradeport.model.market import OrderBook

SYMBOL = "BTC-USDT"
Level = tuple[float, float]

good_prices = st.sampled_from([99.0, 99.5, 100.0, 100.5, 101.0, 1e-8, 1e6])
good_sizes = st.sampled_from([0.0, 0.001, 1.0, 2.5, 1e9])
bad_prices = st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -0.0, -1.0, -1e-9])
bad_sizes = st.sampled_from([math.nan, math.inf, -math.inf, -1.0, -1e-9])
bad_levels = st.one_of(
    st.tuples(bad_prices, st.one_of(good_sizes, bad_sizes)),
    st.tuples(good_prices, bad_sizes),
)


class Requests(list[str]):
    def __call__(self, symbol: str) -> None:
        self.append(symbol)


def live_book() -> tuple[BookSync, Requests]:
    """A spot book LIVE at update id 100: bids below 99, asks above 101.5."""
    requests = Requests()
    sync = BookSync(SYMBOL, FirstLastRule(), requests)
    sync.on_snapshot(
        OrderBook(
            symbol=SYMBOL,
            bids=[(98.0, 1.0), (97.0, 2.0)],
            asks=[(102.0, 1.0), (103.0, 2.0)],
            update_id=100,
        )
    )
    assert sync.state is BookState.LIVE
    return sync, requests


def all_real(book: L2Book) -> bool:
    levels = book.bids_top() + book.asks_top()
    return all(0.0 < p < math.inf and 0.0 < q < math.inf for p, q in levels)


def diff(first: int, last: int, bids: list[Level], asks: list[Level] | None = None) -> DepthUpdate:
    return DepthUpdate(SYMBOL, first, last, -1, bids, asks or [])


@given(
    before=st.lists(st.tuples(good_prices, good_sizes), max_size=4),
    bad=bad_levels,
    after=st.lists(st.tuples(good_prices, good_sizes), max_size=4),
    on_asks=st.booleans(),
)
def test_a_level_that_is_not_real_is_malformed_and_never_enters_the_book(
    before: list[Level], bad: Level, after: list[Level], on_asks: bool
) -> None:
    sync, requests = live_book()
    levels = [*before, bad, *after]
    update = diff(101, 101, [], levels) if on_asks else diff(101, 101, levels)
    with pytest.raises(MalformedMessage):
        sync.on_update(update)
    assert sync.state is BookState.RESYNCING
    assert requests == [SYMBOL]
    assert sync.stats.malformed == 1
    assert all_real(sync.book)
    view = sync.view()  # the view reads every level back: no NaN key to miss
    assert view.state is BookState.RESYNCING


@given(bad=bad_levels, on_asks=st.booleans())
def test_a_snapshot_with_a_level_that_is_not_real_is_refused_and_asked_again(
    bad: Level, on_asks: bool
) -> None:
    requests = Requests()
    sync = BookSync(SYMBOL, FirstLastRule(), requests)
    good = [(100.0, 1.0)]
    bids, asks = (good, [(101.0, 1.0), bad]) if on_asks else ([bad, *good], [(101.0, 1.0)])
    with pytest.raises(MalformedMessage):
        sync.on_snapshot(OrderBook(symbol=SYMBOL, bids=bids, asks=asks, update_id=5))
    assert sync.state is BookState.RESYNCING
    assert requests == [SYMBOL]
    assert sync.book.depth() == (0, 0)  # nothing of the refused snapshot was loaded


@given(bad=bad_levels)
def test_a_garbage_update_met_while_waiting_is_dropped_not_replayed(bad: Level) -> None:
    requests = Requests()
    sync = BookSync(SYMBOL, FirstLastRule(), requests)
    sync.on_update(diff(101, 101, [(99.0, 1.0)]))
    with pytest.raises(MalformedMessage):
        sync.on_update(diff(102, 102, [bad]))
    assert sync.buffered == 1
    # the snapshot that was asked for covers the dropped update: the book goes LIVE clean
    live = sync.on_snapshot(
        OrderBook(symbol=SYMBOL, bids=[(98.0, 1.0)], asks=[(102.0, 1.0)], update_id=102)
    )
    assert live and sync.state is BookState.LIVE
    assert all_real(sync.book)


def test_the_crossed_check_sees_a_nan_price() -> None:
    book = L2Book(SYMBOL)
    book.load([(100.0, 1.0)], [(101.0, 1.0)], 1)
    assert not book.crossed
    # no NaN can enter through load or apply; were one there, the book would be crossed
    book._asks.load({math.nan: 1.0})  # a side's own load takes levels unchecked
    assert book.crossed


@pytest.mark.parametrize(
    ("first", "last"),
    [(103, 101), (101, 2**63), (101, 10**30), (-5, 101)],
    ids=["U above u", "u beyond int64", "u = 10**30", "negative U"],
)
def test_an_update_whose_ids_cannot_be_real_is_malformed(first: int, last: int) -> None:
    sync, requests = live_book()
    with pytest.raises(MalformedMessage):
        sync.on_update(diff(first, last, [(99.0, 1.0)]))
    assert sync.state is BookState.RESYNCING
    assert sync.update_id == 100
    assert requests == [SYMBOL]


def test_a_huge_update_id_does_not_freeze_a_live_book() -> None:
    """u = 2**62 fits 64 bits and continues the book: it is applied. Every real diff
    after it overlaps it, which no venue's numbering allows: the book resyncs instead
    of skipping the real diffs while it stays LIVE."""
    sync, requests = live_book()
    sync.on_update(diff(101, 2**62, [(99.0, 1.0)]))
    assert sync.update_id == 2**62
    sync.on_update(diff(101, 103, [(99.5, 1.0)]))
    assert sync.state is BookState.RESYNCING
    assert requests == [SYMBOL]
    # the real diff is kept and replayed over the next snapshot
    assert sync.on_snapshot(
        OrderBook(symbol=SYMBOL, bids=[(98.0, 1.0)], asks=[(102.0, 1.0)], update_id=100)
    )
    assert sync.update_id == 103
    assert sync.book.best_bid() == (99.5, 1.0)


def test_a_duplicate_of_the_last_update_is_still_skipped() -> None:
    sync, requests = live_book()
    sync.on_update(diff(101, 105, [(99.0, 1.0)]))
    assert sync.on_update(diff(101, 105, [(99.0, 1.0)])) is False
    assert sync.on_update(diff(90, 100, [(99.0, 1.0)])) is False  # a late, older one
    assert sync.state is BookState.LIVE
    assert requests == []
    assert sync.stats.skipped == 2


@st.composite
def id_streams(draw: st.DrawFn) -> list[tuple[int, int]]:
    """(first, last) ids, each update continuing the previous one, with one absurd
    update somewhere: ids reversed, or a last id far ahead."""
    ids, last = [], 100
    for _ in range(draw(st.integers(0, 5))):
        span = draw(st.integers(1, 10))
        ids.append((last + 1, last + span))
        last += span
    absurd = draw(st.sampled_from([(last + 5, last + 1), (last + 1, 10**30), (last + 1, 2**62)]))
    ids.append(absurd)
    for _ in range(draw(st.integers(1, 5))):
        span = draw(st.integers(1, 10))
        ids.append((last + 1, last + span))
        last += span
    return ids


@given(ids=id_streams())
def test_after_an_impossible_sequence_the_book_is_never_live_skipping_real_updates(
    ids: list[tuple[int, int]],
) -> None:
    sync, requests = live_book()
    for first, last in ids:
        try:
            sync.on_update(diff(first, last, [(99.0, 1.0)]))
        except MalformedMessage:
            assert sync.state is not BookState.LIVE
    assert sync.state is not BookState.LIVE
    assert requests  # a snapshot is on its way


@pytest.mark.parametrize("rule", [FirstLastRule(), PrevLinkRule(), SeqLinkRule()])
def test_every_rule_refuses_ids_beyond_64_bits(
    rule: FirstLastRule | PrevLinkRule | SeqLinkRule,
) -> None:
    requests = Requests()
    sync = BookSync(SYMBOL, rule, requests)
    sync.on_snapshot(OrderBook(symbol=SYMBOL, bids=[(1.0, 1.0)], asks=[(2.0, 1.0)], update_id=7))
    with pytest.raises(MalformedMessage):
        sync.on_update(DepthUpdate(SYMBOL, 10**30, 10**30, 7, [], []))
    assert sync.state is BookState.RESYNCING


async def test_a_refused_rest_snapshot_is_fetched_again_after_a_backoff() -> None:
    """A venue answering the depth request with garbage: the book refuses the snapshot
    and asks again; the queue waits its backoff before the next fetch instead of asking
    as fast as it can, and the book goes LIVE on the first real snapshot."""
    fetched: list[float] = []
    live = asyncio.Event()
    loop = asyncio.get_running_loop()
    garbage = OrderBook(symbol=SYMBOL, bids=[(math.nan, 1.0)], asks=[(101.0, 1.0)], update_id=5)
    good = OrderBook(symbol=SYMBOL, bids=[(100.0, 1.0)], asks=[(101.0, 1.0)], update_id=5)

    async def fetch(symbol: str) -> OrderBook:
        fetched.append(loop.time())
        return garbage if len(fetched) <= 2 else good

    def deliver(symbol: str, snapshot: OrderBook) -> None:
        if sync.on_snapshot(snapshot):
            live.set()

    queue = SnapshotQueue(fetch, deliver, retry_base=0.02, rng=random.Random(1))
    sync = BookSync(SYMBOL, FirstLastRule(), queue.request)
    queue.request(SYMBOL)
    queue.start()
    try:
        await asyncio.wait_for(live.wait(), 5.0)
    finally:
        await queue.close()
    assert len(fetched) == 3
    assert sync.stats.malformed == 2
    assert queue.failures == 2
    # each fetch after a refusal waited at least the smallest backoff (half the base,
    # then half of twice the base): never asked again at once
    assert fetched[1] - fetched[0] >= 0.009
    assert fetched[2] - fetched[1] >= 0.019
