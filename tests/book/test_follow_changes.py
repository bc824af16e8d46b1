"""A follower of a book's changes gets every level `apply` was given, in order, or None
when they are not all known (the recorder then compares whole books)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradeport.book.levels import MAX_CHANGES, L2Book
from tradeport.book.text_levels import TextL2Book

Level = tuple[float, float]
prices = st.sampled_from([99.5, 99.75, 100.0, 100.25, 100.5])
quantities = st.sampled_from([0.0, 0.001, 1.0, 2.5])
sides = st.lists(st.tuples(prices, quantities), max_size=6)


@given(st.lists(st.tuples(sides, sides), max_size=8))
# no timing limits: how fast examples are made depends on the machine's load
@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_given_levels_rebuild_the_book_from_its_last_state(
    updates: list[tuple[list[Level], list[Level]]],
) -> None:
    book = L2Book("X")
    book.load([(99.0, 1.0)], [(101.0, 1.0)], 1)
    me = object()
    assert book.follow_changes(me)
    assert book.take_changes(me) is None  # a new follower starts from a full read
    before = dict(book.bids_top()), dict(book.asks_top())
    for bids, asks in updates:
        book.apply(bids, asks)
    taken = book.take_changes(me)
    assert taken == updates
    for side, index in ((before[0], 0), (before[1], 1)):
        for update in taken:
            for price, qty in update[index]:
                if qty:
                    side[price] = qty
                else:
                    side.pop(price, None)
    assert before == (dict(book.bids_top()), dict(book.asks_top()))
    assert book.take_changes(me) == []


def test_one_follower_at_a_time_and_none_after_a_load() -> None:
    book = L2Book("X")
    first, second = object(), object()
    assert book.follow_changes(first)
    assert not book.follow_changes(second)
    assert book.take_changes(second) is None
    book.take_changes(first)
    book.apply([(99.0, 1.0)], [])
    book.load([(98.0, 1.0)], [], 5)
    assert book.take_changes(first) is None  # the load replaced what was given
    book.apply([(98.0, 2.0)], [])
    assert book.take_changes(first) == [([(98.0, 2.0)], [])]
    book.unfollow_changes(first)
    assert book.follow_changes(second)


def test_levels_it_cannot_keep_make_the_changes_unknown() -> None:
    book = L2Book("X")
    me = object()
    book.follow_changes(me)
    book.take_changes(me)
    book.apply(iter([(99.0, 1.0)]), [])  # a one-pass iterator is spent by the book
    assert book.take_changes(me) is None
    for _ in range(MAX_CHANGES + 1):  # a follower that stopped taking
        book.apply([(99.0, 1.0)], [])
    assert book.take_changes(me) is None
    assert book.take_changes(me) == []


def test_a_text_book_reports_its_text_updates_as_unknown() -> None:
    class Row:
        def __init__(self, px: str, sz: str) -> None:
            self.px, self.sz = px, sz

    book = TextL2Book("X")
    me = object()
    assert not book.follow_changes(me)  # its rows are text: a follower compares books
    book.apply_text([Row("99", "1")], [])
    assert book.take_changes(me) is None


def test_levels_applied_from_the_frame_text_reach_the_follower() -> None:
    book = L2Book("X")
    book.load([(99.0, 1.0)], [(101.0, 1.0)], 1)
    me = object()
    book.follow_changes(me)
    book.take_changes(me)
    assert book.apply_json(b'[["99.5","2"],["99.0","0"]]', b'[["101.5","3"]]')
    assert book.take_changes(me) == [([(99.5, 2.0), (99.0, 0.0)], [(101.5, 3.0)])]
    assert book.bids_top() == [(99.5, 2.0)]
    assert book.asks_top() == [(101.0, 1.0), (101.5, 3.0)]


def test_text_the_reader_refuses_keeps_nothing_and_a_full_follower_loses_the_changes() -> None:
    book = L2Book("X")
    book.load([(99.0, 1.0)], [(101.0, 1.0)], 1)
    me = object()
    book.follow_changes(me)
    book.take_changes(me)
    assert not book.apply_json(b'[["99.5","2e1"]]', b"[]")  # not the plain form
    assert book.take_changes(me) == []  # nothing was applied, nothing kept
    for _ in range(MAX_CHANGES + 1):  # a follower that stopped taking
        assert book.apply_json(b'[["99.5","2"]]', b"[]")
    assert book.take_changes(me) is None
    assert book.apply_json(b'[["99.5","3"]]', b"[]")
    assert book.take_changes(me) == [([(99.5, 3.0)], [])]
