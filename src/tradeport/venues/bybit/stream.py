"""Bybit public streams: channels → topics → parsed events and verified books.

Which connection path and topic serve a channel comes from venue.yaml `wss_paths`
("<path> <topic>"); this module holds only the logic. Several channels may share one
topic (a 50-level book and a 50-level partial book, a ticker and a mark price): the
topic is subscribed once and unsubscribed when its last channel closes.

Books (§4.5): every subscription starts with a `snapshot`, then `delta`s whose update
id `u` goes up by one per push. One `BookSync` per book topic checks that: a snapshot
resets it (a new subscription, a resubscription, a reconnect, or `u == 1` after the
venue restarted its service), a delta must be exactly one past the book. A gap, a
crossed book or an unreadable delta puts the book in RESYNCING and only its topic is
unsubscribed and subscribed again on its connection, which brings a fresh snapshot: no
REST request. A lost connection leaves its books SYNCING until the replacement's
snapshots arrive.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tradeport.book.sequence import FirstLastRule
from tradeport.book.sync import BookSync
from tradeport.model import AssetType, BookState, Quote
from tradeport.model.errors import BadParameter, MalformedMessage, NotSupported, TradeportError
from tradeport.streams.watch import Channel
from tradeport.transport.ws import WsStream
from tradeport.transport.ws_endpoint import WsStats
from tradeport.venues.bybit import stream_messages as sm
from tradeport.venues.bybit import stream_parse as sp
from tradeport.venues.bybit.ws_endpoints import PublicEndpoint

if TYPE_CHECKING:
    from tradeport.venues.bybit.client import BybitClient

log = logging.getLogger("tradeport.venues.bybit")

Handler = Callable[["StreamTopic", str | bytes, int], None]


@dataclass(eq=False)
class StreamTopic:
    """One subscribed topic: the channels it serves and what it keeps between frames."""

    name: str  # e.g. "orderbook.50.BTCUSDT"
    path: str  # e.g. "/v5/public/linear"
    kind: str  # orderbook, publicTrade, tickers, kline
    symbol: str  # standard, e.g. "BTC-USDT"
    channels: set[Channel] = field(default_factory=set)
    book: BookSync | None = None  # orderbook topics
    fields: sm.TickerFields = field(default_factory=dict)  # tickers: merged fields

    @property
    def depth(self) -> int:
        """The depth of an orderbook topic (0 for other kinds)."""
        return int(self.name.split(".")[1]) if self.kind == "orderbook" else 0


class PublicStreams:
    def __init__(self, client: BybitClient, ws_base: str) -> None:
        self.client = client
        self.ws_base = ws_base.rstrip("/")
        self.spot = client.asset_type is AssetType.SPOT
        self.topics: dict[str, StreamTopic] = {}  # topic name → its state
        self._located: dict[Channel, str] = {}  # channel → topic name
        self._sockets: dict[str, WsStream] = {}  # connection path → its stream manager
        self._resyncs: dict[str, asyncio.Task[None]] = {}  # topic → its resubscription
        self._handlers: dict[str, Handler] = {
            "orderbook": self._on_book,
            "publicTrade": self._on_trades,
            "tickers": self._on_ticker,
            "kline": self._on_kline,
        }
        self.malformed = 0  # book frames that could not be read
        self.resubscribes = 0  # book topics resubscribed to resync them

    # -- channels ----------------------------------------------------------------------
    async def open(self, channel: Channel) -> None:
        topic = await self.prepare(channel)
        shared = len(topic.channels) > 1
        try:
            await self._socket(topic.path).subscribe([topic.name])
        except BaseException:
            await self.close(channel)
            raise
        if shared:
            self._replay(topic, channel)

    async def prepare(self, channel: Channel) -> StreamTopic:
        """Route the frames of `channel`'s topic to it, without subscribing (`open`
        subscribes; the benchmarks feed frames directly)."""
        path, name = await self._locate(channel)
        topic = self.topics.get(name)
        if topic is None:
            topic = self.topics[name] = self._new_topic(name, path, channel.symbol or "")
        topic.channels.add(channel)
        self._located[channel] = name
        return topic

    async def close(self, channel: Channel) -> None:
        name = self._located.pop(channel, None)
        topic = None if name is None else self.topics.get(name)
        if topic is None:
            return
        topic.channels.discard(channel)
        if topic.channels:
            return
        del self.topics[topic.name]
        task = self._resyncs.pop(topic.name, None)
        if task is not None:
            task.cancel()
        socket = self._sockets.get(topic.path)
        if socket is not None:
            await socket.unsubscribe([topic.name])

    def synced_book(self, symbol: str) -> BookSync | None:
        """The book behind `watch_order_book(symbol)`: the deepest one watched."""
        watched = [
            t
            for t in self.topics.values()
            if t.book is not None
            and t.symbol == symbol
            and any(c.kind == "book" for c in t.channels)
        ]
        return max(watched, key=lambda t: t.depth).book if watched else None

    def stats(self) -> dict[str, WsStats]:
        return {f"{self.client.key}{path}": s.stats for path, s in self._sockets.items()}

    async def aclose(self) -> None:
        tasks, self._resyncs = list(self._resyncs.values()), {}
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        sockets, self._sockets = self._sockets, {}
        for socket in sockets.values():
            await socket.close()

    async def _locate(self, channel: Channel) -> tuple[str, str]:
        """(connection path, topic name) of a channel, from venue.yaml `wss_paths`."""
        spec = self.client.config.wss_paths.get(channel.kind)
        if spec is None:
            raise NotSupported(f"{channel.kind} streams are not supported on {self.client.key}")
        path, _, template = spec.partition(" ")
        inst = await self.client.instrument(channel.symbol or "")  # UnknownSymbol if not
        name = template.replace("<symbol>", inst.venue_symbol)
        param = channel.param or ""
        if "<depth>" in name:
            name = name.replace("<depth>", param)
        if "<levels>" in name:
            allowed = self.client.partial_book_levels
            if param not in {str(n) for n in allowed}:
                raise BadParameter(
                    f"partial book levels {channel.param!r}: expected one of {allowed}"
                )
            name = name.replace("<levels>", param)
        if "<period>" in name:
            interval = self.client.config.kline_periods.get(param)
            if interval is None:
                raise BadParameter(
                    f"kline period {channel.param!r}: expected one of "
                    f"{sorted(self.client.config.kline_periods)}"
                )
            name = name.replace("<period>", interval)
        return path, name

    def _new_topic(self, name: str, path: str, symbol: str) -> StreamTopic:
        kind = name.partition(".")[0]
        if kind not in self._handlers:
            raise NotSupported(f"topic {name!r} is not known on {self.client.key}")
        topic = StreamTopic(name, path, kind, symbol)
        if kind == "orderbook":
            # the book asks for a snapshot by symbol; here a snapshot is its topic's
            topic.book = BookSync(symbol, FirstLastRule(), lambda _s: self._resync(name))
        return topic

    def _socket(self, path: str) -> WsStream:
        socket = self._sockets.get(path)
        if socket is None:
            endpoint = PublicEndpoint(
                f"{self.client.key}{path}",
                self.ws_base + path,
                spot=self.spot,
                liveness=self.client.liveness,
            )
            socket = WsStream(
                endpoint, self.feed, on_reconnect=self._on_reconnect, on_lost=self._on_lost
            )
            self._sockets[path] = socket
        return socket

    # -- frames ------------------------------------------------------------------------
    def feed(self, frame: str | bytes, local_ts: int = 0) -> None:
        """One data frame off a socket (the hot path)."""
        topic = self.topics.get(sm.topic_of(frame))
        if topic is not None:  # None: a frame still in flight after an unsubscribe
            self._handlers[topic.kind](topic, frame, local_ts or time.time_ns())

    def _on_book(self, topic: StreamTopic, frame: str | bytes, local_ts: int) -> None:
        book = topic.book
        assert book is not None
        try:
            parsed = sp.parse_book_frame(frame, topic.symbol, local_ts)
        except MalformedMessage:
            # a delta we cannot read is a delta we missed: that book resyncs
            self.malformed += 1
            book.invalidate("malformed orderbook frame")
            self._publish_book(topic)
            raise
        if parsed.snapshot is not None:
            # every snapshot starts the book over: a (re)subscription, or u == 1 after
            # the venue restarted its service (§4.5)
            book.reset()
            book.on_snapshot(parsed.snapshot)
            self._publish_book(topic)
        elif parsed.update is not None and book.on_update(parsed.update):
            self._publish_book(topic)

    def _publish_book(self, topic: StreamTopic) -> None:
        book = topic.book
        assert book is not None
        publish = self.client.streams.publish
        live = book.state is BookState.LIVE
        for channel in topic.channels:
            if channel.kind == "book":
                publish(channel, book)  # the consumer's view filters by state
            elif not live:
                continue
            elif channel.kind == "partial_book":
                publish(channel, book.view(int(channel.param or 0) or None))
            elif channel.kind == "quotes":
                quote = _quote(book)
                if quote is not None:
                    publish(channel, quote)

    def _on_trades(self, topic: StreamTopic, frame: str | bytes, local_ts: int) -> None:
        trades = sp.parse_trades(frame, topic.symbol, local_ts)
        publish = self.client.streams.publish
        for channel in topic.channels:
            for trade in trades:
                publish(channel, trade)

    def _on_kline(self, topic: StreamTopic, frame: str | bytes, local_ts: int) -> None:
        publish = self.client.streams.publish
        for channel in topic.channels:
            for bar in sp.parse_klines(frame, topic.symbol, channel.param or "", local_ts):
                publish(channel, bar)

    def _on_ticker(self, topic: StreamTopic, frame: str | bytes, local_ts: int) -> None:
        msg = sp.decode_ticker(frame)
        topic.fields = sp.merge_ticker(topic.fields, msg)
        marks_changed = msg.type == "snapshot" or not sp.MARK_FIELDS.isdisjoint(msg.data)
        self._publish_ticker(topic, msg.ts, local_ts, marks_changed)

    def _publish_ticker(
        self, topic: StreamTopic, ts: int, local_ts: int, marks_changed: bool = True
    ) -> None:
        publish = self.client.streams.publish
        for channel in topic.channels:
            if channel.kind == "ticker":
                ticker = sp.parse_ticker(topic.fields, topic.symbol, ts, local_ts)
                if ticker is not None:
                    publish(channel, ticker)
            elif channel.kind == "mark" and marks_changed:
                mark = sp.parse_mark_price(topic.fields, topic.symbol, ts, local_ts)
                if mark is not None:
                    publish(channel, mark)

    def _replay(self, topic: StreamTopic, channel: Channel) -> None:
        """A channel joining a topic that already streams gets its current state (the
        topic's snapshot went to the channels that were there first)."""
        if topic.book is not None:
            self._publish_book(topic)
        elif topic.kind == "tickers" and topic.fields:
            self._publish_ticker(topic, 0, time.time_ns())

    # -- resync and reconnects ---------------------------------------------------------
    def _resync(self, name: str) -> None:
        """A book lost continuity: resubscribe its topic alone (the venue answers a
        subscription with a snapshot); one resubscription in flight per topic."""
        if name in self._resyncs or name not in self.topics:
            return
        task = asyncio.get_running_loop().create_task(
            self._resubscribe(name), name=f"bybit-resync {name}"
        )
        self._resyncs[name] = task
        task.add_done_callback(lambda _t: self._resyncs.pop(name, None))

    async def _resubscribe(self, name: str) -> None:
        topic = self.topics.get(name)
        socket = None if topic is None else self._sockets.get(topic.path)
        if socket is None:
            return
        self.resubscribes += 1
        log.info("%s: resubscribing %s for a fresh snapshot", self.client.key, name)
        try:
            await socket.resubscribe([name])
        except TradeportError as exc:
            # the book stays RESYNCING (flagged, never shown as LIVE); the connection's
            # replacement subscribes the topic anew and its snapshot resyncs it
            log.warning("%s: resubscribing %s failed: %s", self.client.key, name, exc)

    def _on_lost(self, names: list[str]) -> None:
        # nothing a lost connection carried is current until its replacement's snapshots
        for name in names:
            topic = self.topics.get(name)
            if topic is not None and topic.book is not None:
                topic.book.reset()
                self._publish_book(topic)

    def _on_reconnect(self, names: list[str]) -> None:
        log.info("%s: resubscribed %d topics after a reconnect", self.client.key, len(names))


def _quote(book: BookSync) -> Quote | None:
    bid, ask = book.book.best_bid(), book.book.best_ask()
    if bid is None or ask is None:
        return None
    return Quote(
        symbol=book.symbol,
        bid=bid[0],
        bid_qty=bid[1],
        ask=ask[0],
        ask_qty=ask[1],
        update_id=book.update_id,
        ts=book.ts,
        local_ts=book.local_ts,
    )
