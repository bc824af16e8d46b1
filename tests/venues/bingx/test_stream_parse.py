"""BingX stream pushes (PROTOCOLS.md §5.4-5.5) read by the parsers: gzip frames, the
incremental depth `all` / `update`, partial depth, trades, bookTicker; numbers that
cannot be real are refused as MalformedMessage naming the push."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from tests.book.conftest import using_store

from tradeport.model import Side
from tradeport.model.errors import MalformedMessage
from tradeport.venues.bingx import stream_messages as sm
from tradeport.venues.bingx import stream_parse as sp

SYMBOL = "BTC-USDT"


def push(kind: str, data: Any) -> bytes:
    frame = {"code": 0, "dataType": f"{SYMBOL}@{kind}", "ts": 1700, "data": data}
    return json.dumps(frame).encode()


def test_gzip_frames_inflate_and_bad_ones_are_malformed() -> None:
    assert sm.inflate(gzip.compress(b"Ping")) == sm.PING
    assert sm.inflate(gzip.compress(push("trade", []))) == push("trade", [])
    with pytest.raises(MalformedMessage, match="not gzip"):
        sm.inflate(b"\x1f\x8bnot really")
    assert sm.data_type_of(push("incrDepth", {})) == f"{SYMBOL}@incrDepth"
    with pytest.raises(MalformedMessage, match="dataType"):
        sm.data_type_of(b'{"code":0,"data":null}')
    with pytest.raises(MalformedMessage, match="dataType"):
        sm.data_type_of(b'{"code":0,"dataType":"","data":null}')
    # an escaped name is read by the decoder, not off the bytes
    assert sm.data_type_of(b'{"code":0,"dataType":"A\\u0040B","data":1}') == "A@B"


def test_frames_that_are_not_one_gzip_member_inflate_as_the_gzip_module_reads_them() -> None:
    two = gzip.compress(b'{"code":0,') + gzip.compress(b'"data":1}')
    assert sm.inflate(two) == b'{"code":0,"data":1}'
    with pytest.raises(MalformedMessage, match="not gzip"):
        sm.inflate(gzip.compress(push("trade", []))[:-3])  # truncated


def test_incr_depth_all_is_a_sorted_snapshot_with_its_update_id() -> None:
    data = {
        "action": "all",
        "lastUpdateId": 41,
        "time": 1701,
        "bids": [["99.5", "2"], ["100.0", "1"]],
        "asks": [["101.5", "3"], ["101.0", "4"]],
    }
    frame = sp.parse_incr_depth(push("incrDepth", data), SYMBOL, 5)
    assert frame.update is None and frame.snapshot is not None
    book = frame.snapshot
    assert book.update_id == 41 and book.ts == 1701 and book.local_ts == 5
    assert book.bids == [(100.0, 1.0), (99.5, 2.0)]
    assert book.asks == [(101.0, 4.0), (101.5, 3.0)]


def test_incr_depth_update_carries_one_id() -> None:
    data = {"action": "update", "lastUpdateId": 42, "bids": [[100.0, 0]], "asks": []}
    frame = sp.parse_incr_depth(push("incrDepth", data), SYMBOL, 0)
    assert frame.snapshot is None and frame.update is not None
    assert (frame.update.first_id, frame.update.last_id) == (42, 42)
    assert frame.update.bids == [(100.0, 0.0)]


def test_incr_depth_unknown_action_is_malformed() -> None:
    data = {"action": "reset", "lastUpdateId": 1, "bids": [], "asks": []}
    with pytest.raises(MalformedMessage, match="incrDepth"):
        sp.parse_incr_depth(push("incrDepth", data), SYMBOL, 0)


def test_partial_depth_sorted_and_bad_levels_refused() -> None:
    data = {"bids": [["1", "1"], ["2", "1"]], "asks": [["4", "1"], ["3", "1"]]}
    book = sp.parse_partial_depth(push("depth5@500ms", data), SYMBOL, 0)
    assert [p for p, _ in book.bids] == [2.0, 1.0] and [p for p, _ in book.asks] == [3.0, 4.0]
    for bad in ("NaN", "-1", "inf"):
        levels = {"bids": [["2", bad]], "asks": [["3", "1"]]}
        with pytest.raises(MalformedMessage):
            sp.parse_partial_depth(push("depth5@500ms", levels), SYMBOL, 0)


def test_trades_array_and_taker_side() -> None:
    rows = [
        {"q": "0.5", "p": "100.1", "T": 1700000, "m": True, "s": SYMBOL},
        {"q": "0.25", "p": "100.2", "T": 1700001, "m": False, "s": SYMBOL},
    ]
    trades = sp.parse_trades(push("trade", rows), SYMBOL, 9)
    assert [(t.price, t.qty, t.taker_side, t.ts) for t in trades] == [
        (100.1, 0.5, Side.SELL, 1700000),
        (100.2, 0.25, Side.BUY, 1700001),
    ]


@pytest.mark.parametrize("field,value", [("p", "NaN"), ("q", "-0.5"), ("p", "inf"), ("q", "0")])
def test_trades_with_unreal_numbers_are_malformed(field: str, value: str) -> None:
    row = {"q": "0.5", "p": "100.1", "T": 1, "m": True, field: value}
    with pytest.raises(MalformedMessage, match="trade push"):
        sp.parse_trades(push("trade", [row]), SYMBOL, 0)


def test_book_ticker() -> None:
    data = {"e": "bookTicker", "u": 7, "E": 1700, "T": 1699, "s": SYMBOL}
    data |= {"b": "100.0", "B": "2", "a": "100.5", "A": "3"}
    quote = sp.parse_book_ticker(push("bookTicker", data), SYMBOL, 0)
    assert (quote.bid, quote.bid_qty, quote.ask, quote.ask_qty) == (100.0, 2.0, 100.5, 3.0)
    assert quote.update_id == 7 and quote.ts == 1699
    with pytest.raises(MalformedMessage, match="bookTicker"):
        sp.parse_book_ticker(push("bookTicker", data | {"b": "NaN"}), SYMBOL, 0)
    with pytest.raises(MalformedMessage, match="not below ask"):
        sp.parse_book_ticker(push("bookTicker", data | {"b": "101"}), SYMBOL, 0)


def test_mark_price() -> None:
    data = {"e": "markPriceUpdate", "E": 1700, "s": SYMBOL, "p": "65000.5"}
    mark = sp.parse_mark_price(push("markPrice", data), SYMBOL, 3)
    assert (mark.symbol, mark.mark, mark.ts, mark.local_ts) == (SYMBOL, 65000.5, 1700, 3)
    for bad in ("NaN", "-1", "0"):
        with pytest.raises(MalformedMessage, match="markPrice"):
            sp.parse_mark_price(push("markPrice", data | {"p": bad}), SYMBOL, 0)


# the documented swap pushes (as ccxt's comments quote them)
DOC_TICKER = {
    "code": 0,
    "dataType": "BTC-USDT@ticker",
    "data": {
        "e": "24hTicker",
        "E": 1706498923556,
        "s": "BTC-USDT",
        "p": "346.4",
        "P": "0.82",
        "c": "42432.5",
        "L": "0.0529",
        "h": "42855.4",
        "l": "41578.3",
        "v": "64310.9754",
        "q": "2728360284.15",
        "o": "42086.1",
        "O": 1706498922655,
        "C": 1706498883023,
        "A": "42437.8",
        "a": "1.4160",
        "B": "42437.1",
        "b": "2.5747",
    },
}
DOC_KLINE = {
    "code": 0,
    "dataType": "BTC-USDT@kline_1m",
    "s": "BTC-USDT",
    "data": [
        {"c": "28909.0", "o": "28915.4", "h": "28915.4", "l": "28896.1", "v": "27.6919",
         "T": 1690907580000}
    ],
}  # fmt: skip


def test_documented_ticker() -> None:
    ticker = sp.parse_ticker(json.dumps(DOC_TICKER).encode(), SYMBOL, 5)
    assert (ticker.symbol, ticker.last, ticker.ts, ticker.local_ts) == (
        SYMBOL,
        42432.5,
        1706498923556,
        5,
    )
    assert (ticker.bid, ticker.bid_qty, ticker.ask, ticker.ask_qty) == (
        42437.1,
        2.5747,
        42437.8,
        1.416,
    )
    assert (ticker.open, ticker.high, ticker.low) == (42086.1, 42855.4, 41578.3)
    assert (ticker.volume, ticker.quote_volume) == (64310.9754, 2728360284.15)
    bad = {**DOC_TICKER, "data": {**DOC_TICKER["data"], "c": "-1"}}  # type: ignore[dict-item]
    with pytest.raises(MalformedMessage, match="ticker push"):
        sp.parse_ticker(json.dumps(bad).encode(), SYMBOL, 0)


def test_documented_kline_is_a_bar_closed_once_its_minute_is_past() -> None:
    text = json.dumps(DOC_KLINE).encode()
    during = (1690907580000 + 30_000) * 1_000_000  # received half way through the bar
    (bar,) = sp.parse_klines(text, SYMBOL, "1m", "1m", during)
    assert (bar.symbol, bar.period, bar.open_ts, bar.close_ts) == (
        SYMBOL,
        "1m",
        1690907580000,
        1690907639999,
    )
    assert (bar.open, bar.high, bar.low, bar.close, bar.volume) == (
        28915.4,
        28915.4,
        28896.1,
        28909.0,
        27.6919,
    )
    assert not bar.closed
    after = (1690907640000 + 1) * 1_000_000
    assert sp.parse_klines(text, SYMBOL, "1m", "1m", after)[0].closed


def test_a_kline_outside_its_range_is_malformed() -> None:
    row = {**DOC_KLINE["data"][0], "h": "28900.0"}  # type: ignore[index]
    text = json.dumps({**DOC_KLINE, "data": [row]}).encode()
    with pytest.raises(MalformedMessage, match=r"low\.\.high"):
        sp.parse_klines(text, SYMBOL, "1m", "1m", 0)


def partial_outcome(text: bytes) -> object:
    """What parse_partial_depth makes of a push: the book's levels (repr: -0.0 is not
    0.0) and times, or the error's type and message."""
    try:
        book = sp.parse_partial_depth(text, SYMBOL, 7)
    except MalformedMessage as exc:
        return type(exc), str(exc)
    return [repr(level) for level in book.bids], [repr(level) for level in book.asks], book.ts


@pytest.mark.parametrize(
    "data",
    [
        {"bids": [["1", "1"], ["2", "1"]], "asks": [["4", "1"], ["3", "1"]]},
        {"bids": [["2", "1"], ["1", "-0.0"]], "asks": [["3", "0"], ["4", "1"], ["3.5", "2"]]},
        {"bids": [], "asks": []},
        {"bids": [["2", "NaN"]], "asks": [["3", "1"]]},  # refused by the typed decoder
        {"bids": [["0", "1"]], "asks": [["3", "1"]]},
        {"bids": [["2", "1"]], "asks": [["3", "-1"]]},
        {"bids": [["2", "1e1"]], "asks": [["3", "1"]]},  # not the plain form: read typed
        {"bids": [[2, 1]], "asks": [["3", "1"]]},
        {"bids": [["2", "1", "x"]], "asks": [["3", "1"]]},
        {"asks": [["3", "1"]]},
    ],
)
def test_partial_depth_read_from_its_text_as_the_typed_decoder_reads_it(
    data: dict[str, Any],
) -> None:
    pushed = push("depth5@500ms", data)
    with using_store("python"):  # the typed path alone
        typed = partial_outcome(pushed)
    with using_store("compiled"):  # each side read from the text, when it can be
        assert partial_outcome(pushed) == typed
