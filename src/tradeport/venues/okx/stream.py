"""OKX public streams: channels → OKX channels → parsed events and verified books.

Which connection path and OKX channel serve one of our channels comes from venue.yaml
`wss_paths` ("<path> <channel>", e.g. "/ws/v5/business candle<period>"); the topic
session (subscriptions shared by channels, per-topic resync, reconnects) is the kit's
(kit/public_streams.py); this module holds the pushes' handlers. A topic is
`<channel>:<instId>`; several of our channels may share one. Public channels go to
`/ws/v5/public`, candles to `/ws/v5/business`, each path on its own connections.

Books (§3.5): `books` pushes a snapshot on subscription, then updates linked by
seqId/prevSeqId and checked by a CRC32 of the top 25 levels (stream_books.py). A gap,
a checksum mismatch, a crossed book or an unreadable push puts that book in RESYNCING
and only its topic is unsubscribed and subscribed again on its connection, which
brings a fresh snapshot: no REST request, no other book touched. A lost connection
leaves its books SYNCING until the replacement's snapshots arrive. `books5` and
`bbo-tbt` push whole top-of-book snapshots and need no continuity.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from tradeport.book.sync import BookSync
from tradeport.model import AssetType
from tradeport.model.errors import MalformedMessage, NotSupported, UnknownSymbol
from tradeport.streams.watch import Channel
from tradeport.venues.kit.public_streams import PublicContext, PublicSession, Topic
from tradeport.venues.okx import stream_messages as sm
from tradeport.venues.okx import stream_parse as sp
from tradeport.venues.okx.contracts import Contract, Sizes, sizes
from tradeport.venues.okx.stream_books import CheckedBook
from tradeport.venues.okx.ws_endpoints import PublicEndpoint


class OkxPublicContext(PublicContext, Protocol):
    async def contract(self, symbol: str) -> Contract: ...

    def contract_of(self, inst_id: str) -> Contract | None: ...


@dataclass(eq=False, slots=True)
class StreamTopic(Topic):
    """One subscribed OKX channel of one instrument (kind: books, books5, bbo-tbt,
    trades, tickers, mark-price, candle) and what it keeps between pushes."""

    size: Sizes  # venue size text → base units
    book: CheckedBook | None = None  # `books` topics


class PublicStreams(PublicSession[StreamTopic]):
    log = logging.getLogger("tradeport.venues.okx")
    client: OkxPublicContext

    def __init__(self, client: OkxPublicContext, ws_base: str) -> None:
        super().__init__(client, ws_base)
        self.swap = client.asset_type is AssetType.SWAP
        self.events_skipped = 0  # informational events (connection counts, notices)
        each = self.each_event
        self.binders = {"books": self._books_delivery}
        self.handlers = {
            "books5": each(lambda t, f, ts: [sp.parse_top_book(f, t.symbol, t.size, ts)]),
            "bbo-tbt": each(lambda t, f, ts: _present(sp.parse_bbo(f, t.symbol, t.size, ts))),
            "trades": each(lambda t, f, ts: sp.parse_trades(f, t.symbol, t.size, ts)),
            "tickers": each(lambda t, f, ts: sp.parse_tickers(f, t.symbol, t.size, self.swap, ts)),
            "mark-price": each(lambda t, f, ts: sp.parse_mark_prices(f, t.symbol, ts)),
            "candle": self._on_candles,
        }

    async def _topic_name(self, template: str, channel: Channel) -> str:
        contract = await self.client.contract(channel.symbol or "")  # UnknownSymbol if not
        return f"{template}:{contract.venue_symbol}"

    def _new_topic(self, name: str, path: str, channel: Channel) -> StreamTopic:
        okx_channel, _, inst_id = name.partition(":")
        kind = "candle" if okx_channel.startswith("candle") else okx_channel
        if kind not in self.handlers and kind not in self.binders:
            raise NotSupported(f"channel {okx_channel!r} is not known on {self.client.key}")
        contract = self.client.contract_of(inst_id)
        if contract is None:
            raise UnknownSymbol(f"unknown instrument {inst_id!r} on {self.client.key}")
        symbol = channel.symbol or ""
        # a swap's sizes are contracts of ctVal × ctMult base units; spot's are base
        topic = StreamTopic(name, path, kind, symbol, sizes(contract.multiplier))
        if kind == "books":
            # the book asks for a snapshot by symbol; here a snapshot is its topic's
            topic.book = CheckedBook(symbol, lambda _s: self._resync(name), topic.size)
        return topic

    def _endpoint(self, path: str) -> PublicEndpoint:
        return PublicEndpoint(f"{self.client.key}{path}", self.ws_base + path, self.client.liveness)

    def synced_book(self, symbol: str) -> BookSync | None:
        """The book behind `watch_order_book(symbol)`."""
        for topic in self.topics.values():
            if topic.book is not None and topic.symbol == symbol:
                return topic.book.sync
        return None

    def _subscribed(self, topic: StreamTopic, channel: Channel, shared: bool) -> None:
        if shared and topic.book is not None:
            self._publish_book(topic)  # the topic's snapshot went to the first channel

    # -- frames ------------------------------------------------------------------------
    def feed(self, frame: str | bytes, local_ts: int = 0) -> None:
        # `sm.topic_name`, its lookup of a topic seen before inlined: once per frame
        name = None
        if frame.__class__ is str:
            end = frame.find("}", 0, 120) + 1
            if end:
                name = sm.topic_names.get(frame[:end])
        if name is None:
            name = sm.topic_name(frame)
        if name is None:
            head = sm.head_of(frame)
            if head.event is not None or head.arg is None:
                self.events_skipped += 1
                return
            name = f"{head.arg.channel}:{head.arg.instId}"
        # `_dispatch`, inlined: this runs once per frame of every topic
        topic = self.topics.get(name)
        if topic is not None:  # None: a frame still in flight after an unsubscribe
            topic.deliver(frame, local_ts or time.time_ns())

    def _books_delivery(self, topic: StreamTopic) -> Callable[[str | bytes, int], None]:
        """A `books` topic's frames: the checked book's hot path, then publication. A
        closure over the topic's state (rebound when its channels change): it runs for
        every push."""
        book = topic.book
        assert book is not None
        on_frame, sync, channels, publish = book.on_frame, book.sync, topic.channels, self.publish

        def deliver(frame: str | bytes, local_ts: int) -> None:
            try:
                changed = on_frame(frame, local_ts)
            except MalformedMessage:
                # unreadable, or levels or ids that cannot be real (the book refused them)
                self._unreadable(topic, "malformed books push")
                raise
            if changed:
                for channel in channels:
                    publish(channel, sync)  # the consumer's view filters by state

        return deliver

    def _publish_book(self, topic: StreamTopic) -> None:
        book = topic.book
        assert book is not None
        publish = self.publish
        for channel in topic.channels:
            publish(channel, book.sync)  # the consumer's view filters by state

    def _on_candles(self, topic: StreamTopic, frame: str | bytes, local_ts: int) -> None:
        publish = self.publish
        for channel in topic.channels:
            period = channel.param or ""
            for bar in sp.parse_candles(frame, topic.symbol, period, self.swap, local_ts):
                publish(channel, bar)


def _present(event: object | None) -> list[object]:
    return [] if event is None else [event]
