"""Bybit order entry over REST, spot and linear, against the emulator: orders rest,
fill by the moving market with funds and positions moved exactly, and the venue's
refusals come back typed with their retCode."""

from decimal import Decimal
from typing import Any

import pytest

from tradeport.execution.quantize import quantize_price
from tradeport.model import Offset, OrderStatus, OrderType, PositionSide, Side
from tradeport.model.errors import (
    BadParameter,
    DuplicateClientOrderId,
    NotReady,
    OrderNotFound,
    PostOnlyRejected,
    ReduceOnlyRejected,
)
from tradeport.venues.base import OrderRequest
from tradeport.venues.bybit.client import BybitClient
from tradeport.venues.bybit.emulator import BybitEmulator

SYMBOL = "BTC-USDT"
LINEAR_MAKER_FEE = Decimal("0.0002")
SPOT_FEE = Decimal("0.001")
CREATE = "POST /v5/order/create"


async def test_limit_order_rests_is_found_by_either_id_and_cancels_once(
    spot: BybitClient, connect: Any, small_order: Any
) -> None:
    qty, price = await small_order(spot, SYMBOL, "0.98")
    order = await spot.make_order(SYMBOL, qty, price, "buy-limit", client_order_id="rest-1")
    assert order.status is OrderStatus.NEW and order.order_id
    assert (order.price, order.qty, order.client_order_id) == (price, qty, "rest-1")
    assert spot.order_ids.order_id("rest-1") == order.order_id
    # a client that never saw the order asks by orderLinkId
    other = await connect("BYBIT___SPOT")
    found = await other.query_order(SYMBOL, client_order_id="rest-1")
    assert found.order_id == order.order_id and other.order_ids.order_id("rest-1") == found.order_id
    cancelled = await spot.cancel_order(SYMBOL, client_order_id="rest-1")
    assert cancelled.status is OrderStatus.CANCELED and cancelled.order_id == order.order_id
    assert await spot.get_open_orders(SYMBOL) == []
    with pytest.raises(OrderNotFound) as info:
        await spot.cancel_order(SYMBOL, order_id=order.order_id)
    assert info.value.code == 170213  # spot's "Order does not exist."
    # closed orders stay queryable
    assert (await spot.query_order(SYMBOL, order_id=order.order_id)).status is OrderStatus.CANCELED


async def test_linear_limit_fill_opens_the_position_and_charges_the_maker_fee(
    swap: BybitClient, emulator: BybitEmulator, small_order: Any
) -> None:
    before = (await swap.get_balance())["USDT"]
    qty, price = await small_order(swap, SYMBOL, "0.995")
    order = await swap.make_order(SYMBOL, qty, price, "buy-limit")
    assert order.status is OrderStatus.NEW and order.position_side is PositionSide.BOTH
    emulator.move_to("linear", "BTCUSDT", price * Decimal("0.99"))

    done = await swap.query_order(SYMBOL, order_id=order.order_id)
    assert done.status is OrderStatus.FILLED and done.filled_qty == qty and done.avg_price == price
    (fill,) = await swap.get_deals(SYMBOL, order_id=order.order_id)
    fee = price * qty * LINEAR_MAKER_FEE
    assert fill.is_maker and fill.side is Side.BUY and (fill.price, fill.qty) == (price, qty)
    assert fill.fee == fee and fill.fee_asset == "USDT" and fill.realized_pnl == 0
    (pos,) = await swap.get_position(SYMBOL)
    assert pos.qty == qty and pos.entry_price == price and pos.position_side is PositionSide.BOTH
    after = (await swap.get_balance())["USDT"]
    assert after.total == before.total - fee  # opening realizes nothing but the fee
    assert after.locked > 0  # the position's initial margin
    snap = await swap.get_account()
    assert snap.capital == after.total and snap.positions == [pos]
    assert snap.equity == snap.capital + pos.unrealized_pnl


async def test_spot_limit_fill_moves_both_coins_exactly(
    spot: BybitClient, emulator: BybitEmulator, small_order: Any
) -> None:
    before = await spot.get_balance()
    qty, price = await small_order(spot, SYMBOL, "0.995")
    order = await spot.make_order(SYMBOL, qty, price, "buy-limit")
    locked = await spot.get_balance()
    assert locked["USDT"].locked - before["USDT"].locked == price * qty
    emulator.move_to("spot", "BTCUSDT", price * Decimal("0.99"))
    done = await spot.query_order(SYMBOL, order_id=order.order_id)
    assert done.status is OrderStatus.FILLED
    (fill,) = await spot.get_deals(SYMBOL, order_id=order.order_id)
    # a spot buy pays its fee in the coin bought
    assert fill.fee_asset == "BTC" and fill.fee == qty * SPOT_FEE
    after = await spot.get_balance()
    assert after["BTC"].total - before["BTC"].total == qty - fill.fee
    assert after["USDT"].total - before["USDT"].total == -price * qty


async def test_spot_market_buy_is_sized_in_the_base_coin(
    spot: BybitClient, small_order: Any
) -> None:
    qty, _ = await small_order(spot, SYMBOL, "1")
    order = await spot.make_order(SYMBOL, qty, None, "buy-market")
    assert order.type is OrderType.MARKET and order.status is OrderStatus.FILLED
    assert order.filled_qty == qty and order.qty == qty and order.raw["marketUnit"] == "baseCoin"


async def test_spot_has_no_close(spot: BybitClient, emulator: BybitEmulator) -> None:
    with pytest.raises(BadParameter, match="spot has no reduce-only"):
        await spot.make_order(SYMBOL, "0.001", None, "sell-market", offset="close")
    assert emulator.faults.seen[CREATE] == 0


async def test_close_without_position_is_reduce_only_rejected(
    swap: BybitClient, small_order: Any
) -> None:
    qty, _ = await small_order(swap, SYMBOL, "1")
    with pytest.raises(ReduceOnlyRejected) as info:
        await swap.make_order(SYMBOL, qty, None, "sell-market", offset="close")
    assert info.value.code == 110017


@pytest.mark.parametrize("key", ["BYBIT___SPOT", "BYBIT___SWAP"])
async def test_order_link_id_is_never_reused(key: str, connect: Any, small_order: Any) -> None:
    client = await connect(key)
    qty, price = await small_order(client, SYMBOL, "0.9")
    first = await client.make_order(SYMBOL, qty, price, "buy-limit", client_order_id="dup-1")
    with pytest.raises(DuplicateClientOrderId) as info:
        await client.make_order(SYMBOL, qty, price, "buy-limit", client_order_id="dup-1")
    # spot has its own code for it (170141), the derivatives categories 110072
    assert info.value.code == (170141 if key == "BYBIT___SPOT" else 110072)
    await client.cancel_order(SYMBOL, order_id=first.order_id)
    # Bybit keeps the id taken after the order is closed (create-order.mdx)
    with pytest.raises(DuplicateClientOrderId):
        await client.make_order(SYMBOL, qty, price, "buy-limit", client_order_id="dup-1")


@pytest.mark.parametrize("key", ["BYBIT___SPOT", "BYBIT___SWAP"])
async def test_post_only_that_would_take_is_rejected(
    key: str, connect: Any, small_order: Any
) -> None:
    client = await connect(key)
    qty, _ = await small_order(client, SYMBOL, "1")
    book = await client.get_depth(SYMBOL, 1)
    ask = Decimal(str(book.asks[0][0]))
    with pytest.raises(PostOnlyRejected) as info:
        await client.make_order(SYMBOL, qty, ask, "buy-post_only", client_order_id="po-1")
    assert info.value.code == "EC_PostOnlyWillTakeLiquidity"
    # the venue took the order and cancelled it: it is on record, expired
    expired = await client.query_order(SYMBOL, client_order_id="po-1")
    assert expired.status is OrderStatus.EXPIRED and expired.type is OrderType.POST_ONLY


async def test_hedge_mode_closes_the_long_leg(
    swap: BybitClient, emulator: BybitEmulator, small_order: Any
) -> None:
    await swap.set_position_mode(True)
    await swap.set_position_mode(True)  # "not modified" is not an error
    qty, price = await small_order(swap, SYMBOL, "0.995")
    opened = await swap.make_order(SYMBOL, qty, price, "buy-limit")
    assert opened.position_side is PositionSide.LONG
    emulator.move_to("linear", "BTCUSDT", price * Decimal("0.99"))
    (pos,) = await swap.get_position(SYMBOL)
    assert pos.position_side is PositionSide.LONG and pos.qty == qty
    closed = await swap.make_order(SYMBOL, qty, None, "sell-market", offset="close")
    assert closed.position_side is PositionSide.LONG
    assert closed.status is OrderStatus.FILLED and closed.filled_qty == qty
    assert await swap.get_position(SYMBOL) == []
    with pytest.raises(BadParameter, match="long leg"):
        await swap.submit_order(
            OrderRequest(
                symbol=SYMBOL,
                side=Side.BUY,
                type=OrderType.MARKET,
                qty=qty,
                offset=Offset.CLOSE,
                position_side=PositionSide.LONG,
            )
        )


async def test_close_realizes_pnl_reported_on_its_fill(
    swap: BybitClient, emulator: BybitEmulator, small_order: Any
) -> None:
    inst = await swap.instrument(SYMBOL)
    qty, price = await small_order(swap, SYMBOL, "0.995")
    await swap.make_order(SYMBOL, qty, price, "buy-limit")
    emulator.move_to("linear", "BTCUSDT", price * Decimal("0.99"))
    book = await swap.get_depth(SYMBOL, 1)
    exit_price = quantize_price(inst, Decimal(str(book.asks[0][0])))
    close = await swap.make_order(SYMBOL, qty, exit_price, "sell-limit", offset="close")
    assert close.reduce_only
    emulator.move_to("linear", "BTCUSDT", exit_price * Decimal("1.01"))
    fills = await swap.get_deals(SYMBOL)
    assert [f.side for f in fills] == [Side.BUY, Side.SELL]  # oldest first
    assert fills[1].realized_pnl == (exit_price - price) * qty
    assert await swap.get_position(SYMBOL) == []


async def test_leverage_is_set_once_and_reported(swap: BybitClient, small_order: Any) -> None:
    assert await swap.set_leverage(SYMBOL, 12) == 12
    assert await swap.set_leverage(SYMBOL, 12) == 12  # 110043 "not modified" is success
    qty, _ = await small_order(swap, SYMBOL, "1")
    await swap.make_order(SYMBOL, qty, None, "buy-market")
    (pos,) = await swap.get_position(SYMBOL)
    assert pos.leverage == 12


async def test_orders_and_fills_since_a_time(
    swap: BybitClient, emulator: BybitEmulator, small_order: Any
) -> None:
    qty, price = await small_order(swap, SYMBOL, "0.9")
    early = await swap.make_order(SYMBOL, qty, price, "buy-limit")
    mark = emulator.now_ms() + 1
    while emulator.now_ms() <= mark:  # the next order is created strictly after `mark`
        await swap.get_server_time()
    late = await swap.make_order(SYMBOL, qty, None, "buy-market")
    since = await swap.orders_since(SYMBOL, mark)
    assert [o.order_id for o in since] == [late.order_id]
    both = await swap.orders_since(SYMBOL, early.created_ts)
    assert [o.order_id for o in both] == [early.order_id, late.order_id]  # oldest first
    fills = await swap.fills_since(SYMBOL, mark)
    assert {f.order_id for f in fills} == {late.order_id}
    assert sum(f.qty for f in fills) == qty


async def test_open_orders_of_every_symbol(swap: BybitClient, small_order: Any) -> None:
    btc_qty, btc_price = await small_order(swap, SYMBOL, "0.9")
    eth_qty, eth_price = await small_order(swap, "ETH-USDT", "0.9")
    a = await swap.make_order(SYMBOL, btc_qty, btc_price, "buy-limit")
    b = await swap.make_order("ETH-USDT", eth_qty, eth_price, "buy-limit")
    listed = await swap.get_open_orders()
    assert {(o.symbol, o.order_id) for o in listed} == {
        (SYMBOL, a.order_id),
        ("ETH-USDT", b.order_id),
    }


async def test_refusing_client_names_what_is_down(
    connect: Any, emulator: BybitEmulator, small_order: Any
) -> None:
    client = await connect("BYBIT___SWAP", readiness="refuse")
    qty, price = await small_order(client, SYMBOL, "0.9")
    client.readiness.require("user")
    with pytest.raises(NotReady) as info:
        await client.make_order(SYMBOL, qty, price, "buy-limit")
    assert info.value.down == ["user"] and emulator.faults.seen[CREATE] == 0
    client.readiness.set_up("user")
    assert (await client.make_order(SYMBOL, qty, price, "buy-limit")).status is OrderStatus.NEW


async def test_waiting_client_gives_up_after_its_timeout(
    connect: Any, emulator: BybitEmulator, small_order: Any
) -> None:
    client = await connect("BYBIT___SPOT", ready_timeout=0.05)
    qty, price = await small_order(client, SYMBOL, "0.9")
    client.readiness.require("orders")
    with pytest.raises(NotReady, match="orders"):
        await client.make_order(SYMBOL, qty, price, "buy-limit")
    assert emulator.faults.seen[CREATE] == 0


async def test_skewed_venue_clock_is_resynchronised(
    swap: BybitClient, emulator: BybitEmulator, small_order: Any
) -> None:
    await swap.get_balance()
    emulator.clock_skew_ms = -60_000  # the venue now runs a minute behind
    qty, price = await small_order(swap, SYMBOL, "0.9")
    order = await swap.make_order(SYMBOL, qty, price, "buy-limit")
    assert order.status is OrderStatus.NEW
    # the first signed request was refused with 10002 and sent again once the clock
    # was resampled: the client now signs with the venue's time
    assert abs(swap.clock.offset_ms + 60_000) < 5_000
