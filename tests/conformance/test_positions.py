"""Derivatives: leverage, positions, and closes that only ever reduce."""

from decimal import Decimal

import pytest

from tradeport.execution.quantize import quantize_price
from tradeport.model import Order, OrderStatus
from tradeport.model.errors import InsufficientMargin, ReduceOnlyRejected
from tradeport.venues.capability import Capability

from .conftest import SYMBOL, Venue, needs


async def fill_at_touch(v: Venue, side: str, qty: Decimal, offset: str = "open") -> Order:
    """A limit order resting at the touch, then taken by the moving market."""
    inst = await v.inst()
    bid, ask = await v.touch()
    price = quantize_price(inst, bid if side == "buy" else ask)
    order = await v.client.make_order(SYMBOL, qty, price, f"{side}-limit", offset=offset)
    v.move(price * (Decimal("0.99") if side == "buy" else Decimal("1.01")))
    done = await v.client.query_order(SYMBOL, order_id=order.order_id)
    assert done.status is OrderStatus.FILLED, done
    return done


@needs(
    Capability.GET_DEPTH,
    Capability.SET_LEVERAGE,
    Capability.MAKE_ORDER,
    Capability.QUERY_ORDER,
    Capability.GET_POSITION,
)
async def test_leverage_is_reported_on_the_position(derivatives: Venue) -> None:
    v = derivatives
    assert await v.client.set_leverage(SYMBOL, 7) == 7
    qty = await v.small_qty()
    await fill_at_touch(v, "buy", qty)
    (pos,) = await v.client.get_position(SYMBOL)
    assert pos.leverage == 7 and pos.qty == qty


@needs(
    Capability.GET_DEPTH,
    Capability.MAKE_ORDER,
    Capability.QUERY_ORDER,
    Capability.GET_POSITION,
    Capability.GET_DEALS,
    Capability.GET_BALANCE,
)
async def test_close_realizes_pnl_and_never_flips_short(derivatives: Venue) -> None:
    v = derivatives
    before = (await v.client.get_balance())["USDT"].total
    qty = await v.small_qty()
    opened = await fill_at_touch(v, "buy", qty)
    closed = await fill_at_touch(v, "sell", qty, offset="close")
    assert closed.reduce_only or closed.position_side.value == "long"
    assert await v.client.get_position(SYMBOL) == []
    fills = await v.client.get_deals(SYMBOL)
    pnl = sum((f.realized_pnl or Decimal(0) for f in fills), Decimal(0))
    fees = sum((f.fee for f in fills), Decimal(0))
    assert opened.avg_price is not None and closed.avg_price is not None
    assert pnl == (closed.avg_price - opened.avg_price) * qty * (await v.inst()).contract_size
    after = (await v.client.get_balance())["USDT"].total
    assert after - before == pnl - fees


@needs(Capability.GET_DEPTH, Capability.MAKE_ORDER, Capability.QUERY_ORDER, Capability.GET_POSITION)
async def test_close_larger_than_the_position_only_reduces(derivatives: Venue) -> None:
    v = derivatives
    qty = await v.small_qty()
    await fill_at_touch(v, "buy", qty)
    close = await v.client.make_order(SYMBOL, qty * 3, None, "sell-market", offset="close")
    assert close.filled_qty == qty
    assert await v.client.get_position(SYMBOL) == []


@needs(Capability.GET_DEPTH, Capability.MAKE_ORDER)
async def test_close_without_a_position_is_reduce_only_rejected(derivatives: Venue) -> None:
    with pytest.raises(ReduceOnlyRejected):
        await derivatives.client.make_order(
            SYMBOL, await derivatives.small_qty(), None, "sell-market", offset="close"
        )


@needs(
    Capability.GET_DEPTH,
    Capability.SET_LEVERAGE,
    Capability.MAKE_ORDER,
    Capability.GET_BALANCE,
    Capability.GET_POSITION,
)
async def test_margin_check_rejects_and_changes_nothing(derivatives: Venue) -> None:
    v = derivatives
    await v.client.set_leverage(SYMBOL, 1)
    before = await v.client.get_balance()
    inst = await v.inst()
    _, ask = await v.touch()
    too_much = (before["USDT"].total * 2 / ask).quantize(inst.step_size)
    with pytest.raises(InsufficientMargin):
        await v.client.make_order(SYMBOL, too_much, None, "buy-market")
    assert await v.client.get_balance() == before and await v.client.get_position() == []
