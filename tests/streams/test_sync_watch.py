"""Streams for sync code: `SyncWatch` queues fed from the shared loop thread, and the
callback form, against an in-process emulator."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from itertools import islice
from typing import Any

import pytest

import tradeport as tp
from tradeport.book.view import BookView
from tradeport.model import BookState, Trade
from tradeport.model.errors import UnknownSymbol
from tradeport.streams.sync import SyncCallbackWatch, SyncWatch

SYMBOL = "BTC-USDT"
MOVING: dict[str, Any] = {"environment": "emulator", "emulator_options": {"step_interval": 0.05}}


@pytest.fixture
def venue() -> Iterator[tp.SyncClient]:
    client = tp.connect("BINANCE___SWAP", **MOVING)
    try:
        yield client
    finally:
        client.close()


def test_get_returns_a_live_book(venue: tp.SyncClient) -> None:
    w = venue.watch_order_book(SYMBOL, 5)
    assert isinstance(w, SyncWatch)
    book = w.get(timeout=5)
    assert isinstance(book, BookView) and book.symbol == SYMBOL
    assert book.state is BookState.LIVE
    assert len(book.bids) == len(book.asks) == 5
    assert book.bids[0][0] < book.asks[0][0]
    later = w.get(timeout=5)
    assert later.update_id > book.update_id  # conflated: the newest state each time
    w.close()
    with pytest.raises(EOFError):
        w.get(timeout=5)
    with pytest.raises(EOFError):  # and stays ended
        w.get(timeout=5)


def test_iterating_trades_in_order(venue: tp.SyncClient) -> None:
    with venue.watch_trades(SYMBOL) as w:
        trades: list[Trade] = list(islice(w, 5))
    assert len(trades) == 5
    assert all(t.symbol == SYMBOL and t.price > 0 for t in trades)
    ids = [int(t.trade_id) for t in trades]
    assert ids == sorted(ids) and len(set(ids)) == 5
    rest = list(w)  # what was queued before the close, then the end
    assert all(int(t.trade_id) > ids[-1] for t in rest)


def test_callback_runs_on_the_shared_loop_thread(venue: tp.SyncClient) -> None:
    got: queue.Queue[tuple[Trade, str]] = queue.Queue()
    w = venue.watch_trades(SYMBOL, callback=lambda t: got.put((t, threading.current_thread().name)))
    assert isinstance(w, SyncCallbackWatch)
    trade, thread = got.get(timeout=10)
    assert trade.symbol == SYMBOL
    assert thread == "tradeport-loop" and thread != threading.current_thread().name
    w.close()
    assert venue.client.streams.channels() == []  # the last consumer left: unsubscribed


def test_closing_the_client_ends_a_sync_iteration() -> None:
    v = tp.connect("BINANCE___SWAP", **MOVING)
    w = v.watch_trades(SYMBOL)
    assert isinstance(w.get(timeout=10), Trade)
    v.close()
    drained = list(w)  # whatever was queued, then StopIteration: no hang, no error
    assert all(isinstance(t, Trade) for t in drained)
    with pytest.raises(EOFError):
        w.get(timeout=5)


def test_a_refused_sync_watch_raises_in_the_caller(venue: tp.SyncClient) -> None:
    with pytest.raises(UnknownSymbol, match="NOPE-USDT"):
        venue.watch_order_book("NOPE-USDT")
    assert venue.client.streams.channels() == []
