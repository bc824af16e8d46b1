"""OKX public streams: channels → OKX channels → parsed events and verified books.

Which connection path and OKX channel serve one of our channels comes from venue.yaml
`wss_paths` ("<path> <channel>", e.g. "/ws/v5/business candle<period>"); this module
holds only the logic. A topic is `<channel>:<instId>`; several of our channels may
share one (two consumers of the same book): it is subscribed once and unsubscribed
when its last channel closes. Public channels go to `/ws/v5/public`, candles to
`/ws/v5/business`, each path on its own connections.

Books (§3.5): `books` pushes a snapshot on subscription, then updates linked by
seqId/prevSeqId and checked by a CRC32 of the top 25 levels (stream_books.py). A gap,
a checksum mismatch, a crossed book or an unreadable push puts that book in RESYNCING
and only its topic is unsubscribed and subscribed again on its connection, which
brings a fresh snapshot: no REST request, no other book touched. A lost connection
leaves its books SYNCING until the replacement's snapshots arrive. `books5` and
`bbo-tbt` push whole top-of-book snapshots and need no continuity.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tradeport.model import AssetType
from tradeport.model.errors import BadParameter, MalformedMessage, NotSupported, TradeportError
from tradeport.streams.watch import Channel
from tradeport.transport.ws import WsStream
from tradeport.transport.ws_endpoint import WsStats
from tradeport.venues.okx import stream_messages as sm
from tradeport.venues.okx import stream_parse as sp
from tradeport.venues.okx.contracts import Sizes, sizes
from tradeport.venues.okx.stream_books import CheckedBook
from tradeport.venues.okx.ws_endpoints import PublicEndpoint

if TYPE_CHECKING:
    from tradeport.book.sync import BookSync
    from tradeport.venues.okx.client import OkxClient

log = logging.getLogger("tradeport.venues.okx")

Handler = Callable[["StreamTopic", str | bytes, int], None]


@dataclass(eq=False)
class StreamTopic:
    """One subscribed OKX channel of one instrument: the channels it serves and what
    it keeps between pushes."""

    name: str  # e.g. "books:BTC-USDT-SWAP"
    path: str  # e.g. "/ws/v5/public"
    kind: str  # the OKX channel: books, books5, bbo-tbt, trades, tickers, candle1m…
    symbol: str  # standard, e.g. "BTC-USDT"
    size: Sizes  # venue size text → base units
    channels: set[Channel] = field(default_factory=set)
    book: CheckedBook | None = None  # `books` topics


class PublicStreams:
    def __init__(self, client: OkxClient, ws_base: str) -> None:
        self.client = client
        self.ws_base = ws_base.rstrip("/")
        self.swap = client.asset_type is AssetType.SWAP
        self.topics: dict[str, StreamTopic] = {}  # topic name → its state
        self._located: dict[Channel, str] = {}  # channel → topic name
        self._sockets: dict[str, WsStream] = {}  # connection path → its stream manager
        self._resyncs: dict[str, asyncio.Task[None]] = {}  # topic → its resubscription
        self._handlers: dict[str, Handler] = {
            "books": self._on_books,
            "books5": self._on_top_book,
            "bbo-tbt": self._on_bbo,
            "trades": self._on_trades,
            "tickers": self._on_tickers,
            "mark-price": self._on_mark,
        }
        self.malformed = 0  # book pushes that could not be read
        self.resubscribes = 0  # book topics resubscribed to resync them
        self.events_skipped = 0  # informational events (connection counts, notices)

    # -- channels ----------------------------------------------------------------------
    async def open(self, channel: Channel) -> None:
        topic = await self.prepare(channel)
        shared = len(topic.channels) > 1
        try:
            await self._socket(topic.path).subscribe([topic.name])
        except BaseException:
            await self.close(channel)
            raise
        if shared and topic.book is not None:
            self._publish_book(topic)  # the topic's snapshot went to the first channel

    async def prepare(self, channel: Channel) -> StreamTopic:
        """Route the pushes of `channel`'s topic to it, without subscribing (`open`
        subscribes; the benchmarks feed frames directly)."""
        path, name, size = await self._locate(channel)
        topic = self.topics.get(name)
        if topic is None:
            topic = self.topics[name] = self._new_topic(name, path, channel.symbol or "", size)
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
        """The book behind `watch_order_book(symbol)`."""
        for topic in self.topics.values():
            if topic.book is not None and topic.symbol == symbol:
                return topic.book.sync
        return None

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

    async def _locate(self, channel: Channel) -> tuple[str, str, Sizes]:
        """(connection path, topic name, size converter) of a channel, from venue.yaml
        `wss_paths`."""
        client = self.client
        spec = client.config.wss_paths.get(channel.kind)
        if spec is None:
            raise NotSupported(f"{channel.kind} streams are not supported on {client.key}")
        path, _, okx_channel = spec.partition(" ")
        param = channel.param or ""
        if channel.kind == "partial_book":
            allowed = client.partial_book_levels
            if param not in {str(n) for n in allowed}:
                raise BadParameter(
                    f"partial book levels {channel.param!r}: expected one of {allowed}"
                )
            okx_channel = okx_channel.replace("<levels>", param)
        if "<period>" in okx_channel:
            bar = client.config.kline_periods.get(param)
            if bar is None:
                raise BadParameter(
                    f"kline period {channel.param!r}: expected one of "
                    f"{sorted(client.config.kline_periods)}"
                )
            okx_channel = okx_channel.replace("<period>", bar)
        contract = await client.contract(channel.symbol or "")  # UnknownSymbol if not
        # a swap's sizes are contracts of ctVal × ctMult base units; spot's are base
        size = sizes(contract.multiplier)
        return path, f"{okx_channel}:{contract.venue_symbol}", size

    def _new_topic(self, name: str, path: str, symbol: str, size: Sizes) -> StreamTopic:
        kind = name.partition(":")[0]
        if kind not in self._handlers and not kind.startswith("candle"):
            raise NotSupported(f"channel {kind!r} is not known on {self.client.key}")
        topic = StreamTopic(name, path, kind, symbol, size)
        if kind == "books":
            # the book asks for a snapshot by symbol; here a snapshot is its topic's
            topic.book = CheckedBook(symbol, lambda _s: self._resync(name))
        return topic

    def _socket(self, path: str) -> WsStream:
        socket = self._sockets.get(path)
        if socket is None:
            endpoint = PublicEndpoint(
                f"{self.client.key}{path}", self.ws_base + path, self.client.liveness
            )
            socket = WsStream(
                endpoint, self.feed, on_reconnect=self._on_reconnect, on_lost=self._on_lost
            )
            self._sockets[path] = socket
        return socket

    # -- frames ------------------------------------------------------------------------
    def feed(self, frame: str | bytes, local_ts: int = 0) -> None:
        """One data frame off a socket (the hot path)."""
        peeked = sm.peek_arg(frame)
        if peeked is None:
            head = sm.head_of(frame)
            if head.event is not None or head.arg is None:
                self.events_skipped += 1
                return
            peeked = head.arg.channel, head.arg.instId
        topic = self.topics.get(f"{peeked[0]}:{peeked[1]}")
        if topic is None:  # a push still in flight after an unsubscribe
            return
        handler = self._handlers.get(topic.kind, self._on_candles)
        handler(topic, frame, local_ts or time.time_ns())

    def _on_books(self, topic: StreamTopic, frame: str | bytes, local_ts: int) -> None:
        book = topic.book
        assert book is not None
        try:
            push = sp.parse_books(frame, topic.symbol, topic.size, local_ts)
        except MalformedMessage:
            # a push we cannot read is a push we missed: that book resyncs
            self.malformed += 1
            book.invalidate("malformed books push")
            self._publish_book(topic)
            raise
        if book.on_push(push):
            self._publish_book(topic)

    def _publish_book(self, topic: StreamTopic) -> None:
        book = topic.book
        assert book is not None
        publish = self.client.streams.publish
        for channel in topic.channels:
            publish(channel, book.sync)  # the consumer's view filters by state

    def _on_top_book(self, topic: StreamTopic, frame: str | bytes, local_ts: int) -> None:
        book = sp.parse_top_book(frame, topic.symbol, topic.size, local_ts)
        publish = self.client.streams.publish
        for channel in topic.channels:
            publish(channel, book)

    def _on_bbo(self, topic: StreamTopic, frame: str | bytes, local_ts: int) -> None:
        quote = sp.parse_bbo(frame, topic.symbol, topic.size, local_ts)
        if quote is None:
            return
        publish = self.client.streams.publish
        for channel in topic.channels:
            publish(channel, quote)

    def _on_trades(self, topic: StreamTopic, frame: str | bytes, local_ts: int) -> None:
        trades = sp.parse_trades(frame, topic.symbol, topic.size, local_ts)
        publish = self.client.streams.publish
        for channel in topic.channels:
            for trade in trades:
                publish(channel, trade)

    def _on_tickers(self, topic: StreamTopic, frame: str | bytes, local_ts: int) -> None:
        tickers = sp.parse_tickers(frame, topic.symbol, topic.size, self.swap, local_ts)
        publish = self.client.streams.publish
        for channel in topic.channels:
            for ticker in tickers:
                publish(channel, ticker)

    def _on_mark(self, topic: StreamTopic, frame: str | bytes, local_ts: int) -> None:
        marks = sp.parse_mark_prices(frame, topic.symbol, local_ts)
        publish = self.client.streams.publish
        for channel in topic.channels:
            for mark in marks:
                publish(channel, mark)

    def _on_candles(self, topic: StreamTopic, frame: str | bytes, local_ts: int) -> None:
        publish = self.client.streams.publish
        for channel in topic.channels:
            period = channel.param or ""
            for bar in sp.parse_candles(frame, topic.symbol, period, self.swap, local_ts):
                publish(channel, bar)

    # -- resync and reconnects ---------------------------------------------------------
    def _resync(self, name: str) -> None:
        """A book lost continuity or failed its checksum: resubscribe its topic alone
        (the venue answers a subscription with a snapshot); one at a time per topic."""
        if name in self._resyncs or name not in self.topics:
            return
        task = asyncio.get_running_loop().create_task(
            self._resubscribe(name), name=f"okx-resync {name}"
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
