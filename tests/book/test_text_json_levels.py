"""Levels applied to a text book from the JSON text the venue sent
(`TextL2Book.apply_json`) give the book, the level texts, the checksum and the errors
that the same text decoded into rows and applied with `apply_text` gives; text not in
the plain form is left to the typed decoder with the book untouched. On each text
level store built here (the compiled one, _text_levels.c, and the pure-Python one)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.book.conftest import TEXT_STORES, using_text_store

from tradeport.book.checksum import DEPTH
from tradeport.book.text_levels import TextL2Book
from tradeport.model.errors import MalformedMessage


@pytest.fixture(autouse=True, params=TEXT_STORES)
def store(request: pytest.FixtureRequest) -> Iterator[str]:
    """Overrides the float-store fixture of conftest.py: once on each text store."""
    with using_text_store(request.param) as name:
        yield name


class Row(msgspec.Struct, array_like=True):
    """A level as the typed path decodes it (stream_messages.BookRow)."""

    px: str
    sz: str


rows_of = msgspec.json.Decoder(list[Row])

# prices in two spellings of some numbers, sizes with zeros and odd forms float() reads
price_text = st.sampled_from(["99", "99.5", "100", "100.0", "100.5", "101", "101.25", "7e1"])
size_text = st.sampled_from(["0", "1", "2.5", "0.001", "30", "0.0", "1_0", " 4", "1e2"])
levels = st.lists(st.tuples(price_text, size_text), max_size=8)


def text(rows: list[tuple[str, str]], separators: tuple[str, str] = (",", ":")) -> bytes:
    """A side as OKX sends it: `[px, sz, liquidated orders ("0"), order count]` rows."""
    return json.dumps([[px, sz, "0", "3"] for px, sz in rows], separators=separators).encode()


def asks_of(rows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(f"1{px}", sz) for px, sz in rows]  # far above the bids


def seeded(size: str = "") -> TextL2Book:
    book = TextL2Book("X", size)
    book.apply_text(rows_of.decode(text([("99", "1"), ("98.5", "2")])), [])
    book.apply_text([], rows_of.decode(text([("101", "1"), ("102", "3")])))
    return book


def state(book: TextL2Book) -> tuple[Any, ...]:
    texts = book.top_texts(DEPTH)
    return book.bids_top(), book.asks_top(), texts, book.checksum(DEPTH), book.depth()


def outcome(apply: Any, *args: Any) -> Any:
    """What `apply(*args)` returns, or the type and text of what it raises."""
    try:
        return apply(*args)
    except (MalformedMessage, ValueError) as exc:
        return type(exc).__name__, str(exc)


@pytest.mark.parametrize("size", ["", "e-2"], ids=["as-sent", "suffix"])
@settings(max_examples=200, deadline=None)
@given(updates=st.lists(levels, min_size=1, max_size=6), spaced=st.booleans())
def test_the_same_book_texts_checksum_and_errors_as_the_decoded_rows(
    size: str, updates: list[list[tuple[str, str]]], spaced: bool
) -> None:
    from_text, from_rows = seeded(size), seeded(size)
    separators = (" , ", " : ") if spaced else (",", ":")
    for update in updates:
        bids, asks = text(update, separators), text(asks_of(update), separators)
        read = outcome(from_text.apply_json, bids, asks)
        applied = outcome(from_rows.apply_text, rows_of.decode(bids), rows_of.decode(asks))
        assert read is True if applied is None else read == applied
        if applied is not None:
            break  # the book is no longer trusted: the caller resyncs
        assert state(from_text) == state(from_rows)


def test_a_push_in_the_plain_form_is_read() -> None:
    book = seeded()
    bids = msgspec.Raw(b'[["99","5","0","2"],["98.5","0","0","0"],["97","1","0","1"]]')
    assert book.apply_json(bids, msgspec.Raw(b'[["101.5","4","0","1"]]')) is True
    assert book.bids_top() == [(99.0, 5.0), (97.0, 1.0)]
    assert book.asks_top() == [(101.0, 1.0), (101.5, 4.0), (102.0, 3.0)]
    assert book.top_texts(DEPTH) == (["99:5", "97:1"], ["101:1", "101.5:4", "102:3"])


def test_rows_of_two_strings_and_empty_sides_are_read() -> None:
    book = seeded()
    assert book.apply_json(b'[["99","7"]]', b"[]") is True
    assert book.apply_json(b" [ ] ", b"[\n]") is True
    assert book.top_texts(DEPTH) == (["99:7", "98.5:2"], ["101:1", "102:3"])


@pytest.mark.parametrize(
    "side",
    [
        b'[["9\\u0039","1","0","1"]]',  # an escape
        b'[["99","1\\n","0","1"]]',
        b'[["99","\xc2\xb5","0","1"]]',  # not ASCII
        b'[["99","1\x01","0","1"]]',  # a control character
        b'[[99,"1","0","1"]]',  # a number, not a string
        b'[["99",1,"0","1"]]',
        b'[["99","1",0,"1"]]',  # an unread field that is not a string
        b'[["99"]]',  # a row of one
        b"[[]]",
        b'[["99","1"],]',
        b'{"99":"1"}',
        b"null",
        b'[["99","1"]] x',
        b'[["99","1"]',
        b"",
    ],
)
def test_text_not_in_the_plain_form_is_left_untouched(side: bytes) -> None:
    book = seeded()
    before = state(book)
    assert book.apply_json(side, b"[]") is False
    assert book.apply_json(b'[["99","3","0","1"]]', side) is False  # the good side is not applied
    assert state(book) == before


@pytest.mark.parametrize(
    ("row", "error"),
    [
        ('["nan","1","0","1"]', MalformedMessage),
        ('["0","1","0","1"]', MalformedMessage),
        ('["-5","1","0","1"]', MalformedMessage),
        ('["99","-1","0","1"]', MalformedMessage),
        ('["99","inf","0","1"]', MalformedMessage),
        ('["96","1e400","0","1"]', MalformedMessage),
        ('["abc","1","0","1"]', ValueError),
        ('["96","","0","1"]', ValueError),
        ('["99","0x10","0","1"]', ValueError),
    ],
)
def test_a_level_not_real_raises_what_apply_text_raises(row: str, error: type) -> None:
    from_text, from_rows = seeded(), seeded()
    bids = f'[["97","1","0","1"],{row},["95","1","0","1"]]'.encode()
    with pytest.raises(error) as raised:
        from_text.apply_json(bids, b"[]")
    assert outcome(from_rows.apply_text, rows_of.decode(bids), []) == (
        error.__name__,
        str(raised.value),
    )
    # the rows before it are applied, as with apply_text
    assert from_text.bids_top() == from_rows.bids_top()
    assert (97.0, 1.0) in from_text.bids_top() and (95.0, 1.0) not in from_text.bids_top()


def test_many_levels_and_long_texts() -> None:
    # past the reader's first buffer of rows, and texts longer than the ones it keeps
    book = TextL2Book("X")
    bids = [(f"{100 - i * 0.5}", f"{i + 1}") for i in range(150)]
    asks = [(f"{101 + i * 0.5:.20f}", f"{i + 1}.{'0' * 30}") for i in range(150)]
    assert book.apply_json(text(bids), text(asks)) is True
    assert book.bids_top() == [(float(p), float(q)) for p, q in bids]
    assert book.asks_top() == [(float(p), float(q)) for p, q in asks]
    twin = TextL2Book("X")
    twin.apply_text(rows_of.decode(text(bids)), rows_of.decode(text(asks)))
    assert state(book) == state(twin)
    assert book.top_texts(1) == (["100.0:1"], [f"{asks[0][0]}:{asks[0][1]}"])


def test_the_documented_checksum_vectors() -> None:
    # PROTOCOLS.md §8 O1 and O2, the levels read from the text
    book = TextL2Book("X")
    book.apply_json(
        b'[["3366.1","7","0","1"],["3366","6","0","1"]]', b'[["3366.8","9"],["3368","8"]]'
    )
    assert book.checksum(DEPTH) == -1881014294
    book.apply_json(b'[["3366","0","0","0"]]', b'[["3372","8","0","1"]]')
    assert book.checksum(DEPTH) == 831078360


@settings(max_examples=500, deadline=None)
@given(
    price=st.one_of(
        st.from_regex(r"[0-9]{1,20}(\.[0-9]{0,20})?", fullmatch=True),
        st.from_regex(r"\.?[0-9]{1,3}(\.[0-9]{1,3})?([eE][+-]?[0-9]{1,3})?", fullmatch=True),
        st.floats(min_value=0, allow_nan=False).map(repr),
    )
)
def test_a_new_price_reads_as_float_reads_it(price: str) -> None:
    # the store reads plain decimals itself: the same float as float() in every case
    try:
        expected: float | None = float(price)
    except ValueError:
        expected = None
    from_text, from_rows = TextL2Book("X"), TextL2Book("X")
    read = outcome(from_text.apply_json, text([(price, "1")]), b"[]")
    applied = outcome(from_rows.apply_text, [Row(price, "1")], [])
    if expected is None:
        assert read == applied and applied[0] == "ValueError"
    elif not 0 < expected < float("inf"):
        assert read == applied and applied[0] == "MalformedMessage"
    else:
        assert read is True and applied is None
        for book in (from_text, from_rows):
            assert book.bids_top() == [(expected, 1.0)]
            assert repr(book.bids_top()[0][0]) == repr(expected)


json_values = st.recursive(
    st.one_of(
        st.text(max_size=6),  # escapes, control and non-ASCII characters included
        st.sampled_from(["99", "98.5", "1", "0", "2.5"]),
        st.integers(-5, 200),
        st.floats(allow_nan=False, allow_infinity=False),
        st.none(),
    ),
    lambda inner: st.lists(inner, max_size=5),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(
    side=st.one_of(
        st.binary(max_size=60),
        json_values.map(lambda value: json.dumps(value).encode()),
        json_values.map(lambda value: json.dumps(value, ensure_ascii=False).encode()),
    )
)
def test_both_stores_take_and_leave_the_same_text(side: bytes) -> None:
    # whatever the text, the compiled reader and the Python one agree: read or left,
    # the same book or the same error
    verdicts = []
    for name in ("python", "compiled"):
        with using_text_store(name):
            book = seeded()
            verdicts.append((outcome(book.apply_json, side, b"[]"), state(book)))
    assert verdicts[0] == verdicts[1]
