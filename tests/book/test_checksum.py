"""The interleaved CRC32 book checksum, pinned to the documented vectors."""

from __future__ import annotations

from zlib import crc32

from hypothesis import given
from hypothesis import strategies as st

from tradeport.book.checksum import crc32_interleaved


def test_even_sides_match_documented_vector_o1() -> None:
    # PROTOCOLS.md §8 O1: check string 3366.1:7:3366.8:9:3366:6:3368:8
    bids = [("3366.1", "7"), ("3366", "6")]
    asks = [("3366.8", "9"), ("3368", "8")]
    assert crc32_interleaved(bids, asks) == -1881014294


def test_shorter_bid_side_is_skipped_as_in_vector_o2() -> None:
    # PROTOCOLS.md §8 O2: check string 3366.1:7:3366.8:9:3368:8:3372:8
    bids = [("3366.1", "7")]
    asks = [("3366.8", "9"), ("3368", "8"), ("3372", "8")]
    assert crc32_interleaved(bids, asks) == 831078360


def test_strings_are_hashed_as_received() -> None:
    # "3366.10" and "3366.1" are the same price but a different checksum
    assert crc32_interleaved([("3366.10", "7")], []) != crc32_interleaved([("3366.1", "7")], [])


def test_only_the_top_25_levels_count() -> None:
    bids = [(str(100 - i), "1") for i in range(30)]
    asks = [(str(200 + i), "1") for i in range(30)]
    deeper = [*bids, ("1", "1")]
    assert crc32_interleaved(bids, asks) == crc32_interleaved(deeper[:25], asks[:25])
    assert crc32_interleaved(bids, asks) == crc32_interleaved(deeper, [*asks, ("999", "2")])


def test_empty_book_hashes_the_empty_string() -> None:
    assert crc32_interleaved([], []) == 0


levels = st.lists(
    st.tuples(st.from_regex(r"[0-9]{1,5}(\.[0-9]{1,3})?", fullmatch=True), st.just("1")),
    max_size=30,
)


@given(levels, levels)
def test_value_is_the_signed_crc_of_the_interleaved_string(
    bids: list[tuple[str, str]], asks: list[tuple[str, str]]
) -> None:
    fields: list[str] = []
    for i in range(max(len(bids[:25]), len(asks[:25]))):
        if i < len(bids) and i < 25:
            fields += bids[i]
        if i < len(asks) and i < 25:
            fields += asks[i]
    unsigned = crc32(":".join(fields).encode())
    value = crc32_interleaved(bids, asks)
    assert -(2**31) <= value < 2**31
    assert value % 2**32 == unsigned
