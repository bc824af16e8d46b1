"""A stream connection the venue drops: every recorded stream carries a DISCONNECT
marker ahead of the events of the replacement connection, books resume from a fresh
snapshot and still replay to the live books."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.record.conftest import Market

from tradeport.model import BookState, OrderBook, Trade
from tradeport.record import BookReplayer, ParquetSink, Recorder, read_events
from tradeport.record.events import BookEvent, BookKind, Channel, Marker, MarkerKind

SYMBOL = "BTC-USDT"
AFTER = 5  # LIVE book updates and trades wanted after the reconnect


async def test_a_dropped_connection_is_marked_in_every_stream(
    market: Market, tmp_path: Path
) -> None:
    client = market.client
    states: dict[int, tuple[object, object]] = {}
    trade_ids: list[str] = []
    live = asyncio.Event()
    dropped = False
    after_books = after_trades = 0
    done = asyncio.Event()

    def on_book(book: OrderBook) -> None:
        nonlocal after_books
        if book.state is BookState.LIVE:
            states[book.update_id] = (tuple(book.bids), tuple(book.asks))
            live.set()
            after_books += dropped
            if after_books >= AFTER and after_trades >= AFTER:
                done.set()

    def on_trade(trade: Trade) -> None:
        nonlocal after_trades
        trade_ids.append(trade.trade_id)
        after_trades += dropped

    watches = [
        await client.watch_order_book(SYMBOL, all_states=True, callback=on_book),
        await client.watch_trades(SYMBOL, callback=on_trade),
    ]
    recorder = Recorder(client, [SYMBOL], [ParquetSink(tmp_path)], snapshot_interval=3600)
    await recorder.start()
    await live.wait()
    assert await market.emulator.stream_faults.disconnect() >= 1
    dropped = True
    await asyncio.wait_for(done.wait(), 30)
    await recorder.stop()
    for watch in watches:
        await watch.close()

    for channel in (Channel.BOOK, Channel.TRADES):
        events = list(read_events(tmp_path, channel=channel))
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        marks = [e for e in events if isinstance(e, Marker) and e.kind is MarkerKind.DISCONNECT]
        assert len(marks) >= 1, channel
    book = list(read_events(tmp_path, channel=Channel.BOOK))
    first = next(
        i for i, e in enumerate(book) if isinstance(e, Marker) and e.kind is MarkerKind.DISCONNECT
    )
    resumed = next(e for e in book[first:] if isinstance(e, BookEvent))
    assert resumed.kind is BookKind.SNAPSHOT
    replayer = BookReplayer(SYMBOL)
    compared = 0
    for event in book:
        if replayer.apply(event):
            view = replayer.view()
            assert (tuple(view.bids), tuple(view.asks)) == states[view.update_id]
            compared += view.update_id > resumed.update_id - 1
    assert compared >= 1  # the book is rebuilt after the reconnect too
    assert replayer.broken == 0
    recorded = [
        e.trade_id for e in read_events(tmp_path, channel="trades") if not isinstance(e, Marker)
    ]
    assert len(set(recorded)) == len(recorded)
