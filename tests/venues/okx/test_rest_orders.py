"""OKX orders through the real client against the emulator: base quantities become
whole contracts, refusals are typed from the item's sCode, fills come back in base
units, and positions and balances move exactly."""

import asyncio
from decimal import Decimal
from typing import Any

import pytest

from tradeport.model import OrderStatus, OrderType, PositionSide, Side
from tradeport.model.errors import (
    DuplicateClientOrderId,
    InsufficientBalance,
    InsufficientMargin,
    InvalidQuantity,
    NotReady,
    OrderNotFound,
    PostOnlyRejected,
    ReduceOnlyRejected,
)
from tradeport.venues.okx.emulator import OkxEmulator
from tradeport.venues.okx.rest import OkxRest

SYMBOL = "BTC-USDT"


def sent(client: OkxRest) -> int:
    return sum(client.http.status_counts.values())


async def test_base_quantity_becomes_whole_contracts(swap: OkxRest, small_order: Any) -> None:
    qty, price = await small_order(swap, SYMBOL, "0.95")
    contract = await swap.contract(SYMBOL)
    order = await swap.make_order(SYMBOL, qty, price, "buy-limit", client_order_id="sz1")
    assert order.qty == qty and order.status is OrderStatus.NEW
    # what the venue holds is contracts
    assert Decimal(order.raw["sz"]) == qty / contract.multiplier
    assert order.raw["tdMode"] == "cross" and order.raw["posSide"] == "net"


async def test_quantity_that_is_not_whole_lots_is_refused_before_sending(
    swap: OkxRest, small_order: Any
) -> None:
    qty, price = await small_order(swap, SYMBOL, "0.95")
    inst = await swap.instrument(SYMBOL)
    before = sent(swap)
    with pytest.raises(InvalidQuantity, match="whole number of lots") as info:
        await swap.make_order(SYMBOL, qty + inst.step_size / 2, price, "buy-limit")
    assert "ctVal" in str(info.value) and "lot" in str(info.value)
    assert sent(swap) == before


async def test_resting_swap_buy_fills_into_an_exact_position(
    swap: OkxRest, emulator: OkxEmulator, small_order: Any
) -> None:
    before = (await swap.get_balance())["USDT"].total
    qty, price = await small_order(swap, SYMBOL, "0.995")
    order = await swap.make_order(SYMBOL, qty, price, "buy-limit")
    assert order.status is OrderStatus.NEW
    emulator.move_to("swap", "BTC-USDT-SWAP", price * Decimal("0.99"))

    done = await swap.query_order(SYMBOL, order_id=order.order_id)
    assert done.status is OrderStatus.FILLED and done.filled_qty == qty
    assert done.avg_price == price
    fills = await swap.get_deals(SYMBOL, order_id=order.order_id)
    assert sum(f.qty for f in fills) == qty
    assert all(f.is_maker and f.side is Side.BUY and f.price == price for f in fills)
    (pos,) = await swap.get_position(SYMBOL)
    assert pos.qty == qty and pos.entry_price == price
    assert pos.position_side is PositionSide.BOTH
    after = (await swap.get_balance())["USDT"].total
    assert after - before == -sum(f.fee for f in fills)  # opening realizes only the fee


async def test_close_realizes_pnl_in_base_units(
    swap: OkxRest, emulator: OkxEmulator, small_order: Any
) -> None:
    qty, _ = await small_order(swap, SYMBOL, "1")
    opened = await swap.make_order(SYMBOL, qty, None, "buy-market")
    assert opened.status is OrderStatus.FILLED and opened.filled_qty == qty
    before = (await swap.get_balance())["USDT"].total
    closed = await swap.make_order(SYMBOL, qty, None, "sell-market", offset="close")
    assert closed.reduce_only and closed.filled_qty == qty
    assert await swap.get_position(SYMBOL) == []
    (fill,) = await swap.get_deals(SYMBOL, order_id=closed.order_id)
    assert opened.avg_price is not None and closed.avg_price is not None
    assert fill.realized_pnl == (closed.avg_price - opened.avg_price) * qty
    after = (await swap.get_balance())["USDT"].total
    assert after - before == fill.realized_pnl - fill.fee


async def test_spot_limit_fill_moves_both_coins_exactly(
    spot: OkxRest, emulator: OkxEmulator, small_order: Any
) -> None:
    before = await spot.get_balance()
    qty, price = await small_order(spot, SYMBOL, "0.995")
    order = await spot.make_order(SYMBOL, qty, price, "buy-limit")
    emulator.move_to("spot", SYMBOL, price * Decimal("0.99"))
    fills = await spot.get_deals(SYMBOL, order_id=order.order_id)
    assert sum(f.qty for f in fills) == qty
    after = await spot.get_balance()
    btc_fee = sum((f.fee for f in fills if f.fee_asset == "BTC"), Decimal(0))
    assert after["BTC"].total - before["BTC"].total == qty - btc_fee
    assert after["USDT"].total - before["USDT"].total == -price * qty


async def test_spot_market_buy_is_sized_in_base(spot: OkxRest, small_order: Any) -> None:
    qty, _ = await small_order(spot, SYMBOL, "1")
    order = await spot.make_order(SYMBOL, qty, None, "buy-market")
    assert order.type is OrderType.MARKET and order.status is OrderStatus.FILLED
    assert order.raw["tgtCcy"] == "base_ccy" and order.filled_qty == qty


async def test_insufficient_funds_are_typed_per_market(
    spot: OkxRest, swap: OkxRest, small_order: Any
) -> None:
    _, price = await small_order(spot, SYMBOL, "0.9")
    usdt = (await spot.get_balance())["USDT"].total
    too_much = (usdt * 2 / price).quantize(Decimal("0.001"))
    with pytest.raises(InsufficientBalance) as info:
        await spot.make_order(SYMBOL, too_much, price, "buy-limit")
    assert info.value.code == "51008"
    await swap.set_leverage(SYMBOL, 1)
    with pytest.raises(InsufficientMargin) as info:
        await swap.make_order(SYMBOL, Decimal(100), None, "buy-market")
    assert info.value.code == "51008"
    assert await swap.get_position() == []


async def test_duplicate_client_order_id_is_typed(swap: OkxRest, small_order: Any) -> None:
    qty, price = await small_order(swap, SYMBOL, "0.9")
    await swap.make_order(SYMBOL, qty, price, "buy-limit", client_order_id="dup1")
    with pytest.raises(DuplicateClientOrderId) as info:
        await swap.make_order(SYMBOL, qty, price, "buy-limit", client_order_id="dup1")
    assert info.value.code == "51016"
    assert len(await swap.get_open_orders(SYMBOL)) == 1


async def test_close_without_a_position_is_reduce_only_rejected(
    swap: OkxRest, small_order: Any
) -> None:
    qty, _ = await small_order(swap, SYMBOL, "1")
    with pytest.raises(ReduceOnlyRejected) as info:
        await swap.make_order(SYMBOL, qty, None, "sell-market", offset="close")
    assert info.value.code == "51169"


async def test_post_only_that_would_take_is_rejected(swap: OkxRest) -> None:
    inst = await swap.instrument(SYMBOL)
    book = await swap.get_depth(SYMBOL, 1)
    ask = Decimal(str(book.asks[0][0]))
    with pytest.raises(PostOnlyRejected):
        await swap.make_order(SYMBOL, inst.min_qty * 10, ask, "buy-post_only")
    assert await swap.get_open_orders(SYMBOL) == []


async def test_unknown_orders_are_not_found(spot: OkxRest) -> None:
    with pytest.raises(OrderNotFound):
        await spot.query_order(SYMBOL, client_order_id="neverSent1")
    with pytest.raises(OrderNotFound):
        await spot.cancel_order(SYMBOL, client_order_id="neverSent1")
    before = sent(spot)
    # an id OKX could never hold names no order: answered without asking
    with pytest.raises(OrderNotFound):
        await spot.query_order(SYMBOL, client_order_id="never-sent")
    assert sent(spot) == before


async def test_cancel_twice_and_history(spot: OkxRest, small_order: Any) -> None:
    qty, price = await small_order(spot, SYMBOL, "0.9")
    start = await spot.get_server_time()
    order = await spot.make_order(SYMBOL, qty, price, "buy-limit", client_order_id="c1")
    cancelled = await spot.cancel_order(SYMBOL, order_id=order.order_id)
    assert cancelled.status is OrderStatus.CANCELED and cancelled.client_order_id == "c1"
    with pytest.raises(OrderNotFound):
        await spot.cancel_order(SYMBOL, order_id=order.order_id)
    history = await spot.get_orders(SYMBOL)
    assert [o.order_id for o in history] == [order.order_id]
    since = await spot.orders_since(SYMBOL, start)
    assert [(o.order_id, o.status) for o in since] == [(order.order_id, OrderStatus.CANCELED)]
    assert await spot.fills_since(SYMBOL, start) == []


async def test_orders_and_fills_since_cover_open_and_closed(
    swap: OkxRest, small_order: Any
) -> None:
    start = await swap.get_server_time()
    qty, price = await small_order(swap, SYMBOL, "0.9")
    resting = await swap.make_order(SYMBOL, qty, price, "buy-limit")
    taken = await swap.make_order(SYMBOL, qty, None, "buy-market")
    orders = await swap.orders_since(SYMBOL, start)
    assert {o.order_id for o in orders} == {resting.order_id, taken.order_id}
    fills = await swap.fills_since(SYMBOL, start)
    assert {f.order_id for f in fills} == {taken.order_id} and sum(f.qty for f in fills) == qty


async def test_hedge_mode_orders_name_their_leg(swap: OkxRest, small_order: Any) -> None:
    await swap.set_position_mode(True)
    assert await swap.hedge_mode()
    qty, _ = await small_order(swap, SYMBOL, "1")
    opened = await swap.make_order(SYMBOL, qty, None, "buy-market")
    assert opened.position_side is PositionSide.LONG and opened.raw["posSide"] == "long"
    (leg,) = await swap.get_position(SYMBOL)
    assert leg.position_side is PositionSide.LONG and leg.qty == qty
    closed = await swap.make_order(SYMBOL, qty, None, "sell-market", offset="close")
    assert closed.position_side is PositionSide.LONG and closed.filled_qty == qty
    assert await swap.get_position(SYMBOL) == []


async def test_leverage_is_read_back(swap: OkxRest) -> None:
    assert await swap.set_leverage(SYMBOL, 7) == 7
    assert await swap.get_leverage(SYMBOL) == 7


async def test_account_snapshot_agrees_with_its_parts(swap: OkxRest, small_order: Any) -> None:
    qty, price = await small_order(swap, SYMBOL, "0.9")
    order = await swap.make_order(SYMBOL, qty, price, "buy-limit")
    await swap.make_order(SYMBOL, qty, None, "buy-market")
    snap = await swap.get_account()
    assert [o.order_id for o in snap.open_orders] == [order.order_id]
    assert snap.balances == await swap.get_balance()
    assert snap.capital == snap.balances["USDT"].total
    assert snap.equity == snap.capital + sum(p.unrealized_pnl for p in snap.positions)


async def test_readiness_refuse_names_what_is_down(connect: Any, small_order: Any) -> None:
    client = await connect("OKX___SWAP", readiness="refuse")
    qty, price = await small_order(client, SYMBOL, "0.9")
    client.readiness.require("user")
    before = sent(client)
    with pytest.raises(NotReady) as info:
        await client.make_order(SYMBOL, qty, price, "buy-limit")
    assert info.value.down == ["user"] and sent(client) == before


async def test_readiness_wait_sends_once_everything_is_up(swap: OkxRest, small_order: Any) -> None:
    qty, price = await small_order(swap, SYMBOL, "0.9")
    swap.readiness.require("user")
    pending = asyncio.create_task(swap.make_order(SYMBOL, qty, price, "buy-limit"))
    await asyncio.sleep(0)
    assert not pending.done() and await swap.get_open_orders(SYMBOL) == []
    swap.readiness.set_up("user")
    order = await pending
    assert order.status is OrderStatus.NEW
