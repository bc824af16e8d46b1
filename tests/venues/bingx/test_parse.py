"""BingX parsers on payloads shaped as PROTOCOLS.md §5.3 documents them (field names,
the `{code, msg, data}` envelope, asks listed best-last in the depth example)."""

import json
from decimal import Decimal

import pytest

from tradeport.model import InstrumentStatus, OrderStatus, OrderType, PositionSide, Side
from tradeport.model.errors import MalformedMessage
from tradeport.transport import codec
from tradeport.transport.http import Response
from tradeport.venues.bingx import messages as m
from tradeport.venues.bingx import parse
from tradeport.venues.bingx.dialect import BingxDialect
from tradeport.venues.kit.dialect import VenueError

CONTRACT = b"""{"contractId":"100","symbol":"BTC-USDT","size":"0.0001","quantityPrecision":4,
"pricePrecision":1,"feeRate":0.0005,"makerFeeRate":0.0002,"takerFeeRate":0.0005,
"tradeMinLimit":0,"tradeMinQuantity":0.0001,"tradeMinUSDT":2,"maxLongLeverage":125,
"maxShortLeverage":150,"currency":"USDT","asset":"BTC","status":1,"apiStateOpen":"true",
"apiStateClose":"true","launchTime":1586275200000,"maintainTime":0,"offTime":0,
"displayName":"BTC-USDT"}"""
STATUS = b'{"code":0,"msg":"","data":{"serverTime":1675319535362}}'


def dialect() -> BingxDialect:
    return BingxDialect("key", "secret", 5000, 300.0)


def answer(body: bytes, status: int = 200, **headers: str) -> Response:
    return Response(status=status, headers=headers, body=body, endpoint="GET /x")


def test_contract_becomes_an_instrument_with_its_precision_and_minimums() -> None:
    row = codec.decode(CONTRACT, m.Contract)
    inst = parse.parse_contract(row)
    assert (inst.symbol, inst.venue_symbol, inst.base, inst.quote) == (
        "BTC-USDT", "BTC-USDT", "BTC", "USDT",
    )  # fmt: skip
    assert inst.tick_size == Decimal("0.1") and inst.step_size == Decimal("0.0001")
    assert inst.min_qty == Decimal("0.0001") and inst.min_notional == Decimal(2)
    assert inst.max_leverage == 125  # the smaller of the long and short caps
    assert inst.status is InstrumentStatus.TRADING
    assert parse.fee_rates(row) == (Decimal("0.0002"), Decimal("0.0005"))


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (1, InstrumentStatus.TRADING),
        (25, InstrumentStatus.HALTED),  # close-only: no new exposure
        (5, InstrumentStatus.PRE_TRADING),
        (0, InstrumentStatus.DELISTED),
    ],
)
def test_contract_status_is_mapped(status: int, expected: InstrumentStatus) -> None:
    row = codec.decode(CONTRACT.replace(b'"status":1', f'"status":{status}'.encode()), m.Contract)
    assert parse.parse_contract(row).status is expected


def test_contract_symbol_without_a_hyphen_is_refused() -> None:
    row = codec.decode(CONTRACT.replace(b'"symbol":"BTC-USDT"', b'"symbol":"BTCUSDT"'), m.Contract)
    with pytest.raises(MalformedMessage, match="BTCUSDT"):
        parse.parse_contract(row)


def test_envelope_unwraps_data_or_the_venue_refusal() -> None:
    d = dialect()
    data = d.unwrap(answer(STATUS))
    assert isinstance(data, bytes) and d.server_time(data) == 1675319535362
    refusal = d.unwrap(answer(b'{"code":100001,"msg":"Signature verification failed","data":{}}'))
    assert refusal == VenueError(100001, "Signature verification failed")
    foreign = d.unwrap(answer(b"<html>busy</html>", 429))
    assert isinstance(foreign, VenueError) and foreign.code is None


def test_throttle_window_comes_from_the_expire_header() -> None:
    d = dialect()
    assert (
        d.throttle_window(answer(b"", 429, **{"X-RateLimit-Requests-Expire": "1500"}), None, 0)
        == 1.5
    )
    assert d.throttle_window(answer(b"", 429), 3.0, 0) == 3.0


def test_depth_sides_come_out_best_first() -> None:
    body = b"""{"T":1702719440000,"bids":[["43000.5","1.2"],["42999.0","0.5"]],
    "asks":[["43003.0","0.7"],["43001.5","0.3"]],"bidsCoin":[],"asksCoin":[]}"""
    book = parse.parse_depth(codec.decode(body, m.Depth, strict=False), "BTC-USDT")
    assert book.bids == [(43000.5, 1.2), (42999.0, 0.5)]
    assert book.asks == [(43001.5, 0.3), (43003.0, 0.7)]  # the example lists best ask last
    assert book.ts == 1702719440000 and book.update_id == 0


def test_ticker_fields() -> None:
    body = b"""{"symbol":"BTC-USDT","priceChange":"52.5","priceChangePercent":"0.31",
    "lastPrice":"16880.5","lastQty":"2.2704","highPrice":"16897.5","lowPrice":"16726.0",
    "volume":"245870.1692","quoteVolume":"4151395117.73","openPrice":"16832.0",
    "openTime":1672026667803,"closeTime":1672026648425,"bidPrice":"16880.0","bidQty":"1.1",
    "askPrice":"16881.0","askQty":"0.4"}"""
    t = parse.parse_ticker(codec.decode(body, m.TickerRow, strict=False), "BTC-USDT", local_ts=1)
    assert (t.last, t.bid, t.ask, t.open, t.high, t.low) == (
        16880.5, 16880.0, 16881.0, 16832.0, 16897.5, 16726.0,
    )  # fmt: skip
    assert t.volume == 245870.1692 and t.ts == 1672026648425


def test_trade_taker_side_from_is_buyer_maker() -> None:
    body = (
        b'[{"time":1672025549368,"isBuyerMaker":true,"price":"16885.0","qty":"3.3",'
        b'"quoteQty":"55720.5"}]'
    )
    (row,) = codec.decode(body, list[m.TradeRow], strict=False)
    trade = parse.parse_trade(row, "BTC-USDT")
    assert trade.taker_side is Side.SELL and trade.price == 16885.0 and trade.ts == 1672025549368


def test_kline_closes_at_the_end_of_its_interval() -> None:
    body = b'{"open":"1","close":"2","high":"3","low":"0.5","volume":"9","time":1700000040000}'
    bar = parse.parse_kline(codec.decode(body, m.KlineRow, strict=False), "BTC-USDT", "1h", "1h", 0)
    assert bar.close_ts == 1700000040000 + 3_600_000 - 1 and not bar.closed
    assert (bar.open, bar.high, bar.low, bar.close, bar.volume) == (1, 3, 0.5, 2, 9)


ORDER = b"""{"time":1702731995000,"symbol":"BTC-USDT","side":"BUY","type":"LIMIT",
"positionSide":"LONG","reduceOnly":false,"cumQuote":"120","status":"PARTIALLY_FILLED",
"stopPrice":"","price":"40000","origQty":"0.0100","avgPrice":"40000","executedQty":"0.0030",
"orderId":1736011869418901234,"profit":"0","commission":"-0.024","updateTime":1702731996000,
"workingType":"MARK_PRICE","clientOrderId":"my-order-1","timeInForce":"PostOnly"}"""


def test_order_row() -> None:
    row = codec.decode(ORDER, m.OrderRow)
    order = parse.parse_order(row, "BTC-USDT", {"PARTIALLY_FILLED": "partially_filled"})
    assert order.order_id == "1736011869418901234" and order.client_order_id == "my-order-1"
    assert order.status is OrderStatus.PARTIALLY_FILLED and order.type is OrderType.POST_ONLY
    assert order.filled_qty == Decimal("0.003") and order.avg_price == Decimal(40000)
    assert order.position_side is PositionSide.LONG and order.side is Side.BUY


def test_fill_time_and_commission() -> None:
    body = b"""{"symbol":"BTC-USDT","qty":"0.003","price":"40000","quoteQty":"120",
    "commission":"-0.024","commissionAsset":"USDT","orderId":"17","tradeId":"99",
    "filledTime":"2023-12-16T21:06:36.000+0800","side":"BUY","positionSide":"BOTH","role":"maker"}"""
    fill = parse.parse_fill(codec.decode(body, m.FillRow), "BTC-USDT")
    assert fill.ts == 1702731996000 and fill.fee == Decimal("0.024") and fill.is_maker
    assert fill.qty == Decimal("0.003") and fill.order_id == "17"


def test_one_way_position_is_signed() -> None:
    body = b"""{"symbol":"BTC-USDT","positionId":"1","positionSide":"BOTH","isolated":true,
    "positionAmt":"-0.5","availableAmt":"0.5","unrealizedProfit":"1.5","realisedProfit":"0",
    "initialMargin":"100","margin":"100","avgPrice":"40000","liquidationPrice":45000,
    "leverage":20,"positionValue":"20000","markPrice":"39997","riskRate":"0.01",
    "maxMarginReduction":"0","pnlRatio":"0.01","updateTime":1702731996000}"""
    pos = parse.parse_position(codec.decode(body, m.PositionRow), "BTC-USDT")
    assert pos.qty == Decimal("-0.5") and pos.position_side is PositionSide.BOTH
    assert pos.leverage == 20 and pos.margin_type == "isolated"
    assert pos.liquidation_price == Decimal(45000)


@pytest.mark.parametrize(
    ("side", "hedge_side", "qty"),
    [("LONG", PositionSide.LONG, Decimal("0.1")), ("SHORT", PositionSide.SHORT, Decimal("0.1"))],
)
def test_a_one_way_position_shown_as_its_side_is_both_and_signed(
    side: str, hedge_side: PositionSide, qty: Decimal
) -> None:
    # ccxt's sample of the venue's answer in one-way mode: the side, unsigned, and
    # onlyOnePosition true
    row = {
        "symbol": "LTC-USDT",
        "positionId": "1",
        "positionSide": side,
        "isolated": False,
        "positionAmt": "0.1",
        "avgPrice": "73.14",
        "leverage": 6,
        "unrealizedProfit": "-1.0393",
        "markPrice": "73.14",
        "updateTime": 1721088016688,
    }
    one_way = codec.decode(json.dumps({**row, "onlyOnePosition": True}).encode(), m.PositionRow)
    pos = parse.parse_position(one_way, "LTC-USDT")
    assert pos.position_side is PositionSide.BOTH
    assert pos.qty == (qty if side == "LONG" else -qty)
    leg = parse.parse_position(codec.decode(json.dumps(row).encode(), m.PositionRow), "LTC-USDT")
    assert (leg.position_side, leg.qty) == (hedge_side, qty)


def test_balance_free_is_the_available_margin() -> None:
    body = b"""[{"asset":"USDT","balance":"1000","equity":"1001","unrealizedProfit":"1",
    "realisedProfit":"0","availableMargin":"900","usedMargin":"80","freezedMargin":"20",
    "shortUid":"1"}]"""
    (row,) = codec.decode(body, list[m.BalanceRow])
    bal = parse.parse_balance(row)
    assert bal.free == Decimal(900) and bal.locked == Decimal(100)
