"""TextL2Book: the same levels as L2Book fed the same numbers, and the text the venue
sent for each level, whatever order levels come and go in; on each text level store
built here (the compiled one, _text_levels.c, and the pure-Python one)."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any, NamedTuple
from zlib import crc32

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.book.conftest import TEXT_STORES, using_text_store

from tradeport.book import text_levels
from tradeport.book.checksum import DEPTH, crc32_interleaved, crc32_joined
from tradeport.book.levels import L2Book
from tradeport.book.text_levels import Sizes, TextL2Book
from tradeport.model.errors import MalformedMessage


@pytest.fixture(autouse=True, params=TEXT_STORES)
def store(request: pytest.FixtureRequest) -> Iterator[str]:
    """Overrides the float-store fixture of conftest.py: a text book reads no float
    store, so these tests run once on each text store instead."""
    with using_text_store(request.param) as name:
        yield name


class Row(NamedTuple):
    px: str
    sz: str


class SlotRow:
    """A row as msgspec decodes one: px and sz in slots (the compiled store reads them
    by offset)."""

    __slots__ = ("px", "sz")

    def __init__(self, px: str, sz: str) -> None:
        self.px = px
        self.sz = sz


def hundredths(text: str) -> float:
    return float(Decimal(text) / 100)


# price text in two spellings of some numbers ("100" and "100.0"), sizes with zeros
price_text = st.sampled_from(["99", "99.5", "100", "100.0", "100.5", "101", "101.25"])
size_text = st.sampled_from(["0", "1", "2.5", "0.001", "30", "0", "0.0"])
rows = st.lists(st.builds(Row, price_text, size_text), max_size=8)
shapes = st.sampled_from([Row, SlotRow])
SIZES: list[tuple[Sizes, Sizes]] = [("", float), ("e-2", hundredths), (hundredths, hundredths)]


@pytest.mark.parametrize(("size", "reference"), SIZES, ids=["as-sent", "suffix", "function"])
@settings(max_examples=200, deadline=None)
@given(snapshot=rows, updates=st.lists(rows, max_size=6), shape=shapes)
def test_text_book_holds_the_float_book_and_each_levels_last_text(
    size: Sizes, reference: Sizes, snapshot: list[Row], updates: list[list[Row]], shape: Any
) -> None:
    assert callable(reference)
    floats = L2Book("X")
    texts = TextL2Book("X", size)
    last_bids: dict[float, Row] = {}
    last_asks: dict[float, Row] = {}

    def numbers(batch: list[Row]) -> list[tuple[float, float]]:
        return [(float(r.px), reference(r.sz)) for r in batch]

    # asks far above the bids: the same rows on both sides, asks shifted by 1000
    def asks_of(batch: list[Row]) -> list[Row]:
        return [Row(str(1000 + float(r.px)), r.sz) for r in batch]

    def remember(batch: list[Row], last: dict[float, Row]) -> None:
        for r in batch:
            if reference(r.sz):
                last[float(r.px)] = r
            else:
                last.pop(float(r.px), None)

    floats.load(numbers(snapshot), numbers(asks_of(snapshot)), 1)
    texts.load(numbers(snapshot), numbers(asks_of(snapshot)), 1)
    texts.load_texts(snapshot, asks_of(snapshot))
    remember(snapshot, last_bids)
    remember(asks_of(snapshot), last_asks)
    for batch in updates:
        floats.apply(numbers(batch), numbers(asks_of(batch)))
        texts.apply_text(
            [shape(r.px, r.sz) for r in batch], [shape(r.px, r.sz) for r in asks_of(batch)]
        )
        remember(batch, last_bids)
        remember(asks_of(batch), last_asks)
        assert texts.bids_top() == floats.bids_top()
        assert texts.asks_top() == floats.asks_top()
        assert texts.bids_top(3) == floats.bids_top(3)
        assert texts.best_bid() == floats.best_bid()
        assert texts.best_ask() == floats.best_ask()
        assert texts.ask_at(1) == floats.ask_at(1)
        assert texts.depth() == floats.depth()
        assert texts.crossed == floats.crossed
        top_bids = [last_bids[p] for p, _ in floats.bids_top(DEPTH)]
        top_asks = [last_asks[p] for p, _ in floats.asks_top(DEPTH)]
        bid_texts, ask_texts = texts.top_texts(DEPTH)
        assert bid_texts == [f"{r.px}:{r.sz}" for r in top_bids]
        assert ask_texts == [f"{r.px}:{r.sz}" for r in top_asks]
        assert texts.checksum(DEPTH) == crc32_interleaved(top_bids, top_asks)


@pytest.mark.parametrize("shape", [Row, SlotRow], ids=["named-tuple", "slots"])
def test_a_level_not_real_is_refused(shape: Any) -> None:
    book = TextL2Book("X")
    with pytest.raises(MalformedMessage):
        book.apply_text([shape("nan", "1")], [])
    with pytest.raises(MalformedMessage):
        book.apply_text([shape("100", "-1")], [])
    with pytest.raises(MalformedMessage):
        book.apply_text([shape("0", "1")], [])
    with pytest.raises(ValueError):
        book.apply_text([shape("abc", "1")], [])
    book.apply_text([shape("100", "1")], [])
    for size in ("inf", "nan", "-2", "1e400"):
        with pytest.raises(MalformedMessage):
            book.apply_text([shape("100", size)], [])
    for size in ("abc", "", "1e", "0x10"):
        with pytest.raises(ValueError):
            book.apply_text([shape("100", size)], [])
    assert book.bids_top() == [(100.0, 1.0)]
    assert book.top_texts(DEPTH) == (["100:1"], [])


def test_sizes_read_as_float_reads_them() -> None:
    # what the store's own parser does not take whole goes to float(): the same verdict
    book = TextL2Book("X", "e-2")
    book.apply_text([Row("100", " 150"), Row("99", "1_0")], [])
    assert book.bids_top() == [(100.0, 1.5), (99.0, 0.1)]
    with pytest.raises(ValueError):
        book.apply_text([Row("98", "1e2")], [])  # "1e2e-2" is no number


def test_a_level_held_under_another_spelling_takes_the_new_text() -> None:
    book = TextL2Book("X")
    book.apply_text([Row("100", "1")], [Row("101", "1")])
    book.apply_text([Row("100.0", "2")], [])
    assert book.bids_top() == [(100.0, 2.0)]
    assert book.top_texts(DEPTH) == (["100.0:2"], ["101:1"])
    book.apply_text([Row("100", "3")], [])  # the old spelling is a new key again
    assert book.top_texts(DEPTH) == (["100:3"], ["101:1"])
    book.apply_text([Row("100.00", "0")], [])  # removed under a third spelling
    assert book.bids_top() == []
    book.apply_text([Row("100", "4")], [])
    assert book.top_texts(DEPTH) == (["100:4"], ["101:1"])


def test_levels_loaded_from_numbers_read_and_update_but_hash_no_text() -> None:
    book = TextL2Book("X", "e-2")
    book.load([(100.0, 0.5)], [(101.0, 0.25)], 7)
    assert book.bids_top() == [(100.0, 0.5)] and book.best_ask() == (101.0, 0.25)
    with pytest.raises(ValueError):
        book.checksum(DEPTH)
    book.apply_text([Row("100", "75")], [Row("101.0", "0")])
    assert book.bids_top() == [(100.0, 0.75)] and book.asks_top() == []
    assert book.checksum(DEPTH) == crc32_interleaved([("100", "75")], [])


def test_a_text_book_refuses_numbers_to_apply() -> None:
    with pytest.raises(TypeError):
        TextL2Book("X").apply([(100.0, 1.0)], [])


def test_joined_checksum_equals_the_interleaved_one() -> None:
    bids = [["3366.1", "7"], ["3366", "6"], ["3365", "1"]]
    asks = [["3366.8", "9"], ["3368", "8"]]
    joined = crc32_joined([":".join(b) for b in bids], [":".join(a) for a in asks])
    assert joined == crc32_interleaved(bids, asks)


def test_checksum_of_the_documented_vectors() -> None:
    # PROTOCOLS.md §8 O1 and O2
    book = TextL2Book("X")
    book.apply_text([Row("3366.1", "7"), Row("3366", "6")], [Row("3366.8", "9"), Row("3368", "8")])
    assert book.checksum(DEPTH) == -1881014294
    book.apply_text([Row("3366", "0")], [Row("3372", "8")])
    assert book.checksum(DEPTH) == 831078360


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_the_stores_crc_is_zlibs(data: bytes) -> None:
    assert text_levels._store.crc32(data) == crc32(data)


def test_a_deep_book_hashes_its_top_25() -> None:
    book = TextL2Book("X")
    bids = [Row(f"{1000 - i}.5", f"{i + 1}.25") for i in range(400)]
    asks = [Row(f"{2000 + i}.5", f"{i + 3}") for i in range(30)]
    book.apply_text(bids, asks)
    assert book.checksum(DEPTH) == crc32_interleaved(bids[:25], asks[:25])


@settings(max_examples=500, deadline=None)
@given(
    size=st.one_of(
        st.from_regex(r"[0-9]{0,20}(\.[0-9]{0,20})?", fullmatch=True),
        st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3})?([eE][+-]?[0-9]{1,3})?", fullmatch=True),
        st.floats(min_value=0, allow_nan=False).map(repr),
    ),
    suffix=st.sampled_from(["", "e-2", "e3", "e-8", "e-21", "e-30", "e+1"]),
)
def test_a_size_reads_as_float_reads_it(size: str, suffix: str) -> None:
    try:
        expected: float | None = float(size + suffix)
    except ValueError:
        expected = None
    book = TextL2Book("X", suffix)
    if expected is None:
        with pytest.raises(ValueError):
            book.apply_text([Row("100", size)], [])
    elif not expected < float("inf"):
        with pytest.raises(MalformedMessage):
            book.apply_text([Row("100", size)], [])
    else:
        book.apply_text([Row("100", size)], [])
        assert book.bids_top() == ([(100.0, expected)] if expected else [])
