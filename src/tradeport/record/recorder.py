"""Record the verified books, the trades and (optionally) the venue's top-of-book
pushes of a contract set to any number of sinks.

The recorder watches each symbol's book (in every state) and trades with callbacks, so
it runs on the socket readers' path: it turns each update into an event and hands it
to every sink's bounded queue (sink.py), which never blocks. Book events come from the
synced book the client keeps: a `delta` takes one verified state to the next. When
the recorder follows the live book (L2Book.follow_changes: a float book recorded at
full depth) a delta is the levels the book was given since the previous one, in order,
as the venue sent them, so it costs the given levels and not the book's depth, and
nothing of the book is copied; when the given levels are not known, the next event
is a snapshot. Otherwise (a checksummed text book, a top-N window) the recorder keeps
the book as last written and a delta is the net change, found by comparing the two.
A `snapshot` is the whole book; one is written when the book becomes LIVE (first
sync, and after every resync), every `snapshot_interval` seconds, and when a sink asks
for one after dropping a delta. When the book leaves LIVE a GAP
marker (if the venue's ids broke) and a RESYNC marker are written; nothing is written
for that book until it is LIVE again. When a stream connection was lost and replaced,
every stream gets a DISCONNECT marker ahead of its next event (trades sent during the
outage are gone) and every book a fresh snapshot. With `raw`, every frame of a recorded
symbol's topics is written too, as received, in a `raw` stream per symbol (the client's
raw-frame hook, called before the frame is read).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tradeport.book.levels import Changes, L2Book
from tradeport.book.sync import BookSync
from tradeport.book.view import BookView
from tradeport.model import BookState, Quote, Trade
from tradeport.model.errors import BadParameter
from tradeport.record.discovery import ContractSet
from tradeport.record.events import (
    BookEvent,
    BookKind,
    Channel,
    Event,
    Levels,
    Marker,
    MarkerKind,
    QuoteEvent,
    RawEvent,
    TradeEvent,
    ms_to_ns,
)
from tradeport.record.sink import DEFAULT_FLUSH_INTERVAL, DEFAULT_QUEUE_SIZE, Sink, SinkQueue
from tradeport.streams.watch import Watch
from tradeport.transport.ws_endpoint import WsStats
from tradeport.venues.base import VenueClient

DEFAULT_SNAPSHOT_INTERVAL = 60.0
DEFAULT_STALE_AFTER = 60.0  # seconds without a book update; liquid perps update many times a second


def _changes(old: dict[float, float], new: dict[float, float]) -> list[tuple[float, float]]:
    """The levels that differ from `old` to `new`: (price, new size), size 0 = gone."""
    changed = [(p, q) for p, q in new.items() if old.get(p) != q]
    changed.extend((p, 0.0) for p in old if p not in new)
    return changed


def _given_levels(given: Changes) -> tuple[Levels, Levels]:
    """The (bids, asks) of the updates a followed book was given, each side's levels
    in the order they were applied: applied in that order they take the book where
    the updates took it."""
    if len(given) == 1:
        bids, asks = given[0]
        return list(bids), list(asks)
    return (
        [level for bids, _ in given for level in bids],
        [level for _, asks in given for level in asks],
    )


@dataclass(slots=True)
class _BookStream:
    symbol: str
    seq: int = 0
    live: bool = False
    update_id: int = -1
    gaps: int = 0
    # the book as last written, kept only when the live book is not followed
    bids: dict[float, float] = field(default_factory=dict)
    asks: dict[float, float] = field(default_factory=dict)
    next_snapshot: float = 0.0  # monotonic time the next periodic snapshot is due
    last_seen: float = 0.0  # monotonic time of the last book update (or of the start)
    stale: bool = False  # a STALE marker was written and nothing came since
    snapshot_wanted: bool = False
    # the live book whose applied levels this stream takes (L2Book.follow_changes), and
    # whether `bids`/`asks` are that book as it was at the last take
    followed: L2Book | None = None
    in_step: bool = False


@dataclass(slots=True)
class RecorderStats:
    book_events: int = 0
    trades: int = 0
    quotes: int = 0
    markers: int = 0
    snapshots: int = 0
    raw: int = 0


class Recorder:
    """`await recorder.start()` subscribes every stream; `await recorder.stop()`
    unsubscribes and closes every sink after writing what was queued."""

    def __init__(
        self,
        client: VenueClient,
        symbols: Iterable[str],
        sinks: Sequence[Sink],
        *,
        books: bool = True,
        trades: bool = True,
        quotes: bool = False,
        raw: bool = False,
        depth: int | None = None,
        snapshot_interval: float = DEFAULT_SNAPSHOT_INTERVAL,
        queue_size: int = DEFAULT_QUEUE_SIZE,
        flush_interval: float = DEFAULT_FLUSH_INTERVAL,
        stale_after: float | None = DEFAULT_STALE_AFTER,
        on_marker: Callable[[Marker], None] | None = None,
    ) -> None:
        self.symbols = list(dict.fromkeys(symbols))
        if not self.symbols:
            raise BadParameter("no symbols to record")
        if not sinks:
            raise BadParameter("no sink to record to")
        if stale_after is not None and stale_after <= 0:
            raise BadParameter(f"stale_after {stale_after}: expected > 0 (or None: never)")
        if snapshot_interval <= 0:
            raise BadParameter(f"snapshot_interval {snapshot_interval}: expected > 0")
        self.client = client
        self.venue = client.key
        self.books = books
        self.trades = trades
        self.quotes = quotes
        self.raw = raw
        self.depth = depth
        self.snapshot_interval = snapshot_interval
        self.queues = [
            SinkQueue(
                sink,
                maxsize=queue_size,
                flush_interval=flush_interval,
                request_snapshot=self.request_snapshot,
            )
            for sink in sinks
        ]
        self.stats = RecorderStats()
        self.stale_after = stale_after
        self.on_marker = on_marker
        self._stale_task: asyncio.Task[None] | None = None
        self._books = {s: _BookStream(s) for s in self.symbols}
        self._trade_seq = dict.fromkeys(self.symbols, 0)
        self._quote_seq = dict.fromkeys(self.symbols, 0)
        self._raw_seq = dict.fromkeys(self.symbols, 0)
        self._watches: dict[str, list[Watch[Any]]] = {}
        self._started = False
        self._stopped = False
        self._replaced = 0  # connections replaced when last checked
        # the counters of the client's stream connections, read with every event: taken
        # from `stream_stats()` (which builds a dict) once streams were subscribed
        self._connections: list[WsStats] = []

    # -- lifecycle -----------------------------------------------------------------------
    async def start(self) -> None:
        """Subscribe every stream; returns when the venue confirmed them all. A stream
        the venue refuses raises (what did start is stopped by `stop()`)."""
        if self._started:
            return
        self._started = True
        self._connections = list(self.client.stream_stats().values())
        self._replaced = self._replaced_connections()
        for queue in self.queues:
            queue.start()
        if self.raw:
            # before subscribing: the first frames (a book's snapshot push) are wanted too
            self.client.on_raw_frames(self._on_raw)
        await self._subscribe(self.symbols)
        if self.books and self.stale_after is not None:
            self._stale_task = asyncio.create_task(self._watch_staleness(self.stale_after))

    async def stop(self) -> None:
        """Unsubscribe, write what is queued and close the sinks; once (later calls
        return at once)."""
        if self._stopped:
            return
        self._stopped = True
        if self._stale_task is not None:
            self._stale_task.cancel()
        if self.raw:
            self.client.on_raw_frames(None)
        watches = [w for group in self._watches.values() for w in group]
        self._watches = {}
        await asyncio.gather(*(w.close() for w in watches))
        for stream in self._books.values():
            self._unfollow(stream)
        await asyncio.gather(*(q.close() for q in self.queues))

    async def add_symbols(self, symbols: Iterable[str]) -> list[str]:
        """Start recording `symbols` too (a new listing); returns those that were not
        recorded already. Their streams go on from their last `seq` with a START marker."""
        if not self._started or self._stopped:
            raise BadParameter("add_symbols: the recorder is not running")
        added = [s for s in dict.fromkeys(symbols) if s not in self._watches]
        for symbol in added:
            if symbol not in self._books:
                self._books[symbol] = _BookStream(symbol)
                self._trade_seq[symbol] = 0
                self._quote_seq[symbol] = 0
                self._raw_seq[symbol] = 0
            if symbol not in self.symbols:
                self.symbols.append(symbol)
        await self._subscribe(added)
        return added

    async def remove_symbols(self, symbols: Iterable[str], reason: str) -> list[str]:
        """Stop recording `symbols` (a delisting): unsubscribed, and a STOP marker with
        `reason` ends each of their streams. Returns those that were recorded."""
        removed = [s for s in dict.fromkeys(symbols) if s in self._watches]
        for symbol in removed:
            watches = self._watches.pop(symbol)
            await asyncio.gather(*(w.close() for w in watches))
            self._unfollow(self._books[symbol])
            self.symbols.remove(symbol)
            self._mark_all(symbol, MarkerKind.STOP, reason, time.time_ns())
        return removed

    async def recheck(
        self, current: ContractSet, *, add_new: bool = False
    ) -> tuple[list[str], list[str]]:
        """Follow a fresh `discover()`: contracts no longer in it are stopped and marked;
        new ones are added when `add_new`. Returns (added, removed)."""
        listed = set(current.symbols)
        removed = await self.remove_symbols(
            [s for s in self.symbols if s not in listed],
            "no longer an actively trading perpetual",
        )
        added = await self.add_symbols(s for s in current.symbols if add_new)
        return added, removed

    async def _subscribe(self, symbols: Sequence[str]) -> None:
        for symbol in symbols:
            self._watches[symbol] = []
            self._books[symbol].last_seen = time.monotonic()  # staleness counts from here
            self._mark_all(symbol, MarkerKind.START, "recording started", time.time_ns())
        try:
            results = await asyncio.gather(
                *(self._watch_symbol(s) for s in symbols), return_exceptions=True
            )
        finally:
            # a connection opened for these streams is watched from now on; one lost
            # before this counts then, and its marker is written with the next event
            self._connections = list(self.client.stream_stats().values())
        for result in results:
            if isinstance(result, BaseException):
                raise result

    async def _watch_symbol(self, symbol: str) -> None:
        watches = self._watches[symbol]
        if self.books:
            book = self.client.watch_order_book(
                symbol, self.depth, all_states=True, callback=self._book_handler(symbol)
            )
            watches.append(await book.start())
        if self.trades:
            trades = self.client.watch_trades(symbol, callback=self._trade_handler(symbol))
            watches.append(await trades.start())
        if self.quotes:
            quotes = self.client.watch_quotes(symbol, callback=self._quote_handler(symbol))
            watches.append(await quotes.start())

    def _book_handler(self, symbol: str) -> Callable[[BookView], None]:
        return lambda book: self._on_book(symbol, book)

    def _trade_handler(self, symbol: str) -> Callable[[Trade], None]:
        return lambda trade: self._on_trade(symbol, trade)

    def _quote_handler(self, symbol: str) -> Callable[[Quote], None]:
        return lambda quote: self._on_quote(symbol, quote)

    def request_snapshot(self, symbol: str) -> None:
        """Write a snapshot of `symbol`'s book with its next update."""
        stream = self._books.get(symbol)
        if stream is not None:
            stream.snapshot_wanted = True

    # -- events --------------------------------------------------------------------------
    def _emit(self, event: Event) -> None:
        for queue in self.queues:
            queue.put(event)

    def _mark_all(self, symbol: str, kind: MarkerKind, reason: str, local_ts: int) -> None:
        """A marker in each recorded stream of `symbol`."""
        if self.books:
            stream = self._books[symbol]
            seq = self._next_book_seq(symbol)
            self._marker(
                symbol, Channel.BOOK, seq, kind, reason, local_ts, update_id=stream.update_id
            )
            if kind is not MarkerKind.START:
                stream.live = False  # the next book written is a snapshot
        if self.trades:
            seq = self._next_trade_seq(symbol)
            self._marker(symbol, Channel.TRADES, seq, kind, reason, local_ts)
        if self.quotes:
            seq = self._next_quote_seq(symbol)
            self._marker(symbol, Channel.QUOTES, seq, kind, reason, local_ts)
        if self.raw:
            self._raw_seq[symbol] += 1
            self._marker(symbol, Channel.RAW, self._raw_seq[symbol], kind, reason, local_ts)

    def _marker(
        self,
        symbol: str,
        channel: Channel,
        seq: int,
        kind: MarkerKind,
        reason: str,
        local_ts: int,
        *,
        update_id: int = -1,
        ts: int = 0,
    ) -> None:
        self.stats.markers += 1
        marker = Marker(
            venue=self.venue,
            symbol=symbol,
            channel=channel,
            seq=seq,
            kind=kind,
            reason=reason,
            update_id=update_id,
            ts=ts,
            local_ts=local_ts,
        )
        self._emit(marker)
        if self.on_marker is not None:
            self.on_marker(marker)

    def _next_book_seq(self, symbol: str) -> int:
        stream = self._books[symbol]
        stream.seq += 1
        return stream.seq

    def _next_trade_seq(self, symbol: str) -> int:
        self._trade_seq[symbol] += 1
        return self._trade_seq[symbol]

    def _next_quote_seq(self, symbol: str) -> int:
        self._quote_seq[symbol] += 1
        return self._quote_seq[symbol]

    def _replaced_connections(self) -> int:
        """Stream connections lost and replaced so far (reconnects and connections the
        watchdog closed for silence); a make-before-break move loses nothing."""
        replaced = 0
        for stats in self._connections:
            replaced += stats.reconnects + stats.watchdog_replacements
        return replaced

    def _check_connections(self, local_ts: int) -> None:
        """Checked with every event, so the marker lands before the first event of a
        replacement connection. Which streams rode the lost connection is the venue
        client's business: every stream is marked, and every book re-snapshotted."""
        replaced = self._replaced_connections()
        if replaced <= self._replaced:
            return
        self._replaced = replaced
        reason = "a stream connection was lost and replaced: events may be missing here"
        for symbol in self.symbols:
            self._books[symbol].snapshot_wanted = True
            self._mark_all(symbol, MarkerKind.DISCONNECT, reason, local_ts)

    def _on_trade(self, symbol: str, trade: Trade) -> None:
        self._check_connections(trade.local_ts or time.time_ns())
        self.stats.trades += 1
        self._emit(
            TradeEvent(
                venue=self.venue,
                symbol=symbol,
                seq=self._next_trade_seq(symbol),
                trade_id=trade.trade_id,
                price=trade.price,
                qty=trade.qty,
                side=str(trade.taker_side),
                ts=ms_to_ns(trade.ts),
                local_ts=trade.local_ts or time.time_ns(),
            )
        )

    def _on_quote(self, symbol: str, quote: Quote) -> None:
        local_ts = quote.local_ts or time.time_ns()
        self._check_connections(local_ts)
        self.stats.quotes += 1
        self._emit(
            QuoteEvent(
                venue=self.venue,
                symbol=symbol,
                seq=self._next_quote_seq(symbol),
                bid=quote.bid,
                bid_qty=quote.bid_qty,
                ask=quote.ask,
                ask_qty=quote.ask_qty,
                update_id=quote.update_id,
                ts=ms_to_ns(quote.ts),
                local_ts=local_ts,
            )
        )

    def _on_raw(self, symbol: str, topic: str, frame: str | bytes, local_ts: int) -> None:
        if symbol not in self._watches:
            return  # a topic of the client's other consumers, or of a symbol stopped
        self._check_connections(local_ts)
        self._raw_seq[symbol] += 1
        self.stats.raw += 1
        self._emit(
            RawEvent(
                venue=self.venue,
                symbol=symbol,
                seq=self._raw_seq[symbol],
                topic=topic,
                frame=frame.encode() if isinstance(frame, str) else bytes(frame),
                local_ts=local_ts,
            )
        )

    async def _watch_staleness(self, after: float) -> None:
        """A book silent for `after` seconds gets one STALE marker (and its next update
        is written as a snapshot, as after any marker)."""
        while True:
            await asyncio.sleep(after / 4)
            now = time.monotonic()
            for symbol in self.symbols:
                stream = self._books[symbol]
                if not stream.stale and now - stream.last_seen >= after:
                    stream.stale = True
                    stream.snapshot_wanted = True
                    self._marker(
                        symbol,
                        Channel.BOOK,
                        self._next_book_seq(symbol),
                        MarkerKind.STALE,
                        f"no book update for {after:g} s",
                        time.time_ns(),
                        update_id=stream.update_id,
                    )

    def _take_changes(
        self, stream: _BookStream, synced: BookSync | None, view: BookView
    ) -> tuple[Changes | None, bool]:
        """(the levels the live book was given since the last take, None when they are
        not known; whether a take happened, at the state `view` shows). Only a book
        recorded at full depth is followed: a delta of a top-N window also holds the
        levels that entered or left the window, which the given levels do not show."""
        if synced is None or self.depth is not None:
            return None, False
        live = synced.book
        if stream.followed is not live:
            self._unfollow(stream)
            if live.follow_changes(self):
                stream.followed = live
            else:
                return None, False  # another consumer follows it: compare books
        if view.update_id != live.update_id:
            return None, False  # the view is older than the live book
        return live.take_changes(self), True

    def _unfollow(self, stream: _BookStream) -> None:
        if stream.followed is not None:
            stream.followed.unfollow_changes(self)
            stream.followed = None
        stream.in_step = False

    def _on_book(self, symbol: str, book: BookView) -> None:
        stream = self._books[symbol]
        stream.last_seen = now = time.monotonic()
        stream.stale = False
        local_ts = book.local_ts or time.time_ns()
        self._check_connections(local_ts)
        ts = ms_to_ns(book.ts)
        synced = self.client.synced_book(symbol)
        gaps = synced.stats.gaps if synced is not None else stream.gaps
        if gaps > stream.gaps:
            stream.gaps = gaps
            if stream.live:
                self._marker(
                    symbol,
                    Channel.BOOK,
                    self._next_book_seq(symbol),
                    MarkerKind.GAP,
                    "update ids broke continuity",
                    local_ts,
                    update_id=stream.update_id,
                    ts=ts,
                )
        if book.state is not BookState.LIVE:
            if stream.live:
                stream.live = False
                self._marker(
                    symbol,
                    Channel.BOOK,
                    self._next_book_seq(symbol),
                    MarkerKind.RESYNC,
                    f"book {book.state}",
                    local_ts,
                    update_id=stream.update_id,
                    ts=ts,
                )
            return
        given, taken = self._take_changes(stream, synced, book)
        followed = stream.followed is not None
        if book.update_id == stream.update_id and stream.live:
            if taken and given != []:
                # levels given (or lost) without a new id: the next delta cannot follow
                # on from the given levels
                stream.in_step = False
            return  # the same state again: nothing changed
        in_step = given is not None and stream.in_step
        if (
            not stream.live
            or stream.snapshot_wanted
            or now >= stream.next_snapshot
            or (followed and not in_step)
        ):
            kind = BookKind.SNAPSHOT
            prev_id = -1
            bid_levels, ask_levels = list(book.bids), list(book.asks)
            if followed:
                stream.bids, stream.asks = {}, {}
            else:
                stream.bids, stream.asks = dict(bid_levels), dict(ask_levels)
            stream.live = True
            stream.snapshot_wanted = False
            stream.next_snapshot = now + self.snapshot_interval
            self.stats.snapshots += 1
        elif in_step:
            # the usual case: the levels the book was given, nothing of the book read
            kind = BookKind.DELTA
            prev_id = stream.update_id
            bid_levels, ask_levels = _given_levels(given)  # type: ignore[arg-type]
        else:
            kind = BookKind.DELTA
            prev_id = stream.update_id
            bids, asks = dict(book.bids), dict(book.asks)
            bid_levels = _changes(stream.bids, bids)
            ask_levels = _changes(stream.asks, asks)
            stream.bids, stream.asks = bids, asks
        # the next take follows on from this event when this one was taken at the
        # view's state
        stream.in_step = taken
        stream.update_id = book.update_id
        self.stats.book_events += 1
        self._emit(
            BookEvent(
                venue=self.venue,
                symbol=symbol,
                seq=self._next_book_seq(symbol),
                kind=kind,
                prev_id=prev_id,
                update_id=book.update_id,
                ts=ts,
                local_ts=local_ts,
                bids=bid_levels,  # each a list of this event's own
                asks=ask_levels,
            )
        )
