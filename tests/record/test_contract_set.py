"""Following the contract set: a contract gone from a fresh discovery is stopped and
marked, a new one is added when asked, each stream stays whole."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from tests.record.conftest import Market

from tradeport.model import BookState, OrderBook
from tradeport.model.errors import BadParameter
from tradeport.record import ParquetSink, Recorder, discover, read_events
from tradeport.record.events import BookEvent, Channel, Marker, MarkerKind


async def test_recheck_stops_a_vanished_contract_and_adds_a_new_one(
    market: Market, tmp_path: Path
) -> None:
    client = market.client
    live = {"BTC-USDT": asyncio.Event(), "ETH-USDT": asyncio.Event()}

    def on_book(book: OrderBook) -> None:
        if book.state is BookState.LIVE:
            live[book.symbol].set()

    watches = [await client.watch_order_book(s, callback=on_book) for s in live]
    recorder = Recorder(client, ["BTC-USDT"], [ParquetSink(tmp_path)])
    with pytest.raises(BadParameter, match="not running"):
        await recorder.add_symbols(["ETH-USDT"])
    await recorder.start()
    await live["BTC-USDT"].wait()
    # the contract set as a re-check would find it: BTC-USDT gone, ETH-USDT listed
    current = await discover(market.key, client=client, include=["ETH-USDT"])
    assert await recorder.recheck(current, add_new=True) == (["ETH-USDT"], ["BTC-USDT"])
    assert recorder.symbols == ["ETH-USDT"]
    assert await recorder.recheck(current, add_new=True) == ([], [])
    live["ETH-USDT"].clear()
    await live["ETH-USDT"].wait()
    await recorder.stop()
    for watch in watches:
        await watch.close()

    for channel in (Channel.BOOK, Channel.TRADES):
        btc = list(read_events(tmp_path, channel=channel, symbol="BTC-USDT"))
        eth = list(read_events(tmp_path, channel=channel, symbol="ETH-USDT"))
        for stream in (btc, eth):
            assert [e.seq for e in stream] == list(range(1, len(stream) + 1))
            assert isinstance(stream[0], Marker) and stream[0].kind is MarkerKind.START
        last = btc[-1]
        assert isinstance(last, Marker) and last.kind is MarkerKind.STOP
        assert "no longer" in last.reason
    eth_book = list(read_events(tmp_path, channel=Channel.BOOK, symbol="ETH-USDT"))
    assert any(isinstance(e, BookEvent) for e in eth_book)
