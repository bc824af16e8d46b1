"""Receipts from the venue's orders and fills: status, fee estimate then venue fee,
and slippage against the mark."""

from __future__ import annotations

from decimal import Decimal

from tradeport.config.schema import FeeSchedule
from tradeport.execution.intent import ExecutionReceipt, FeeSource, ReceiptStatus
from tradeport.execution.receipts import from_order, with_fills
from tradeport.model import AssetType, Fill, Instrument, Order, OrderStatus, OrderType, Side

INST = Instrument(
    symbol="BTC-USDT",
    venue_symbol="BTCUSDT",
    asset_type=AssetType.SWAP,
    base="BTC",
    quote="USDT",
    settle="USDT",
    tick_size=Decimal("0.1"),
    step_size=Decimal("0.001"),
    min_qty=Decimal("0.001"),
    min_notional=Decimal(5),
)
RATES = FeeSchedule(maker=Decimal("0.0002"), taker=Decimal("0.0005"))


def receipt(side: Side = Side.BUY, mark: str = "100") -> ExecutionReceipt:
    return ExecutionReceipt(
        intent_id="i1",
        venue="X",
        symbol="BTC-USDT",
        status=ReceiptStatus.UNKNOWN,
        client_order_id="i1",
        side=side,
        mark_at_submit=Decimal(mark),
    )


def order(kind: OrderType, status: OrderStatus, filled: str, avg: str | None, side: Side) -> Order:
    return Order(
        symbol="BTC-USDT",
        client_order_id="i1",
        order_id="7",
        side=side,
        type=kind,
        time_in_force=None,
        price=None if kind is OrderType.MARKET else Decimal("99"),
        qty=Decimal(2),
        filled_qty=Decimal(filled),
        avg_price=None if avg is None else Decimal(avg),
        status=status,
        updated_ts=1,
    )


def fill(trade_id: str, qty: str, price: str, fee: str) -> Fill:
    return Fill(
        symbol="BTC-USDT",
        trade_id=trade_id,
        order_id="7",
        client_order_id="i1",
        side=Side.BUY,
        price=Decimal(price),
        qty=Decimal(qty),
        fee=Decimal(fee),
        fee_asset="USDT",
        is_maker=False,
        ts=1,
    )


def test_market_fill_is_estimated_at_the_taker_rate_then_replaced_by_its_fills() -> None:
    filled = order(OrderType.MARKET, OrderStatus.FILLED, "2", "101", Side.BUY)
    estimated = from_order(receipt(), filled, INST, RATES)
    assert estimated.status is ReceiptStatus.FILLED and estimated.order_id == "7"
    assert estimated.fee == Decimal("0.101") and estimated.fee_source is FeeSource.ESTIMATED_TAKER
    assert estimated.slippage_bps == Decimal(100)  # bought 1 % above the mark: adverse
    actual = with_fills(
        estimated, [fill("a", "1", "100", "0.05"), fill("b", "1", "102", "0.051")], INST
    )
    assert actual.fee == Decimal("0.101") and actual.fee_source is FeeSource.VENUE
    partial = with_fills(estimated, [fill("a", "1", "100", "0.05")], INST)
    assert partial.fee_source is FeeSource.ESTIMATED_TAKER  # the fills do not cover it yet


def test_resting_limit_is_estimated_at_the_maker_rate_on_its_whole_size() -> None:
    resting = order(OrderType.LIMIT, OrderStatus.NEW, "0", None, Side.BUY)
    out = from_order(receipt(), resting, INST, RATES)
    assert out.status is ReceiptStatus.ACCEPTED
    assert out.fee == Decimal("0.0396") and out.fee_source is FeeSource.ESTIMATED_MAKER
    assert out.slippage_bps is None  # nothing filled


def test_a_sell_below_the_mark_is_adverse_and_above_it_favourable() -> None:
    below = order(OrderType.MARKET, OrderStatus.FILLED, "2", "99", Side.SELL)
    above = order(OrderType.MARKET, OrderStatus.FILLED, "2", "101", Side.SELL)
    assert from_order(receipt(Side.SELL), below, INST, RATES).slippage_bps == Decimal(100)
    assert from_order(receipt(Side.SELL), above, INST, RATES).slippage_bps == Decimal(-100)


def test_without_fee_rates_the_fee_waits_for_the_fills() -> None:
    filled = order(OrderType.MARKET, OrderStatus.FILLED, "2", "101", Side.BUY)
    out = from_order(receipt(), filled, INST, None)
    assert out.fee is None and out.fee_source is None
    out = with_fills(out, [fill("a", "2", "101", "0.1")], INST)
    assert out.fee == Decimal("0.1") and out.fee_source is FeeSource.VENUE


def test_cancelled_and_expired_orders_give_cancelled_receipts() -> None:
    for status in (OrderStatus.CANCELED, OrderStatus.EXPIRED):
        closed = order(OrderType.LIMIT, status, "1", "99", Side.BUY)
        out = from_order(receipt(), closed, INST, RATES)
        assert out.status is ReceiptStatus.CANCELLED and out.filled_qty == Decimal(1)
