"""BingX @trade pushes through the trade hot path: a push of one trade written as BingX
writes it is read by the compiled store's shape reader, any other decoded typed; both
give the trades `parse_trades` makes, and the same errors."""

from __future__ import annotations

import json

import pytest
from tests.venues.trade_paths import SYMBOL, delivered

from tradeport.book.levels import py_read_shape
from tradeport.model.errors import MalformedMessage
from tradeport.venues.bingx import stream_parse as sp
from tradeport.venues.bingx.stream import PublicStreams

DATA_TYPE = f"{SYMBOL}@trade"
ROW = {"q": "0.4767", "p": "60001.9", "T": 1700000000000, "m": True, "s": SYMBOL}


def push(*rows: dict[str, object], spaced: bool = False) -> bytes:
    message = {"code": 0, "dataType": DATA_TYPE, "ts": 1700000000001, "data": list(rows)}
    return json.dumps(message, separators=None if spaced else (",", ":")).encode()


PUSHES = [
    push(ROW),  # the shape
    push({**ROW, "m": False, "q": "1.8320"}),
    push(ROW, {**ROW, "p": "60002.0"}),  # two trades: decoded typed
    push(ROW, spaced=True),
    push({k: ROW[k] for k in reversed(ROW)}),
    push({**ROW, "p": "0"}),  # refused
    push({**ROW, "q": "-0.5"}),
    push({**ROW, "p": "NaN"}),
    push({**ROW, "p": 60001.9}),
    push({k: v for k, v in ROW.items() if k != "T"}),
    push({**ROW, "s": "BTC-\\u0055SDT"}),
    push(ROW)[:-1],
]


@pytest.mark.parametrize("text", PUSHES)
def test_a_trade_push_delivers_what_the_typed_path_delivers(text: bytes) -> None:
    fast = delivered(PublicStreams, DATA_TYPE, text, "compiled")
    assert fast == delivered(PublicStreams, DATA_TYPE, text, "python")
    if isinstance(fast, list):
        assert fast == sp.parse_trades(text, SYMBOL, 5)
    else:
        assert fast[0] is MalformedMessage  # type: ignore[index]


def test_a_push_as_bingx_writes_it_is_read_by_the_shape() -> None:
    assert py_read_shape(push(ROW), sp.TRADE_SHAPE, sp.TRADE_VALUES) is not None
    assert py_read_shape(push(ROW, ROW), sp.TRADE_SHAPE, sp.TRADE_VALUES) is None


def test_a_price_seen_before_gives_the_same_trade_ids() -> None:
    # the ids' price text is kept by price: later pushes at that price read it there
    pushes = [push(ROW), push({**ROW, "q": "0.5"}), push({**ROW, "p": "60001.90"})]
    expected = [trade for each in pushes for trade in sp.parse_trades(each, SYMBOL, 5)]
    assert delivered(PublicStreams, DATA_TYPE, pushes, "compiled") == expected
