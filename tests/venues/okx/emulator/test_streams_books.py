"""The `books` channel state on its own (docs-v5 "WS / Order book channel": sequence ID and
checksum rules), for what the synthetic market's 20-level books cannot show over a socket:
a level pushed below the channel's depth leaves with size "0"."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradeport.venues.okx.emulator.stream_books import BookState, TextLevel


def level(price: str, size: str, orders: int = 1) -> TextLevel:
    return TextLevel(Decimal(price), price, size, orders)


def test_a_level_that_leaves_the_depth_is_sent_with_size_zero() -> None:
    state = BookState()
    state.take([level("100", "1"), level("99", "2")], [level("101", "3")], update_id=10, ts=1)
    # a better bid arrives and the depth keeps two levels: 99 falls out
    changes = state.take(
        [level("100.5", "4"), level("100", "1")], [level("101", "3")], update_id=12, ts=2
    )
    assert changes is not None
    bids, asks = changes
    assert [(b.px, b.sz, b.orders) for b in bids] == [("100.5", "4", 1), ("99", "0", 0)]
    assert asks == []
    assert state.update(10, changes, checksums=True).bids == [
        ["100.5", "4", "0", "1"],
        ["99", "0", "0", "0"],
    ]


def test_seq_moves_with_the_engine_and_an_unchanged_top_takes_nothing() -> None:
    state = BookState()
    state.take([level("100", "1")], [level("101", "1")], update_id=7, ts=1)
    assert state.seq == 7
    assert state.take([level("100", "1")], [level("101", "1")], update_id=9, ts=2) is None
    assert state.seq == 7
    state.take([level("100", "2")], [level("101", "1")], update_id=11, ts=3)
    assert state.seq == 11


def test_a_reset_restarts_below_the_previous_seq_and_cannot_go_below_zero() -> None:
    state = BookState()
    state.take([level("100", "1")], [level("101", "1")], update_id=50, ts=1)
    state.reset_sequence()
    state.take([level("100", "2")], [level("101", "1")], update_id=51, ts=2)
    assert state.seq == 0
    with pytest.raises(ValueError, match="already 0"):
        state.reset_sequence()


def test_a_corrupted_checksum_is_never_zero_nor_right_even_when_checksums_are_off() -> None:
    state = BookState()
    state.take(
        [level("3366.1", "7"), level("3366", "6")], [level("3366.8", "9"), level("3368", "8")], 1, 1
    )
    assert state.checksum() == -1881014294  # PROTOCOLS.md vector O1
    state.corrupt_checksum()
    off = state.snapshot(checksums=False).checksum
    assert off not in (0, -1881014294)
    assert state.snapshot(checksums=False).checksum == 0


def test_a_corrupted_snapshot_leaves_the_heartbeats_before_it_right() -> None:
    state = BookState()
    state.take([level("100", "1")], [level("101", "1")], update_id=1, ts=1)
    right = state.checksum()
    state.corrupt_checksum(snapshot=True)
    assert state.heartbeat(2, checksums=True).checksum == right
    assert state.snapshot(checksums=True).checksum not in (0, right)
    assert state.snapshot(checksums=True).checksum == right  # only the next snapshot
