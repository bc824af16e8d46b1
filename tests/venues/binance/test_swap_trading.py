"""USDⓈ-M perpetual trading: leverage, positions, reduce-only close, hedge mode."""

from decimal import Decimal

import pytest

from tradeport.execution.quantize import quantize_price
from tradeport.model import OrderStatus, PositionSide
from tradeport.model.errors import InsufficientMargin, ReduceOnlyRejected
from tradeport.venues.base import VenueClient

SYMBOL = "ETH-USDT"


async def fill_at_touch(swap: VenueClient, emulator, side: str, qty: str, **kw):  # type: ignore[no-untyped-def]
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


async def test_set_leverage_is_reported_on_the_position(swap: VenueClient, emulator) -> None:  # type: ignore[no-untyped-def]
    assert await swap.set_leverage(SYMBOL, 7) == 7
    await fill_at_touch(swap, emulator, "buy", "0.5")
    (pos,) = await swap.get_position(SYMBOL)
    assert pos.leverage == 7 and pos.qty == Decimal("0.5")
    assert pos.position_side is PositionSide.BOTH


async def test_long_then_close_realizes_pnl_and_never_flips_short(
    swap: VenueClient, emulator
) -> None:  # type: ignore[no-untyped-def]
    before = (await swap.get_balance())["USDT"].total
    opened = await fill_at_touch(swap, emulator, "buy", "1")
    (pos,) = await swap.get_position(SYMBOL)
    assert pos.qty == Decimal("1") and pos.entry_price == opened.avg_price

    closed = await fill_at_touch(swap, emulator, "sell", "1", offset="close")
    assert closed.reduce_only
    assert await swap.get_position(SYMBOL) == []
    fills = await swap.get_deals(SYMBOL)
    pnl = sum(f.realized_pnl or 0 for f in fills)
    fees = sum(f.fee for f in fills)
    assert pnl == (closed.avg_price - opened.avg_price) * 1  # type: ignore[operator]
    after = (await swap.get_balance())["USDT"].total
    assert after - before == pnl - fees


async def test_close_larger_than_position_only_reduces(swap: VenueClient, emulator) -> None:  # type: ignore[no-untyped-def]
    await fill_at_touch(swap, emulator, "buy", "0.3")
    close = await swap.make_order(SYMBOL, "1", None, "sell-market", offset="close")
    assert close.filled_qty == Decimal("0.3")
    assert await swap.get_position(SYMBOL) == []


async def test_reduce_only_without_position_is_typed(swap: VenueClient) -> None:
    with pytest.raises(ReduceOnlyRejected) as info:
        await swap.make_order(SYMBOL, "0.1", None, "sell-market", offset="close")
    assert info.value.code == -2022


async def test_margin_check(swap: VenueClient) -> None:
    await swap.set_leverage(SYMBOL, 1)
    before = await swap.get_balance()
    with pytest.raises(InsufficientMargin):
        await swap.make_order(SYMBOL, "500", None, "buy-market")
    assert await swap.get_balance() == before and await swap.get_position() == []


async def test_hedge_mode_close_uses_the_long_leg(swap: VenueClient, emulator) -> None:  # type: ignore[no-untyped-def]
    await swap.set_position_mode(True)  # type: ignore[attr-defined]
    opened = await fill_at_touch(swap, emulator, "buy", "0.4")
    assert opened.position_side is PositionSide.LONG
    (pos,) = await swap.get_position(SYMBOL)
    assert pos.position_side is PositionSide.LONG and pos.qty == Decimal("0.4")
    closed = await swap.make_order(SYMBOL, "0.4", None, "sell-market", offset="close")
    assert closed.position_side is PositionSide.LONG and closed.status is OrderStatus.FILLED
    assert await swap.get_position(SYMBOL) == []


async def test_open_orders_and_account_snapshot(swap: VenueClient, emulator) -> None:  # type: ignore[no-untyped-def]
    await fill_at_touch(swap, emulator, "buy", "0.2")
    book = await swap.get_depth(SYMBOL, 5)
    inst = await swap.instrument(SYMBOL)
    far = quantize_price(inst, Decimal(str(book.bids[0][0])) * Decimal("0.9"))
    resting = await swap.make_order(SYMBOL, "0.2", far, "buy-limit")
    snap = await swap.get_account()
    assert [o.order_id for o in snap.open_orders] == [resting.order_id]
    assert [p.qty for p in snap.positions] == [Decimal("0.2")]
    assert snap.equity == snap.capital + snap.positions[0].unrealized_pnl
    assert snap.open_notional == snap.positions[0].notional
