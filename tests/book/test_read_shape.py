"""Frames read by their shape (`read_shape`): the compiled reader and its Python twin
read the same values from the same text, or both leave it to the typed decoder; what
they read is what msgspec decodes from that text."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradeport.book.levels import (
    BOOL,
    ID,
    INT,
    NUMBER,
    SKIP_BOOL,
    SKIP_INT,
    SKIP_STR,
    STR,
    py_read_shape,
    shape_values,
)

SHAPE = (
    *(b'{"a":', STR, b',"b":', SKIP_STR, b',"c":', INT, b',"d":', SKIP_INT),
    *(b',"e":', ID, b',"f":', NUMBER, b',"g":', BOOL, b',"h":', SKIP_BOOL, b"}"),
)


class Typed(msgspec.Struct):
    a: str
    b: str
    c: int
    d: int
    e: int
    f: float
    g: bool
    h: bool


typed = msgspec.json.Decoder(Typed, strict=False)

strings = st.one_of(
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7F), max_size=8).map(
        lambda s: s.replace("\\", "").replace('"', "")
    ),
    st.sampled_from(["", "a\\u0062", 'a"', "\x01", "é", "\x7f"]),
).map(lambda s: f'"{s}"')
integers = st.one_of(
    st.integers(-(10**18) + 1, 10**18 - 1).map(str),
    st.sampled_from(["-0", "01", "1.0", "1e3", '"12"', "123456789012345678", "10" * 10, "-"]),
)
numbers = st.one_of(
    st.builds(
        lambda whole, fraction: f'"{whole}.{fraction}"' if fraction else f'"{whole}"',
        st.integers(-(10**7), 10**7),
        st.text("0123456789", max_size=9),
    ),
    st.sampled_from(['"NaN"', '"1e5"', "1.5", '"007"', '"1."', '"9007199254740993"', '"-0"']),
)
bools = st.sampled_from(["true", "false", "True", '"true"', "1", "null"])


@given(strings, strings, integers, integers, integers, numbers, bools, bools, st.booleans())
def test_the_compiled_reader_matches_its_twin_and_msgspec(
    a: str, b: str, c: str, d: str, e: str, f: str, g: str, h: str, as_bytes: bool
) -> None:
    compiled = pytest.importorskip("tradeport.book._levels")
    text = f'{{"a":{a},"b":{b},"c":{c},"d":{d},"e":{e},"f":{f},"g":{g},"h":{h}}}'
    frame: str | bytes = text.encode() if as_bytes else text
    read = compiled.read_shape(frame, SHAPE, shape_values(SHAPE))
    assert repr(read) == repr(py_read_shape(frame, SHAPE, shape_values(SHAPE)))
    if read is not None:  # what msgspec decodes from the same text
        message = typed.decode(frame)
        assert repr(read) == repr((message.a, message.c, str(message.e), message.f, message.g))


def test_a_shape_reads_only_its_own_text() -> None:
    good = '{"a":"x","b":"y","c":-3,"d":4,"e":5,"f":"1.5","g":true,"h":false}'
    expected = ("x", -3, "5", 1.5, True)
    assert py_read_shape(good, SHAPE, 5) == expected
    for other in (
        good.replace(",", ", "),  # whitespace
        good[:-1],
        good + "\n",
        good.replace('"e":5', '"e":-5'),  # an id is not negative
        good.replace('"x"', '"\\u0078"'),  # an escape
    ):
        assert py_read_shape(other, SHAPE, 5) is None
    compiled = pytest.importorskip("tradeport.book._levels")
    assert compiled.read_shape(good, SHAPE, 5) == expected
    assert compiled.read_shape(good.encode(), SHAPE, 5) == expected
    surrogate = good.replace('"x"', '"\ud800"')  # a str with no UTF-8 form
    assert compiled.read_shape(surrogate, SHAPE, 5) is None
    assert py_read_shape(surrogate, SHAPE, 5) is None
