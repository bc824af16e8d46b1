"""ccxt.pro's private order stream at its default settings: `watch_orders` sees the
orders tradeport places and cancels, on every venue with a ccxt peer (Binance spot
through the WS API, USDⓈ-M through a listen key, Bybit and OKX through their private
streams after login)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import ccxt.pro as ccxtpro
import pytest

from .ccxt_peers import Peer, keys_with_peer, peer
from .conftest import SYMBOL, Venue, running

WAIT = 30.0  # only a guard against a hang


@pytest.fixture(params=keys_with_peer())
async def pair(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Venue, Peer, Any]]:
    async with running(request.param) as venue:
        their_peer = peer(venue.spec.key)
        theirs = their_peer.client(ccxtpro, venue.emulator)
        try:
            await theirs.load_markets()
            yield venue, their_peer, theirs
        finally:
            await theirs.close()


async def test_watch_orders_sees_an_order_placed_and_cancelled(
    pair: tuple[Venue, Peer, Any],
) -> None:
    venue, their_peer, theirs = pair
    symbol = their_peer.symbol(SYMBOL)
    qty, price = await venue.small_qty(), await venue.price_under_bid("0.99")
    placed: list[str] = []
    async with asyncio.timeout(WAIT):
        watching = asyncio.ensure_future(theirs.watch_orders(symbol))
        while not watching.done():
            # place until the subscription is in place and a push reaches ccxt; an
            # order placed before that is cancelled, so only the last one rests
            if placed:
                await venue.client.cancel_order(SYMBOL, order_id=placed[-1])
            order = await venue.client.make_order(SYMBOL, qty, price, "buy-limit")
            assert order.order_id is not None
            placed.append(order.order_id)
            await asyncio.wait({watching}, timeout=0.05)
        seen = watching.result()
        assert seen and {str(o["id"]) for o in seen} <= set(placed)
        assert all(o["symbol"] == symbol for o in seen)
        # ccxt keeps one object per order, updated in place as pushes arrive: read the
        # last order's state there, and wait for the next push while it is not yet so
        last = placed[-1]
        while status(theirs, last) != "open":
            await theirs.watch_orders(symbol)
        await venue.client.cancel_order(SYMBOL, order_id=last)
        while status(theirs, last) != "canceled":
            await theirs.watch_orders(symbol)


def status(theirs: Any, order_id: str) -> str | None:
    """ccxt.pro's latest view of an order's status, from its order cache."""
    for order in theirs.orders or []:
        if str(order["id"]) == order_id:
            found: str = order["status"]
            return found
    return None
