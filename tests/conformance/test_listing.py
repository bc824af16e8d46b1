"""Listing states in trading: a close-only contract takes closing orders only, one not
launched yet takes none, each refusal with the venue's own code; a contract listed
while the venue runs shows in its instruments and streams and trades at once."""

from __future__ import annotations

import asyncio
from decimal import ROUND_UP, Decimal

import pytest

from tradeport.emulator.listing import ListingState
from tradeport.emulator.symbols import NewContract
from tradeport.execution.quantize import quantize
from tradeport.model import InstrumentStatus, OrderBook, OrderStatus
from tradeport.model.errors import TradeportError
from tradeport.venues.capability import Capability

from .conftest import SYMBOL, Venue, is_spot, needs
from .test_positions import fill_at_touch

# raw code of an opening order on a close-only contract (spot: of any order, spot has
# no positions to close); [?] marks codes the venues' documents do not tie to the state
CLOSE_ONLY: dict[str, int | str] = {
    "BINANCE___SPOT": -2010,  # "Market is closed."
    "BINANCE___SWAP": -4140,  # "Invalid symbol status for opening position."
    "BYBIT___SPOT": 170157,  # [?]
    "BYBIT___SWAP": 110074,  # "This contract is not live" [?]
    "OKX___SPOT": "51022",  # "Contract suspended." [?]
    "OKX___SWAP": "51022",
    "BINGX___SWAP": 109415,  # "symbol paused" [?]
    "BTCC___SWAP": 2010,  # the emulator's own number: BTCC publishes none [?]
}
# raw code of any order on a contract not launched yet
PRE_LAUNCH: dict[str, int | str] = {
    "BINANCE___SPOT": -2010,
    "BINANCE___SWAP": -4140,  # [?]
    "BYBIT___SPOT": 170151,  # "The trading pair is not open yet"
    "BYBIT___SWAP": 110074,
    "OKX___SPOT": "51021",  # "The pair or contract is not yet listed"
    "OKX___SWAP": "51021",
    "BINGX___SWAP": 109415,  # [?]
    "BTCC___SWAP": 2010,  # [?]
}
NEW = NewContract(
    symbol="NEW-USDT",
    base="NEW",
    quote="USDT",
    tick_size=Decimal("0.001"),
    step_size=Decimal("0.1"),
    min_qty=Decimal("0.1"),
    min_notional=Decimal("5"),
    start_price=Decimal("2.5"),
)


async def _refused_code(v: Venue, order_type: str, offset: str = "open") -> int | str | None:
    with pytest.raises(TradeportError) as refused:
        await v.client.make_order(SYMBOL, await v.small_qty(), None, order_type, offset=offset)
    return refused.value.code


@needs(
    Capability.MAKE_ORDER,
    Capability.QUERY_ORDER,
    Capability.GET_POSITION,
)
async def test_close_only_refuses_an_opening_order_and_takes_a_close(derivatives: Venue) -> None:
    v = derivatives
    qty = await v.small_qty()
    await fill_at_touch(v, "buy", qty)
    v.emulator.set_listing_state(v.spec.asset_type, SYMBOL, ListingState.CLOSE_ONLY)

    assert await _refused_code(v, "buy-market") == CLOSE_ONLY[v.spec.key]
    assert await _refused_code(v, "sell-market") == CLOSE_ONLY[v.spec.key]
    (still,) = await v.client.get_position(SYMBOL)
    assert still.qty == qty

    close = await v.client.make_order(SYMBOL, qty, None, "sell-market", offset="close")
    done = await v.client.query_order(SYMBOL, order_id=close.order_id)
    assert done.status is OrderStatus.FILLED and done.filled_qty == qty
    assert not [p for p in await v.client.get_position(SYMBOL) if p.qty]


@needs(Capability.MAKE_ORDER)
async def test_close_only_spot_symbol_refuses_every_order(venue: Venue) -> None:
    if not is_spot(venue):
        pytest.skip("a derivatives contract takes closing orders (the test above)")
    venue.emulator.set_listing_state(venue.spec.asset_type, SYMBOL, ListingState.CLOSE_ONLY)
    assert await _refused_code(venue, "buy-market") == CLOSE_ONLY[venue.spec.key]


@needs(Capability.MAKE_ORDER, Capability.GET_OPEN_ORDERS)
async def test_pre_launch_contract_refuses_every_order(venue: Venue) -> None:
    price = await venue.price_under_bid("0.99")
    venue.emulator.set_listing_state(venue.spec.asset_type, SYMBOL, ListingState.PRE_LAUNCH)
    with pytest.raises(TradeportError) as refused:
        await venue.client.make_order(SYMBOL, await venue.small_qty(), price, "buy-limit")
    assert refused.value.code == PRE_LAUNCH[venue.spec.key]
    assert not await venue.client.get_open_orders(SYMBOL)
    # trading opens: the same order goes through
    venue.emulator.set_listing_state(venue.spec.asset_type, SYMBOL, ListingState.TRADING)
    order = await venue.client.make_order(SYMBOL, await venue.small_qty(), price, "buy-limit")
    assert order.order_id


@needs(Capability.MAKE_ORDER, Capability.QUERY_ORDER)
async def test_contract_listed_at_runtime_is_announced_streamed_and_traded(venue: Venue) -> None:
    v = venue
    symbol = NEW.symbol
    v.emulator.add_contract(v.spec.asset_type, NEW)

    listed = {i.symbol: i for i in await v.client.get_exchange_info()}
    inst = listed[symbol]
    assert inst.status is InstrumentStatus.TRADING
    assert inst.base == "NEW" and inst.quote == "USDT"
    assert inst.tick_size == NEW.tick_size

    if Capability.WATCH_ORDER_BOOK in v.spec.capabilities:
        quoted = asyncio.Event()

        def on_book(book: OrderBook) -> None:
            if book.bids and book.asks:
                quoted.set()

        await v.client.watch_order_book(symbol, callback=on_book)
        v.emulator.step()
        await asyncio.wait_for(quoted.wait(), 10)

    # twice the largest minimum notional at the start price
    by_notional = Decimal(10) / (NEW.start_price * inst.contract_size)
    qty = max(inst.min_qty, quantize(by_notional, inst.step_size, ROUND_UP))
    order = await v.client.make_order(symbol, qty, None, "buy-market")
    done = await v.client.query_order(symbol, order_id=order.order_id)
    assert done.status is OrderStatus.FILLED
    # around the start price: the new market opened where the listing said
    assert done.avg_price is not None
    assert abs(Decimal(str(done.avg_price)) - NEW.start_price) < NEW.start_price / 10
