"""OKX REST parsers on the documented sample payloads (tests/venues/okx/data/rest_*).

Where each sample comes from (okx.com/docs-v5/en, the Response Example of the page):
- rest_instruments_spot.json: Public Data / Get instruments
- rest_ticker_swap.json: Market Data / GET Ticker (the example of the page's Chinese
  edition; the English one carries round placeholder numbers)
- rest_books.json: Market Data / GET Order book
- rest_candles.json: Market Data / GET Candlesticks
- rest_trades.json: Market Data / GET Trades
- rest_place_order.json: Trade / POST Place order
- rest_order_details.json: Trade / GET Order details (a spot market buy in quote_ccy)
- rest_fills.json: Trade / GET Transaction details (last 3 days)
- rest_balance.json: Trading Account / Get balance
- rest_positions.json: Trading Account / Get positions (the page's row is a MARGIN one)
Constructed, in the documented shapes:
- rest_time.json: Public Data / Get system time's envelope and field
- rest_instruments_swap.json: BTC-USDT-SWAP (ctVal 0.01 BTC, lotSz/minSz 0.01, as the
  field descriptions give them) and an inverse BTC-USD-SWAP row
- rest_place_order_refused.json: a 51008 refusal in the documented envelope (code "1",
  the reason in sCode/sMsg), the message as listed under error code 51008
- rest_positions_swap_short.json: a net-mode short swap position (negative pos)
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

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
from tradeport.model.errors import InsufficientBalance, InsufficientMargin, InvalidQuantity
from tradeport.transport import codec
from tradeport.venues.errormap import ErrorMapper
from tradeport.venues.okx import CONFIG, parse
from tradeport.venues.okx import messages as m
from tradeport.venues.okx.contracts import Contract
from tradeport.venues.okx.dialect import item_failure

DATA = Path(__file__).with_name("data")
SPOT_CONFIG = resolve_asset(load_venue_config(CONFIG), "spot")
SWAP_CONFIG = resolve_asset(load_venue_config(CONFIG), "swap")
STATUS_MAP = SWAP_CONFIG.order_status_map


def data_of(name: str) -> bytes:
    envelope = codec.decode((DATA / name).read_bytes(), m.Envelope)
    assert envelope.code == "0"
    return bytes(envelope.data)


def rows(name: str, type_: Any) -> Any:
    return codec.decode(data_of(name), list[type_])


def spot_btc() -> Contract:
    (row,) = rows("rest_instruments_spot.json", m.InstrumentRow)
    return parse.parse_instrument(row, AssetType.SPOT)


def swap_btc() -> Contract:
    (inst,) = parse.parse_instruments(
        rows("rest_instruments_swap.json", m.InstrumentRow), AssetType.SWAP
    )
    return inst


def test_server_time() -> None:
    (row,) = rows("rest_time.json", m.ServerTime)
    assert int(row.ts) == 1597026383085


def test_spot_instrument_is_in_base_units_with_the_venue_rules() -> None:
    inst = spot_btc()
    i = inst.instrument
    assert (i.symbol, i.venue_symbol, i.base, i.quote, i.settle) == (
        "BTC-USDT",
        "BTC-USDT",
        "BTC",
        "USDT",
        None,
    )
    assert i.tick_size == Decimal("0.1") and i.step_size == Decimal("0.00000001")
    assert i.min_qty == Decimal("0.00001") and i.max_qty == Decimal("9999999999")
    assert i.min_notional == 0 and i.contract_size == 1
    assert i.max_leverage == 10 and i.status is InstrumentStatus.TRADING
    assert inst.multiplier == 1 and not inst.is_swap


def test_swap_instrument_states_lots_in_base_and_skips_inverse_swaps() -> None:
    inst = swap_btc()
    i = inst.instrument
    assert (i.symbol, i.venue_symbol, i.settle) == ("BTC-USDT", "BTC-USDT-SWAP", "USDT")
    assert inst.ct_val == Decimal("0.01") and inst.multiplier == Decimal("0.01")
    assert inst.lot == Decimal("0.01") and inst.min_size == Decimal("0.01")
    # one lot is 0.01 contract of 0.01 BTC
    assert i.step_size == Decimal("0.0001") and i.min_qty == Decimal("0.0001")
    assert i.max_qty == Decimal("1000000") and i.contract_size == 1
    assert i.max_leverage == 100


def test_base_quantity_becomes_contracts_exactly() -> None:
    inst = swap_btc()
    assert inst.to_venue_size(Decimal("0.0123")) == Decimal("1.23")
    assert inst.to_base(Decimal("1.23")) == Decimal("0.0123")
    with pytest.raises(InvalidQuantity) as info:
        inst.to_venue_size(Decimal("0.00015"))
    text = str(info.value)
    assert "0.00015 BTC" in text and "lot 0.01" in text and "ctVal 0.01" in text
    assert "step 0.0001" in text


def test_swap_ticker_sizes_become_base_and_volume_is_volccy() -> None:
    (row,) = rows("rest_ticker_swap.json", m.TickerRow)
    ticker = parse.parse_ticker(row, swap_btc(), local_ts=5)
    assert ticker.symbol == "BTC-USDT" and ticker.last == 56956.1
    assert ticker.bid == 56959 and ticker.ask == 56959.1
    assert ticker.bid_qty == pytest.approx(45.52) and ticker.ask_qty == pytest.approx(105.82)
    assert ticker.volume == 81137.755 and ticker.quote_volume is None
    assert ticker.open == 55926 and ticker.ts == 1620289117764


def test_spot_ticker_volumes() -> None:
    (row,) = rows("rest_ticker_swap.json", m.TickerRow)
    ticker = parse.parse_ticker(row, spot_btc())
    assert ticker.volume == 46258703 and ticker.quote_volume == 81137.755
    assert ticker.bid_qty == 4552


def test_empty_book_side_prices_are_none() -> None:
    row = m.TickerRow(instId="BTC-USDT", last="1", ts="1", askPx="", askSz="")
    ticker = parse.parse_ticker(row, spot_btc())
    assert ticker.ask is None and ticker.ask_qty is None


def test_order_book_levels_and_sequence() -> None:
    (row,) = rows("rest_books.json", m.BookRow)
    book = parse.parse_depth(row, spot_btc())
    assert book.asks == [(41006.8, 0.60038921)] and book.bids == [(41006.3, 0.30178218)]
    assert book.update_id == 3235851742 and book.ts == 1629966436396
    swap = parse.parse_depth(row, swap_btc())
    assert swap.asks[0][1] == pytest.approx(0.0060038921)


def test_candles_and_close_time() -> None:
    first, second = rows("rest_candles.json", m.CandleRow)
    bar = parse.parse_kline(first, spot_btc(), "1m", "1m")
    assert bar.open_ts == 1597026383085 and bar.close_ts == 1597026383085 + 59_999
    assert (bar.open, bar.high, bar.low, bar.close) == (3.721, 3.743, 3.677, 3.708)
    assert bar.volume == 8422410 and bar.quote_volume == 12698348.04828491
    assert not bar.closed
    swap_bar = parse.parse_kline(second, swap_btc(), "1d", "1Dutc")
    # a swap's base volume is volCcy (its vol is contracts)
    assert swap_bar.volume == 67632347.24399722 and swap_bar.closed
    assert swap_bar.close_ts - swap_bar.open_ts == 86_399_999


def test_month_bars_end_with_the_calendar_month() -> None:
    feb = 1706745600000  # 2024-02-01T00:00Z
    assert parse.bar_close_ms(feb, "1Mutc") == feb + 29 * 86_400_000 - 1
    with pytest.raises(Exception, match="not an OKX bar"):
        parse.bar_close_ms(feb, "1x")


def test_public_trades() -> None:
    newest, older = rows("rest_trades.json", m.PublicTradeRow)
    trade = parse.parse_trade(newest, spot_btc())
    assert trade.trade_id == "242720720" and trade.taker_side is Side.SELL
    assert trade.price == 29963.2 and trade.qty == 0.00001 and trade.ts == 1654161646974
    assert older.tradeId == "242720719"


def test_place_order_ack_and_refusal() -> None:
    (ack,) = rows("rest_place_order.json", m.ItemResult)
    assert (ack.ordId, ack.clOrdId, ack.sCode) == ("312269865356374016", "oktswap6", "0")
    raw = json.loads((DATA / "rest_place_order_refused.json").read_text())
    failed = item_failure(json.dumps(raw["data"]).encode())
    assert failed is not None and failed.sCode == "51008"
    spot_error = ErrorMapper("OKX___SPOT", SPOT_CONFIG.error_map).error(failed.sCode, failed.sMsg)
    swap_error = ErrorMapper("OKX___SWAP", SWAP_CONFIG.error_map).error(failed.sCode, failed.sMsg)
    assert isinstance(spot_error, InsufficientBalance)
    assert isinstance(swap_error, InsufficientMargin)
    assert swap_error.code == "51008" and "Insufficient USDT" in str(swap_error.raw_message)


def test_spot_market_buy_in_quote_currency_reports_what_it_filled() -> None:
    (row,) = rows("rest_order_details.json", m.OrderRow)
    order = parse.parse_order(row, spot_btc(), STATUS_MAP)
    assert order.order_id == "680800019749904384" and order.client_order_id is None
    assert order.type is OrderType.MARKET and order.side is Side.BUY
    assert order.status is OrderStatus.FILLED and order.price is None
    # sz 100 is USDT (tgtCcy quote_ccy): the base quantity is what filled
    assert order.qty == order.filled_qty == Decimal("0.00192834")
    assert order.avg_price == Decimal("51858") and not order.reduce_only
    assert order.created_ts == 1708587373361 and order.updated_ts == 1708587373362
    assert order.raw["tgtCcy"] == "quote_ccy"


def _order(**fields: str) -> m.OrderRow:
    base = {"instId": "BTC-USDT-SWAP", "ordId": "1", "side": "sell", "ordType": "limit"}
    return m.OrderRow(**{**base, "state": "live", **fields})  # type: ignore[arg-type]


def test_swap_order_sizes_become_base() -> None:
    row = _order(
        sz="150",
        accFillSz="50",
        px="60000.5",
        avgPx="60000.5",
        posSide="short",
        state="partially_filled",
        reduceOnly="true",
    )
    order = parse.parse_order(row, swap_btc(), STATUS_MAP)
    assert order.qty == Decimal("1.5") and order.filled_qty == Decimal("0.5")
    assert order.remaining_qty == Decimal("1")
    assert order.status is OrderStatus.PARTIALLY_FILLED and order.reduce_only
    assert order.position_side is PositionSide.SHORT and order.price == Decimal("60000.5")


@pytest.mark.parametrize(
    ("ord_type", "kind", "tif"),
    [
        ("limit", OrderType.LIMIT, TimeInForce.GTC),
        ("post_only", OrderType.POST_ONLY, TimeInForce.GTX),
        ("ioc", OrderType.LIMIT, TimeInForce.IOC),
        ("fok", OrderType.LIMIT, TimeInForce.FOK),
        ("market", OrderType.MARKET, None),
    ],
)
def test_order_types(ord_type: str, kind: OrderType, tif: TimeInForce | None) -> None:
    order = parse.parse_order(_order(ordType=ord_type, sz="1"), swap_btc(), STATUS_MAP)
    assert order.type is kind and order.time_in_force is tif


@pytest.mark.parametrize(
    ("state", "source", "status"),
    [
        ("canceled", "1", OrderStatus.CANCELED),
        ("canceled", "31", OrderStatus.EXPIRED),  # post-only would have taken
        ("canceled", "14", OrderStatus.EXPIRED),  # IOC remainder
        ("mmp_canceled", "", OrderStatus.CANCELED),
        ("filled", "", OrderStatus.FILLED),
    ],
)
def test_order_states(state: str, source: str, status: OrderStatus) -> None:
    row = _order(state=state, cancelSource=source, sz="1")
    assert parse.parse_order(row, swap_btc(), STATUS_MAP).status is status


def test_fill_fee_is_what_was_paid() -> None:
    (row,) = rows("rest_fills.json", m.FillRow)
    fill = parse.parse_fill(row, spot_btc())
    assert fill.trade_id == "744876980" and fill.order_id == "680800019749904384"
    assert fill.client_order_id is None and fill.side is Side.BUY
    assert fill.price == Decimal("51858") and fill.qty == Decimal("0.00192834")
    assert fill.fee == Decimal("0.00000192834") and fill.fee_asset == "BTC"
    assert not fill.is_maker and fill.ts == 1708587373361
    assert fill.realized_pnl == 0 and fill.position_side is PositionSide.BOTH


def test_swap_fill_of_an_order_push_is_in_base_units() -> None:
    row = _order(
        sz="150",
        tradeId="77",
        fillSz="20",
        fillPx="60000",
        fillFee="-0.6",
        fillFeeCcy="USDT",
        execType="M",
        fillTime="1700000000000",
        fillPnl="1.5",
        state="partially_filled",
        accFillSz="20",
    )
    fill = parse.fill_of_order(row, swap_btc())
    assert fill is not None
    assert fill.qty == Decimal("0.2") and fill.fee == Decimal("0.6") and fill.is_maker
    assert fill.realized_pnl == Decimal("1.5") and fill.fee_asset == "USDT"
    assert parse.fill_of_order(_order(sz="150"), swap_btc()) is None


def test_positions() -> None:
    (row,) = rows("rest_positions.json", m.PositionRow)
    margin = parse.parse_position(row, spot_btc())
    assert margin.qty == Decimal("0.00190433573") and margin.position_side is PositionSide.BOTH
    assert margin.entry_price == Decimal("62961.4") and margin.leverage == 5
    assert margin.margin_type == "isolated" and margin.mark_price == Decimal("62891.9")
    assert margin.liquidation_price == Decimal("53615.448336593756")
    (short,) = rows("rest_positions_swap_short.json", m.PositionRow)
    pos = parse.parse_position(short, swap_btc())
    assert pos.qty == Decimal("-1") and pos.unrealized_pnl == Decimal("-2.5")
    assert pos.entry_price == Decimal("60000") and pos.margin_type == "cross"


def test_balance_total_is_cash_and_locked_is_what_is_not_available() -> None:
    (row,) = rows("rest_balance.json", m.BalanceRow)
    balances = parse.parse_balance(row)
    usdt = balances["USDT"]
    assert usdt.total == Decimal("4850.435693622894")
    assert usdt.free == Decimal("4834.317093622894")
    assert usdt.locked == Decimal("16.118600000000000")
