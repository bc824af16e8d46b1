"""BookSync following the documented Binance procedures step by step."""

from __future__ import annotations

from tradeport.book.sequence import FirstLastRule, PrevLinkRule
from tradeport.book.sync import BookSync
from tradeport.book.types import DepthUpdate
from tradeport.model.enums import BookState
from tradeport.model.market import OrderBook

SYMBOL = "BTC-USDT"
Level = tuple[float, float]


def diff(
    first: int,
    last: int,
    bids: list[Level] | None = None,
    asks: list[Level] | None = None,
    prev: int = -1,
    ts: int = 0,
) -> DepthUpdate:
    return DepthUpdate(SYMBOL, first, last, prev, bids or [], asks or [], ts=ts, local_ts=ts * 10)


def snapshot(update_id: int, bids: list[Level] | None = None) -> OrderBook:
    return OrderBook(
        symbol=SYMBOL, bids=bids or [(100.0, 1.0)], asks=[(101.0, 1.0)], update_id=update_id
    )


class Requests(list[str]):
    def __call__(self, symbol: str) -> None:
        self.append(symbol)


def spot_book() -> tuple[BookSync, Requests]:
    requests = Requests()
    return BookSync(SYMBOL, FirstLastRule(), requests), requests


def futures_book() -> tuple[BookSync, Requests]:
    requests = Requests()
    return BookSync(SYMBOL, PrevLinkRule(), requests), requests


# -- spot (PROTOCOLS.md §1.5) ---------------------------------------------------------------


def test_spot_updates_are_buffered_until_the_first_snapshot() -> None:
    sync, requests = spot_book()
    assert sync.on_update(diff(101, 102)) is False
    assert sync.state is BookState.SYNCING
    assert sync.buffered == 1
    assert requests == []  # the subscriber asks for the first snapshot


def test_spot_snapshot_older_than_the_first_buffered_update_is_fetched_again() -> None:
    sync, requests = spot_book()
    sync.on_update(diff(105, 107, bids=[(99.0, 2.0)]))
    assert sync.on_snapshot(snapshot(103)) is False  # 103 + 1 < U = 105: a hole between
    assert requests == [SYMBOL]
    assert sync.state is BookState.RESYNCING
    assert sync.on_snapshot(snapshot(104)) is True  # 104 + 1 == U
    assert sync.state is BookState.LIVE
    assert sync.update_id == 107
    assert sync.view().bids == [(100.0, 1.0), (99.0, 2.0)]


def test_spot_buffered_updates_up_to_the_snapshot_id_are_dropped() -> None:
    sync, _ = spot_book()
    sync.on_update(diff(101, 102, bids=[(96.0, 9.0)]))  # already inside the snapshot
    sync.on_update(diff(103, 104, bids=[(96.0, 0.0)]))
    sync.on_update(diff(105, 106, bids=[(97.0, 3.0)]))
    assert sync.on_snapshot(snapshot(104)) is True
    assert sync.stats.skipped == 2
    assert sync.stats.applied == 1
    assert sync.view().bids == [(100.0, 1.0), (97.0, 3.0)]
    assert sync.update_id == 106


def test_spot_first_applied_update_straddles_snapshot_id_plus_one() -> None:
    sync, requests = spot_book()
    sync.on_update(diff(101, 103, bids=[(98.0, 1.5)]))
    assert sync.on_snapshot(snapshot(102)) is True  # U = 101 <= 103 <= u = 103
    assert sync.update_id == 103
    assert sync.view().bids == [(100.0, 1.0), (98.0, 1.5)]
    assert requests == []


def test_spot_stale_live_update_is_ignored_and_a_jump_is_a_gap() -> None:
    sync, requests = spot_book()
    sync.on_snapshot(snapshot(100))
    assert sync.on_update(diff(101, 102)) is True
    assert sync.on_update(diff(99, 100)) is False  # u < local id
    assert sync.on_update(diff(101, 102)) is False  # the same event again
    assert requests == []
    assert sync.stats.skipped == 2
    assert sync.on_update(diff(104, 105)) is True  # U > local + 1
    assert sync.state is BookState.RESYNCING
    assert requests == [SYMBOL]
    assert sync.stats.gaps == 1
    sync.on_update(diff(106, 106))
    assert requests == [SYMBOL]  # buffering while a snapshot is on its way
    assert sync.on_snapshot(snapshot(104)) is True
    assert sync.update_id == 106


# -- USDⓈ-M futures (PROTOCOLS.md §2.5) -------------------------------------------------------


def test_futures_first_update_must_contain_the_snapshot_id() -> None:
    sync, requests = futures_book()
    sync.on_update(diff(95, 99, prev=94))  # u < S: dropped
    sync.on_update(diff(100, 104, prev=99, asks=[(102.0, 4.0)]))  # U <= S = 102 <= u
    sync.on_update(diff(105, 106, prev=104, asks=[(103.0, 1.0)]))
    assert sync.on_snapshot(snapshot(102)) is True
    assert sync.stats.skipped == 1
    assert sync.update_id == 106
    assert sync.view().asks == [(101.0, 1.0), (102.0, 4.0), (103.0, 1.0)]
    assert requests == []


def test_futures_update_ending_at_the_snapshot_id_is_applied() -> None:
    sync, _ = futures_book()
    sync.on_update(diff(100, 102, prev=99))  # u == S: "drop u < S" keeps it
    assert sync.on_snapshot(snapshot(102)) is True
    assert sync.stats.applied == 1
    assert sync.stats.skipped == 0


def test_futures_snapshot_before_the_first_update_is_fetched_again() -> None:
    sync, requests = futures_book()
    sync.on_update(diff(105, 107, prev=104))
    assert sync.on_snapshot(snapshot(103)) is False  # U = 105 > S and pu != S
    assert requests == [SYMBOL]
    assert sync.state is BookState.RESYNCING


def test_futures_broken_prev_link_is_a_gap() -> None:
    sync, requests = futures_book()
    sync.on_snapshot(snapshot(100))
    sync.on_update(diff(99, 101, prev=98))
    assert sync.on_update(diff(102, 103, prev=101)) is True
    assert requests == []
    sync.on_update(diff(105, 106, prev=104))  # pu 104 != previous u 103
    assert sync.state is BookState.RESYNCING
    assert requests == [SYMBOL]
    assert sync.update_id == 103  # the broken update was not applied


def test_futures_duplicate_is_skipped_not_a_broken_link() -> None:
    sync, requests = futures_book()
    sync.on_snapshot(snapshot(100))
    sync.on_update(diff(99, 101, prev=98))
    sync.on_update(diff(102, 103, prev=101))
    assert sync.on_update(diff(102, 103, prev=101)) is False
    assert requests == []
    assert sync.state is BookState.LIVE


# -- common behaviour ----------------------------------------------------------------------


def test_crossed_book_resyncs_and_is_counted() -> None:
    sync, requests = spot_book()
    sync.on_snapshot(snapshot(100))
    assert sync.on_update(diff(101, 101, bids=[(101.5, 1.0)])) is True
    assert sync.state is BookState.RESYNCING
    assert sync.stats.crossed == 1
    assert requests == [SYMBOL]
    assert sync.buffered == 0  # the crossing update is not replayed


def test_buffer_overflow_drops_the_buffer_and_asks_again() -> None:
    requests = Requests()
    sync = BookSync(SYMBOL, FirstLastRule(), requests, max_buffer=3)
    for i in range(4):
        sync.on_update(diff(101 + i, 101 + i))
    assert sync.stats.overflows == 1
    assert sync.stats.buffered_max == 3
    assert sync.buffered == 1
    assert requests == [SYMBOL]


def test_snapshot_arriving_while_live_is_ignored() -> None:
    sync, _ = spot_book()
    sync.on_snapshot(snapshot(100))
    sync.on_update(diff(101, 101, bids=[(99.0, 1.0)]))
    assert sync.on_snapshot(snapshot(90, bids=[(50.0, 1.0)])) is False
    assert sync.stats.late_snapshots == 1
    assert sync.update_id == 101
    assert sync.view().bids == [(100.0, 1.0), (99.0, 1.0)]


def test_view_has_top_levels_times_of_the_last_update_and_state() -> None:
    sync, _ = spot_book()
    sync.on_snapshot(snapshot(100, bids=[(100.0, 1.0), (99.0, 1.0), (98.0, 1.0)]))
    sync.on_update(diff(101, 101, bids=[(99.0, 5.0)], ts=1_700_000_000_000))
    view = sync.view(2)
    assert view.bids == [(100.0, 1.0), (99.0, 5.0)]
    assert view.asks == [(101.0, 1.0)]
    assert view.update_id == 101
    assert view.ts == 1_700_000_000_000
    assert view.local_ts == 17_000_000_000_000
    assert view.state is BookState.LIVE


def test_invalidate_resyncs_and_reset_forgets_everything() -> None:
    sync, requests = spot_book()
    sync.on_snapshot(snapshot(100))
    sync.invalidate("unreadable diff")
    assert sync.state is BookState.RESYNCING
    assert requests == [SYMBOL]
    sync.on_update(diff(101, 101))
    sync.reset()
    assert sync.state is BookState.SYNCING
    assert sync.buffered == 0
    assert sync.view().bids == []
    assert sync.update_id == 0
