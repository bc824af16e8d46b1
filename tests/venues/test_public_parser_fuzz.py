"""Every venue's public parsers, fed non-finite and negative numbers: a depth frame
with such a level (through the venue's book rule), a trade, a ticker or a quote is a
MalformedMessage, never an event or a LIVE book."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tradeport.book.sequence import FirstLastRule, PrevLinkRule
from tradeport.book.sync import BookSync
from tradeport.model import BookState, OrderBook
from tradeport.model.errors import MalformedMessage
from tradeport.venues.binance import stream_parse as binance
from tradeport.venues.bybit import stream_parse as bybit
from tradeport.venues.okx import stream_parse as okx
from tradeport.venues.okx.contracts import sizes
from tradeport.venues.okx.stream_books import CheckedBook

SYMBOL = "BTC-USDT"
NOT_FINITE = ["NaN", "nan", "-NaN", "inf", "-inf", "Infinity", "-Infinity", "1e999"]
NEGATIVE = ["-1", "-0.001", "-1e-9"]
non_finite = st.sampled_from(NOT_FINITE)
# a price must be above zero; a size in a book may be zero (removes the level)
bad_price = st.sampled_from([*NOT_FINITE, *NEGATIVE, "0", "-0", "0.0"])
bad_book_size = st.sampled_from([*NOT_FINITE, *NEGATIVE])
bad_trade_size = st.sampled_from([*NOT_FINITE, *NEGATIVE, "0"])
bad_quote_number = st.sampled_from([*NOT_FINITE, *NEGATIVE])


@st.composite
def bad_level(draw: st.DrawFn) -> list[str]:
    """[price, size] text where at least one of them is not real."""
    if draw(st.booleans()):
        return [draw(bad_price), draw(st.sampled_from(["0", "1.5", "NaN", "-2"]))]
    return [draw(st.sampled_from(["100.5", "99"])), draw(bad_book_size)]


@st.composite
def sides_with_one_bad_level(draw: st.DrawFn) -> tuple[list[list[str]], list[list[str]]]:
    good = st.lists(st.tuples(st.sampled_from(["98", "97.5"]), st.sampled_from(["0", "1"])))
    bids = [list(level) for level in draw(good)]
    asks = [["103", "1"]]
    side = bids if draw(st.booleans()) else asks
    side.insert(draw(st.integers(0, len(side))), draw(bad_level()))
    return bids, asks


def dumps(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"))


def live(rule: FirstLastRule | PrevLinkRule, update_id: int) -> BookSync:
    sync = BookSync(SYMBOL, rule, lambda _s: None)
    sync.on_snapshot(
        OrderBook(symbol=SYMBOL, bids=[(98.0, 1.0)], asks=[(103.0, 1.0)], update_id=update_id)
    )
    assert sync.state is BookState.LIVE
    return sync


def refused(parse: Callable[[], Any], apply: Callable[[Any], object], book: BookSync) -> None:
    """`parse` the frame, `apply` what it read to `book`: one of them raises
    MalformedMessage, and if the parser let it through the book is no longer LIVE (a
    frame the parser refuses is flagged by the venue's stream handler)."""
    try:
        parsed = parse()
    except MalformedMessage:
        return
    with pytest.raises(MalformedMessage):
        apply(parsed)
    assert book.state is not BookState.LIVE


# -- Binance ---------------------------------------------------------------------------
def binance_frame(stream: str, data: dict[str, Any]) -> str:
    return dumps({"stream": stream, "data": data})


@pytest.mark.parametrize("spot", [True, False], ids=["spot", "usdm"])
@given(sides=sides_with_one_bad_level())
def test_binance_depth_diff_with_a_level_not_real_is_malformed(
    spot: bool, sides: tuple[list[list[str]], list[list[str]]]
) -> None:
    stream = "btcusdt@depth@100ms"
    route = binance.route_for(stream, spot)
    assert route is not None
    bids, asks = sides
    data = {"e": "depthUpdate", "E": 1, "s": "BTCUSDT", "U": 11, "u": 12, "pu": 10}
    frame = binance_frame(stream, {**data, "b": bids, "a": asks})
    book = live(FirstLastRule() if spot else PrevLinkRule(), 10)
    refused(lambda: binance.parse_frame(route, frame, SYMBOL, 0), book.on_update, book)


@pytest.mark.parametrize("spot", [True, False], ids=["spot", "usdm"])
@given(sides=sides_with_one_bad_level())
def test_binance_partial_book_with_a_level_not_real_is_malformed(
    spot: bool, sides: tuple[list[list[str]], list[list[str]]]
) -> None:
    stream = "btcusdt@depth20@100ms"
    route = binance.route_for(stream, spot)
    assert route is not None
    bids, asks = sides
    data: dict[str, Any] = {"lastUpdateId": 5, "bids": bids, "asks": asks}
    if not spot:
        data = {"e": "depthUpdate", "E": 1, "U": 1, "u": 5, "pu": 0, "b": bids, "a": asks}
    with pytest.raises(MalformedMessage):
        binance.parse_frame(route, binance_frame(stream, data), SYMBOL, 0)


@pytest.mark.parametrize("stream", ["btcusdt@trade", "btcusdt@aggTrade"])
@given(price=bad_price, qty=st.sampled_from(["1", "NaN"]), swap=st.booleans())
def test_binance_trade_with_a_price_or_size_not_real_is_malformed(
    stream: str, price: str, qty: str, swap: bool
) -> None:
    route = binance.route_for(stream, spot=True)
    assert route is not None
    data = {"e": "x", "E": 1, "s": "BTCUSDT", "t": 1, "a": 1, "f": 1, "l": 1, "T": 1, "m": True}
    prices = {"p": price, "q": qty} if swap else {"p": "100", "q": price}
    with pytest.raises(MalformedMessage):
        binance.parse_frame(route, binance_frame(stream, {**data, **prices}), SYMBOL, 0)


@given(field=st.sampled_from("cohlvqbBaA"), value=non_finite)
def test_binance_ticker_with_a_number_not_finite_is_malformed(field: str, value: str) -> None:
    route = binance.route_for("btcusdt@ticker", spot=True)
    assert route is not None
    data = {f: "1" for f in "cohlvqbBaA"} | {"e": "24hrTicker", "E": 1, field: value}
    with pytest.raises(MalformedMessage):
        binance.parse_frame(route, binance_frame("btcusdt@ticker", data), SYMBOL, 0)


@given(field=st.sampled_from("bBaA"), value=bad_quote_number)
def test_binance_book_ticker_with_a_number_not_real_is_malformed(field: str, value: str) -> None:
    route = binance.route_for("btcusdt@bookTicker", spot=True)
    assert route is not None
    data = {"u": 1, "s": "BTCUSDT", "b": "99", "B": "1", "a": "100", "A": "1", field: value}
    with pytest.raises(MalformedMessage):
        binance.parse_frame(route, binance_frame("btcusdt@bookTicker", data), SYMBOL, 0)


# -- Bybit -----------------------------------------------------------------------------
def bybit_book(kind: str, u: int, bids: list[list[str]], asks: list[list[str]]) -> str:
    data = {"s": "BTCUSDT", "b": bids, "a": asks, "u": u, "seq": u}
    return dumps({"topic": "orderbook.50.BTCUSDT", "type": kind, "ts": 1, "data": data})


@given(sides=sides_with_one_bad_level())
def test_bybit_book_delta_with_a_level_not_real_is_malformed(
    sides: tuple[list[list[str]], list[list[str]]],
) -> None:
    book = live(FirstLastRule(), 10)
    frame = bybit_book("delta", 11, *sides)
    refused(lambda: bybit.parse_book_frame(frame, SYMBOL, 0).update, book.on_update, book)


@given(sides=sides_with_one_bad_level())
def test_bybit_book_snapshot_with_a_level_not_real_is_malformed(
    sides: tuple[list[list[str]], list[list[str]]],
) -> None:
    book = BookSync(SYMBOL, FirstLastRule(), lambda _s: None)
    frame = bybit_book("snapshot", 1, *sides)
    refused(lambda: bybit.parse_book_frame(frame, SYMBOL, 0).snapshot, book.on_snapshot, book)


@given(price=bad_price, qty=bad_trade_size, which=st.sampled_from(["p", "v"]))
def test_bybit_trade_with_a_price_or_size_not_real_is_malformed(
    price: str, qty: str, which: str
) -> None:
    row = {"T": 1, "s": "BTCUSDT", "S": "Buy", "v": "1", "p": "100", "i": "a", "BT": False}
    row[which] = price if which == "p" else qty
    frame = dumps({"topic": "publicTrade.BTCUSDT", "type": "snapshot", "ts": 1, "data": [row]})
    with pytest.raises(MalformedMessage):
        bybit.parse_trades(frame, SYMBOL, 0)


TICKER_FIELDS = ["lastPrice", "bid1Price", "bid1Size", "ask1Price", "highPrice24h", "volume24h"]


@given(field=st.sampled_from(TICKER_FIELDS), value=non_finite)
def test_bybit_ticker_with_a_number_not_finite_is_malformed(field: str, value: str) -> None:
    fields: dict[str, str | int | float | None] = {name: "1" for name in TICKER_FIELDS}
    fields[field] = value
    with pytest.raises(MalformedMessage):
        bybit.parse_ticker(fields, SYMBOL, 1, 0)


# -- OKX -------------------------------------------------------------------------------
def okx_push(action: str, seq: int, prev: int, bids: list[list[str]], asks: list[list[str]]) -> str:
    data = {"asks": asks, "bids": bids, "ts": "1", "checksum": 0, "seqId": seq, "prevSeqId": prev}
    return dumps(
        {"arg": {"channel": "books", "instId": "BTC-USDT"}, "action": action, "data": [data]}
    )


def okx_sizes() -> list[Any]:
    return [float, sizes(Decimal("0.01")), sizes(Decimal("0.3"))]


@pytest.mark.parametrize("size", okx_sizes(), ids=["spot", "ten-power", "contracts"])
@given(sides=sides_with_one_bad_level(), snapshot=st.booleans())
def test_okx_books_push_with_a_level_not_real_is_malformed(
    size: Any, sides: tuple[list[list[str]], list[list[str]]], snapshot: bool
) -> None:
    book = CheckedBook(SYMBOL, lambda _s: None)
    book.on_push(
        okx.parse_books(
            okx_push("snapshot", 10, -1, [["98", "1"]], [["103", "1"]]), SYMBOL, size, 0
        )
    )
    assert book.sync.state is BookState.LIVE
    bids, asks = ([[*level, "0", "1"] for level in side] for side in sides)
    frame = okx_push("snapshot" if snapshot else "update", 11, 10, bids, asks)
    refused(lambda: okx.parse_books(frame, SYMBOL, size, 0), book.on_push, book.sync)


@pytest.mark.parametrize("channel", ["books5", "bbo-tbt"])
@given(sides=sides_with_one_bad_level())
def test_okx_top_of_book_with_a_level_not_real_is_malformed(
    channel: str, sides: tuple[list[list[str]], list[list[str]]]
) -> None:
    bids, asks = ([[*level, "0", "1"] for level in side] for side in sides)
    data = {"asks": asks, "bids": bids, "ts": "1", "seqId": 5}
    frame = dumps({"arg": {"channel": channel, "instId": "BTC-USDT"}, "data": [data]})
    with pytest.raises(MalformedMessage):
        okx.parse_top_book(frame, SYMBOL, float, 0)


@pytest.mark.parametrize("size", okx_sizes(), ids=["spot", "ten-power", "contracts"])
@given(price=bad_price, qty=bad_trade_size, which=st.sampled_from(["px", "sz"]))
def test_okx_trade_with_a_price_or_size_not_real_is_malformed(
    size: Any, price: str, qty: str, which: str
) -> None:
    row = {"instId": "BTC-USDT", "tradeId": "1", "px": "100", "sz": "1", "side": "buy", "ts": "1"}
    row[which] = price if which == "px" else qty
    frame = dumps({"arg": {"channel": "trades", "instId": "BTC-USDT"}, "data": [row]})
    with pytest.raises(MalformedMessage):
        okx.parse_trades(frame, SYMBOL, size, 0)


OKX_TICKER_FIELDS = ["last", "askPx", "askSz", "bidPx", "bidSz", "open24h", "vol24h", "volCcy24h"]


@given(field=st.sampled_from(OKX_TICKER_FIELDS), value=non_finite, swap=st.booleans())
def test_okx_ticker_with_a_number_not_finite_is_malformed(
    field: str, value: str, swap: bool
) -> None:
    assume(not (swap and field == "vol24h"))  # a swap's volume is volCcy24h (base)
    row = {"instId": "BTC-USDT", "ts": "1"} | {name: "1" for name in OKX_TICKER_FIELDS}
    row[field] = value
    frame = dumps({"arg": {"channel": "tickers", "instId": "BTC-USDT"}, "data": [row]})
    with pytest.raises(MalformedMessage):
        okx.parse_tickers(frame, SYMBOL, float, swap, 0)
