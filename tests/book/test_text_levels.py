"""TextL2Book: the same levels as L2Book fed the same numbers, and the text the venue
sent for each level, whatever order levels come and go in."""

from __future__ import annotations

from decimal import Decimal
from typing import NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeport.book.checksum import crc32_interleaved, crc32_joined
from tradeport.book.levels import L2Book
from tradeport.book.text_levels import Sizes, TextL2Book
from tradeport.model.errors import MalformedMessage


class Row(NamedTuple):
    px: str
    sz: str


def hundredths(text: str) -> float:
    return float(Decimal(text) / 100)


# price text in two spellings of some numbers ("100" and "100.0"), sizes with zeros
price_text = st.sampled_from(["99", "99.5", "100", "100.0", "100.5", "101", "101.25"])
size_text = st.sampled_from(["0", "1", "2.5", "0.001", "30", "0"])
rows = st.lists(st.builds(Row, price_text, size_text), max_size=8)
SIZES: list[tuple[Sizes, Sizes]] = [("", float), ("e-2", hundredths), (hundredths, hundredths)]


@pytest.mark.parametrize(("size", "reference"), SIZES, ids=["as-sent", "suffix", "function"])
@settings(max_examples=200, deadline=None)
@given(snapshot=rows, updates=st.lists(rows, max_size=6))
def test_text_book_holds_the_float_book_and_each_levels_last_text(
    size: Sizes, reference: Sizes, snapshot: list[Row], updates: list[list[Row]]
) -> None:
    assert callable(reference)
    floats = L2Book("X")
    texts = TextL2Book("X")
    last_text: dict[float, str] = {}

    def numbers(batch: list[Row]) -> list[tuple[float, float]]:
        return [(float(r.px), reference(r.sz)) for r in batch]

    # asks far above the bids: the same rows on both sides, asks shifted by 1000
    def asks_of(batch: list[Row]) -> list[Row]:
        return [Row(str(1000 + float(r.px)), r.sz) for r in batch]

    floats.load(numbers(snapshot), numbers(asks_of(snapshot)), 1)
    texts.load(numbers(snapshot), numbers(asks_of(snapshot)), 1)
    texts.load_texts(snapshot, asks_of(snapshot))
    for r in snapshot:
        if reference(r.sz):
            last_text[float(r.px)] = f"{r.px}:{r.sz}"
        else:
            last_text.pop(float(r.px), None)
    for batch in updates:
        floats.apply(numbers(batch), numbers(asks_of(batch)))
        texts.apply_text(batch, asks_of(batch), size)
        for r in batch:
            if reference(r.sz):
                last_text[float(r.px)] = f"{r.px}:{r.sz}"
            else:
                last_text.pop(float(r.px), None)
        assert texts.bids_top() == floats.bids_top()
        assert texts.asks_top() == floats.asks_top()
        bid_texts, ask_texts = texts.top_texts(25)
        assert bid_texts == [last_text[p] for p, _ in floats.bids_top(25)]
        assert len(ask_texts) == len(floats.asks_top(25))


def test_a_level_not_real_is_refused() -> None:
    book = TextL2Book("X")
    with pytest.raises(MalformedMessage):
        book.apply_text([Row("nan", "1")], [], "")
    with pytest.raises(MalformedMessage):
        book.apply_text([Row("100", "-1")], [], "")
    book.apply_text([Row("100", "1")], [], "")
    with pytest.raises(MalformedMessage):
        book.apply_text([Row("100", "inf")], [], "")
    assert book.bids_top() == [(100.0, 1.0)]


def test_joined_checksum_equals_the_interleaved_one() -> None:
    bids = [["3366.1", "7"], ["3366", "6"], ["3365", "1"]]
    asks = [["3366.8", "9"], ["3368", "8"]]
    joined = crc32_joined([":".join(b) for b in bids], [":".join(a) for a in asks])
    assert joined == crc32_interleaved(bids, asks)
