"""The quote stream (PROTOCOLS.md §6.4): tickers, and seven-level books replaced whole on
every push, flagged when crossed and stale after a lost connection; it lives through a
lost trade session."""

import asyncio
import json
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from tradeport.model import AssetType, BookState, OrderBook
from tradeport.model.errors import BadParameter
from tradeport.venues.btcc.emulator import BtccEmulator

from .conftest import Connect

SYMBOL = "BTC-USDT"
WAIT = 10.0


def engine_book(emulator: BtccEmulator, levels: int = 7) -> tuple[list[tuple[float, float]], ...]:
    view = emulator.engine_for(AssetType.SWAP).depth("BTCUSDT", levels)
    bids = [(float(p), float(q)) for p, q in view.bids]
    asks = [(float(p), float(q)) for p, q in view.asks]
    return bids, asks


async def next_book(books: AsyncIterator[OrderBook]) -> OrderBook:
    return await asyncio.wait_for(anext(books), WAIT)


async def test_ticker_is_the_top_of_the_book(connect: Connect, emulator: BtccEmulator) -> None:
    client = await connect()
    async with client.watch_ticker(SYMBOL) as ticks:
        tick = await asyncio.wait_for(anext(ticks), WAIT)
    bids, asks = engine_book(emulator, 1)
    assert (tick.bid, tick.ask) == (bids[0][0], asks[0][0])
    assert tick.symbol == SYMBOL and tick.last > 0


async def test_each_push_replaces_the_whole_seven_level_book(
    connect: Connect, emulator: BtccEmulator
) -> None:
    client = await connect()
    async with client.watch_partial_book(SYMBOL, 7) as books:
        first = await next_book(books)
        assert first.state is BookState.LIVE
        assert (first.bids, first.asks) == engine_book(emulator)
        assert len(first.bids) == len(first.asks) == 7
        top = first.bids[0][0]
        emulator.move_market(AssetType.SWAP, SYMBOL, Decimal(str(top)) * Decimal("0.97"))
        book = await next_book(books)
        while book.bids[0][0] == top:
            book = await next_book(books)
    # nothing of the old book is kept: the push is the venue's book as it now stands
    assert (book.bids, book.asks) == engine_book(emulator)
    assert not set(book.bids) & set(first.bids)


async def test_a_crossed_push_is_flagged_and_a_sound_one_is_live_again(
    connect: Connect, emulator: BtccEmulator
) -> None:
    client = await connect()
    table = client.symbols  # SecIDs come from the Dict frame once the stream logs in
    async with client.watch_partial_book(SYMBOL, 7) as books:
        assert (await next_book(books)).state is BookState.LIVE
        crossed = {
            "Y": table.sec_id(SYMBOL),
            "A": ["100", "101"],
            "U": ["1", "1"],
            "B": ["102", "99"],
            "M": ["1", "1"],
            "T": 1,
        }
        sent = emulator.stream_faults.send_frame(
            json.dumps({"action": "tickinfo_deep", "data": crossed})
        )
        assert sent == 1
        book = await next_book(books)
        while book.state is BookState.LIVE:
            book = await next_book(books)
        assert book.state is BookState.RESYNCING and book.bids[0][0] == 102.0
        assert (await next_book(books)).state is BookState.LIVE
    assert client.public_streams.crossed == 1


async def test_a_lost_connection_leaves_the_book_stale_until_the_next_push(
    connect: Connect, emulator: BtccEmulator
) -> None:
    client = await connect()
    async with client.watch_partial_book(SYMBOL, 7) as books:
        live = await next_book(books)
        assert await emulator.stream_faults.disconnect() == 1
        book = await next_book(books)
        while book.state is BookState.LIVE:
            book = await next_book(books)
        assert book.state is BookState.SYNCING and book.bids == live.bids
        assert (await next_book(books)).state is BookState.LIVE
    assert client.stream_stats()["BTCC___SWAP/"].reconnects == 1


async def test_the_stream_lives_through_an_ended_trade_session(
    connect: Connect, emulator: BtccEmulator
) -> None:
    client = await connect()
    async with client.watch_ticker(SYMBOL) as ticks:
        await asyncio.wait_for(anext(ticks), WAIT)
        emulator.expire_sessions()
        # the quote socket, lost now too, logs in again as the account of a new session
        await emulator.stream_faults.disconnect()
        assert "USDT" in await client.get_balance()
        assert client.session.logins == 2
        tick = await asyncio.wait_for(anext(ticks), WAIT)
        assert tick.symbol == SYMBOL
        while client.stream_stats()["BTCC___SWAP/"].reconnects < 1:
            await asyncio.wait_for(anext(ticks), WAIT)
    assert emulator.sessions.logins == 2


async def test_only_seven_levels_are_streamed(connect: Connect) -> None:
    client = await connect()
    with pytest.raises(BadParameter, match="7"):
        async with client.watch_partial_book(SYMBOL, 20) as books:
            await next_book(books)


async def test_trades_are_those_each_snapshot_adds(
    connect: Connect, emulator: BtccEmulator
) -> None:
    client = await connect()
    other = await connect(account=1)
    async with client.watch_trades(SYMBOL) as trades:
        # the trades made before the subscription are not news
        await other.make_order(SYMBOL, Decimal("0.01"), None, "buy-market")
        await other.make_order(SYMBOL, Decimal("0.02"), None, "sell-market")
        first = await asyncio.wait_for(anext(trades), WAIT)
        second = await asyncio.wait_for(anext(trades), WAIT)
    assert (first.qty, first.taker_side.value) == (0.01, "buy")
    assert (second.qty, second.taker_side.value) == (0.02, "sell")
    assert client.public_streams.deal_gaps == 0


async def test_klines_are_asked_on_a_connection_of_their_own(
    connect: Connect, emulator: BtccEmulator
) -> None:
    client = await connect()
    bars = await client.get_kline(SYMBOL, "5m", limit=12)
    assert len(bars) == 12 and all(b.close_ts == b.open_ts + 300_000 - 1 for b in bars)
    engine = emulator.engine_for(AssetType.SWAP).klines("BTCUSDT", 300_000, None, None, 12)
    assert [(b.open_ts, b.close) for b in bars] == [(k.open_ms, float(k.close)) for k in engine]
    assert client.stream_stats() == {}  # no stream was opened for it
    with pytest.raises(BadParameter, match="start"):
        await client.get_kline(SYMBOL, "1m", limit=5, start_ms=1)
