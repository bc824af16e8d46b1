"""Bybit REST parsers on the documented sample payloads (tests/venues/bybit/data/).

Where each sample comes from (bybit-exchange/docs, docs/v5/):
- rest_time.json: market/time.mdx, Response Example
- rest_instruments_linear.json, rest_instruments_linear_prelisting.json,
  rest_instruments_spot.json: market/instrument.mdx, Response Examples (Linear official
  USDT perpetual, Linear pre-market perpetual, Spot)
- rest_tickers_spot.json, rest_tickers_inverse.json: market/tickers.mdx, Response
  Examples (Spot, Inverse; the page has no linear sample, inverse rows have its fields)
- rest_orderbook.json: market/orderbook.mdx, Response Example
- rest_kline.json: market/kline.mdx, Response Example
- rest_recent_trade.json: market/recent-trade.mdx, Response Example
- rest_order_create.json: order/create-order.mdx, Response Example
- rest_order_realtime.json: order/open-order.mdx, Response Example
- rest_execution_list.json: order/execution.mdx, Response Example
- rest_position_list.json: position/position.mdx, Response Example (an inverse row)
- rest_wallet_balance.json: account/wallet-balance.mdx, Response Example
- rest_error_balance.json: constructed from the 110007 answer quoted in error listings
  ("ab not enough for new order"), in the documented envelope
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import msgspec
import pytest

from tradeport.config.loader import load_venue_config, resolve_asset
from tradeport.model import (
    AssetType,
    InstrumentStatus,
    OrderStatus,
    OrderType,
    PositionSide,
    Side,
    TimeInForce,
)
from tradeport.model.errors import InsufficientMargin, MalformedMessage
from tradeport.transport import codec
from tradeport.venues.bybit import CONFIG, parse
from tradeport.venues.bybit import messages as m
from tradeport.venues.errormap import ErrorMapper

DATA = Path(__file__).with_name("data")
STATUS_MAP = resolve_asset(load_venue_config(CONFIG), "swap").order_status_map


def result(name: str, type_: type[Any], *, strict: bool = True) -> Any:
    """The sample's envelope decoded, then its `result` into `type_`."""
    env = codec.decode((DATA / name).read_bytes(), m.Envelope)
    assert env.retCode == 0
    return codec.decode(env.result, type_, strict=strict)


def test_server_time_is_in_nanoseconds_text() -> None:
    t = result("rest_time.json", m.ServerTime)
    assert int(t.timeNano) // 1_000_000 == 1688639403423
    assert int(t.timeSecond) == 1688639403


def test_linear_instrument_carries_its_lot_and_price_rules() -> None:
    page = result("rest_instruments_linear.json", m.InstrumentsPage)
    (inst,) = parse.parse_instruments(page, AssetType.SWAP)
    assert (inst.symbol, inst.venue_symbol, inst.settle) == ("BTC-USDT", "BTCUSDT", "USDT")
    assert inst.tick_size == Decimal("0.10") and inst.step_size == Decimal("0.001")
    assert inst.min_qty == Decimal("0.001") and inst.max_qty == Decimal("1190")
    assert inst.min_notional == Decimal("5") and inst.contract_size == 1
    assert inst.min_price == Decimal("0.1") and inst.max_price == Decimal("1999999.8")
    assert inst.max_leverage == 100 and inst.status is InstrumentStatus.TRADING
    assert page.nextPageCursor == ""


def test_pre_market_perpetual_is_pre_trading_and_pages_on() -> None:
    page = result("rest_instruments_linear_prelisting.json", m.InstrumentsPage)
    (inst,) = parse.parse_instruments(page, AssetType.SWAP)
    assert inst.symbol == "BIO-USDT" and inst.status is InstrumentStatus.PRE_TRADING
    assert inst.step_size == 1 and inst.max_leverage == 5
    assert page.nextPageCursor == "first%3DBIOUSDT%26last%3DBIOUSDT"


def test_dated_linear_futures_are_not_swaps() -> None:
    page = result("rest_instruments_linear.json", m.InstrumentsPage)
    dated = msgspec.structs.replace(page.rows[0], contractType="LinearFutures")
    futures_page = msgspec.structs.replace(page, rows=[dated])
    assert parse.parse_instruments(futures_page, AssetType.SWAP) == []


def test_spot_instrument_steps_by_base_precision_and_min_amount() -> None:
    page = result("rest_instruments_spot.json", m.InstrumentsPage)
    (inst,) = parse.parse_instruments(page, AssetType.SPOT)
    assert inst.symbol == "BTC-USDT" and inst.settle is None
    assert inst.step_size == Decimal("0.000001") and inst.min_qty == Decimal("0.000011")
    assert inst.min_notional == Decimal("5") and inst.max_qty == Decimal("83")
    assert inst.tick_size == Decimal("0.1") and inst.min_price is None
    assert inst.max_leverage is None


def test_spot_ticker() -> None:
    tickers = result("rest_tickers_spot.json", m.Tickers, strict=False)
    t = parse.parse_ticker(tickers.rows[0], "BTC-USDT", ts=1673859087947, local_ts=5)
    assert (t.last, t.bid, t.bid_qty, t.ask, t.ask_qty) == (
        20533.13,
        20517.96,
        2.0,
        20527.77,
        1.862172,
    )
    assert (t.open, t.high, t.low) == (20393.48, 21128.12, 20318.89)
    assert t.volume == 11801.27771 and t.quote_volume == 243765620.65899866
    assert t.ts == 1673859087947 and t.local_ts == 5


def test_derivatives_ticker_carries_mark_and_funding() -> None:
    (row,) = result("rest_tickers_inverse.json", m.Tickers, strict=False).rows
    assert row.markPrice == 16596.0 and row.fundingRate == -0.001034
    assert row.nextFundingTime == 1672387200000
    t = parse.parse_ticker(row, "BTC-USD")
    assert t.bid == 16596.0 and t.ask == 16597.5 and t.last == 16597.0


def test_order_book_keeps_update_id_and_sides() -> None:
    book = parse.parse_depth(
        result("rest_orderbook.json", m.OrderBookSnapshot, strict=False), "BTC-USDT"
    )
    assert book.bids == [(16638.27, 0.305749)] and book.asks == [(16638.64, 0.008479)]
    assert book.update_id == 5277055 and book.ts == 1672765737733


def test_klines_close_a_millisecond_before_the_next_open() -> None:
    klines = result("rest_kline.json", m.Klines, strict=False)
    bars = [parse.parse_kline(k, "BTC-USD", "1h", "60", 1672025956592) for k in klines.rows]
    newest = bars[0]
    assert newest.open_ts == 1670608800000 and newest.close_ts == 1670612399999
    assert (newest.open, newest.high, newest.low, newest.close) == (17071, 17073, 17027, 17055.5)
    assert newest.volume == 268611 and newest.quote_volume == 15.74462667 and newest.closed
    assert [b.open_ts for b in bars] == sorted((b.open_ts for b in bars), reverse=True)


@pytest.mark.parametrize(
    ("interval", "start", "close"),
    [
        ("D", 1672531200000, 1672617599999),
        ("W", 1672617600000, 1673222399999),
        # February 2023 has 28 days; January 31
        ("M", 1675209600000, 1677628799999),
        ("M", 1672531200000, 1675209599999),
    ],
)
def test_day_week_and_month_bars_end_where_the_period_does(
    interval: str, start: int, close: int
) -> None:
    assert parse.kline_close_ms(start, interval) == close


def test_unknown_kline_interval_is_malformed() -> None:
    with pytest.raises(MalformedMessage, match="interval"):
        parse.kline_close_ms(0, "2D")


def test_recent_trade_names_the_taker() -> None:
    trades = result("rest_recent_trade.json", m.PublicTrades, strict=False)
    t = parse.parse_trade(trades.rows[0], "BTC-USDT", local_ts=9)
    assert t.trade_id == "2100000000007764263" and t.taker_side is Side.BUY
    assert (t.price, t.qty, t.ts) == (16618.49, 0.00012, 1672052955758)


def test_order_create_answers_ids_only() -> None:
    ack = result("rest_order_create.json", m.OrderAck)
    assert (ack.orderId, ack.orderLinkId) == ("1321003749386327552", "spot-test-postonly")


def test_open_order_row() -> None:
    page = result("rest_order_realtime.json", m.OrderPage)
    order = parse.parse_order(page.rows[0], "ETH-USDT", STATUS_MAP)
    assert order.order_id == "fd4300ae-7847-404e-b947-b46980a4d140"
    assert order.client_order_id == "test-000005"
    assert order.side is Side.BUY and order.type is OrderType.LIMIT
    assert order.time_in_force is TimeInForce.GTC and order.status is OrderStatus.NEW
    assert order.price == Decimal("1600") and order.qty == Decimal("0.1")
    # "avgPrice": "0" with nothing filled: no average price
    assert order.filled_qty == 0 and order.avg_price is None
    assert order.position_side is PositionSide.LONG and not order.reduce_only
    assert (order.created_ts, order.updated_ts) == (1684738540559, 1684738540561)
    assert order.raw["orderLinkId"] == "test-000005"
    assert page.nextPageCursor.startswith("page_args")


def _order_row(**changes: Any) -> m.OrderRow:
    row = result("rest_order_realtime.json", m.OrderPage).rows[0]
    return msgspec.structs.replace(row, **changes)


def test_filled_order_without_average_price_averages_its_value() -> None:
    row = _order_row(
        orderStatus="Filled", avgPrice="", cumExecQty="0.10", cumExecValue="160.5", leavesQty="0"
    )
    order = parse.parse_order(row, "ETH-USDT", STATUS_MAP)
    assert order.status is OrderStatus.FILLED and order.avg_price == Decimal("1605")


def test_post_only_cancelled_by_the_venue_is_expired() -> None:
    row = _order_row(
        orderStatus="Cancelled", timeInForce="PostOnly", rejectReason="EC_PostOnlyWillTakeLiquidity"
    )
    order = parse.parse_order(row, "ETH-USDT", STATUS_MAP)
    assert order.type is OrderType.POST_ONLY and order.time_in_force is TimeInForce.GTX
    assert order.status is OrderStatus.EXPIRED
    user = parse.parse_order(_order_row(orderStatus="Cancelled"), "ETH-USDT", STATUS_MAP)
    assert user.status is OrderStatus.CANCELED


def test_market_order_has_no_limit_price() -> None:
    row = _order_row(orderType="Market", timeInForce="IOC", price="1700.00")
    order = parse.parse_order(row, "ETH-USDT", STATUS_MAP)
    assert order.type is OrderType.MARKET and order.price is None


@pytest.mark.parametrize(
    ("venue", "ours"),
    [
        ("PartiallyFilled", OrderStatus.PARTIALLY_FILLED),
        ("PartiallyFilledCanceled", OrderStatus.CANCELED),
        ("Rejected", OrderStatus.REJECTED),
        ("Untriggered", OrderStatus.NEW),
        ("Deactivated", OrderStatus.CANCELED),
        ("SomethingNew", OrderStatus.UNKNOWN),
    ],
)
def test_order_statuses_map_through_the_config(venue: str, ours: OrderStatus) -> None:
    assert parse.parse_order(_order_row(orderStatus=venue), "ETH-USDT", STATUS_MAP).status is ours


def test_malformed_number_names_the_field() -> None:
    with pytest.raises(MalformedMessage, match="cumExecQty"):
        parse.parse_order(_order_row(cumExecQty="1,5"), "ETH-USDT", STATUS_MAP)


def test_linear_execution_pays_fees_in_the_settle_coin() -> None:
    page = result("rest_execution_list.json", m.ExecutionPage)
    fill = parse.parse_execution(page.rows[0], "ETH-USDC")
    assert fill.trade_id == "e0cbe81d-0f18-5866-9415-cf319b5dab3b"
    assert fill.order_id == "8c065341-7b52-4ca9-ac2c-37e31ac55c94"
    assert fill.client_order_id is None and fill.side is Side.BUY and not fill.is_maker
    assert fill.price == Decimal("1190.15") and fill.qty == Decimal("0.1")
    assert fill.fee == Decimal("0.071409") and fill.fee_asset == "USDC"
    assert fill.ts == 1672282722429 and fill.realized_pnl is None


def test_closing_execution_reports_its_pnl() -> None:
    row = result("rest_execution_list.json", m.ExecutionPage).rows[0]
    closing = msgspec.structs.replace(row, closedSize="0.1", execPnl="-1.25", feeCurrency="USDT")
    fill = parse.parse_execution(closing, "ETH-USDT")
    assert fill.realized_pnl == Decimal("-1.25") and fill.fee_asset == "USDT"


def test_one_way_short_position_is_signed() -> None:
    page = result("rest_position_list.json", m.PositionPage)
    pos = parse.parse_position(page.rows[0], "BTC-USD")
    assert pos.position_side is PositionSide.BOTH and pos.qty == Decimal("-300")
    assert pos.entry_price == Decimal("27464.50441675")
    assert pos.mark_price == Decimal("28224.50") and pos.liquidation_price is None
    assert pos.unrealized_pnl == Decimal("-0.00029413") and pos.leverage == 10
    assert pos.margin_type == "cross" and pos.ts == 1697673600012


def test_hedge_short_leg_is_not_signed() -> None:
    row = result("rest_position_list.json", m.PositionPage).rows[0]
    pos = parse.parse_position(msgspec.structs.replace(row, positionIdx=2), "BTC-USD")
    assert pos.position_side is PositionSide.SHORT and pos.qty == Decimal("300")
    with pytest.raises(MalformedMessage, match="positionIdx"):
        parse.parse_position(msgspec.structs.replace(row, positionIdx=7), "BTC-USD")


def test_wallet_coin_total_is_its_wallet_balance() -> None:
    wallet = result("rest_wallet_balance.json", m.WalletBalance)
    balances = parse.parse_wallet(wallet.rows[0])
    assert balances["BTC"].free == Decimal("0.805994") and balances["BTC"].locked == 0
    assert wallet.rows[0].totalEquity == "18070.32797922"


def test_wallet_holds_locked_and_margin_apart_from_free() -> None:
    # constructed: a USDT coin with spot orders locking 100 and derivatives margin 250
    coin = m.WalletCoin(
        coin="USDT", walletBalance="1000", locked="100", totalOrderIM="50", totalPositionIM="200"
    )
    balance = parse.parse_wallet_coin(coin, ts=7)
    assert balance.free == Decimal("650") and balance.locked == Decimal("350")
    assert balance.total == Decimal("1000") and balance.ts == 7


def test_error_envelope_maps_by_category() -> None:
    env = codec.decode((DATA / "rest_error_balance.json").read_bytes(), m.Envelope)
    assert json.loads(bytes(env.result)) == {}
    swap = resolve_asset(load_venue_config(CONFIG), "swap")
    err = ErrorMapper("BYBIT___SWAP", swap.error_map).error(env.retCode, env.retMsg)
    assert isinstance(err, InsufficientMargin)
    assert err.code == 110007 and err.raw_message == "ab not enough for new order"
    spot = resolve_asset(load_venue_config(CONFIG), "spot")
    kind = ErrorMapper("BYBIT___SPOT", spot.error_map).kind_for(env.retCode, env.retMsg)
    assert kind == "insufficient_balance"
