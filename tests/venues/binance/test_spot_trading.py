"""Binance spot quirks beyond the conformance suite: error codes, locked funds, filters
answered by the venue, no reduce-only, equity valued at last prices."""

from decimal import Decimal

import pytest

from tradeport.execution.quantize import quantize_price
from tradeport.model import OrderStatus
from tradeport.model.errors import (
    BadParameter,
    InsufficientBalance,
    InvalidPrice,
    InvalidQuantity,
    OrderNotFound,
    UnknownSymbol,
)
from tradeport.venues.binance.client import BinanceClient

SYMBOL = "BTC-USDT"


async def below_bid(client: BinanceClient, fraction: str) -> Decimal:
    book = await client.get_depth(SYMBOL, 5)
    inst = await client.instrument(SYMBOL)
    return quantize_price(inst, Decimal(str(book.bids[0][0])) * Decimal(fraction))


async def test_resting_limit_order_is_listed_and_locks_quote(spot: BinanceClient) -> None:
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


async def test_cancel_then_cancel_again_is_order_not_found(spot: BinanceClient) -> None:
    order = await spot.make_order(SYMBOL, "0.01", await below_bid(spot, "0.9"), "buy-limit")
    cancelled = await spot.cancel_order(SYMBOL, order_id=order.order_id)
    assert cancelled.status is OrderStatus.CANCELED
    with pytest.raises(OrderNotFound) as info:
        await spot.cancel_order(SYMBOL, order_id=order.order_id)
    assert info.value.code == -2011  # CANCEL_REJECTED "Unknown order sent."
    with pytest.raises(OrderNotFound) as info:
        await spot.query_order(SYMBOL, order_id="987654321")
    assert info.value.code == -2013  # NO_SUCH_ORDER


async def test_unknown_symbol_keeps_the_venue_code(spot: BinanceClient) -> None:
    with pytest.raises(UnknownSymbol) as info:
        await spot.get_depth("NOPE-USDT", 5)
    assert info.value.code == -1121 and info.value.venue == "BINANCE___SPOT"


async def test_insufficient_balance_changes_nothing(spot: BinanceClient) -> None:
    before = await spot.get_balance()
    with pytest.raises(InsufficientBalance):
        await spot.make_order(SYMBOL, "100", await below_bid(spot, "0.9"), "buy-limit")
    assert await spot.get_balance() == before
    assert await spot.get_open_orders() == []


async def test_venue_filter_errors_map_to_the_same_types(spot: BinanceClient) -> None:
    # bypass the client's own check to see the venue's answer typed the same way
    base = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC"}
    price = await below_bid(spot, "0.99")
    tick = (await spot.instrument(SYMBOL)).tick_size
    with pytest.raises(InvalidPrice) as info:
        await spot._signed(
            "make_order", {**base, "quantity": "0.01", "price": str(price + tick / 10)}
        )
    assert info.value.code == -1013 and "PRICE_FILTER" in (info.value.raw_message or "")
    with pytest.raises(InvalidQuantity):
        await spot._signed("make_order", {**base, "quantity": "0.000015", "price": str(price)})


async def test_spot_has_no_reduce_only(spot: BinanceClient) -> None:
    with pytest.raises(BadParameter, match="spot"):
        await spot.make_order(SYMBOL, "0.01", await below_bid(spot, "0.9"), "sell-limit", "close")


async def test_account_snapshot(spot: BinanceClient) -> None:
    await spot.make_order(SYMBOL, "0.01", await below_bid(spot, "0.9"), "buy-limit")
    snap = await spot.get_account()
    assert snap.venue == "BINANCE___SPOT" and len(snap.open_orders) == 1
    assert snap.capital == snap.balances["USDT"].total and snap.positions == []
    btc = Decimal(str((await spot.get_tick(SYMBOL)).last))
    # 2 BTC, 20 ETH and 100000 DOGE on top of the USDT: equity counts them at last price
    assert snap.equity > snap.capital + 2 * btc


async def test_unfillable_fok_expires_on_spot(spot: BinanceClient) -> None:
    book = await spot.get_depth(SYMBOL, 5)
    inst = await spot.instrument(SYMBOL)
    best_ask_qty = Decimal(str(book.asks[0][1]))
    price = quantize_price(inst, Decimal(str(book.asks[0][0])))  # only the best level fits
    qty = best_ask_qty + Decimal("0.5")
    order = await spot.make_order(SYMBOL, qty, price, "buy-limit", time_in_force="fok")
    assert order.status is OrderStatus.EXPIRED and order.filled_qty == 0
    assert await spot.get_open_orders(SYMBOL) == []
