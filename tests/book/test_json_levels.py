"""Levels applied from the JSON text a venue sent (`L2Book.apply_json`) give the book, and
the errors, that the same text decoded by msgspec and applied with `L2Book.apply` gives;
text not in the plain form is left to the typed decoder, with the book untouched. Run on
each level store (conftest.py)."""

from __future__ import annotations

import json

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradeport.book.levels import L2Book, json_levels, py_sorted_json_levels, sorted_json_levels
from tradeport.book.sequence import FirstLastRule
from tradeport.book.sync import BookSync
from tradeport.model.enums import BookState
from tradeport.model.errors import MalformedMessage
from tradeport.model.market import OrderBook

SYMBOL = "BTC-USDT"
typed = msgspec.json.Decoder(list[tuple[float, float]], strict=False)

# the plain form, zeros and negatives included (the book refuses what is not real)
plain_numbers = st.one_of(
    st.sampled_from(["0", "-0", "0.0", "-0.0", "-1", "-0.5", "9007199254740992"]),
    st.builds(
        lambda whole, fraction: f"{whole}.{fraction}" if fraction else str(whole),
        st.integers(0, 10**7 - 1),  # at most 15 digits in all: below 2**53
        st.text("0123456789", max_size=7),
    ),
)
rows = st.lists(st.tuples(plain_numbers, plain_numbers), max_size=12)


def text(levels: list[tuple[str, str]]) -> bytes:
    return json.dumps([list(level) for level in levels]).encode()


def seeded(book: L2Book) -> L2Book:
    book.load([(99.5, 1.0), (99.0, 2.0)], [(100.5, 1.0), (101.0, 2.0)], 1)
    book.bids_top()  # the compiled store keeps a deep read's cache in step from here
    return book


def state(book: L2Book) -> tuple[list[str], list[str]]:
    # repr tells 0.0 from -0.0, which == does not
    return [repr(level) for level in book.bids_top()], [repr(level) for level in book.asks_top()]


@given(rows, rows)
def test_the_same_book_and_errors_as_the_decoded_levels(
    bids: list[tuple[str, str]], asks: list[tuple[str, str]]
) -> None:
    from_text, from_levels = seeded(L2Book(SYMBOL)), seeded(L2Book(SYMBOL))
    error_text = error_levels = None
    try:
        assert from_text.apply_json(text(bids), text(asks)) is True
    except MalformedMessage as exc:
        error_text = str(exc)
    try:
        from_levels.apply(typed.decode(text(bids)), typed.decode(text(asks)))
    except MalformedMessage as exc:
        error_levels = str(exc)
    assert error_text == error_levels
    assert state(from_text) == state(from_levels)
    assert from_text.depth() == from_levels.depth()


@given(rows)
def test_json_levels_reads_the_values_msgspec_decodes(levels: list[tuple[str, str]]) -> None:
    read = json_levels(text(levels))
    assert read is not None
    assert [tuple(map(repr, level)) for level in read] == [
        tuple(map(repr, level)) for level in typed.decode(text(levels))
    ]


@pytest.mark.parametrize(
    "side",
    [
        b'[["1e5","1"]]',  # an exponent
        b'[["NaN","1"]]',
        b'[["inf","1"]]',
        b'[[100.5,"1"]]',  # a number outside a string
        b'[["100.5","1","x"]]',  # a row of three
        b'[["100.5"]]',
        b'[["10\\u0030.5","1"]]',  # an escape
        b'[["007","1"]]',  # not the JSON number grammar
        b'[["1.","1"]]',
        b'[[".5","1"]]',
        b'[["+1","1"]]',
        b'[["1234567890123456789","1"]]',  # 19 digits
        b'[["9007199254740993","1"]]',  # above 2**53
        b'{"100.5":"1"}',
        b"null",
        b'[["100.5","1"]] x',
    ],
)
def test_text_not_in_the_plain_form_is_left_untouched(side: bytes) -> None:
    book = seeded(L2Book(SYMBOL))
    before = state(book)
    assert book.apply_json(side, b"[]") is False
    assert book.apply_json(b'[["99.5","3"]]', side) is False  # the good side is not applied
    assert state(book) == before


def test_whitespace_between_tokens_is_read() -> None:
    book = seeded(L2Book(SYMBOL))
    assert book.apply_json(b' [ [ "99.5" , "3" ] ,\n["98","1"] ] ', b"[ ]") is True
    assert book.bids_top() == [(99.5, 3.0), (99.0, 2.0), (98.0, 1.0)]


def test_many_levels_at_once() -> None:
    # past the reader's first buffer of rows
    book = L2Book(SYMBOL)
    book.load([], [], 1)
    bids = [(f"{100 - i * 0.5}", f"{i + 1}") for i in range(150)]
    asks = [(f"{101 + i * 0.5}", f"{i + 1}") for i in range(150)]
    assert book.apply_json(text(bids), text(asks)) is True
    assert book.bids_top() == [(float(p), float(q)) for p, q in bids]
    assert book.asks_top() == [(float(p), float(q)) for p, q in asks]


def live() -> tuple[BookSync, list[str]]:
    requests: list[str] = []
    sync = BookSync(SYMBOL, FirstLastRule(), requests.append)
    sync.on_snapshot(
        OrderBook(symbol=SYMBOL, bids=[(99.0, 1.0)], asks=[(101.0, 1.0)], update_id=100)
    )
    return sync, requests


def test_apply_text_applies_an_update_that_continues_the_book() -> None:
    sync, requests = live()
    assert sync.apply_text(101, 102, -1, b'[["99.5","2"]]', b'[["101","0"]]', 7, 8) is True
    assert sync.book.bids_top() == [(99.5, 2.0), (99.0, 1.0)]
    assert sync.book.asks_top() == []
    assert (sync.update_id, sync.ts, sync.local_ts, sync.stats.applied) == (102, 7, 8, 1)
    assert sync.state is BookState.LIVE and requests == []


@pytest.mark.parametrize(("first", "last"), [(100, 100), (103, 104), (105, 101)])
def test_apply_text_leaves_other_updates_to_the_ordinary_path(first: int, last: int) -> None:
    # stale, a gap, ids that cannot be real: nothing done, on_update decides
    sync, requests = live()
    assert sync.apply_text(first, last, -1, b'[["99.5","2"]]', b"[]", 7, 8) is False
    assert sync.book.bids_top() == [(99.0, 1.0)]
    assert (sync.update_id, sync.stats.applied, sync.state) == (100, 0, BookState.LIVE)
    assert requests == []


def test_apply_text_refuses_a_level_that_is_not_real() -> None:
    sync, requests = live()
    with pytest.raises(MalformedMessage, match="bid level"):
        sync.apply_text(101, 101, -1, b'[["0","2"]]', b"[]", 7, 8)
    assert sync.state is BookState.RESYNCING
    assert sync.stats.malformed == 1 and requests == [SYMBOL]


def test_apply_text_resyncs_a_crossed_book() -> None:
    sync, requests = live()
    assert sync.apply_text(101, 101, -1, b'[["101.5","2"]]', b"[]", 7, 8) is True
    assert sync.state is BookState.RESYNCING
    assert sync.stats.crossed == 1 and requests == [SYMBOL]


# -- a whole side read into sorted levels (`sorted_json_levels`, partial books) ----------
def sorted_reference(levels: list[tuple[str, str]], descending: bool) -> list[str] | None:
    """What a partial book's typed path makes of a side: its levels as msgspec decodes
    them, refused unless each price is above zero and each quantity not below, sorted."""
    decoded = typed.decode(text(levels))
    if not all(price > 0.0 and qty >= 0.0 for price, qty in decoded):
        return None
    return [repr(level) for level in sorted(decoded, reverse=descending)]


def reprs(levels: list[tuple[float, float]] | None) -> list[str] | None:
    return None if levels is None else [repr(level) for level in levels]


# sides as venues send them (in order, or in the opposite order) as well as any order
ordered_rows = st.builds(
    lambda levels, how: {"given": levels, "up": sorted(levels), "down": sorted(levels)[::-1]}[how],
    rows,
    st.sampled_from(["given", "up", "down"]),
)


@given(ordered_rows, st.booleans())
def test_a_side_read_sorted_is_the_typed_decoders_sorted_side(
    levels: list[tuple[str, str]], descending: bool
) -> None:
    assert reprs(sorted_json_levels(text(levels), descending)) == sorted_reference(
        levels, descending
    )


@given(ordered_rows, st.booleans())
def test_the_compiled_side_reader_matches_its_python_twin(
    levels: list[tuple[str, str]], descending: bool
) -> None:
    compiled = pytest.importorskip("tradeport.book._levels")
    side = text(levels)
    assert reprs(compiled.sorted_levels(side, descending)) == reprs(
        py_sorted_json_levels(side, descending)
    )


def test_a_side_read_sorted_keeps_the_order_sorted_gives_ties() -> None:
    # equal levels (0.0 and -0.0 compare equal) stay in the order they came, as in sorted
    side = b'[["2","2"],["2","-0.0"],["2","0"],["3","1"],["1","1"]]'
    for descending in (True, False):
        expected = sorted(typed.decode(side), reverse=descending)
        assert reprs(sorted_json_levels(side, descending)) == reprs(expected)


@pytest.mark.parametrize(
    "side",
    [
        b'[["0","1"]]',  # a price not above zero
        b'[["-1","1"]]',
        b'[["1","-0.5"]]',  # a quantity below zero
        b'[["1e5","1"]]',  # not the plain form
        b'[["NaN","1"]]',
        b'[["100.5","1","x"]]',
        b"null",
    ],
)
def test_a_side_not_read_sorted_is_left_to_the_typed_decoder(side: bytes) -> None:
    assert sorted_json_levels(side, True) is None
    assert sorted_json_levels(side, False) is None


def test_a_long_side_read_sorted() -> None:
    # past the reader's first buffer of rows; asks best-last, as BingX lists them
    asks = [(f"{101 + i * 0.5}", f"{i + 1}") for i in range(150)][::-1]
    read = sorted_json_levels(text(asks), False)
    assert read == sorted((float(p), float(q)) for p, q in asks)
    assert sorted_json_levels(text(asks), True) == read[::-1]
