"""Binance parsers fed the documented sample payloads (kept in data/)."""

from decimal import Decimal
from pathlib import Path

from tradeport.config import load_venue_config, resolve_asset
from tradeport.model import AssetType, OrderStatus, OrderType, PositionSide, Side, TimeInForce
from tradeport.transport import codec
from tradeport.venues.binance import CONFIG, parse
from tradeport.venues.binance import messages as m

DATA = Path(__file__).with_name("data")
STATUS = resolve_asset(load_venue_config(CONFIG), "spot").order_status_map


def raw(name: str) -> bytes:
    return (DATA / name).read_bytes()


def test_spot_depth_becomes_float_book_with_update_id() -> None:
    book = parse.parse_depth(codec.decode(raw("spot_depth.json"), m.Depth, strict=False), "BNB-BTC")
    assert book.update_id == 1027024
    assert book.bids == [(4.0, 431.0)]
    assert book.asks == [(4.000002, 12.0)]
    assert book.local_ts > 0


def test_futures_depth_keeps_transaction_time() -> None:
    d = codec.decode(raw("futures_depth.json"), m.Depth, strict=False)
    assert parse.parse_depth(d, "BTC-USDT").ts == 1589436922959


def test_spot_24h_ticker() -> None:
    t = parse.parse_ticker(
        codec.decode(raw("spot_ticker_24hr.json"), m.Ticker24h, strict=False), "BNB-BTC"
    )
    assert (t.last, t.bid, t.ask, t.high, t.low) == (4.000002, 4.0, 4.000002, 100.0, 0.1)
    assert t.volume == 8913.3 and t.ts == 1499869899040


def test_klines_array_rows() -> None:
    rows = codec.decode(raw("spot_klines.json"), list[m.Kline], strict=False)
    bar = parse.parse_kline(rows[0], "BNB-BTC", "1d", now_ms=1_700_000_000_000)
    assert bar.open_ts == 1499040000000 and bar.close_ts == 1499644799999
    assert (bar.open, bar.high, bar.low, bar.close) == (0.0163479, 0.8, 0.015758, 0.015771)
    assert bar.trades == 308 and bar.closed


def test_trade_taker_side_is_opposite_of_maker() -> None:
    rows = codec.decode(raw("spot_trades.json"), list[m.PublicTrade], strict=False)
    trade = parse.parse_trade(rows[0], "BNB-BTC")
    assert trade.trade_id == "28457" and trade.taker_side is Side.SELL and trade.qty == 12.0


def test_spot_full_order_response() -> None:
    o = codec.decode(raw("spot_order_full.json"), m.OrderResponse)
    order = parse.parse_order(o, "BTC-USDT", STATUS)
    assert order.order_id == "28" and order.client_order_id == "6gCrw2kRUAF9CvJDGP16IP"
    assert order.status is OrderStatus.FILLED and order.type is OrderType.MARKET
    assert order.side is Side.SELL and order.filled_qty == Decimal("10")
    assert len(o.fills) == 5 and sum(f.qty for f in o.fills) == Decimal("10")
    assert order.price is None  # "0.00000000" means no limit price


def test_futures_order_response() -> None:
    o = codec.decode(raw("futures_order.json"), m.OrderResponse)
    order = parse.parse_order(o, "BTC-USDT", STATUS)
    assert order.order_id == "22542179" and order.position_side is PositionSide.SHORT
    assert order.status is OrderStatus.NEW and order.qty == Decimal("10")
    assert order.avg_price is None and order.updated_ts == 1566818724722


def test_post_only_is_recognised_on_both_markets() -> None:
    spot = m.OrderResponse(symbol="X", orderId=1, clientOrderId="a", type="LIMIT_MAKER")
    fut = m.OrderResponse(symbol="X", orderId=2, clientOrderId="b", type="LIMIT", timeInForce="GTX")
    assert parse.parse_order(spot, "X-Y", STATUS).type is OrderType.POST_ONLY
    parsed = parse.parse_order(fut, "X-Y", STATUS)
    assert parsed.type is OrderType.POST_ONLY and parsed.time_in_force is TimeInForce.GTX


def test_spot_account_balances_are_exact() -> None:
    bal = parse.parse_spot_balances(codec.decode(raw("spot_account.json"), m.SpotAccount))
    assert bal["BTC"].free == Decimal("4723846.89208129") and bal["LTC"].locked == 0


def test_futures_balance_locked_is_wallet_minus_available() -> None:
    rows = codec.decode(raw("futures_balance.json"), list[m.FuturesBalance])
    usdt = parse.parse_futures_balances(rows)["USDT"]
    assert usdt.free == Decimal("23.72469206")
    assert usdt.total == Decimal("122607.35137903")


def test_position_risk() -> None:
    rows = codec.decode(raw("futures_position_risk.json"), list[m.PositionRisk], strict=False)
    pos = parse.parse_position(rows[0], "BTC-USDT")
    assert pos.qty == Decimal("20.000") and pos.leverage == 10
    assert pos.position_side is PositionSide.LONG
    assert pos.unrealized_pnl == Decimal("2316.83423560")
    assert pos.liquidation_price == Decimal("5930.78")


def test_spot_and_futures_user_trades() -> None:
    spot = codec.decode(raw("spot_my_trades.json"), list[m.UserTrade])
    fill = parse.parse_user_trade(spot[0], "BNB-BTC")
    assert fill.side is Side.BUY and not fill.is_maker and fill.fee == Decimal("10.1")
    fut = codec.decode(raw("futures_user_trades.json"), list[m.UserTrade])
    ffill = parse.parse_user_trade(fut[0], "BTC-USDT")
    assert ffill.side is Side.SELL and ffill.realized_pnl == Decimal("-0.91539999")
    assert ffill.position_side is PositionSide.SHORT


def test_exchange_info_filters_become_instrument_rules() -> None:
    info = codec.decode(raw("spot_exchange_info.json"), m.ExchangeInfo)
    (inst,) = parse.parse_instruments(info, AssetType.SPOT)
    assert inst.symbol == "ETH-BTC" and inst.venue_symbol == "ETHBTC"
    assert inst.tick_size == Decimal("0.00001") and inst.step_size == Decimal("0.0001")
    assert inst.min_qty == Decimal("0.0001") and inst.min_notional == Decimal("0.0001")
    assert inst.max_qty == Decimal("100000") and inst.settle is None
    assert len(info.rateLimits) == 4


def test_hedge_short_leg_is_reported_non_negative() -> None:
    row = m.PositionRisk(
        symbol="BTCUSDT",
        positionAmt=Decimal("-0.5"),
        entryPrice=Decimal("60000"),
        positionSide="SHORT",
    )
    pos = parse.parse_position(row, "BTC-USDT")
    assert pos.position_side is PositionSide.SHORT and pos.qty == Decimal("0.5")
    one_way = m.PositionRisk(
        symbol="BTCUSDT", positionAmt=Decimal("-0.5"), entryPrice=Decimal("60000")
    )
    assert parse.parse_position(one_way, "BTC-USDT").qty == Decimal("-0.5")  # signed
