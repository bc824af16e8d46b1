"""Binance stream parsers fed the documented WebSocket samples (kept in data/ws_*.json)."""

import json
from decimal import Decimal
from pathlib import Path

import msgspec
import pytest

from tradeport.book.types import DepthUpdate
from tradeport.model import (
    Balance,
    Bar,
    Fill,
    MarkPrice,
    Order,
    OrderBook,
    OrderStatus,
    OrderType,
    Position,
    PositionSide,
    Quote,
    Side,
    Ticker,
    TimeInForce,
    Trade,
)
from tradeport.model.errors import MalformedMessage, UnknownSymbol
from tradeport.venues.binance import stream_messages as sm
from tradeport.venues.binance import stream_parse as sp

DATA = Path(__file__).with_name("data")
LOCAL = 1_700_000_000_123_456_789
SYMBOLS = {"BTCUSDT": "BTC-USDT", "ETHBTC": "ETH-BTC"}


def raw(name: str) -> bytes:
    return (DATA / f"ws_{name}.json").read_bytes()


def combined(stream: str, name: str) -> str:
    payload = json.dumps(json.loads(raw(name)), separators=(",", ":"))
    return f'{{"stream":"{stream}","data":{payload}}}'


def to_symbol(venue_symbol: str) -> str:
    try:
        return SYMBOLS[venue_symbol]
    except KeyError:
        raise UnknownSymbol(venue_symbol) from None


def parse_stream(stream: str, name: str, spot: bool, symbol: str = "X-Y") -> object:
    route = sp.route_for(stream, spot)
    assert route is not None, stream
    return sp.parse_payload(route, raw(name), symbol, LOCAL)


# -- envelopes and routing ---------------------------------------------------------------
def test_envelope_gives_stream_name_and_undecoded_payload() -> None:
    frame = combined("bnbbtc@depth@100ms", "spot_depth_update")
    stream, data = sp.decode_envelope(frame)
    assert stream == "bnbbtc@depth@100ms"
    assert json.loads(bytes(data)) == json.loads(raw("spot_depth_update"))


def test_peek_reads_the_stream_name_of_str_and_bytes_frames() -> None:
    frame = combined("btcusdt@markPrice@1s", "futures_mark_price")
    assert sp.peek_stream(frame) == "btcusdt@markPrice@1s"
    assert sp.peek_stream(frame.encode()) == "btcusdt@markPrice@1s"
    assert sp.peek_stream('{"data":{},"stream":"x"}') is None
    assert sp.peek_stream(b'{"result":null,"id":1}') is None


def test_one_pass_frame_decode_equals_two_pass() -> None:
    frame = combined("btcusdt@depth@100ms", "futures_depth_update")
    route = sp.route_for(sp.peek_stream(frame) or "", spot=False)
    assert route is not None
    _, data = sp.decode_envelope(frame)
    one = sp.parse_frame(route, frame, "BTC-USDT", LOCAL)
    two = sp.parse_payload(route, data, "BTC-USDT", LOCAL)
    assert one == two and one.prev_id == 149


@pytest.mark.parametrize(
    ("stream", "spot", "event"),
    [
        ("bnbbtc@depth", True, "depthUpdate (spot)"),
        ("bnbbtc@depth@100ms", True, "depthUpdate (spot)"),
        ("btcusdt@depth@500ms", False, "depthUpdate (USDⓈ-M)"),
        ("bnbbtc@depth5", True, "partial depth (spot)"),
        ("bnbbtc@depth20@100ms", True, "partial depth (spot)"),
        ("btcusdt@depth10@500ms", False, "partial depth (USDⓈ-M)"),
        ("bnbbtc@trade", True, "trade"),
        ("btcusdt@aggTrade", False, "aggTrade"),
        ("bnbbtc@bookTicker", True, "bookTicker"),
        ("bnbbtc@kline_1m", True, "kline"),
        ("btcusdt@kline_1M", False, "kline"),
        ("btcusdt@ticker", False, "24hrTicker"),
        ("btcusdt@markPrice", False, "markPriceUpdate"),
        ("btcusdt@markPrice@1s", False, "markPriceUpdate"),
    ],
)
def test_stream_suffix_routes_to_its_decoder(stream: str, spot: bool, event: str) -> None:
    route = sp.route_for(stream, spot)
    assert route is not None and route.event == event


def test_streams_a_market_lacks_have_no_route() -> None:
    assert sp.route_for("btcusdt@trade", spot=False) is None  # USDⓈ-M: aggTrade only
    assert sp.route_for("btcusdt@markPrice", spot=True) is None
    assert sp.route_for("btcusdt@depth@250ms", spot=True) is None


def test_routes_parse_each_channel_kind() -> None:
    ticker = parse_stream("bnbbtc@ticker", "spot_ticker", spot=True)
    assert isinstance(ticker, Ticker) and ticker.bid == 0.0024
    trade = parse_stream("btcusdt@aggTrade", "futures_agg_trade", spot=False)
    assert isinstance(trade, Trade) and trade.trade_id == "5933014"
    mark = parse_stream("btcusdt@markPrice@1s", "futures_mark_price", spot=False)
    assert isinstance(mark, MarkPrice)


# -- depth ---------------------------------------------------------------------------------
def test_spot_depth_update_has_no_previous_id() -> None:
    msg = sp.SPOT_STREAMS["depth"].decode(raw("spot_depth_update"))
    u = sp.parse_depth_update(msg, "BNB-BTC", LOCAL)
    assert u == DepthUpdate(
        symbol="BNB-BTC",
        first_id=157,
        last_id=160,
        prev_id=-1,
        bids=[(0.0024, 10.0)],
        asks=[(0.0026, 100.0)],
        ts=1672515782136,
        local_ts=LOCAL,
    )


def test_futures_depth_update_carries_pu_as_previous_id() -> None:
    msg = sp.FUTURES_STREAMS["depth"].decode(raw("futures_depth_update"))
    u = sp.parse_depth_update(msg, "BTC-USDT", LOCAL)
    assert (u.first_id, u.last_id, u.prev_id) == (157, 160, 149)
    assert u.bids == [(0.0024, 10.0)] and u.asks == [(0.0026, 100.0)]
    assert u.ts == 123456789 and u.local_ts == LOCAL and u.symbol == "BTC-USDT"
    assert msg.transaction_ts == 123456788


def test_futures_depth_without_pu_is_malformed() -> None:
    body = json.loads(raw("futures_depth_update"))
    del body["pu"]
    with pytest.raises(MalformedMessage, match=r"depthUpdate \(USDⓈ-M\).*pu"):
        sp.parse_payload(sp.FUTURES_STREAMS["depth"], json.dumps(body), "BTC-USDT", LOCAL)


def test_spot_partial_depth_is_a_book_with_last_update_id() -> None:
    book = parse_stream("bnbbtc@depth5@100ms", "spot_partial_depth", spot=True)
    assert book == OrderBook(
        symbol="X-Y", bids=[(0.0024, 10.0)], asks=[(0.0026, 100.0)], update_id=160, local_ts=LOCAL
    )


def test_futures_partial_depth_uses_the_depth_update_shape() -> None:
    book = parse_stream("btcusdt@depth5", "futures_partial_depth", spot=False)
    assert isinstance(book, OrderBook)
    assert book.update_id == 390497878 and book.ts == 1571889248277
    # the doc example lists bids ascending; the book is best first on both sides
    assert book.bids[0] == (7405.43, 2.562) and book.bids[-1] == (7403.89, 0.002)
    assert book.asks[0] == (7405.96, 3.34) and book.asks[-1] == (7407.2, 0.175)
    assert len(book.bids) == len(book.asks) == 5


# -- trades, quotes, bars, tickers, mark ----------------------------------------------------
def test_spot_trade_buyer_maker_means_taker_sold() -> None:
    trade = parse_stream("bnbbtc@trade", "spot_trade", spot=True, symbol="BNB-BTC")
    assert trade == Trade(
        symbol="BNB-BTC",
        trade_id="12345",
        price=0.001,
        qty=100.0,
        taker_side=Side.SELL,
        ts=1672515782136,
        local_ts=LOCAL,
    )


def test_agg_trade_id_and_taker_side() -> None:
    spot = parse_stream("bnbbtc@aggTrade", "spot_agg_trade", spot=True)
    assert isinstance(spot, Trade)
    assert (spot.trade_id, spot.price, spot.qty, spot.ts) == ("12345", 0.001, 100.0, 1672515782136)
    futures = parse_stream("btcusdt@aggTrade", "futures_agg_trade", spot=False)
    assert isinstance(futures, Trade)
    assert (futures.trade_id, futures.ts, futures.taker_side) == ("5933014", 123456785, Side.SELL)


def test_buyer_taker_when_buyer_is_not_maker() -> None:
    body = json.loads(raw("spot_trade"))
    body["m"] = False
    route = sp.route_for("x@trade", spot=True)
    assert route is not None
    assert sp.parse_payload(route, json.dumps(body), "X-Y", LOCAL).taker_side is Side.BUY


def test_book_tickers_spot_and_futures() -> None:
    spot = parse_stream("bnbusdt@bookTicker", "spot_book_ticker", spot=True)
    assert spot == Quote(
        symbol="X-Y",
        bid=25.3519,
        bid_qty=31.21,
        ask=25.3652,
        ask_qty=40.66,
        update_id=400900217,
        ts=0,
        local_ts=LOCAL,
    )
    futures = parse_stream("bnbusdt@bookTicker", "futures_book_ticker", spot=False)
    assert isinstance(futures, Quote)
    assert (futures.bid, futures.ask, futures.update_id) == (25.3519, 25.3652, 400900217)
    assert futures.ts == 1568014460893


@pytest.mark.parametrize(
    ("name", "spot", "open_ts", "close_ts", "event_ts"),
    [
        ("spot_kline", True, 1672515780000, 1672515839999, 1672515782136),
        ("futures_kline", False, 1638747660000, 1638747719999, 1638747660000),
    ],
)
def test_kline_open_bar(name: str, spot: bool, open_ts: int, close_ts: int, event_ts: int) -> None:
    bar = parse_stream("x@kline_1m", name, spot=spot)
    assert bar == Bar(
        symbol="X-Y",
        period="1m",
        open_ts=open_ts,
        close_ts=close_ts,
        open=0.001,
        high=0.0025,
        low=0.0015,
        close=0.002,
        volume=1000.0,
        quote_volume=1.0,
        trades=100,
        closed=False,
        ts=event_ts,
        local_ts=LOCAL,
    )


def test_kline_closed_flag_follows_x() -> None:
    body = json.loads(raw("spot_kline"))
    body["k"]["x"] = True
    route = sp.route_for("x@kline_1m", spot=True)
    assert route is not None
    assert sp.parse_payload(route, json.dumps(body), "X-Y", LOCAL).closed is True


def test_spot_24h_ticker_has_best_bid_and_ask() -> None:
    t = parse_stream("bnbbtc@ticker", "spot_ticker", spot=True, symbol="BNB-BTC")
    assert t == Ticker(
        symbol="BNB-BTC",
        last=0.0025,
        bid=0.0024,
        bid_qty=10.0,
        ask=0.0026,
        ask_qty=100.0,
        open=0.001,
        high=0.0025,
        low=0.001,
        volume=10000.0,
        quote_volume=18.0,
        ts=1672515782136,
        local_ts=LOCAL,
    )


def test_futures_24h_ticker_has_no_bid_or_ask() -> None:
    t = parse_stream("btcusdt@ticker", "futures_ticker", spot=False)
    assert isinstance(t, Ticker)
    assert (t.last, t.open, t.high, t.low, t.volume, t.quote_volume) == (
        0.0025,
        0.001,
        0.0025,
        0.001,
        10000.0,
        18.0,
    )
    assert (t.bid, t.bid_qty, t.ask, t.ask_qty, t.ts) == (None, None, None, None, 123456789)


def test_mark_price_update() -> None:
    mark = parse_stream("btcusdt@markPrice@1s", "futures_mark_price", spot=False)
    assert mark == MarkPrice(
        symbol="X-Y",
        mark=11794.15,
        index=11784.62659091,
        funding_rate=0.00038167,
        next_funding_ts=1562306400000,
        ts=1562305380000,
        local_ts=LOCAL,
    )


# -- malformed public frames ------------------------------------------------------------------
def test_bad_json_envelope_is_malformed() -> None:
    with pytest.raises(MalformedMessage, match="combined-stream"):
        sp.decode_envelope('{"stream":"btcusdt@trade","data":{')


def test_wrong_type_names_the_event_and_field() -> None:
    route = sp.route_for("btcusdt@aggTrade", spot=False)
    assert route is not None
    body = json.loads(raw("futures_agg_trade"))
    body["p"] = "not-a-price"
    with pytest.raises(MalformedMessage, match=r"aggTrade.*\$\.p") as info:
        sp.parse_payload(route, json.dumps(body), "BTC-USDT", LOCAL)
    assert info.value.venue == "BINANCE"


def test_one_pass_decode_names_the_stream_of_a_bad_frame() -> None:
    route = sp.route_for("btcusdt@bookTicker", spot=False)
    assert route is not None
    frame = '{"stream":"btcusdt@bookTicker","data":{"u":1,"b":"1","B":"1","a":"2"}}'
    with pytest.raises(MalformedMessage, match=r"bookTicker \(btcusdt@bookTicker\).*`A`"):
        sp.parse_frame(route, frame, "BTC-USDT", LOCAL)


def test_missing_levels_in_spot_depth_is_malformed() -> None:
    with pytest.raises(MalformedMessage, match=r"depthUpdate \(spot\).*`a`"):
        frame = b'{"e":"depthUpdate","E":1,"s":"X","U":1,"u":2,"b":[]}'
        sp.parse_payload(sp.SPOT_STREAMS["depth"], frame, "X-Y", LOCAL)


# -- user data: spot -----------------------------------------------------------------------
def test_execution_report_new_is_an_order_without_fill() -> None:
    events = sp.parse_user_frame(raw("spot_execution_report"), to_symbol, LOCAL)
    assert len(events) == 1
    order = events[0]
    assert isinstance(order, Order)
    assert order.symbol == "ETH-BTC" and order.order_id == "4293153"
    assert order.client_order_id == "mUvoqJxFIILMdfAW5iGSOW"
    assert (order.side, order.type, order.time_in_force) == (
        Side.BUY,
        OrderType.LIMIT,
        TimeInForce.GTC,
    )
    assert order.price == Decimal("0.10264410") and order.qty == Decimal("1.00000000")
    assert order.filled_qty == 0 and order.avg_price is None
    assert order.status is OrderStatus.NEW
    assert (order.created_ts, order.updated_ts, order.local_ts) == (
        1499405658657,
        1499405658657,
        LOCAL,
    )
    assert order.raw["order_id"] == 4293153 and order.raw["fee_asset"] is None


def test_execution_report_trade_yields_fill_and_average_price() -> None:
    order, fill = sp.parse_user_frame(raw("spot_execution_report_trade"), to_symbol, LOCAL)
    assert isinstance(order, Order) and isinstance(fill, Fill)
    assert order.status is OrderStatus.PARTIALLY_FILLED
    assert order.filled_qty == Decimal("0.60000000")
    assert order.avg_price == Decimal("0.10264")  # Z / z = 0.061584 / 0.6
    assert fill == Fill(
        symbol="ETH-BTC",
        trade_id="7771",
        order_id="4293153",
        client_order_id="mUvoqJxFIILMdfAW5iGSOW",
        side=Side.BUY,
        price=Decimal("0.10264000"),
        qty=Decimal("0.40000000"),
        fee=Decimal("0.00040000"),
        fee_asset="ETH",
        is_maker=True,
        ts=1499405659999,
        local_ts=LOCAL,
    )


def test_cancel_report_keeps_the_orders_own_client_id() -> None:
    events = sp.parse_user_frame(raw("spot_execution_report_canceled"), to_symbol, LOCAL)
    assert len(events) == 1
    order = events[0]
    assert isinstance(order, Order)
    assert order.client_order_id == "mUvoqJxFIILMdfAW5iGSOW"
    assert order.status is OrderStatus.CANCELED and order.filled_qty == Decimal("0.6")


def test_execution_report_status_uses_the_given_table() -> None:
    msg = sp.decode_user_event(raw("spot_execution_report"))
    assert isinstance(msg, sm.ExecutionReport)
    order, fill = sp.parse_execution_report(msg, "ETH-BTC", LOCAL, {"NEW": "rejected"})
    assert order.status is OrderStatus.REJECTED and fill is None
    order, _ = sp.parse_execution_report(msg, "ETH-BTC", LOCAL, {})
    assert order.status is OrderStatus.UNKNOWN


def test_outbound_account_position_gives_absolute_balances() -> None:
    events = sp.parse_user_frame(raw("spot_outbound_account_position"), to_symbol, LOCAL)
    assert events == [
        Balance(
            asset="ETH",
            free=Decimal("10000.000000"),
            locked=Decimal("0"),
            ts=1564034571073,
            local_ts=LOCAL,
        )
    ]


def test_balance_update_is_a_delta() -> None:
    events = sp.parse_user_frame(raw("spot_balance_update"), to_symbol, LOCAL)
    assert events == [
        sp.BalanceDelta(
            asset="BTC", delta=Decimal("100.00000000"), ts=1573200697068, local_ts=LOCAL
        )
    ]


def test_ws_api_wrapper_is_unwrapped() -> None:
    balances = sp.parse_user_frame(raw("spot_user_wrapper"), to_symbol, LOCAL)
    assert [(b.asset, b.free, b.locked, b.ts) for b in balances] == [  # type: ignore[union-attr]
        ("ABC", Decimal("11818"), Decimal("182"), 1728972148778),
        ("USDT", Decimal("10580"), Decimal("70"), 1728972148778),
    ]


def test_combined_listen_key_frame_is_unwrapped() -> None:
    frame = combined("someListenKey", "spot_balance_update")
    (delta,) = sp.parse_user_frame(frame, to_symbol, LOCAL)
    assert isinstance(delta, sp.BalanceDelta) and delta.asset == "BTC"


# -- user data: USDⓈ-M -----------------------------------------------------------------------
def test_order_trade_update_new_has_no_fill() -> None:
    events = sp.parse_user_frame(raw("futures_order_trade_update"), to_symbol, LOCAL)
    assert len(events) == 1
    order = events[0]
    assert isinstance(order, Order)
    assert (order.symbol, order.order_id, order.client_order_id) == ("BTC-USDT", "8886774", "TEST")
    assert order.side is Side.SELL and order.status is OrderStatus.NEW
    assert order.qty == Decimal("0.001") and order.price is None and order.avg_price is None
    assert order.position_side is PositionSide.LONG and order.reduce_only is False
    assert order.updated_ts == 1568879465650 and order.local_ts == LOCAL
    assert order.raw["exec_type"] == "NEW"


def test_order_trade_update_trade_fill_has_realized_pnl() -> None:
    order, fill = sp.parse_user_frame(raw("futures_order_trade_update_trade"), to_symbol, LOCAL)
    assert isinstance(order, Order) and isinstance(fill, Fill)
    assert order.status is OrderStatus.FILLED and order.reduce_only is True
    assert order.avg_price == Decimal("37000.10") and order.filled_qty == Decimal("0.010")
    assert order.time_in_force is TimeInForce.GTC and order.type is OrderType.LIMIT
    assert fill == Fill(
        symbol="BTC-USDT",
        trade_id="2890001",
        order_id="4011111",
        client_order_id="tp-close-1",
        side=Side.SELL,
        price=Decimal("37000.10"),
        qty=Decimal("0.010"),
        fee=Decimal("0.07400020"),
        fee_asset="USDT",
        is_maker=True,
        ts=1700000000120,
        realized_pnl=Decimal("12.50000000"),
        position_side=PositionSide.BOTH,
        local_ts=LOCAL,
    )


def test_post_only_futures_order() -> None:
    body = json.loads(raw("futures_order_trade_update_trade"))
    body["o"]["f"] = "GTX"
    order, _ = sp.parse_user_frame(json.dumps(body), to_symbol, LOCAL)
    assert isinstance(order, Order)
    assert (order.type, order.time_in_force) == (OrderType.POST_ONLY, TimeInForce.GTX)


def test_account_update_balances_and_positions() -> None:
    msg = sp.decode_user_event(raw("futures_account_update"))
    assert isinstance(msg, sm.AccountUpdate) and msg.data.reason == "ORDER"
    balances, positions = sp.parse_account_update(msg, to_symbol, LOCAL)
    ts = 1564745798938
    assert balances == [
        Balance(
            asset="USDT",
            free=Decimal("100.12345678"),
            locked=Decimal("122524.00000000"),
            ts=ts,
            local_ts=LOCAL,
        ),
        Balance(
            asset="BUSD", free=Decimal("0"), locked=Decimal("1.00000000"), ts=ts, local_ts=LOCAL
        ),
    ]
    assert balances[0].total == Decimal("122624.12345678")
    assert positions == [
        Position(
            symbol="BTC-USDT",
            position_side=PositionSide.BOTH,
            qty=Decimal("0"),
            entry_price=Decimal("0.00000"),
            unrealized_pnl=Decimal("0"),
            margin_type="isolated",
            ts=ts,
            local_ts=LOCAL,
        ),
        Position(
            symbol="BTC-USDT",
            position_side=PositionSide.LONG,
            qty=Decimal("20"),
            entry_price=Decimal("6563.66500"),
            unrealized_pnl=Decimal("2850.21200"),
            margin_type="isolated",
            ts=ts,
            local_ts=LOCAL,
        ),
        Position(
            symbol="BTC-USDT",
            position_side=PositionSide.SHORT,
            qty=Decimal("10"),  # hedge legs are non-negative, as from REST
            entry_price=Decimal("6563.86000"),
            unrealized_pnl=Decimal("-1423.15600"),
            margin_type="isolated",
            ts=ts,
            local_ts=LOCAL,
        ),
    ]


def test_one_way_position_keeps_its_sign() -> None:
    body = json.loads(raw("futures_account_update"))
    body["a"]["P"] = [dict(body["a"]["P"][2], ps="BOTH")]
    events = sp.parse_user_frame(json.dumps(body), to_symbol, LOCAL)
    assert [e.qty for e in events if isinstance(e, Position)] == [Decimal("-10")]


def test_listen_key_response() -> None:
    assert sp.decode_listen_key(b'{"listenKey":"abc123"}') == "abc123"
    with pytest.raises(MalformedMessage, match="listenKey"):
        sp.decode_listen_key(b'{"code":-1000}')


# -- control and unknown events ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "spot_listen_key_expired",
            sm.ListenKeyExpired(
                1699596037418, "OfYGbUzi3PraNagEkdKuFwUHn48brFsItTdsuiIXrucEvD0rhRXZ7I6URWfE8YE8"
            ),
        ),
        (
            "futures_listen_key_expired",
            sm.ListenKeyExpired(
                1576653824250, "WsCMN0a4KHUPTQuX6IUnqEZfB1inxmv1qR4kbf1LuEjur5VdbzqvyxqG9TSjVVxv"
            ),
        ),
        ("server_shutdown", sm.ServerShutdown(1728346417357)),
        ("spot_event_stream_terminated", sm.EventStreamTerminated(1728973001334)),
    ],
)
def test_control_events_are_typed(name: str, expected: object) -> None:
    assert sp.parse_user_frame(raw(name), to_symbol, LOCAL) == [expected]


def test_event_types_not_parsed_here_are_named_not_failed() -> None:
    frame = b'{"e":"TRADE_LITE","E":1,"T":1,"s":"BTCUSDT"}'
    assert sp.decode_user_event(frame) == "TRADE_LITE"
    assert sp.parse_user_frame(frame, to_symbol, LOCAL) == []


# -- malformed user frames --------------------------------------------------------------------
def test_user_frame_bad_json_is_malformed() -> None:
    with pytest.raises(MalformedMessage, match="user-data"):
        sp.parse_user_frame(b'{"subscriptionId":0,"event":{"e":', to_symbol, LOCAL)


def test_user_frame_without_event_type_is_malformed() -> None:
    with pytest.raises(MalformedMessage, match="no event type"):
        sp.parse_user_frame(b'{"E":1,"B":[]}', to_symbol, LOCAL)
    with pytest.raises(MalformedMessage, match=r"user-data.*missing required field `e`"):
        sp.parse_user_frame(b'{"subscriptionId":0,"event":{"E":1}}', to_symbol, LOCAL)


def test_execution_report_missing_field_names_event_and_field() -> None:
    body = json.loads(raw("spot_execution_report_trade"))
    del body["z"]
    with pytest.raises(MalformedMessage, match=r"executionReport.*`z`"):
        sp.parse_user_frame(json.dumps(body), to_symbol, LOCAL)


def test_order_update_with_unknown_side_is_malformed() -> None:
    body = json.loads(raw("futures_order_trade_update"))
    body["o"]["S"] = "HOLD"
    with pytest.raises(MalformedMessage, match=r"ORDER_TRADE_UPDATE.*\$\.o\.S"):
        sp.parse_user_frame(json.dumps(body), to_symbol, LOCAL)


def test_account_update_with_bad_amount_is_malformed() -> None:
    body = json.loads(raw("futures_account_update"))
    body["a"]["B"][0]["wb"] = "lots"
    with pytest.raises(MalformedMessage, match=r"ACCOUNT_UPDATE.*wb"):
        sp.parse_user_frame(json.dumps(body), to_symbol, LOCAL)


def test_unknown_symbol_is_not_swallowed() -> None:
    body = json.loads(raw("spot_execution_report"))
    body["s"] = "NOPEBTC"
    with pytest.raises(UnknownSymbol):
        sp.parse_user_frame(json.dumps(body), to_symbol, LOCAL)


def _shape(struct: type) -> list[tuple[str, str, object, object]]:
    """Each field's name as sent, its type (the level arrays' left out) and default."""
    return [
        (
            f.encode_name,
            "levels" if f.name in ("bids", "asks") else repr(f.type),
            f.default,
            f.required,
        )
        for f in msgspec.structs.fields(struct)
    ]


@pytest.mark.parametrize(
    ("typed", "text"),
    [
        (sm.SpotDepthUpdate, sm.SpotDepthText),
        (sm.FuturesDepthUpdate, sm.FuturesDepthText),
    ],
)
def test_a_diff_read_as_text_declares_what_the_typed_diff_does(typed: type, text: type) -> None:
    # the text path must refuse what the typed one refuses (a malformed `T`, say)
    assert _shape(text) == _shape(typed)


def test_a_futures_diff_with_a_malformed_field_is_refused_on_the_text_path() -> None:
    route = sp.route_for("btcusdt@depth@100ms", spot=False)
    assert route is not None and route.decode_text is not None
    data = {"U": 2, "u": 3, "pu": 1, "b": [["1", "1"]], "a": [], "E": 5, "T": "x"}
    frame = json.dumps({"stream": "btcusdt@depth@100ms", "data": data})
    with pytest.raises(msgspec.DecodeError):
        route.decode_text(frame)
    with pytest.raises(MalformedMessage):
        sp.decode_frame(route, frame)
