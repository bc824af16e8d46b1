"""OKX stream parsers on the documented sample payloads (tests/venues/okx/data/ws_*.json).

Sources (OKX v5 docs, okx.com/docs-v5/en, as stored in rosssaunders/coincise):
- ws_books_snapshot / ws_books_update / ws_books5 / ws_bbo_tbt: "WS / Order book
  channel" push examples (the books checksum -855196043 is illustrative, PROTOCOLS §3.5);
- ws_tickers, ws_trades, ws_candle: "WS / Tickers", "WS / Trades", "WS / Candlesticks";
- ws_orders: "WS / Order channel" push example; ws_account, ws_positions: "Trading
  account / WebSocket" Account and Positions push examples (the account sample's
  `// Deprecated` comment was removed to make it JSON);
- ws_mark_price: "WS / Mark price channel" push example;
- ws_events: login success, login failure, subscribe and error replies of the
  "Overview / WebSocket" and order book channel sections.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tradeport.model import AssetType, Instrument, OrderStatus, PositionSide, Side
from tradeport.model.errors import MalformedMessage
from tradeport.transport.ws import Ack, Pong, Reconnect
from tradeport.venues.okx import stream_parse as sp
from tradeport.venues.okx.contracts import Contract, sizes
from tradeport.venues.okx.stream_books import CheckedBook
from tradeport.venues.okx.stream_messages import peek_arg, topic_name, topic_names
from tradeport.venues.okx.ws_endpoints import LOGIN_REQUEST_ID, classify, topic_arg

DATA = Path(__file__).with_name("data")
STATUS = {
    "live": "new",
    "partially_filled": "partially_filled",
    "filled": "filled",
    "canceled": "canceled",
}
SPOT = sizes(Decimal(1))


def frame(name: str) -> str:
    return (DATA / name).read_text()


def contract(inst_id: str, asset_type: AssetType, ct_val: str = "1") -> Contract:
    base, quote = inst_id.split("-")[:2]
    inst = Instrument(
        symbol=f"{base}-{quote}",
        venue_symbol=inst_id,
        asset_type=asset_type,
        base=base,
        quote=quote,
        settle=quote if asset_type is AssetType.SWAP else None,
        tick_size=Decimal("0.01"),
        step_size=Decimal(ct_val),
        min_qty=Decimal(ct_val),
        min_notional=Decimal(0),
        contract_size=Decimal(ct_val),
    )
    return Contract(instrument=inst, ct_val=Decimal(ct_val), lot=Decimal(1), min_size=Decimal(1))


# -- books -----------------------------------------------------------------------------
def test_books_snapshot_becomes_a_book_at_its_seq_id() -> None:
    push = sp.parse_books(frame("ws_books_snapshot.json"), "BTC-USDT", SPOT, 7)
    assert push.update is None and push.snapshot is not None
    book = push.snapshot
    assert book.update_id == 123456 and book.ts == 1597026383085 and book.local_ts == 7
    assert book.bids[0] == (8476.97, 256.0) and book.asks[0] == (8476.98, 415.0)
    assert len(book.bids) == len(book.asks) == 8
    assert push.bids_text[-1][:2] == ["8446", "95"]  # the strings as sent, for the checksum
    assert push.checksum == -855196043


def test_books_update_links_to_the_previous_seq_id() -> None:
    push = sp.parse_books(frame("ws_books_update.json"), "BTC-USDT", SPOT, 0)
    assert push.snapshot is None and push.update is not None
    update = push.update
    assert (update.prev_id, update.first_id, update.last_id) == (123456, 123457, 123457)
    assert update.asks[1] == (8477.0, 7.0)


def test_documented_example_checksum_is_illustrative_only() -> None:
    # PROTOCOLS §3.5/O2': the example's own 8-level book computes to -2102840145, not
    # the -855196043 it shows, so a client checking it must flag the book
    book = CheckedBook("BTC-USDT", lambda _s: None)
    book.on_push(sp.parse_books(frame("ws_books_snapshot.json"), "BTC-USDT", SPOT, 0))
    assert book.checksum() == -2102840145
    assert book.sync.stats.checksum_mismatches == 1


def test_a_swap_book_is_in_base_units_and_checksummed_in_contracts() -> None:
    size = sizes(Decimal("0.01"))  # ctVal 0.01 BTC per contract
    data = json.loads(frame("ws_books_snapshot.json"))
    data["arg"]["instId"] = "BTC-USDT-SWAP"
    data["data"][0]["checksum"] = 0
    push = sp.parse_books(json.dumps(data), "BTC-USDT", size, 0)
    assert push.snapshot is not None
    assert push.snapshot.bids[0] == (8476.97, 2.56) and push.snapshot.asks[1] == (8477.0, 0.07)
    assert push.bids_text[0][:2] == ["8476.97", "256"]


def test_contract_sizes_are_the_base_quantity_float_exactly() -> None:
    size = sizes(Decimal("0.01"))
    for contracts in ("1", "3", "7", "29", "123457", "0.37", "12.5", "78.8", "41.1"):
        assert size(contracts) == float(Decimal(contracts) * Decimal("0.01"))
    assert sizes(Decimal(10))("3") == 30.0
    assert sizes(Decimal(1000))("0.003") == 3.0
    odd = sizes(Decimal("0.25"))  # not a power of ten: exact through Decimal
    assert odd("3.3") == 0.825


def test_unreadable_level_is_malformed() -> None:
    data = json.loads(frame("ws_books_update.json"))
    data["data"][0]["bids"][0] = ["8476.97"]
    with pytest.raises(MalformedMessage, match="books level"):
        sp.parse_books(json.dumps(data), "BTC-USDT", SPOT, 0)


def test_books5_is_a_whole_top_of_book() -> None:
    book = sp.parse_top_book(frame("ws_books5.json"), "BCH-USDT", sizes(Decimal("0.1")), 0)
    assert [p for p, _ in book.bids] == [111.05, 111.04, 111.03, 111.02, 111.01]
    assert [p for p, _ in book.asks] == [111.06, 111.07, 111.08, 111.09, 111.1]
    assert book.bids[0][1] == 5774.5  # 57745 contracts of 0.1 BCH
    assert book.update_id == 363996337


def test_bbo_tbt_is_a_quote() -> None:
    quote = sp.parse_bbo(frame("ws_bbo_tbt.json"), "BCH-USDT", SPOT, 5)
    assert quote is not None
    assert (quote.bid, quote.bid_qty, quote.ask, quote.ask_qty) == (111.05, 57745, 111.06, 55154)
    assert quote.update_id == 363996337 and quote.ts == 1670324386802


# -- trades, tickers, mark prices, candles --------------------------------------------
def test_trades() -> None:
    (trade,) = sp.parse_trades(frame("ws_trades.json"), "BTC-USDT", SPOT, 3)
    assert (trade.trade_id, trade.price, trade.qty) == ("130639474", 42219.9, 0.12060306)
    assert trade.taker_side is Side.BUY and trade.ts == 1630048897897 and trade.local_ts == 3


def test_spot_ticker_volumes() -> None:
    (ticker,) = sp.parse_tickers(frame("ws_tickers.json"), "BTC-USDT", SPOT, False, 1)
    assert (ticker.last, ticker.bid, ticker.ask) == (9999.99, 8888.88, 9999.99)
    assert (ticker.bid_qty, ticker.ask_qty) == (5.0, 11.0)
    assert (ticker.open, ticker.high, ticker.low) == (9000.0, 10000.0, 8888.88)
    assert (ticker.volume, ticker.quote_volume) == (2222.0, 2222.0)
    assert ticker.ts == 1597026383085


def test_swap_ticker_sizes_are_base_units() -> None:
    (ticker,) = sp.parse_tickers(
        frame("ws_tickers.json"), "BTC-USDT", sizes(Decimal("0.01")), True, 1
    )
    assert (ticker.bid_qty, ticker.ask_qty) == (0.05, 0.11)
    assert ticker.volume == 2222.0 and ticker.quote_volume is None  # volCcy24h: base


def test_mark_price() -> None:
    (mark,) = sp.parse_mark_prices(frame("ws_mark_price.json"), "BTC-USDT", 2)
    assert (mark.mark, mark.ts, mark.local_ts) == (0.1, 1597026383085, 2)


def test_candle() -> None:
    (bar,) = sp.parse_candles(frame("ws_candle.json"), "BTC-USDT", "1d", False, 0)
    assert (bar.open, bar.high, bar.low, bar.close) == (8533.02, 8553.74, 8527.17, 8548.26)
    assert (bar.volume, bar.quote_volume, bar.closed) == (45247.0, 5529.5858061, False)
    assert bar.close_ts == bar.open_ts + 86_400_000 - 1
    (swap_bar,) = sp.parse_candles(frame("ws_candle.json"), "BTC-USDT", "1d", True, 0)
    assert swap_bar.volume == 529.5858061  # volCcy: base units of a swap


def test_monthly_bar_closes_at_the_end_of_its_month() -> None:
    feb_2024 = 1706745600000  # 2024-02-01T00:00Z
    assert sp.bar_close_ms(feb_2024, "1M") == 1709251200000 - 1  # 2024-03-01T00:00Z


# -- private channels ------------------------------------------------------------------
def test_order_push_with_a_fill() -> None:
    inst = contract("BTC-USDT", AssetType.SPOT)
    events = sp.parse_private(frame("ws_orders.json"), {"BTC-USDT": inst}.get, STATUS, 9)
    (order,) = events.orders
    assert order.order_id == "452197707845865472" and order.status is OrderStatus.FILLED
    assert (order.qty, order.filled_qty, order.avg_price) == (
        Decimal("0.001"),
        Decimal("0.001"),
        Decimal("31527.1"),
    )
    (fill,) = events.fills
    assert (fill.trade_id, fill.price, fill.qty) == (
        "242589207",
        Decimal("31527.1"),
        Decimal("0.001"),
    )
    assert (fill.fee, fill.fee_asset, fill.is_maker) == (Decimal("0.02522168"), "USDT", True)
    assert fill.ts == 1654084353263 and fill.side is Side.SELL


def test_order_push_of_an_unlisted_instrument_is_skipped() -> None:
    events = sp.parse_private(frame("ws_orders.json"), {}.get, STATUS, 0)
    assert (events.orders, events.fills, events.skipped) == ([], [], 1)


def test_positions_push_in_base_units() -> None:
    inst = contract("ETH-USD-SWAP", AssetType.SWAP, "10")
    events = sp.parse_private(frame("ws_positions.json"), {"ETH-USD-SWAP": inst}.get, STATUS, 0)
    assert events.skipped == 1  # the FUTURES row
    (position,) = events.positions
    assert position.position_side is PositionSide.LONG
    assert (position.qty, position.entry_price) == (Decimal(10), Decimal("2566.31"))
    assert position.leverage == 10 and position.ts == 1619507761462


def test_account_push() -> None:
    events = sp.parse_private(frame("ws_account.json"), {}.get, STATUS, 0)
    (usdt,) = events.balances
    assert usdt.asset == "USDT" and usdt.total == Decimal("4750.426970691436")
    assert usdt.free == Decimal("4734.371190691436")
    assert usdt.ts == 1705564223311


# -- control frames --------------------------------------------------------------------
def test_events_are_classified() -> None:
    events = json.loads(frame("ws_events.json"))
    assert classify(json.dumps(events["login"])) == Ack(LOGIN_REQUEST_ID, None)
    failed = classify(json.dumps(events["login_failed"]))
    assert isinstance(failed, Ack) and failed.request_id == LOGIN_REQUEST_ID
    assert failed.error is not None and "60009" in failed.error
    assert classify(json.dumps(events["subscribe"])) == Ack(1512, None)
    refused = classify(json.dumps(events["error"]))
    assert isinstance(refused, Ack) and refused.request_id == 1512
    assert refused.error is not None and refused.error.startswith("60012 Invalid request")
    assert classify("pong") == Pong()
    notice = classify('{"event":"notice","code":"64008","msg":"upgrade","connId":"a"}')
    assert isinstance(notice, Reconnect)
    assert classify(frame("ws_books_update.json").replace("\n", "").replace(" ", "")) is None


def test_public_frame_arg_is_read_without_decoding() -> None:
    compact = json.dumps(json.loads(frame("ws_trades.json")), separators=(",", ":"))
    assert peek_arg(compact) == ("trades", "BTC-USDT")
    assert peek_arg(compact.encode()) == ("trades", "BTC-USDT")
    assert peek_arg('{"event":"subscribe"}') is None
    assert peek_arg('{"arg":{"channel":"books","instId":""},"data":[]}') is None
    assert peek_arg('{"arg":{"channel":"books"},"data":[]}') is None
    long = f'{{"arg":{{"channel":"books","instId":"{"X" * 90}"}},"data":[]}}'
    assert peek_arg(long) is None  # not within the first 120 characters


def peeked_by_search(frame: str | bytes) -> tuple[str, str] | None:
    """The arg read by searching the first 120 characters (what peek_arg's pattern
    must find)."""
    text = frame[:120] if isinstance(frame, str) else frame[:120].decode("utf-8", "replace")
    if not text.startswith('{"arg":{"channel":"'):
        return None
    end = text.find('"', 19)
    if end < 0 or not text.startswith(',"instId":"', end + 1):
        return None
    start = end + 12
    stop = text.find('"', start)
    return (text[19:end], text[start:stop]) if stop > start else None


@settings(max_examples=300, deadline=None)
@given(
    channel=st.text(max_size=40),
    inst=st.text(max_size=100),
    glue=st.sampled_from(['","instId":"', '","instType":"', '", "instId": "', '"']),
    tail=st.sampled_from(['"},"data":[]}', '"', "", '"}']),
    as_bytes=st.booleans(),
)
def test_peek_arg_finds_what_a_search_finds(
    channel: str, inst: str, glue: str, tail: str, as_bytes: bool
) -> None:
    text = '{"arg":{"channel":"' + channel + glue + inst + tail
    data: str | bytes = text.encode() if as_bytes else text
    assert peek_arg(data) == peeked_by_search(data)


def test_topic_args() -> None:
    assert topic_arg("books:BTC-USDT-SWAP") == {"channel": "books", "instId": "BTC-USDT-SWAP"}
    assert topic_arg("orders:SWAP") == {"channel": "orders", "instType": "SWAP"}
    assert topic_arg("account") == {"channel": "account"}


@pytest.mark.parametrize(
    "frame",
    [
        '{"arg":{"channel":"books","instId":"BTC-USDT"},"action":"update","data":[]}',
        '{"arg":{"channel":"books","instId":"BTC-USDT","x":"1"},"data":[]}',
        '{"arg":{"channel":"bo}ks","instId":"BTC-USDT"},"data":[]}',  # a brace in it
        '{"arg":{"channel":"books","instId":"B}C"},"data":[]}',
        '{"arg":{"channel":"books","instId":""},"data":[]}',
        '{"arg":{"channel":"books"},"data":[]}',
        '{"event":"subscribe","arg":{"channel":"books","instId":"BTC-USDT"}}',
        f'{{"arg":{{"channel":"books","instId":"{"X" * 90}"}},"data":[]}}',
    ],
)
def test_a_frames_topic_is_the_same_read_or_looked_up(frame: str) -> None:
    peeked = peek_arg(frame)
    expected = None if peeked is None else f"{peeked[0]}:{peeked[1]}"
    for _ in range(2):  # read, then (where its arg text was kept) looked up
        assert topic_name(frame) == expected
        assert topic_name(frame.encode()) == expected
    # another frame with the same arg text but different channel/instId cannot exist:
    # a kept arg text always reads the same
    for text, name in topic_names.items():
        found = peek_arg(text)
        assert found is not None and f"{found[0]}:{found[1]}" == name
