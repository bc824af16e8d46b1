"""A delivered book view reads levels on demand and keeps showing its own update."""

from __future__ import annotations

import gc

from tradeport.book.sequence import FirstLastRule
from tradeport.book.sync import BookSync
from tradeport.book.types import DepthUpdate
from tradeport.model import BookState, OrderBook

SYMBOL = "BTC-USDT"


def live_book(levels: int = 50) -> BookSync:
    sync = BookSync(SYMBOL, FirstLastRule(), lambda _s: None)
    bids = [(100.0 - i, 1.0 + i) for i in range(levels)]
    asks = [(101.0 + i, 1.0 + i) for i in range(levels)]
    sync.on_snapshot(OrderBook(symbol=SYMBOL, bids=bids, asks=asks, update_id=10))
    return sync


def diff(update_id: int, bids: list[tuple[float, float]]) -> DepthUpdate:
    return DepthUpdate(SYMBOL, update_id, update_id, -1, bids, [], ts=update_id)


def test_a_view_reads_the_top_levels_and_best_prices() -> None:
    view = live_book().view(20)
    assert view.best_bid == (100.0, 1.0)
    assert view.best_ask == (101.0, 1.0)
    assert view.top_bids(3) == [(100.0, 1.0), (99.0, 2.0), (98.0, 3.0)]
    assert view.top_asks(50) == view.asks  # no more than the view's depth
    assert len(view.bids) == 20 and len(view.asks) == 20
    assert list(view.iter_bids()) == view.bids
    assert view.order_book().bids == view.bids
    assert view.update_id == 10 and view.state is BookState.LIVE


def test_a_view_kept_past_the_next_update_still_shows_its_own_book() -> None:
    sync = live_book()
    kept = sync.view(5)
    best_only = sync.view(5)
    assert best_only.best_bid == (100.0, 1.0)  # read before the update, only the best
    sync.on_update(diff(11, [(100.0, 0.0), (99.5, 7.0)]))
    assert kept.bids == [(100.0, 1.0), (99.0, 2.0), (98.0, 3.0), (97.0, 4.0), (96.0, 5.0)]
    assert kept.update_id == 10
    assert best_only.top_bids(2) == [(100.0, 1.0), (99.0, 2.0)]
    fresh = sync.view(2)
    assert fresh.bids == [(99.5, 7.0), (99.0, 2.0)]
    assert fresh.update_id == 11


def test_an_iterator_started_before_an_update_finishes_on_the_old_book() -> None:
    sync = live_book()
    levels = sync.view(4).iter_bids()
    assert next(levels) == (100.0, 1.0)
    sync.on_update(diff(11, [(99.0, 0.0)]))
    assert list(levels) == [(99.0, 2.0), (98.0, 3.0), (97.0, 4.0)]


def test_a_snapshot_or_reset_does_not_change_a_kept_view() -> None:
    sync = live_book(3)
    kept = sync.view()
    sync.reset()
    assert kept.bids == [(100.0, 1.0), (99.0, 2.0), (98.0, 3.0)]
    assert sync.view().bids == []


def test_views_dropped_before_the_update_are_not_copied() -> None:
    sync = live_book()
    for _ in range(3):
        assert sync.view(1).best_bid == (100.0, 1.0)
    gc.collect()
    alive = [ref() for ref in sync.book._views]
    assert alive == [None, None, None]
    sync.on_update(diff(11, [(99.5, 7.0)]))
    assert sync.book._views == []  # forgotten once the levels changed


def test_a_view_of_no_levels_is_empty_and_one_of_more_than_the_book_is_the_book() -> None:
    sync = live_book(3)
    empty = sync.view(0)
    assert (empty.bids, empty.asks, empty.best_bid) == ([], [], None)
    assert sync.view(9).asks == [(101.0, 1.0), (102.0, 2.0), (103.0, 3.0)]


def test_views_of_a_book_that_does_not_change_do_not_pile_up() -> None:
    sync = live_book(3)
    kept = [sync.view(1) for _ in range(10)]
    for _ in range(1000):
        assert sync.view(1).best_ask == (101.0, 1.0)
    assert len(sync.book._views) <= len(kept) + 64
