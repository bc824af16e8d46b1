"""The BingX client's public streams against the emulator over loopback (§5.4-5.5):
gzip frames inflated, the venue's `Ping` answered, a verified incremental book equal
to the emulator's, a dropped update resyncing that book alone by resubscribing its
dataType (no REST, the same connection), trades and quotes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from decimal import Decimal

import tradeport as tp
from tradeport.book.sync import BookSync
from tradeport.model import AssetType, BookState, MarkPrice, OrderBook, Quote, Trade
from tradeport.venues.bingx.client import BingxClient
from tradeport.venues.bingx.emulator import BingxEmulator

SYMBOL, OTHER = "BTC-USDT", "ETH-USDT"


async def eventually(check: Callable[[], object], what: str, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        await asyncio.sleep(0.02)


async def step_until(emu: BingxEmulator, check: Callable[[], object], what: str) -> None:
    """Move the market until `check()` holds."""
    for _ in range(200):
        if check():
            return
        emu.step()
        await asyncio.sleep(0.05)
    raise AssertionError(f"nothing while the market moved: {what}")


def engine_symbol(emu: BingxEmulator, wire: str) -> str:
    return next(s.symbol for s in emu.symbols if f"{s.base}-{s.quote}" == wire)


def matches_engine(emu: BingxEmulator, book: BookSync, wire: str) -> bool:
    view = emu.swap.depth(engine_symbol(emu, wire), 1000)
    ours = book.view()
    return (
        book.state is BookState.LIVE
        and ours.bids == [(float(p), float(q)) for p, q in view.bids]
        and ours.asks == [(float(p), float(q)) for p, q in view.asks]
    )


async def test_book_is_live_and_equal_to_the_emulators(
    client: BingxClient, emulator: BingxEmulator
) -> None:
    await client.watch_order_book(SYMBOL, callback=lambda book: None).start()
    book = client.synced_book(SYMBOL)
    assert book is not None
    await eventually(lambda: matches_engine(emulator, book, SYMBOL), "the first book")
    start = book.update_id
    for _ in range(5):
        emulator.step()
    await eventually(lambda: matches_engine(emulator, book, SYMBOL), "the moved book")
    assert book.update_id > start and book.stats.gaps == 0
    assert book.update_id == emulator.streams.hub.update_id(SYMBOL)


async def test_a_dropped_update_resyncs_that_book_only(
    client: BingxClient, emulator: BingxEmulator
) -> None:
    for symbol in (SYMBOL, OTHER):
        await client.watch_order_book(symbol, callback=lambda book: None).start()
    btc, eth = client.synced_book(SYMBOL), client.synced_book(OTHER)
    assert btc is not None and eth is not None
    await eventually(lambda: btc.state is eth.state is BookState.LIVE, "both books LIVE")
    emulator.stream_faults.drop_depth(engine_symbol(emulator, SYMBOL))
    await step_until(emulator, lambda: btc.stats.gaps == 1, "the gap")
    await step_until(emulator, lambda: btc.state is BookState.LIVE, "the BTC book resynced")
    await eventually(lambda: matches_engine(emulator, btc, SYMBOL), "BTC equal again")
    assert (btc.stats.snapshots, btc.stats.resyncs) == (2, 1)
    assert (eth.stats.snapshots, eth.stats.gaps, eth.stats.resyncs) == (1, 0, 0)
    assert client.public_streams.resubscribes == 1
    (stats,) = client.stream_stats().values()
    assert (stats.connects, stats.reconnects) == (1, 0)  # the same connection
    assert emulator.faults.seen[client.config.rest_paths["get_depth"]] == 0  # no REST


async def test_trades_and_quotes_arrive(client: BingxClient, emulator: BingxEmulator) -> None:
    trades: list[Trade] = []
    quotes: list[Quote] = []
    await client.watch_trades(SYMBOL, callback=trades.append).start()
    await client.watch_quotes(SYMBOL, callback=quotes.append).start()
    symbol = engine_symbol(emulator, SYMBOL)
    market = emulator.markets["swap"]
    market.move_to(symbol, market.mid(symbol) * Decimal("1.002"))
    await eventually(lambda: trades and quotes, "trades and quotes")
    assert all(t.symbol == SYMBOL and t.price > 0 and t.qty > 0 for t in trades)
    top = emulator.swap.depth(symbol, 1)
    best = (float(top.bids[0][0]), float(top.asks[0][0]))
    await eventually(lambda: (quotes[-1].bid, quotes[-1].ask) == best, "the last quote")


async def test_the_venues_pings_are_answered() -> None:
    emu = BingxEmulator(step_interval=None, stream_time_scale=0.01)
    await emu.start()
    key, secret = emu.credentials(0)
    client = await tp.create_client(
        "BINGX___SWAP",
        environment="emulator",
        base_url=emu.base_url,
        ws_url=emu.stream_url(AssetType.SWAP),
        api_key=key,
        secret=secret,
    )
    try:
        await client.watch_trades(SYMBOL, callback=lambda trade: None).start()
        (stats,) = client.stream_stats().values()
        await eventually(lambda: stats.pings_answered >= 3, "three Pongs")
        (session,) = emu.streams.hub._sessions.values()
        await eventually(lambda: session.pongs >= 3, "the emulator saw them")
    finally:
        await client.close()
        await emu.stop()


async def test_partial_book_is_the_emulators_top_levels(
    client: BingxClient, emulator: BingxEmulator
) -> None:
    books: list[OrderBook] = []
    await client.watch_partial_book(SYMBOL, 5, callback=books.append).start()
    symbol = engine_symbol(emulator, SYMBOL)
    await step_until(emulator, lambda: books, "a partial book")
    view = emulator.swap.depth(symbol, 5)
    last = books[-1]
    assert len(last.bids) == len(last.asks) == 5 and last.bids[0][0] < last.asks[0][0]
    await eventually(
        lambda: (
            (books[-1].bids, books[-1].asks)
            == (
                [(float(p), float(q)) for p, q in view.bids],
                [(float(p), float(q)) for p, q in view.asks],
            )
        ),
        "the emulator's top 5",
    )


async def test_an_unreadable_book_push_resyncs_that_book_only(
    client: BingxClient, emulator: BingxEmulator
) -> None:
    for symbol in (SYMBOL, OTHER):
        await client.watch_order_book(symbol, callback=lambda book: None).start()
    btc, eth = client.synced_book(SYMBOL), client.synced_book(OTHER)
    assert btc is not None and eth is not None
    await eventually(lambda: btc.state is eth.state is BookState.LIVE, "both books LIVE")
    next_id = btc.update_id + 1
    data = {"action": "update", "lastUpdateId": next_id, "bids": [["NaN", "1"]], "asks": []}
    frame = {"code": 0, "dataType": f"{SYMBOL}@incrDepth", "ts": 1, "data": data}
    assert emulator.stream_faults.send_frame(json.dumps(frame)) == 1
    await eventually(lambda: btc.stats.malformed == 1, "the push refused")
    await step_until(emulator, lambda: btc.stats.snapshots == 2, "a fresh `all`")
    await eventually(lambda: matches_engine(emulator, btc, SYMBOL), "BTC equal again")
    assert (eth.stats.snapshots, eth.stats.resyncs, eth.stats.malformed) == (1, 0, 0)
    assert client.public_streams.resubscribes == 1


async def test_mark_price_is_the_engines() -> None:
    emu = BingxEmulator(step_interval=None, stream_time_scale=0.01)
    await emu.start()
    key, secret = emu.credentials(0)
    client = await tp.create_client(
        "BINGX___SWAP",
        environment="emulator",
        base_url=emu.base_url,
        ws_url=emu.stream_url(AssetType.SWAP),
        api_key=key,
        secret=secret,
    )
    try:
        marks: list[MarkPrice] = []
        await client.watch_mark_price(SYMBOL, callback=marks.append).start()
        await eventually(lambda: marks, "a mark price")
        assert marks[0].symbol == SYMBOL
        assert marks[0].mark == float(emu.swap.mark_price(engine_symbol(emu, SYMBOL)))
    finally:
        await client.close()
        await emu.stop()
