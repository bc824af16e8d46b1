"""Bybit publicTrade frames through the trade hot path: a frame of one trade written as
Bybit writes it is read by the compiled store's shape reader, any other decoded typed;
both give the trades `parse_trades` makes, and the same errors."""

from __future__ import annotations

import json

import pytest
from tests.venues.trade_paths import SYMBOL, delivered

from tradeport.book.levels import py_read_shape
from tradeport.model.errors import MalformedMessage
from tradeport.venues.bybit import stream_parse as sp
from tradeport.venues.bybit.stream import PublicStreams

TOPIC = "publicTrade.BTCUSDT"
ROW = {
    "T": 1700000000000,
    "s": "BTCUSDT",
    "S": "Buy",
    "v": "0.010",
    "p": "60000.10",
    "L": "PlusTick",
    "i": "20f43950-d8dd-5b31-9112-a178eb6023af",
    "BT": False,
    "RPI": False,
    "seq": 7961638724,
}


def frame(*rows: dict[str, object], spaced: bool = False) -> str:
    message = {"topic": TOPIC, "type": "snapshot", "ts": 1700000000001, "data": list(rows)}
    return json.dumps(message, separators=None if spaced else (",", ":"))


FRAMES = [
    frame(ROW),  # the shape
    frame({**ROW, "S": "Sell", "BT": True}),
    frame(ROW, {**ROW, "S": "Sell"}),  # two trades: decoded typed
    frame(ROW, spaced=True),
    frame({k: ROW[k] for k in reversed(ROW)}),
    frame({**ROW, "S": "Bid"}),  # refused: no side
    frame({**ROW, "p": "0"}),
    frame({**ROW, "v": "-0.01"}),
    frame({**ROW, "p": "inf"}),
    frame({**ROW, "v": "1e-2"}),
    frame({k: v for k, v in ROW.items() if k != "i"}),
    frame({**ROW, "seq": "x"}),
    frame({**ROW, "i": "a\\u0062c"}),
    frame(ROW)[:-2],
]


@pytest.mark.parametrize("text", FRAMES)
def test_a_trade_frame_delivers_what_the_typed_path_delivers(text: str) -> None:
    fast = delivered(PublicStreams, TOPIC, text, "compiled")
    assert fast == delivered(PublicStreams, TOPIC, text, "python")
    if isinstance(fast, list):
        assert fast == sp.parse_trades(text, SYMBOL, 5)
    else:
        assert fast[0] is MalformedMessage  # type: ignore[index]


def test_a_frame_as_bybit_writes_it_is_read_by_the_shape() -> None:
    assert py_read_shape(frame(ROW), sp.TRADE_SHAPE, sp.TRADE_VALUES) is not None
    assert py_read_shape(frame(ROW, ROW), sp.TRADE_SHAPE, sp.TRADE_VALUES) is None
