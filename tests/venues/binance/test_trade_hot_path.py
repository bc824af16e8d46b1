"""Binance trade frames through the trade hot path: a frame written as Binance writes
it is read by the compiled store's shape reader, any other decoded typed; both give the
trades `parse_agg_trade` / `parse_trade` make, and the same errors."""

from __future__ import annotations

import json

import pytest
from tests.venues.trade_paths import SYMBOL, delivered

from tradeport.book.levels import py_read_shape
from tradeport.model.errors import MalformedMessage
from tradeport.venues.binance import stream_parse as sp
from tradeport.venues.binance.stream import PublicStreams

AGG = {
    "e": "aggTrade",
    "E": 1700000000001,
    "s": "BTCUSDT",
    "a": 5000000,
    "p": "60000.1",
    "q": "1.250",
    "f": 9000000,
    "l": 9000001,
    "T": 1700000000000,
    "m": True,
}
SPOT_TRADE = {
    "e": "trade",
    "E": 1700000000001,
    "s": "BTCUSDT",
    "t": 12345,
    "p": "60000.10",
    "q": "0.5",
    "T": 1700000000000,
    "m": False,
    "M": True,
}


def frame(stream: str, data: dict[str, object]) -> str:
    return json.dumps({"stream": stream, "data": data}, separators=(",", ":"))


AGG_FRAMES = [
    frame("btcusdt@aggTrade", AGG),  # the shape
    frame("btcusdt@aggTrade", {**AGG, "m": False, "a": 0}),
    json.dumps({"stream": "btcusdt@aggTrade", "data": AGG}),  # spaces: decoded typed
    frame("btcusdt@aggTrade", {k: AGG[k] for k in reversed(AGG)}),  # another order
    frame("btcusdt@aggTrade", {**AGG, "p": "6e4"}),
    frame("btcusdt@aggTrade", {**AGG, "p": 60000.1}),
    frame("btcusdt@aggTrade", {**AGG, "a": "5000000"}),
    frame("btcusdt@aggTrade", {**AGG, "nq": "1.25"}),  # a key more
    frame("btcusdt@aggTrade", {**AGG, "p": "0"}),  # refused: no price
    frame("btcusdt@aggTrade", {**AGG, "q": "0.000"}),
    frame("btcusdt@aggTrade", {**AGG, "q": "-1"}),
    frame("btcusdt@aggTrade", {**AGG, "p": "NaN"}),
    frame("btcusdt@aggTrade", {k: v for k, v in AGG.items() if k != "f"}),
    frame("btcusdt@aggTrade", {**AGG, "E": "x"}),
    frame("btcusdt@aggTrade", {**AGG, "m": "maybe"}),
    frame("btcusdt@aggTrade", {**AGG, "s": "BTC\\u0055SDT"}),
    frame("btcusdt@aggTrade", AGG)[:-1],  # cut short
    frame("btcusdt@aggTrade", AGG) + " ",
]


@pytest.mark.parametrize("text", AGG_FRAMES)
def test_an_agg_trade_frame_delivers_what_the_typed_path_delivers(text: str) -> None:
    fast = delivered(PublicStreams, "btcusdt@aggTrade", text, "compiled")
    assert fast == delivered(PublicStreams, "btcusdt@aggTrade", text, "python")
    if isinstance(fast, list):
        msg = sp.route_for("btcusdt@aggTrade", spot=False)
        assert msg is not None
        assert fast == [sp.parse_frame(msg, text, SYMBOL, 5)]
    else:
        assert fast[0] is MalformedMessage  # type: ignore[index]


def test_frames_as_binance_writes_them_are_read_by_the_shape() -> None:
    for spot, route, data in (
        (False, "btcusdt@aggTrade", AGG),
        (True, "btcusdt@aggTrade", {**AGG, "M": True}),
        (True, "btcusdt@trade", SPOT_TRADE),
    ):
        found = sp.route_for(route, spot)
        assert found is not None
        shape = sp.trade_shape(found, spot)
        assert shape is not None
        values = py_read_shape(frame(route, data), shape, sp.TRADE_VALUES)
        assert values is not None
        trades = delivered(PublicStreams, route, frame(route, data), "compiled", spot)
        assert trades == delivered(PublicStreams, route, frame(route, data), "python", spot)
        assert trades == [sp.parse_frame(found, frame(route, data), SYMBOL, 5)]
