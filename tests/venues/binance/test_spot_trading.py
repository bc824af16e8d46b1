"""Spot trading: place, list, fill, cancel, balances — against the emulator."""

from decimal import Decimal

import pytest

from tradeport.execution.quantize import quantize_price
from tradeport.model import OrderStatus, OrderType, Side
from tradeport.model.errors import (
    BadParameter,
    DuplicateClientOrderId,
    InsufficientBalance,
    InvalidPrice,
    InvalidQuantity,
    MinNotional,
    OrderNotFound,
    PostOnlyRejected,
)
from tradeport.venues.base import VenueClient

from .conftest import connect

SYMBOL = "BTC-USDT"


async def below_bid(client: VenueClient, fraction: str) -> Decimal:
    book = await client.get_depth(SYMBOL, 5)
    inst = await client.instrument(SYMBOL)
    return quantize_price(inst, Decimal(str(book.bids[0][0])) * Decimal(fraction))


async def test_resting_limit_order_is_listed_and_locks_quote(spot: VenueClient) -> None:
    before = await spot.get_balance()
    price = await below_bid(spot, "0.99")
    order = await spot.make_order(SYMBOL, "0.01", price, "buy-limit", client_order_id="rest1")
    assert order.status is OrderStatus.NEW and order.client_order_id == "rest1"
    assert order.price == price and order.qty == Decimal("0.01")
    listed = await spot.get_open_orders(SYMBOL)
    assert [o.order_id for o in listed] == [order.order_id]
    after = await spot.get_balance()
    assert after["USDT"].locked - before["USDT"].locked == price * Decimal("0.01")
    assert after["USDT"].total == before["USDT"].total


async def test_order_fills_when_market_crosses_and_balances_move_exactly(
    spot: VenueClient, emulator
) -> None:  # type: ignore[no-untyped-def]
    before = await spot.get_balance()
    price = await below_bid(spot, "0.995")
    order = await spot.make_order(SYMBOL, "0.02", price, "buy-limit")
    emulator.move_to("spot", "BTCUSDT", price * Decimal("0.99"))
    filled = await spot.query_order(SYMBOL, order_id=order.order_id)
    assert filled.status is OrderStatus.FILLED
    assert filled.filled_qty == Decimal("0.02") and filled.avg_price == price
    fills = await spot.get_deals(SYMBOL, order_id=order.order_id)
    assert sum(f.qty for f in fills) == Decimal("0.02")
    assert all(f.is_maker and f.side is Side.BUY and f.price == price for f in fills)
    fee_btc = sum(f.fee for f in fills if f.fee_asset == "BTC")
    after = await spot.get_balance()
    assert after["BTC"].total - before["BTC"].total == Decimal("0.02") - fee_btc
    assert before["USDT"].total - after["USDT"].total == price * Decimal("0.02")
    assert await spot.get_open_orders(SYMBOL) == []


async def test_second_account_takes_the_resting_order(spot: VenueClient, emulator) -> None:  # type: ignore[no-untyped-def]
    taker = await connect(emulator, "BINANCE___SPOT", account=1)
    try:
        book = await spot.get_depth(SYMBOL, 5)
        inst = await spot.instrument(SYMBOL)
        # a sell inside the spread becomes the best ask; the other account buys it
        price = quantize_price(inst, Decimal(str(book.asks[0][0])) - inst.tick_size)
        maker = await spot.make_order(SYMBOL, "0.01", price, "sell-limit")
        taken = await taker.make_order(SYMBOL, "0.01", price, "buy-limit")
        assert taken.status is OrderStatus.FILLED and taken.avg_price == price
        done = await spot.query_order(SYMBOL, client_order_id=maker.client_order_id)
        assert done.status is OrderStatus.FILLED
        (fill,) = await taker.get_deals(SYMBOL, order_id=taken.order_id)
        assert not fill.is_maker and fill.price == price
    finally:
        await taker.close()


async def test_cancel_then_cancel_again_is_order_not_found(spot: VenueClient) -> None:
    order = await spot.make_order(SYMBOL, "0.01", await below_bid(spot, "0.9"), "buy-limit")
    cancelled = await spot.cancel_order(SYMBOL, order_id=order.order_id)
    assert cancelled.status is OrderStatus.CANCELED
    with pytest.raises(OrderNotFound) as info:
        await spot.cancel_order(SYMBOL, order_id=order.order_id)
    assert info.value.code == -2011


async def test_cancel_of_filled_or_unknown_order_is_order_not_found(
    spot: VenueClient, emulator
) -> None:  # type: ignore[no-untyped-def]
    price = await below_bid(spot, "0.995")
    order = await spot.make_order(SYMBOL, "0.01", price, "buy-limit")
    emulator.move_to("spot", "BTCUSDT", price * Decimal("0.99"))
    with pytest.raises(OrderNotFound):
        await spot.cancel_order(SYMBOL, order_id=order.order_id)
    with pytest.raises(OrderNotFound):
        await spot.cancel_order(SYMBOL, client_order_id="never-sent")
    with pytest.raises(OrderNotFound) as info:
        await spot.query_order(SYMBOL, order_id="987654321")
    assert info.value.code == -2013


async def test_market_order_fills_against_the_book(spot: VenueClient) -> None:
    order = await spot.make_order(SYMBOL, "0.01", None, "buy-market")
    assert order.type is OrderType.MARKET and order.status is OrderStatus.FILLED
    assert order.filled_qty == Decimal("0.01") and order.avg_price is not None


async def test_post_only_that_would_take_is_rejected(spot: VenueClient) -> None:
    book = await spot.get_depth(SYMBOL, 5)
    inst = await spot.instrument(SYMBOL)
    crossing = quantize_price(inst, Decimal(str(book.asks[0][0])))
    with pytest.raises(PostOnlyRejected):
        await spot.make_order(SYMBOL, "0.01", crossing, "buy-post_only")
    resting = await spot.make_order(SYMBOL, "0.01", await below_bid(spot, "0.99"), "buy-post_only")
    assert resting.type is OrderType.POST_ONLY and resting.status is OrderStatus.NEW


async def test_duplicate_client_order_id(spot: VenueClient) -> None:
    price = await below_bid(spot, "0.9")
    await spot.make_order(SYMBOL, "0.01", price, "buy-limit", client_order_id="dup-1")
    with pytest.raises(DuplicateClientOrderId):
        await spot.make_order(SYMBOL, "0.01", price, "buy-limit", client_order_id="dup-1")
    assert len(await spot.get_open_orders(SYMBOL)) == 1


async def test_insufficient_balance_changes_nothing(spot: VenueClient) -> None:
    before = await spot.get_balance()
    with pytest.raises(InsufficientBalance):
        await spot.make_order(SYMBOL, "100", await below_bid(spot, "0.9"), "buy-limit")
    assert await spot.get_balance() == before
    assert await spot.get_open_orders() == []


async def test_orders_are_checked_against_filters_before_sending(spot: VenueClient) -> None:
    inst = await spot.instrument(SYMBOL)
    price = await below_bid(spot, "0.99")
    with pytest.raises(InvalidQuantity, match="step"):
        await spot.make_order(SYMBOL, inst.step_size / 2 + inst.step_size, price, "buy-limit")
    with pytest.raises(InvalidPrice, match="tick"):
        await spot.make_order(SYMBOL, "0.01", price + inst.tick_size / 3, "buy-limit")
    with pytest.raises(MinNotional):
        await spot.make_order(SYMBOL, inst.min_qty, Decimal("1"), "buy-limit")
    assert spot.http.status_counts[400] == 0  # nothing reached the venue


async def test_venue_filter_errors_map_to_the_same_types(spot: VenueClient) -> None:
    # bypass the client's own check to see the venue's answer typed the same way
    base = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC"}
    price = await below_bid(spot, "0.99")
    tick = (await spot.instrument(SYMBOL)).tick_size
    with pytest.raises(InvalidPrice) as info:
        await spot._signed(  # type: ignore[attr-defined]
            "make_order", {**base, "quantity": "0.01", "price": str(price + tick / 10)}
        )
    assert info.value.code == -1013 and "PRICE_FILTER" in (info.value.raw_message or "")
    with pytest.raises(InvalidQuantity):
        await spot._signed(  # type: ignore[attr-defined]
            "make_order", {**base, "quantity": "0.000015", "price": str(price)}
        )


async def test_spot_has_no_reduce_only(spot: VenueClient) -> None:
    with pytest.raises(BadParameter, match="spot"):
        await spot.make_order(SYMBOL, "0.01", await below_bid(spot, "0.9"), "sell-limit", "close")


async def test_account_snapshot(spot: VenueClient) -> None:
    await spot.make_order(SYMBOL, "0.01", await below_bid(spot, "0.9"), "buy-limit")
    snap = await spot.get_account()
    assert snap.venue == "BINANCE___SPOT" and len(snap.open_orders) == 1
    assert snap.capital == snap.balances["USDT"].total and snap.positions == []
    btc = Decimal(str((await spot.get_tick(SYMBOL)).last))
    # 2 BTC, 20 ETH and 100000 DOGE on top of the USDT: equity counts them at last price
    assert snap.equity > snap.capital + 2 * btc
