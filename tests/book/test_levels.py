"""L2Book against a naive reference (a dict per side, sorted on every read)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeport.book.levels import L2Book

Level = tuple[float, float]

# a small price grid makes levels collide, vanish and reappear often; bids and asks
# share it so that crossed books happen too
prices = st.sampled_from([99.5, 99.75, 100.0, 100.25, 100.5, 100.75, 101.0, 1e-8, 1e6])
quantities = st.sampled_from([0.0, 0.0, 0.001, 1.0, 2.5, 1e9])
levels = st.lists(st.tuples(prices, quantities), max_size=6)


class Reference:
    def __init__(self) -> None:
        self.bids: dict[float, float] = {}
        self.asks: dict[float, float] = {}

    def apply(self, bids: list[Level], asks: list[Level]) -> None:
        for side, updates in ((self.bids, bids), (self.asks, asks)):
            for price, qty in updates:
                if qty == 0:
                    side.pop(price, None)
                else:
                    side[price] = qty

    def bids_top(self) -> list[Level]:
        return sorted(self.bids.items(), reverse=True)

    def asks_top(self) -> list[Level]:
        return sorted(self.asks.items())


def assert_same(book: L2Book, ref: Reference) -> None:
    bids, asks = ref.bids_top(), ref.asks_top()
    assert book.bids_top() == bids
    assert book.asks_top() == asks
    assert book.bids_top(3) == bids[:3]
    assert book.asks_top(3) == asks[:3]
    assert book.best_bid() == (bids[0] if bids else None)
    assert book.best_ask() == (asks[0] if asks else None)
    assert book.depth() == (len(bids), len(asks))
    assert book.crossed == bool(bids and asks and bids[0][0] >= asks[0][0])


@given(
    snapshot=st.tuples(levels, levels),
    updates=st.lists(st.tuples(levels, levels), max_size=30),
)
def test_updates_match_a_naive_book_after_every_step(
    snapshot: tuple[list[Level], list[Level]], updates: list[tuple[list[Level], list[Level]]]
) -> None:
    book, ref = L2Book("BTC-USDT"), Reference()
    book.load(snapshot[0], snapshot[1], 7)
    ref.apply(snapshot[0], snapshot[1])
    assert book.update_id == 7
    assert_same(book, ref)
    for bids, asks in updates:
        book.apply(bids, asks)
        ref.apply(bids, asks)
        assert_same(book, ref)


def deep_update(rng: random.Random, spread: int, top_heavy: bool) -> list[Level]:
    """20 levels on a grid of `spread` ticks (near the best when `top_heavy`), a tenth of
    them removals."""
    offsets = [
        min(int(rng.expovariate(1 / 10)), spread - 1) if top_heavy else rng.randrange(spread)
        for _ in range(20)
    ]
    return [
        (1000.0 + off * 0.5, 0.0 if rng.random() < 0.1 else rng.choice([0.5, 1.0, 7.25]))
        for off in offsets
    ]


@given(seed=st.integers(0, 2**32), top_heavy=st.booleans(), read_all=st.booleans())
@settings(max_examples=30, deadline=None)
def test_deep_books_match_a_naive_book(seed: int, top_heavy: bool, read_all: bool) -> None:
    """Books of hundreds of levels a side changed anywhere, or mostly near the top: the
    levels move inside the store's buffer, which grows and recentres, and a full read
    (`read_all`) keeps a cache of every level in step from then on."""
    rng = random.Random(seed)
    book, ref = L2Book("BTC-USDT"), Reference()
    snapshot = [(1000.0 + off * 0.5, 1.0) for off in range(0, 600, 2)]
    book.load(snapshot, [(-p + 5000.0, q) for p, q in snapshot], 1)
    ref.apply(snapshot, [(-p + 5000.0, q) for p, q in snapshot])
    for _ in range(60):
        bids = deep_update(rng, 900, top_heavy)
        asks = [(-p + 5000.0, q) for p, q in deep_update(rng, 900, top_heavy)]
        book.apply(bids, asks)
        ref.apply(bids, asks)
        ref_bids, ref_asks = ref.bids_top(), ref.asks_top()
        if read_all:
            assert book.bids_top() == ref_bids
            assert book.asks_top() == ref_asks
        assert book.bids_top(7) == ref_bids[:7]
        assert book.asks_top(7) == ref_asks[:7]
        index = rng.randrange(len(ref_bids) + 2)
        assert book.bid_at(index) == (ref_bids[index] if index < len(ref_bids) else None)
        assert book.ask_at(index) == (ref_asks[index] if index < len(ref_asks) else None)
        assert book.bid_prices(5) == [p for p, _ in ref_bids[:5]]
        assert book.ask_prices(5) == [p for p, _ in ref_asks[:5]]
        assert book.depth() == (len(ref_bids), len(ref_asks))
    assert_same(book, ref)


def test_tops_are_best_first() -> None:
    book = L2Book("BTC-USDT")
    book.load([(99.0, 1.0), (100.0, 2.0), (98.0, 3.0)], [(102.0, 1.0), (101.0, 2.0)], 1)
    assert book.bids_top(2) == [(100.0, 2.0), (99.0, 1.0)]
    assert book.asks_top() == [(101.0, 2.0), (102.0, 1.0)]
    assert book.best_bid() == (100.0, 2.0)
    assert book.best_ask() == (101.0, 2.0)
    assert not book.crossed


def test_zero_quantity_removes_and_removing_an_absent_level_is_harmless() -> None:
    book = L2Book("BTC-USDT")
    book.load([(100.0, 1.0)], [(101.0, 1.0)], 1)
    book.apply([(100.0, 0.0), (95.0, 0.0)], [(150.0, 0.0)])
    assert book.best_bid() is None
    assert book.depth() == (0, 1)
    assert not book.crossed


def test_snapshot_levels_with_zero_quantity_are_left_out() -> None:
    book = L2Book("BTC-USDT")
    book.load([(100.0, 0.0), (99.0, 1.0)], [(101.0, 0.0)], 3)
    assert book.depth() == (1, 0)
    assert book.best_ask() is None


def test_equal_best_prices_are_crossed() -> None:
    book = L2Book("BTC-USDT")
    book.load([(100.0, 1.0)], [(101.0, 1.0)], 1)
    book.apply([(101.0, 1.0)], [])
    assert book.crossed
    book.apply([(101.0, 0.0)], [])
    assert not book.crossed


def test_load_replaces_everything() -> None:
    book = L2Book("BTC-USDT")
    book.load([(100.0, 1.0)], [(101.0, 1.0)], 1)
    book.load([(90.0, 5.0)], [(91.0, 6.0)], 2)
    assert book.bids_top() == [(90.0, 5.0)]
    assert book.asks_top() == [(91.0, 6.0)]
    assert book.update_id == 2


def test_a_level_at_an_index_reads_as_from_the_list_best_first() -> None:
    """bid_at/ask_at index the levels best first as a list does (a negative index from
    the worst), and give None past the last."""
    book = L2Book("BTC-USDT")
    book.load([(1.0, 1.0), (2.0, 2.0), (3.0, 3.0)], [(4.0, 1.0), (5.0, 2.0)], 1)
    for read, levels in ((book.bid_at, book.bids_top()), (book.ask_at, book.asks_top())):
        for index in range(-len(levels), len(levels) + 2):
            assert read(index) == (levels[index] if index < len(levels) else None)
        with pytest.raises(IndexError):
            read(-len(levels) - 1)


def test_full_reads_stay_right_however_seldom_they_come() -> None:
    # the compiled store drops a full-depth cache nobody read for a while and rebuilds
    # it on the next full read: a read after many applies, and reads between applies,
    # must show the book as the applies left it
    book = L2Book("X")
    book.load([(1000.0 - i, 1.0) for i in range(200)], [(1001.0 + i, 1.0) for i in range(200)], 1)
    bids = dict(book.bids_top())
    assert len(bids) == 200
    for step in range(300):
        price = 1000.0 - (step * 7) % 250
        qty = 0.0 if step % 5 == 0 else 1.0 + step
        book.apply([(price, qty)], [])
        if qty:
            bids[price] = qty
        else:
            bids.pop(price, None)
        if step in (10, 150, 299):  # now and then, as a periodic snapshot reads
            assert book.bids_top() == sorted(bids.items(), reverse=True)
    assert book.bids_top(5) == sorted(bids.items(), reverse=True)[:5]
