"""Record from the emulator, with a gap injected into one book's stream, then replay:
the rebuilt books equal the live books at the same update ids, the gap is a marker at
its place, and no event is written twice."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from pathlib import Path

from tests.record.conftest import Market

from tradeport.model import BookState, OrderBook, Trade
from tradeport.record import BookReplayer, ParquetSink, Recorder, read_events
from tradeport.record.events import BookEvent, BookKind, Channel, Event, Marker, MarkerKind

SYMBOLS = ["BTC-USDT", "ETH-USDT"]
GAPPED = "BTC-USDT"
LIVE_BEFORE_GAP = 6
LIVE_AFTER_GAP = 6

Levels = tuple[tuple[tuple[float, float], ...], tuple[tuple[float, float], ...]]


class LiveBooks:
    """What a second consumer of the same books saw: each LIVE state by update id, and
    when the gapped book went out of LIVE and came back."""

    def __init__(self, market: Market) -> None:
        self.market = market
        self.states: dict[str, dict[int, Levels]] = defaultdict(dict)
        self.trades: dict[str, list[str]] = defaultdict(list)
        self.live_updates = 0
        self.after_gap = 0
        self.left_live = False
        self.armed = False
        # the gap is injected only once the recorder is subscribed: a venue that paces
        # subscriptions (BingX: 10 a second) streams this book for a while before
        self.recording = False
        self.done = asyncio.Event()

    def on_book(self, book: OrderBook) -> None:
        if book.state is not BookState.LIVE:
            if book.symbol == GAPPED and self.armed:
                self.left_live = True
            return
        self.states[book.symbol][book.update_id] = (tuple(book.bids), tuple(book.asks))
        if book.symbol != GAPPED or not self.recording:
            return
        self.live_updates += 1
        if self.left_live:
            self.after_gap += 1
            if self.after_gap >= LIVE_AFTER_GAP:
                self.done.set()
        elif self.live_updates >= LIVE_BEFORE_GAP and not self.armed:
            self.armed = True
            venue_symbol = self.market.client.to_venue_symbol(GAPPED)
            self.market.emulator.stream_faults.drop_depth(venue_symbol)

    def on_trade(self, trade: Trade) -> None:
        self.trades[trade.symbol].append(trade.trade_id)


def _streams(events: list[Event]) -> dict[tuple[str, Channel], list[Event]]:
    streams: dict[tuple[str, Channel], list[Event]] = defaultdict(list)
    for event in events:
        streams[(event.symbol, event.channel)].append(event)
    return streams


async def test_recording_with_a_gap_replays_to_the_live_books(
    market: Market, tmp_path: Path
) -> None:
    client = market.client
    live = LiveBooks(market)
    watches = []
    for symbol in SYMBOLS:
        watches.append(
            await client.watch_order_book(symbol, all_states=True, callback=live.on_book)
        )
        watches.append(await client.watch_trades(symbol, callback=live.on_trade))
    recorder = Recorder(client, SYMBOLS, [ParquetSink(tmp_path)], snapshot_interval=3600)
    await recorder.start()
    live.recording = True
    await asyncio.wait_for(live.done.wait(), 30)
    await recorder.stop()
    for watch in watches:
        await watch.close()

    events = list(read_events(tmp_path, venue=market.key))
    streams = _streams(events)
    assert set(streams) == {(s, c) for s in SYMBOLS for c in (Channel.BOOK, Channel.TRADES)}
    for stream in streams.values():
        # every event once, in order, none missing: seq counts 1, 2, 3, …
        assert [e.seq for e in stream] == list(range(1, len(stream) + 1))
        assert isinstance(stream[0], Marker) and stream[0].kind is MarkerKind.START

    gapped = streams[(GAPPED, Channel.BOOK)]
    kinds = [e.kind for e in gapped]
    gap_at = kinds.index(MarkerKind.GAP)
    assert kinds[gap_at + 1] is MarkerKind.RESYNC
    assert kinds[gap_at + 2] is BookKind.SNAPSHOT
    before = gapped[gap_at - 1]
    gap = gapped[gap_at]
    assert isinstance(before, BookEvent) and isinstance(gap, Marker)
    assert gap.update_id == before.update_id  # the marker says where the data stops
    assert kinds.count(MarkerKind.GAP) == 1

    compared = 0
    for symbol in SYMBOLS:
        replayer = BookReplayer(symbol)
        for event in streams[(symbol, Channel.BOOK)]:
            if replayer.apply(event):
                view = replayer.view()
                assert (tuple(view.bids), tuple(view.asks)) == live.states[symbol][
                    view.update_id
                ], f"{symbol} at {view.update_id}"
                compared += 1
        assert replayer.broken == 0
        recorded_trades = [
            e.trade_id for e in streams[(symbol, Channel.TRADES)] if not isinstance(e, Marker)
        ]
        assert len(set(recorded_trades)) == len(recorded_trades)
        # the recorder subscribed after the test's own consumer: what it wrote is an
        # unbroken run of what that consumer saw
        seen = live.trades[symbol]
        start = seen.index(recorded_trades[0])
        assert recorded_trades == seen[start : start + len(recorded_trades)]
    assert compared >= LIVE_BEFORE_GAP + LIVE_AFTER_GAP
