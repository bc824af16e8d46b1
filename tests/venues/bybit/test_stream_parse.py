"""Bybit WebSocket parsers on the documented sample payloads (tests/venues/bybit/data).

Where each sample comes from (bybit-exchange/docs, docs/v5, as stored in 2026; the
docs' "..." elisions removed, values kept as published):

- ws_orderbook_snapshot, ws_orderbook_delta: websocket/public/orderbook.mdx
- ws_public_trade: websocket/public/trade.mdx
- ws_tickers_linear_snapshot, ws_tickers_spot: websocket/public/ticker.mdx
- ws_tickers_linear_delta: the v3 contract WebSocket page of the same docs site (the
  v5 page shows no delta; the topic and its shape are the same)
- ws_kline: websocket/public/kline.mdx
- ws_order_option: websocket/private/order.mdx (an option order: the only sample)
- ws_execution: websocket/private/execution.mdx
- ws_position: websocket/private/position.mdx
- ws_wallet: websocket/private/wallet.mdx
- ws_auth_ok, ws_subscribe_ack_private, ws_subscribe_ack_spot, ws_subscribe_ack_linear,
  ws_pong_spot, ws_pong_linear, ws_pong_private: websocket/wss-authentication.mdx
  ("Connect": auth, subscription responses, heartbeat)

Constructed (no published sample with these values), from the field tables of the same
pages: ws_order_linear (a linear reduce-only partial fill and a spot order in one
all-in-one frame), ws_position_open (a one-way short), ws_auth_refused and
ws_subscribe_refused (the `ret_msg` texts Bybit is seen to answer with).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import msgspec
import pytest

from tradeport.model import OrderStatus, OrderType, PositionSide, Side, TimeInForce
from tradeport.model.errors import MalformedMessage
from tradeport.transport.ws import Ack, Pong
from tradeport.venues.bybit import stream_messages as sm
from tradeport.venues.bybit import stream_parse as sp
from tradeport.venues.bybit.auth import ws_auth_args
from tradeport.venues.bybit.ws_endpoints import classify, request_frame

DATA = Path(__file__).parent / "data"
STATUS = {
    "New": "new",
    "PartiallyFilled": "partially_filled",
    "Filled": "filled",
    "Cancelled": "canceled",
    "Rejected": "rejected",
}


def sample(name: str) -> str:
    return (DATA / f"ws_{name}.json").read_text()


KNOWN = {"BTCUSDT": "BTC-USDT", "XRPUSDT": "XRP-USDT", "ETH-30DEC22-1400-C": "ETH-1400-C"}


def to_symbol(venue_symbol: str) -> str | None:
    return KNOWN.get(venue_symbol)


# -- public ----------------------------------------------------------------------------
def test_orderbook_snapshot_is_a_book_at_its_update_id() -> None:
    frame = sp.parse_book_frame(sample("orderbook_snapshot"), "BTC-USDT", 7)
    assert frame.update is None and frame.snapshot is not None
    book = frame.snapshot
    assert book.update_id == 18521288 == frame.update_id
    assert book.bids == [(16493.5, 0.006), (16493.0, 0.1)]
    assert book.asks == [(16611.0, 0.029), (16612.0, 0.213)]
    assert (book.ts, book.local_ts, book.symbol) == (1672304484978, 7, "BTC-USDT")


def test_orderbook_delta_carries_u_as_its_only_id() -> None:
    frame = sp.parse_book_frame(sample("orderbook_delta"), "BTC-USDT", 9)
    update = frame.update
    assert frame.snapshot is None and update is not None
    assert (update.first_id, update.last_id, update.prev_id) == (177400507, 177400507, -1)
    assert update.bids[-1] == (30240.0, 0.0)  # size 0: the level is gone
    assert update.asks[0] == (30248.7, 0.0)
    assert len(update.bids) == 5 and len(update.asks) == 7
    assert (update.ts, update.local_ts) == (1687940967466, 9)


def test_a_book_frame_that_is_not_one_names_the_topic() -> None:
    broken = sample("orderbook_delta").replace('"u": 177400507', '"u": "soon"')
    with pytest.raises(MalformedMessage, match="orderbook frame"):
        sp.parse_book_frame(broken, "BTC-USDT", 0)


def test_public_trade_names_the_taker_side_and_trade_id() -> None:
    (trade,) = sp.parse_trades(sample("public_trade"), "BTC-USDT", 3)
    assert trade.trade_id == "20f43950-d8dd-5b31-9112-a178eb6023af"
    assert (trade.price, trade.qty, trade.taker_side) == (16578.5, 0.001, Side.BUY)
    assert (trade.ts, trade.local_ts) == (1672304486865, 3)


def test_kline_bar_closes_at_the_end_of_its_interval() -> None:
    (bar,) = sp.parse_klines(sample("kline"), "BTC-USDT", "5m", 1)
    assert (bar.period, bar.open_ts, bar.close_ts) == ("5m", 1672324800000, 1672325099999)
    assert (bar.open, bar.high, bar.low, bar.close) == (16649.5, 16677.0, 16608.0, 16677.0)
    assert (bar.volume, bar.quote_volume, bar.closed) == (2.081, 34666.4005, False)
    assert bar.ts == 1672324988882


def test_linear_ticker_delta_changes_only_the_fields_it_carries() -> None:
    snapshot = sp.decode_ticker(sample("tickers_linear_snapshot"))
    fields = sp.merge_ticker({}, snapshot)
    ticker = sp.parse_ticker(fields, "BTC-USDT", snapshot.ts, 1)
    assert ticker is not None
    assert (ticker.last, ticker.bid, ticker.ask) == (66666.6, 66666.6, 66666.7)
    assert (ticker.open, ticker.high, ticker.low) == (79206.2, 79266.3, 65076.9)
    assert (ticker.volume, ticker.quote_volume) == (73191.387, 4936790807.6521)

    delta = sp.decode_ticker(sample("tickers_linear_delta"))
    assert delta.type == "delta"
    fields = sp.merge_ticker(fields, delta)
    after = sp.parse_ticker(fields, "BTC-USDT", delta.ts, 2)
    assert after is not None
    assert (after.bid, after.bid_qty, after.ask, after.ask_qty) == (
        17243.0,
        84.727,
        17243.5,
        33.175,
    )
    assert after.last == 66666.6 and after.high == 79266.3  # not in the delta: unchanged
    assert after.ts == 1673265043786


def test_mark_price_comes_from_the_linear_ticker() -> None:
    fields = sp.merge_ticker({}, sp.decode_ticker(sample("tickers_linear_snapshot")))
    mark = sp.parse_mark_price(fields, "BTC-USDT", 5, 6)
    assert mark is not None
    assert (mark.mark, mark.index, mark.funding_rate) == (66666.6, 115418.19, -0.005)
    assert mark.next_funding_ts == 1760342400000


def test_spot_ticker_is_a_snapshot_without_best_prices_or_mark() -> None:
    msg = sp.decode_ticker(sample("tickers_spot"))
    fields = sp.merge_ticker({"bid1Price": "1"}, msg)  # a snapshot replaces everything
    ticker = sp.parse_ticker(fields, "BTC-USDT", msg.ts, 0)
    assert ticker is not None
    assert (ticker.last, ticker.bid, ticker.ask, ticker.low) == (21109.77, None, None, 20575.0)
    assert sp.parse_mark_price(fields, "BTC-USDT", 0, 0) is None


def test_a_ticker_delta_before_any_snapshot_makes_no_ticker() -> None:
    fields = sp.merge_ticker({}, sp.decode_ticker(sample("tickers_linear_delta")))
    assert sp.parse_ticker(fields, "BTC-USDT", 0, 0) is None


def test_frames_name_their_topic_with_or_without_the_fast_path() -> None:
    assert sm.peek_topic(sample("kline")) is None  # pretty-printed: not at the start
    assert sm.topic_of(sample("kline")) == "kline.5.BTCUSDT"
    compact = json.dumps(json.loads(sample("public_trade")), separators=(",", ":"))
    assert sm.peek_topic(compact) == "publicTrade.BTCUSDT"
    assert sm.topic_of(compact.encode()) == "publicTrade.BTCUSDT"
    with pytest.raises(MalformedMessage, match="without a topic"):
        sm.topic_of('{"op":"subscribe"}')


# -- private ---------------------------------------------------------------------------
def test_order_rows_of_another_category_are_skipped() -> None:
    events = sp.parse_private_frame(sample("order_option"), "linear", to_symbol, STATUS, 0)
    assert events.orders == [] and events.skipped == 1
    events = sp.parse_private_frame(sample("order_option"), "option", to_symbol, STATUS, 4)
    (order,) = events.orders
    assert (order.order_id, order.status, order.type) == (
        "5cf98598-39a7-459e-97bf-76ca765ee020",
        OrderStatus.FILLED,
        OrderType.MARKET,
    )
    assert (order.filled_qty, order.avg_price, order.price) == (Decimal(1), Decimal(75), None)
    assert (order.client_order_id, order.local_ts) == (None, 4)


def test_linear_order_row_becomes_an_order() -> None:
    events = sp.parse_private_frame(sample("order_linear"), "linear", to_symbol, STATUS, 0)
    assert events.skipped == 1  # the spot row
    (order,) = events.orders
    assert order.symbol == "BTC-USDT" and order.client_order_id == "tp-close-1"
    assert (order.status, order.side, order.time_in_force) == (
        OrderStatus.PARTIALLY_FILLED,
        Side.SELL,
        TimeInForce.GTC,
    )
    assert (order.qty, order.filled_qty, order.avg_price, order.price) == (
        Decimal("0.5"),
        Decimal("0.3"),
        Decimal("95900.1"),
        Decimal("95900.0"),
    )
    assert order.reduce_only and order.updated_ts == 1746270400353
    spot = sp.parse_private_frame(sample("order_linear"), "spot", to_symbol, STATUS, 0)
    assert [o.status for o in spot.orders] == [OrderStatus.NEW] and spot.skipped == 1


def test_rows_of_an_instrument_the_client_does_not_list_are_skipped() -> None:
    dated = sample("execution").replace('"BTCUSDT"', '"BTC-26DEC25"')
    events = sp.parse_private_frame(dated, "linear", to_symbol, STATUS, 0)
    assert events.fills == [] and events.skipped == 1


def test_execution_becomes_a_fill_with_its_fee_and_pnl() -> None:
    events = sp.parse_private_frame(sample("execution"), "linear", to_symbol, STATUS, 2)
    (fill,) = events.fills
    assert fill.trade_id == "0ab1bdf7-4219-438b-b30a-32ec863018f7"
    assert fill.order_id == "9aac161b-8ed6-450d-9cab-c5cc67c21784"
    assert (fill.price, fill.qty, fill.fee, fill.fee_asset) == (
        Decimal("95900.1"),
        Decimal("0.5"),
        Decimal("26.3725275"),
        "USDT",
    )
    assert (fill.side, fill.is_maker, fill.realized_pnl) == (Side.SELL, False, Decimal("0.05"))
    assert (fill.ts, fill.local_ts) == (1746270400353, 2)


def test_funding_executions_are_no_fills() -> None:
    funding = sample("execution").replace('"execType": "Trade"', '"execType": "Funding"')
    events = sp.parse_private_frame(funding, "linear", to_symbol, STATUS, 0)
    assert events.fills == [] and events.skipped == 0


def test_position_rows_become_positions() -> None:
    (flat,) = sp.parse_private_frame(sample("position"), "linear", to_symbol, STATUS, 0).positions
    assert (flat.symbol, flat.position_side, flat.qty) == ("BTC-USDT", PositionSide.SHORT, 0)
    assert flat.leverage == 10 and flat.mark_price == Decimal("28184.5")
    events = sp.parse_private_frame(sample("position_open"), "linear", to_symbol, STATUS, 0)
    (short,) = events.positions
    assert (short.position_side, short.qty, short.entry_price) == (
        PositionSide.BOTH,
        Decimal("-0.024"),
        Decimal("16439.63461538"),
    )
    assert short.liquidation_price is None and short.ts == 1697682318038


def test_wallet_rows_become_one_balance_per_coin() -> None:
    events = sp.parse_private_frame(sample("wallet"), "spot", to_symbol, STATUS, 8)
    (btc,) = events.balances
    assert (btc.asset, btc.total, btc.locked) == ("BTC", Decimal("0.00102964"), Decimal(0))
    assert (btc.ts, btc.local_ts) == (1700034722104, 8)


def test_an_unknown_private_topic_is_named() -> None:
    frame = '{"topic":"greeks","data":[]}'
    with pytest.raises(MalformedMessage, match="greeks"):
        sp.parse_private_frame(frame, "linear", to_symbol, STATUS, 0)


# -- replies and requests --------------------------------------------------------------
def test_replies_are_acks_or_pongs_and_data_is_data() -> None:
    assert classify(sample("auth_ok")) == Ack("auth", None, "")
    refused = classify(sample("auth_refused"))
    assert isinstance(refused, Ack) and refused.error == "Request not authorized"
    assert classify(sample("subscribe_ack_spot")) == Ack(10001, None, "subscribe")
    assert classify(sample("subscribe_ack_linear")) == Ack("customize_00001", None, "")
    refusal = classify(sample("subscribe_refused"))
    assert isinstance(refusal, Ack) and refusal.request_id == 12
    assert refusal.error == "error:handler not found,topic:orderbook.7.BTCUSDT"
    for pong in ("pong_spot", "pong_linear", "pong_private"):
        assert isinstance(classify(sample(pong)), Pong), pong
    for data in ("orderbook_snapshot", "wallet", "execution", "kline"):
        assert classify(sample(data)) is None, data
    assert classify(b'{"topic":"orderbook.1.BTCUSDT"}') is None


def test_requests_carry_a_text_req_id_and_the_auth_signature() -> None:
    assert json.loads(request_frame("subscribe", ["orderbook.1.BTCUSDT"], "7")) == {
        "req_id": "7",
        "op": "subscribe",
        "args": ["orderbook.1.BTCUSDT"],
    }
    # PROTOCOLS.md vector Y3
    assert ws_auth_args("key", "XXXXXXXXXX", 1662350400000) == [
        "key",
        1662350400000,
        "3d6cbbfa4569aab894f661add824ff3f06090d0edba388f1e47dc15e6a7b5a8b",
    ]


def test_a_book_frame_read_as_text_declares_what_the_typed_frame_does() -> None:
    # the text path must refuse what the typed one refuses (a malformed `seq`, say)
    def shape(struct: type) -> list[tuple[str, str, object, object]]:
        return [
            (
                f.encode_name,
                "levels" if f.name in ("b", "a") else repr(f.type),
                f.default,
                f.required,
            )
            for f in msgspec.structs.fields(struct)
        ]

    assert shape(sm.BookDataText) == shape(sm.BookData)
    frame_fields = [(f.name, f.default) for f in msgspec.structs.fields(sm.BookFrame)]
    assert [(f.name, f.default) for f in msgspec.structs.fields(sm.BookFrameText)] == frame_fields
