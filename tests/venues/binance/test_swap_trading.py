"""Binance USDⓈ-M quirks beyond the conformance suite: hedge mode and its position
sides, and the venue codes of reduce-only rejections."""

from decimal import Decimal
from typing import Any

import pytest

from tradeport.execution.quantize import quantize_price
from tradeport.model import Order, OrderStatus, PositionSide
from tradeport.model.errors import OrderRejected, ReduceOnlyRejected
from tradeport.venues.binance.client import BinanceClient
from tradeport.venues.binance.emulator import BinanceEmulator

SYMBOL = "ETH-USDT"


async def fill_at_touch(
    swap: BinanceClient, emulator: BinanceEmulator, side: str, qty: str, **kw: Any
) -> Order:
    """A limit order that rests at the touch and is then taken by the moving market."""
    book = await swap.get_depth(SYMBOL, 5)
    inst = await swap.instrument(SYMBOL)
    if side == "buy":
        price = quantize_price(inst, Decimal(str(book.bids[0][0])))
        target = price * Decimal("0.99")
    else:
        price = quantize_price(inst, Decimal(str(book.asks[0][0])))
        target = price * Decimal("1.01")
    order = await swap.make_order(SYMBOL, qty, price, f"{side}-limit", **kw)
    emulator.move_to("futures", "ETHUSDT", target)
    done = await swap.query_order(SYMBOL, order_id=order.order_id)
    assert done.status is OrderStatus.FILLED, done
    return done


async def test_reduce_only_without_position_is_typed(swap: BinanceClient) -> None:
    with pytest.raises(ReduceOnlyRejected) as info:
        await swap.make_order(SYMBOL, "0.1", None, "sell-market", offset="close")
    assert info.value.code == -2022


async def test_hedge_mode_close_uses_the_long_leg(
    swap: BinanceClient, emulator: BinanceEmulator
) -> None:
    await swap.set_position_mode(True)
    opened = await fill_at_touch(swap, emulator, "buy", "0.4")
    assert opened.position_side is PositionSide.LONG
    (pos,) = await swap.get_position(SYMBOL)
    assert pos.position_side is PositionSide.LONG and pos.qty == Decimal("0.4")
    closed = await swap.make_order(SYMBOL, "0.4", None, "sell-market", offset="close")
    assert closed.position_side is PositionSide.LONG and closed.status is OrderStatus.FILLED
    assert await swap.get_position(SYMBOL) == []


async def test_unfillable_fok_is_rejected_on_usdm(swap: BinanceClient) -> None:
    book = await swap.get_depth(SYMBOL, 5)
    inst = await swap.instrument(SYMBOL)
    price = quantize_price(inst, Decimal(str(book.asks[0][0])))
    qty = Decimal(str(book.asks[0][1])) + Decimal("1")
    with pytest.raises(OrderRejected) as info:
        await swap.make_order(SYMBOL, qty, price, "buy-limit", time_in_force="fok")
    assert info.value.code == -5021
    assert await swap.get_open_orders(SYMBOL) == []
