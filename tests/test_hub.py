"""A Hub over two emulated venues: one event stream, tagged by venue and kind."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

import tradeport as tp
from tradeport.book.view import BookView
from tradeport.model import BookState, Trade
from tradeport.model.errors import BadParameter

SYMBOL = "BTC-USDT"
SPOT, SWAP = "BINANCE___SPOT", "BINANCE___SWAP"
# each venue's emulator runs its own synthetic market, stepping every 50 ms
MOVING: dict[str, Any] = {"environment": "emulator", "emulator_options": {"step_interval": 0.05}}


@pytest.fixture
async def hub() -> AsyncIterator[tp.Hub]:
    async with tp.Hub({SPOT: MOVING, SWAP: MOVING}) as h:
        yield h


async def collect(hub: tp.Hub, wanted: set[tuple[str, str]]) -> list[tp.HubEvent]:
    """Hub events until every (venue, kind) in `wanted` was seen at least once."""
    events: list[tp.HubEvent] = []
    async with asyncio.timeout(20):
        async for event in hub:
            events.append(event)
            if wanted <= {(e.venue, e.kind) for e in events}:
                return events
    raise AssertionError(f"the hub ended before {wanted} were seen")


async def test_trades_and_books_of_both_venues_arrive_tagged(hub: tp.Hub) -> None:
    await hub.watch_trades(SYMBOL)
    await hub.watch_order_book(SYMBOL, 5)
    events = await collect(hub, {(v, k) for v in (SPOT, SWAP) for k in ("trades", "book")})
    assert {e.venue for e in events} == {SPOT, SWAP}
    assert {e.kind for e in events} == {"trades", "book"}
    for event in events:
        assert isinstance(event, tp.HubEvent)
        if event.kind == "trades":
            assert isinstance(event.data, Trade) and event.data.symbol == SYMBOL
            assert event.data.price > 0 and event.data.qty > 0
        else:
            book = event.data
            assert isinstance(book, BookView) and book.symbol == SYMBOL
            assert book.state is BookState.LIVE
            assert len(book.bids) == len(book.asks) == 5
            assert book.bids[0][0] < book.asks[0][0]
    for venue in (SPOT, SWAP):  # each venue's trades come in its own order
        ids = [int(e.data.trade_id) for e in events if e.venue == venue and e.kind == "trades"]
        assert ids == sorted(ids) and len(ids) == len(set(ids))
    for key, client in hub.clients.items():
        synced = client.synced_book(SYMBOL)
        assert synced is not None and synced.state is BookState.LIVE, key


async def test_venues_restricts_a_watch_to_those_named(hub: tp.Hub) -> None:
    await hub.watch_trades(SYMBOL, venues=[SWAP])
    await hub.watch_order_book(SYMBOL, 5, venues=[SPOT])
    events = await collect(hub, {(SWAP, "trades"), (SPOT, "book")})
    assert {(e.venue, e.kind) for e in events} <= {(SWAP, "trades"), (SPOT, "book")}
    assert hub.clients[SWAP].synced_book(SYMBOL) is None  # no book was opened there
    assert hub.clients[SPOT].streams.channels() == [("book", SYMBOL, None)]


async def test_unknown_venue_or_stream_is_refused(hub: tp.Hub) -> None:
    with pytest.raises(BadParameter, match="OKX___SWAP"):
        await hub.watch_trades(SYMBOL, venues=["OKX___SWAP"])
    with pytest.raises(BadParameter, match="not a stream"):
        await hub.watch("get_tick", SYMBOL)
    assert all(c.streams.channels() == [] for c in hub.clients.values())


async def test_close_ends_iteration(hub: tp.Hub) -> None:
    await hub.watch_trades(SYMBOL)
    first = await asyncio.wait_for(anext(hub), 20)
    assert first.kind == "trades"
    clients = list(hub.clients.values())
    await hub.close()
    # what was queued before the close may still be read; then the iteration ends
    async with asyncio.timeout(5):
        rest = [event async for event in hub]
    assert all(e.kind == "trades" for e in rest)
    assert hub.clients == {}
    assert all(c.streams.closed for c in clients)


def test_a_hub_needs_a_venue() -> None:
    with pytest.raises(BadParameter, match="at least one venue"):
        tp.Hub({})
