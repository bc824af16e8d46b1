"""The BingX client's public streams against the emulator over loopback (§5.4-5.5):
gzip frames inflated, the venue's `Ping` answered, a verified incremental book equal
to the emulator's, a dropped update resyncing that book alone by resubscribing its
dataType (no REST, the same connection), trades, quotes, ticker, klines and the mark
price. Every wait is on what the watches deliver (the `arrivals` fixture)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

import tradeport as tp
from tradeport.book.sync import BookSync
from tradeport.model import (
    AssetType,
    Bar,
    BookState,
    MarkPrice,
    OrderBook,
    Quote,
    Ticker,
    Trade,
)
from tradeport.venues.bingx.client import BingxClient
from tradeport.venues.bingx.emulator import BingxEmulator

from .conftest import Arrivals

SYMBOL, OTHER = "BTC-USDT", "ETH-USDT"


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


def move(emu: BingxEmulator, wire: str, factor: str) -> None:
    symbol = engine_symbol(emu, wire)
    market = emu.markets["swap"]
    market.move_to(symbol, market.mid(symbol) * Decimal(factor))


@pytest.fixture
async def fast(
    fast_emulator: BingxEmulator,
) -> AsyncIterator[tuple[BingxEmulator, BingxClient]]:
    """The fast-clock emulator and a client on it."""
    emu = fast_emulator
    key, secret = emu.credentials(0)
    client = await tp.create_client(
        "BINGX___SWAP",
        environment="emulator",
        base_url=emu.base_url,
        ws_url=emu.stream_url(AssetType.SWAP),
        api_key=key,
        secret=secret,
    )
    assert isinstance(client, BingxClient)
    try:
        yield emu, client
    finally:
        await client.close()


async def test_book_is_live_and_equal_to_the_emulators(
    client: BingxClient, emulator: BingxEmulator, arrivals: Arrivals
) -> None:
    await client.watch_order_book(SYMBOL, all_states=True, callback=arrivals.note).start()
    book = client.synced_book(SYMBOL)
    assert book is not None
    await arrivals.until(lambda: matches_engine(emulator, book, SYMBOL))
    start = book.update_id
    for _ in range(5):
        emulator.step()
    await arrivals.until(lambda: matches_engine(emulator, book, SYMBOL))
    assert book.update_id > start and book.stats.gaps == 0
    assert book.update_id == emulator.streams.hub.update_id(SYMBOL)


async def test_a_dropped_update_resyncs_that_book_only(
    client: BingxClient, emulator: BingxEmulator, arrivals: Arrivals
) -> None:
    for symbol in (SYMBOL, OTHER):
        await client.watch_order_book(symbol, all_states=True, callback=arrivals.note).start()
    btc, eth = client.synced_book(SYMBOL), client.synced_book(OTHER)
    assert btc is not None and eth is not None
    await arrivals.until(lambda: btc.state is eth.state is BookState.LIVE)
    emulator.stream_faults.drop_depth(engine_symbol(emulator, SYMBOL))
    await arrivals.until(lambda: btc.stats.gaps == 1, step=emulator.step)
    await arrivals.until(lambda: btc.state is BookState.LIVE, step=emulator.step)
    await arrivals.until(lambda: matches_engine(emulator, btc, SYMBOL))
    assert (btc.stats.snapshots, btc.stats.resyncs) == (2, 1)
    assert (eth.stats.snapshots, eth.stats.gaps, eth.stats.resyncs) == (1, 0, 0)
    assert client.public_streams.resubscribes == 1
    (stats,) = client.stream_stats().values()
    assert (stats.connects, stats.reconnects) == (1, 0)  # the same connection
    assert emulator.faults.seen[client.config.rest_paths["get_depth"]] == 0  # no REST


async def test_trades_and_quotes_arrive(
    client: BingxClient, emulator: BingxEmulator, arrivals: Arrivals
) -> None:
    trades: list[Trade] = []
    quotes: list[Quote] = []
    await client.watch_trades(SYMBOL, callback=arrivals.into(trades)).start()
    await client.watch_quotes(SYMBOL, callback=arrivals.into(quotes)).start()
    move(emulator, SYMBOL, "1.002")
    await arrivals.until(lambda: trades and quotes)
    assert all(t.symbol == SYMBOL and t.price > 0 and t.qty > 0 for t in trades)
    top = emulator.swap.depth(engine_symbol(emulator, SYMBOL), 1)
    best = (float(top.bids[0][0]), float(top.asks[0][0]))
    await arrivals.until(lambda: (quotes[-1].bid, quotes[-1].ask) == best)


async def test_the_venues_pings_are_answered(
    fast: tuple[BingxEmulator, BingxClient], arrivals: Arrivals
) -> None:
    emu, client = fast
    await client.watch_trades(SYMBOL, callback=arrivals.note).start()
    (session,) = emu.streams.hub._sessions.values()
    while session.pongs < 3:  # each Pong the emulator reads wakes this
        session.ponged.clear()
        await arrivals.wait_for(session.ponged)
    (stats,) = client.stream_stats().values()
    assert stats.pings_answered >= 3
    assert emu.streams.hub.unanswering == 0


async def test_partial_book_is_the_emulators_top_levels(
    client: BingxClient, emulator: BingxEmulator, arrivals: Arrivals
) -> None:
    books: list[OrderBook] = []
    await client.watch_partial_book(SYMBOL, 5, callback=arrivals.into(books)).start()
    await arrivals.until(lambda: books, step=emulator.step)
    view = emulator.swap.depth(engine_symbol(emulator, SYMBOL), 5)
    last = books[-1]
    assert len(last.bids) == len(last.asks) == 5 and last.bids[0][0] < last.asks[0][0]
    top = (
        [(float(p), float(q)) for p, q in view.bids],
        [(float(p), float(q)) for p, q in view.asks],
    )
    await arrivals.until(lambda: (books[-1].bids, books[-1].asks) == top)


async def test_an_unreadable_book_push_resyncs_that_book_only(
    client: BingxClient, emulator: BingxEmulator, arrivals: Arrivals
) -> None:
    for symbol in (SYMBOL, OTHER):
        await client.watch_order_book(symbol, all_states=True, callback=arrivals.note).start()
    btc, eth = client.synced_book(SYMBOL), client.synced_book(OTHER)
    assert btc is not None and eth is not None
    await arrivals.until(lambda: btc.state is eth.state is BookState.LIVE)
    next_id = btc.update_id + 1
    data = {"action": "update", "lastUpdateId": next_id, "bids": [["NaN", "1"]], "asks": []}
    frame = {"code": 0, "dataType": f"{SYMBOL}@incrDepth", "ts": 1, "data": data}
    assert emulator.stream_faults.send_frame(json.dumps(frame)) == 1
    # refused, the dataType subscribed again: the venue's fresh `all` is the next book
    await arrivals.until(lambda: btc.stats.snapshots == 2)
    assert btc.stats.malformed == 1
    await arrivals.until(lambda: matches_engine(emulator, btc, SYMBOL), step=emulator.step)
    assert (eth.stats.snapshots, eth.stats.resyncs, eth.stats.malformed) == (1, 0, 0)
    assert client.public_streams.resubscribes == 1


async def test_mark_price_is_the_engines(
    fast: tuple[BingxEmulator, BingxClient], arrivals: Arrivals
) -> None:
    emu, client = fast
    marks: list[MarkPrice] = []
    await client.watch_mark_price(SYMBOL, callback=arrivals.into(marks)).start()
    await arrivals.until(lambda: marks)
    assert marks[0].symbol == SYMBOL
    assert marks[0].mark == float(emu.swap.mark_price(engine_symbol(emu, SYMBOL)))


async def test_ticker_follows_the_market(
    fast: tuple[BingxEmulator, BingxClient], arrivals: Arrivals
) -> None:
    emu, client = fast
    tickers: list[Ticker] = []
    await client.watch_ticker(SYMBOL, callback=arrivals.into(tickers)).start()
    await arrivals.until(lambda: tickers)
    first = tickers[-1]
    move(emu, SYMBOL, "1.004")
    stats = emu.swap.ticker_24h(engine_symbol(emu, SYMBOL))
    await arrivals.until(lambda: tickers[-1].last == float(stats.last))
    moved = tickers[-1]
    assert moved.last != first.last and moved.symbol == SYMBOL
    assert (moved.bid, moved.ask) == (float(stats.bid), float(stats.ask))
    assert moved.high is not None and moved.high >= moved.last
    rest = await client.get_tick(SYMBOL)
    assert rest.last == moved.last


async def test_klines_are_the_current_bar_as_rest_has_it(
    fast: tuple[BingxEmulator, BingxClient], arrivals: Arrivals
) -> None:
    emu, client = fast
    bars: list[Bar] = []
    await client.watch_klines(SYMBOL, "1m", callback=arrivals.into(bars)).start()
    await arrivals.until(lambda: bars)
    move(emu, SYMBOL, "0.996")
    (latest,) = await client.get_kline(SYMBOL, "1m", limit=1)
    await arrivals.until(
        lambda: any((b.open_ts, b.close) == (latest.open_ts, latest.close) for b in bars)
    )
    bar = next(b for b in bars if (b.open_ts, b.close) == (latest.open_ts, latest.close))
    assert (bar.symbol, bar.period, bar.close_ts) == (SYMBOL, "1m", latest.close_ts)
    assert (bar.high, bar.low) == (latest.high, latest.low)
    assert not bar.closed
