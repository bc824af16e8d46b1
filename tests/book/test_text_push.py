"""The compiled text store (`_text_levels.Sides`) against its Python twin
(`text_levels.PySides`) on generated books and pushes: every method gives the same
results and raises the same errors, and a whole linked push (`apply_push`) is read,
applied and checksummed alike. Deep books (table growth, removals, long texts) and
pushes in every form a venue could send them in."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeport.book import text_levels
from tradeport.book.checksum import DEPTH
from tradeport.book.levels import bad_level
from tradeport.model.errors import MalformedMessage

pytestmark = pytest.mark.skipif(
    text_levels._compiled_store is None, reason="the compiled text store was not built"
)


@pytest.fixture(autouse=True)
def store() -> None:
    """Overrides the float-store fixture of conftest.py: these tests build both text
    stores' sides themselves, so they run once."""


class SlotRow:
    """A row as msgspec decodes one: px and sz in slots."""

    __slots__ = ("px", "sz")

    def __init__(self, px: str, sz: str) -> None:
        self.px = px
        self.sz = sz


def both(size: Any = "") -> tuple[Any, Any]:
    """(compiled, python) sides reading sizes alike."""
    assert text_levels._compiled_store is not None
    return text_levels._compiled_store.Sides(size, bad_level), text_levels.PySides(size, bad_level)


def outcome(call: Any, *args: Any) -> Any:
    try:
        return call(*args)
    except (MalformedMessage, ValueError, TypeError) as exc:
        return type(exc).__name__, str(exc)


def state(sides: Any) -> tuple[Any, ...]:
    return (
        sides.depth(),
        sides.top(False, None),
        sides.top(True, None),
        outcome(sides.texts, False, 10_000),
        outcome(sides.texts, True, 10_000),
        outcome(sides.checksum, DEPTH),
        sides.crossed(),
        sides.prices(False, 30),
        sides.level_at(True, 3),
        sides.level_at(False, -1) if sides.depth()[0] else None,
    )


# a deep book: 300 ticks a side, some spelled two ways ("100.5" / "100.50"), some long
# enough to be kept off the level (more than 24 characters)
def spelled(tick: int, way: int) -> str:
    text = f"{tick / 2:.1f}"
    return (text + "0", text + "0" * 30, text)[way]


tick = st.integers(min_value=1, max_value=300)
way = st.integers(min_value=0, max_value=2)
size = st.sampled_from(["0", "1", "2.5", "0.001", "30", "0.0", "7", "1" * 30, "nan", "-1", "x"])
row = st.tuples(tick, way, size)


def side_text(rows: list[tuple[int, int, str]], ask: bool) -> str:
    # asks far above the bids: the book crosses only when a test wants it to
    return json.dumps([[spelled(t + 1000 * ask, w), sz, "0", "1"] for t, w, sz in rows])


@pytest.mark.parametrize("size_of", ["", "e-2"], ids=["as-sent", "suffix"])
@settings(max_examples=150, deadline=None)
@given(
    pushes=st.lists(st.tuples(st.lists(row, max_size=40), st.lists(row, max_size=40)), max_size=12)
)
def test_deep_books_apply_and_read_alike(
    size_of: str, pushes: list[tuple[list[Any], list[Any]]]
) -> None:
    compiled, python = both(size_of)
    for bids, asks in pushes:
        bid_text, ask_text = side_text(bids, False).encode(), side_text(asks, True).encode()
        results = [outcome(sides.apply_json, bid_text, ask_text) for sides in (compiled, python)]
        assert results[0] == results[1]
        assert state(compiled) == state(python)


@settings(max_examples=100, deadline=None)
@given(
    snapshot=st.lists(st.tuples(tick, way, st.sampled_from(["1", "2.5", "30"])), max_size=60),
    update=st.lists(row, max_size=20),
)
def test_a_snapshot_loaded_from_numbers_then_its_text_reads_alike(
    snapshot: list[Any], update: list[Any]
) -> None:
    compiled, python = both()
    levels = {t / 2: float(sz) for t, _w, sz in snapshot}
    bids = sorted(levels.items())
    asks = sorted(((p + 500, q) for p, q in levels.items()), reverse=True)
    rows = [SlotRow(spelled(t, w), sz) for t, w, sz in snapshot]
    ask_rows = [SlotRow(spelled(t + 1000, w), sz) for t, w, sz in snapshot]
    for sides in (compiled, python):
        sides.load(bids, asks)
    assert state(compiled) == state(python)  # no text yet: no checksum either
    for sides in (compiled, python):
        sides.load_texts(rows, ask_rows)
    assert state(compiled) == state(python)
    text = side_text(update, False).encode()
    assert outcome(compiled.apply_json, text, b"[]") == outcome(python.apply_json, text, b"[]")
    assert state(compiled) == state(python)


# -- whole pushes ----------------------------------------------------------------------
def push(
    bids: list[Any],
    asks: list[Any],
    prev: int,
    seq: int,
    *,
    checksum: int = 0,
    ts: str = "1700000000000",
    action: str = "update",
    order: int = 0,
    extra: dict[str, Any] | None = None,
    indent: int | None = None,
) -> str:
    data: dict[str, Any] = {
        "asks": json.loads(side_text(asks, True)),
        "bids": json.loads(side_text(bids, False)),
        "ts": ts,
        "checksum": checksum,
        "prevSeqId": prev,
        "seqId": seq,
    }
    keys = list(data)
    keys = keys[order % len(keys) :] + keys[: order % len(keys)]  # any key order
    entry = {key: data[key] for key in keys} | (extra or {})
    message = {"arg": {"channel": "books", "instId": "BTC-USDT"}, "action": action}
    message["data"] = [entry]  # type: ignore[assignment]
    separators = None if indent is not None else (",", ":")
    return json.dumps(message, indent=indent, separators=separators)


@settings(max_examples=150, deadline=None)
@given(
    pushes=st.lists(
        st.tuples(
            st.lists(row, max_size=20),
            st.lists(row, max_size=20),
            st.integers(min_value=0, max_value=5),  # key order
            st.sampled_from([None, 1]),  # spaces and new lines
            st.sampled_from(["1700000000000", "", "17x", "0012"]),  # ts: 0 unless digits
            st.integers(min_value=-(2**31), max_value=2**31 - 1),  # checksum (0: none)
        ),
        max_size=10,
    ),
    as_bytes=st.booleans(),
)
def test_linked_pushes_are_read_applied_and_checksummed_alike(
    pushes: list[Any], as_bytes: bool
) -> None:
    compiled, python = both()
    seq = 100
    for bids, asks, order, indent, ts, checksum in pushes:
        frame: str | bytes = push(
            bids, asks, seq, seq + 7, checksum=checksum, ts=ts, order=order, indent=indent
        )
        if as_bytes:
            frame = frame.encode()
        results = [outcome(sides.apply_push, frame, seq, DEPTH) for sides in (compiled, python)]
        assert results[0] == results[1]
        assert results[0] is not None  # a plain push continuing the book: taken whole
        if isinstance(results[0], tuple) and len(results[0]) == 4:
            mine = results[0][3]
            checked = checksum != 0 and not compiled.crossed()
            assert mine == (compiled.checksum(DEPTH) if checked else None)
        assert state(compiled) == state(python)
        seq += 7


@pytest.mark.parametrize(
    "frame",
    [
        push([(1, 2, "3")], [], prev=99, seq=107),  # does not continue the book
        push([(1, 2, "3")], [], prev=100, seq=-1),  # an id that cannot be real
        push([(1, 2, "3")], [], prev=100, seq=107, action="snapshot"),
        push([(1, 2, "3")], [], prev=100, seq=107).replace('"action":"update",', ""),
        push([(1, 2, "3")], [], prev=100, seq=107).replace('"bids":', '"bidz":'),
        push([(1, 2, "3")], [], prev=100, seq=107).replace('"0.5"', '"0\\u002e5"'),
        push([(1, 2, "3")], [], prev=100, seq=107).replace("}]}", "}, {}]}"),
        push([(1, 2, "3")], [], prev=100, seq=107) + " x",
        push([(1, 2, "3")], [], prev=100, seq=107)[:-3],
        '{"event":"subscribe","arg":{"channel":"books"}}',
        "[]",
        "",
    ],
)
def test_a_push_either_store_does_not_take_leaves_the_book(frame: str) -> None:
    for sides in both():
        sides.apply_json(side_text([(10, 0, "1")], False).encode(), b"[]")
        before = state(sides)
        assert sides.apply_push(frame, 100, DEPTH) is None
        assert state(sides) == before


@pytest.mark.parametrize(
    "extra",
    [
        {"instId": "BTC-USDT", "n": 5},  # strings and integers: read past by both
        {"x": 1.5},  # anything else: the compiled reader leaves it to the decoder
        {"x": [1, 2]},
        {"x": {"y": {"z": "1"}}},
        {"x": None},
        {"x": "caf\u00e9"},
    ],
)
def test_keys_a_push_does_not_use_give_the_same_book_or_none(extra: dict[str, Any]) -> None:
    compiled, python = both()
    frame = push([(3, 0, "2")], [(4, 0, "5")], prev=100, seq=107, extra=extra)
    taken = compiled.apply_push(frame, 100, DEPTH)
    assert python.apply_push(frame, 100, DEPTH) is not None  # the decoder reads it
    if taken is None:  # the general path then decodes and applies it
        assert compiled.depth() == (0, 0)
    else:
        assert state(compiled) == state(python)


@pytest.mark.parametrize("size_of", ["", "e-2"], ids=["as-sent", "suffix"])
@pytest.mark.parametrize("rows", [b'[["0","2"]]', b'[["-1","0.5"]]', b'[["nan","30"]]'])
def test_a_price_not_real_is_refused_naming_its_quantity(size_of: str, rows: bytes) -> None:
    results = [outcome(sides.apply_json, rows, b"[]") for sides in both(size_of)]
    assert results[0] == results[1]
    assert results[0][0] == "MalformedMessage"
