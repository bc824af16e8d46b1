"""Place → list → fill → cancel, and the typed rejections, on every venue."""

from decimal import Decimal

import pytest

from tradeport.execution.quantize import quantize_price
from tradeport.model import OrderStatus, OrderType, PositionSide, Side
from tradeport.model.errors import (
    AuthError,
    DuplicateClientOrderId,
    InvalidPrice,
    InvalidQuantity,
    MinNotional,
    OrderNotFound,
    PostOnlyRejected,
)
from tradeport.venues.capability import Capability

from .conftest import SYMBOL, Venue, is_spot, needs


@needs(
    Capability.GET_DEPTH,
    Capability.MAKE_ORDER,
    Capability.GET_OPEN_ORDERS,
    Capability.QUERY_ORDER,
    Capability.CANCEL_ORDER,
)
async def test_resting_order_is_listed_and_cancelled_once(venue: Venue) -> None:
    qty = await venue.small_qty()
    price = await venue.price_under_bid("0.98")
    order = await venue.client.make_order(SYMBOL, qty, price, "buy-limit", client_order_id="c1")
    assert order.status is OrderStatus.NEW and order.client_order_id == "c1"
    assert order.price == price and order.qty == qty and order.order_id
    listed = await venue.client.get_open_orders(SYMBOL)
    assert [(o.order_id, o.client_order_id) for o in listed] == [(order.order_id, "c1")]
    queried = await venue.client.query_order(SYMBOL, client_order_id="c1")
    assert queried.order_id == order.order_id and queried.status is OrderStatus.NEW

    cancelled = await venue.client.cancel_order(SYMBOL, order_id=order.order_id)
    assert cancelled.status is OrderStatus.CANCELED and cancelled.client_order_id == "c1"
    assert await venue.client.get_open_orders(SYMBOL) == []
    with pytest.raises(OrderNotFound):
        await venue.client.cancel_order(SYMBOL, order_id=order.order_id)


@needs(
    Capability.GET_DEPTH,
    Capability.MAKE_ORDER,
    Capability.QUERY_ORDER,
    Capability.GET_DEALS,
    Capability.GET_BALANCE,
    Capability.GET_OPEN_ORDERS,
)
async def test_fill_by_the_moving_market_moves_funds_exactly(venue: Venue) -> None:
    client = venue.client
    before = await client.get_balance()
    qty = await venue.small_qty()
    price = await venue.price_under_bid("0.995")
    order = await client.make_order(SYMBOL, qty, price, "buy-limit")
    venue.move(price * Decimal("0.99"))

    done = await client.query_order(SYMBOL, order_id=order.order_id)
    assert done.status is OrderStatus.FILLED and done.filled_qty == qty
    assert done.avg_price == price
    fills = await client.get_deals(SYMBOL, order_id=order.order_id)
    assert sum(f.qty for f in fills) == qty
    assert all(f.is_maker and f.side is Side.BUY and f.price == price for f in fills)
    after = await client.get_balance()

    def change(asset: str) -> Decimal:
        return after[asset].total - (before[asset].total if asset in before else Decimal(0))

    fees = {a: sum((f.fee for f in fills if f.fee_asset == a), Decimal(0)) for a in after}
    if is_spot(venue):
        assert change("BTC") == qty - fees["BTC"]
        assert change("USDT") == -price * qty - fees["USDT"]
    else:
        (pos,) = await client.get_position(SYMBOL)
        assert pos.qty == qty and pos.entry_price == price
        assert change("USDT") == -fees["USDT"]  # opening realizes nothing but the fee
    assert await client.get_open_orders(SYMBOL) == []


@needs(Capability.GET_DEPTH, Capability.MAKE_ORDER, Capability.CANCEL_ORDER, Capability.QUERY_ORDER)
async def test_cancel_of_filled_or_unknown_order_is_order_not_found(venue: Venue) -> None:
    price = await venue.price_under_bid("0.995")
    order = await venue.client.make_order(SYMBOL, await venue.small_qty(), price, "buy-limit")
    venue.move(price * Decimal("0.99"))
    with pytest.raises(OrderNotFound):
        await venue.client.cancel_order(SYMBOL, order_id=order.order_id)
    with pytest.raises(OrderNotFound):
        await venue.client.cancel_order(SYMBOL, client_order_id="never-sent")
    with pytest.raises(OrderNotFound):
        await venue.client.query_order(SYMBOL, client_order_id="never-sent")


@needs(Capability.GET_DEPTH, Capability.MAKE_ORDER, Capability.QUERY_ORDER, Capability.GET_DEALS)
async def test_another_account_takes_the_resting_order(venue: Venue) -> None:
    taker = await venue.connect(account=1)
    try:
        inst = await venue.inst()
        _, ask = await venue.touch()
        price = quantize_price(inst, ask - inst.tick_size)  # inside the spread: best ask
        qty = await venue.small_qty()
        maker = await venue.client.make_order(SYMBOL, qty, price, "sell-limit")
        taken = await taker.make_order(SYMBOL, qty, price, "buy-limit")
        assert taken.status is OrderStatus.FILLED and taken.avg_price == price
        done = await venue.client.query_order(SYMBOL, client_order_id=maker.client_order_id)
        assert done.status is OrderStatus.FILLED
        (fill,) = await taker.get_deals(SYMBOL, order_id=taken.order_id)
        assert not fill.is_maker and fill.price == price and fill.qty == qty
    finally:
        await taker.close()


@needs(Capability.GET_DEPTH, Capability.MAKE_ORDER)
async def test_market_order_fills_against_the_book(venue: Venue) -> None:
    qty = await venue.small_qty()
    order = await venue.client.make_order(SYMBOL, qty, None, "buy-market")
    assert order.type is OrderType.MARKET and order.status is OrderStatus.FILLED
    assert order.filled_qty == qty and order.avg_price is not None


@needs(Capability.GET_DEPTH, Capability.MAKE_ORDER)
async def test_post_only_that_would_take_is_rejected(venue: Venue) -> None:
    qty = await venue.small_qty()
    _, ask = await venue.touch()
    with pytest.raises(PostOnlyRejected):
        await venue.client.make_order(SYMBOL, qty, ask, "buy-post_only")
    price = await venue.price_under_bid("0.99")
    resting = await venue.client.make_order(SYMBOL, qty, price, "buy-post_only")
    assert resting.type is OrderType.POST_ONLY and resting.status is OrderStatus.NEW


@needs(Capability.GET_DEPTH, Capability.MAKE_ORDER, Capability.GET_OPEN_ORDERS)
async def test_duplicate_client_order_id_is_typed_and_changes_nothing(venue: Venue) -> None:
    qty, price = await venue.small_qty(), await venue.price_under_bid("0.9")
    await venue.client.make_order(SYMBOL, qty, price, "buy-limit", client_order_id="dup1")
    with pytest.raises(DuplicateClientOrderId):
        await venue.client.make_order(SYMBOL, qty, price, "buy-limit", client_order_id="dup1")
    assert len(await venue.client.get_open_orders(SYMBOL)) == 1


@needs(Capability.GET_DEPTH, Capability.MAKE_ORDER, Capability.GET_OPEN_ORDERS)
async def test_orders_breaking_the_rules_never_reach_the_venue(venue: Venue) -> None:
    inst = await venue.inst()
    price = await venue.price_under_bid("0.99")
    qty = await venue.small_qty()
    with pytest.raises(InvalidQuantity, match="step"):
        await venue.client.make_order(SYMBOL, qty + inst.step_size / 2, price, "buy-limit")
    with pytest.raises(InvalidPrice, match="tick"):
        await venue.client.make_order(SYMBOL, qty, price + inst.tick_size / 3, "buy-limit")
    # some venues (OKX) publish no minimum order value; on others (Bybit linear: 5 USDT)
    # the smallest quantity already clears it
    if inst.min_qty * price * inst.contract_size < inst.min_notional:
        with pytest.raises(MinNotional):
            await venue.client.make_order(SYMBOL, inst.min_qty, price, "buy-limit")
    assert await venue.client.get_open_orders() == []


@needs(Capability.GET_BALANCE)
async def test_bad_secret_is_an_auth_error_that_hides_the_secret(venue: Venue) -> None:
    client = await venue.connect(secret="not-the-secret")
    async with client:
        with pytest.raises(AuthError) as info:
            await client.get_balance()
        assert "not-the-secret" not in str(info.value) and "not-the-secret" not in repr(client)


@needs(Capability.GET_DEPTH, Capability.MAKE_ORDER, Capability.GET_ACCOUNT, Capability.GET_BALANCE)
async def test_account_snapshot_agrees_with_its_parts(venue: Venue) -> None:
    price = await venue.price_under_bid("0.9")
    order = await venue.client.make_order(SYMBOL, await venue.small_qty(), price, "buy-limit")
    snap = await venue.client.get_account()
    assert snap.venue == venue.spec.key
    assert [o.order_id for o in snap.open_orders] == [order.order_id]
    assert snap.balances == await venue.client.get_balance()
    if is_spot(venue):
        assert snap.positions == [] and snap.capital == snap.balances["USDT"].total
    else:
        assert snap.equity == snap.capital + sum(p.unrealized_pnl for p in snap.positions)
        assert all(p.position_side in PositionSide for p in snap.positions)
