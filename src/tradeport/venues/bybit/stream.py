"""Bybit public streams: channels → topics → parsed events and verified books.

Which connection path and topic serve a channel comes from venue.yaml `wss_paths`
("<path> <topic>"); the topic session (subscriptions shared by channels, per-topic
resync, reconnects) is the kit's (kit/public_streams.py); this module holds the
frames' handlers. Several channels may share one topic (a 50-level book and a 50-level
partial book, a ticker and a mark price).

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

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tradeport.book.levels import reads_json_fast, shape_reader
from tradeport.book.sequence import FirstLastRule
from tradeport.book.sync import BookSync
from tradeport.model import BookState, Quote, Trade
from tradeport.model.errors import MalformedMessage, NotSupported
from tradeport.streams.watch import Channel
from tradeport.venues.bybit import stream_messages as sm
from tradeport.venues.bybit import stream_parse as sp
from tradeport.venues.bybit.ws_endpoints import PublicEndpoint
from tradeport.venues.kit.public_streams import PublicContext, PublicSession, Topic

_now = time.time_ns  # the hot path reads it without a module lookup
_TOPIC_PREFIX = '{"topic":"'  # how Bybit begins a public data frame


@dataclass(eq=False, slots=True)
class StreamTopic(Topic):
    """One subscribed topic (kind: orderbook, publicTrade, tickers, kline) and what it
    keeps between frames."""

    book: BookSync | None = None  # orderbook topics
    fields: sm.TickerFields = field(default_factory=dict)  # tickers: merged fields

    @property
    def depth(self) -> int:
        """The depth of an orderbook topic (0 for other kinds)."""
        return int(self.name.split(".")[1]) if self.kind == "orderbook" else 0


class PublicStreams(PublicSession[StreamTopic]):
    log = logging.getLogger("tradeport.venues.bybit")

    def __init__(self, client: PublicContext, ws_base: str) -> None:
        super().__init__(client, ws_base)
        self.handlers = {
            "orderbook": self._on_book,
            "publicTrade": self.each_event(
                lambda t, frame, ts: sp.parse_trades(frame, t.symbol, ts)
            ),
            "tickers": self._on_ticker,
            "kline": self._on_kline,
        }
        self.binders = {"orderbook": self._book_delivery, "publicTrade": self._trade_delivery}

    async def _topic_name(self, template: str, channel: Channel) -> str:
        inst = await self.client.instrument(channel.symbol or "")  # UnknownSymbol if not
        return template.replace("<symbol>", inst.venue_symbol)

    def _new_topic(self, name: str, path: str, channel: Channel) -> StreamTopic:
        kind = name.partition(".")[0]
        if kind not in self.handlers:
            raise NotSupported(f"topic {name!r} is not known on {self.client.key}")
        symbol = channel.symbol or ""
        topic = StreamTopic(name, path, kind, symbol)
        if kind == "orderbook":
            # the book asks for a snapshot by symbol; here a snapshot is its topic's
            topic.book = BookSync(symbol, FirstLastRule(), lambda _s: self._resync(name))
        return topic

    def _endpoint(self, path: str) -> PublicEndpoint:
        return PublicEndpoint(
            f"{self.client.key}{path}",
            self.ws_base + path,
            spot=self.spot,
            liveness=self.client.liveness,
        )

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

    def _subscribed(self, topic: StreamTopic, channel: Channel, shared: bool) -> None:
        """A channel joining a topic that already streams gets its current state (the
        topic's snapshot went to the channels that were there first)."""
        if not shared:
            return
        if topic.book is not None:
            self._publish_book(topic)
        elif topic.kind == "tickers" and topic.fields:
            self._publish_ticker(topic, 0, time.time_ns())

    # -- frames ------------------------------------------------------------------------
    def feed(self, frame: str | bytes, local_ts: int = 0) -> None:
        # `peek_topic` and `_dispatch`, inlined for text frames: this runs once per
        # frame of every topic
        if type(frame) is str and frame.startswith(_TOPIC_PREFIX):
            end = frame.find('"', 10, 80)
            name = frame[10:end] if end > 10 else sm.topic_of(frame)
        else:
            name = sm.topic_of(frame)
        topic = self.topics.get(name)
        if topic is not None:  # None: a frame still in flight after an unsubscribe
            topic.deliver(frame, local_ts or _now())

    def _book_delivery(self, topic: StreamTopic) -> Callable[[str | bytes, int], None]:
        """The hot path of a book topic: decode, continuity check, apply, crossed check
        and publish in one closure (bound again when its channels change). A delta's
        levels are read straight from the frame's text by the compiled store; a frame
        it does not take goes the typed way (`_on_book`)."""
        book = topic.book
        assert book is not None
        on_book, publish, channels = self._on_book, self.publish, topic.channels
        apply_text, decode_text = book.apply_text, sp.decode_book_text
        books_only = all(channel.kind == "book" for channel in channels)

        def deliver(frame: str | bytes, local_ts: int) -> None:
            if reads_json_fast():
                text = decode_text(frame)
                if text is not None and text.type == "delta":
                    data = text.data
                    try:
                        done = apply_text(data.u, data.u, -1, data.b, data.a, text.ts, local_ts)
                    except MalformedMessage:
                        self._unreadable(topic, "malformed orderbook frame")
                        raise
                    if done:
                        if books_only:
                            for channel in channels:
                                publish(channel, book)  # the consumer's view filters by state
                        else:
                            self._publish_book(topic)
                        return
            on_book(topic, frame, local_ts)

        return deliver

    def _trade_delivery(self, topic: StreamTopic) -> Callable[[str | bytes, int], None]:
        """A `publicTrade` frame's trades, made (all of them, before any is delivered)
        and pushed to each consumer of each channel in one closure, with no call between
        (the parser's and the dispatcher's work, inlined): trades are the most frequent
        frames. A frame of one trade written as Bybit writes them is read by the
        compiled store (`read_shape`); any other is decoded typed."""
        symbol, channels = topic.symbol, topic.channels
        sinks_of = self.client.streams.sinks_lookup()
        decode, sides, trades_of = sp.decode_trade_rows, sp.SIDES, sp.trades_of
        read, shape, values = shape_reader(), sp.TRADE_SHAPE, sp.TRADE_VALUES

        def deliver(frame: str | bytes, local_ts: int) -> None:
            read_values = None if read is None else read(frame, shape, values)
            # a known side and a size and a price above zero, as the typed path requires
            # (which otherwise names what is not)
            side = None
            if read_values is not None and read_values[2] > 0.0 and read_values[3] > 0.0:
                side = sides.get(read_values[1])
            if side is not None and read_values is not None:
                ts, _, qty, price, trade_id = read_values
                trades = [
                    Trade(
                        symbol=symbol,
                        trade_id=trade_id,
                        price=price,
                        qty=qty,
                        taker_side=side,
                        ts=ts,
                        local_ts=local_ts,
                    )
                ]
            else:
                trades = trades_of(decode(frame), symbol, local_ts)
            for channel in channels:
                sinks = sinks_of(channel)
                if sinks:
                    for trade in trades:
                        for sink in sinks:
                            sink.push(trade)

        return deliver

    def _on_book(self, topic: StreamTopic, frame: str | bytes, local_ts: int) -> None:
        """A book frame the way every frame can take: decoded typed, a snapshot loaded,
        a delta checked and applied; a `DepthUpdate` is built only for a delta the book
        does not apply right away (buffered, skipped, a gap)."""
        book = topic.book
        assert book is not None
        try:
            msg = sp.decode_book(frame)
            if msg.type == "snapshot":
                # every snapshot starts the book over: a (re)subscription, or u == 1
                # after the venue restarted its service (§4.5)
                book.reset()
                book.on_snapshot(sp.book_snapshot(msg, topic.symbol, local_ts))
                changed = True
            elif book.continues(msg.data.u, msg.data.u, -1):
                data = msg.data
                try:
                    book.book.apply(data.b, data.a)
                except MalformedMessage as exc:
                    book.refuse(str(exc))
                book.applied(data.u, data.u, msg.ts, local_ts)
                changed = True
            else:
                changed = book.on_update(sp.book_delta(msg, topic.symbol, local_ts))
        except MalformedMessage:
            # unreadable, or levels or ids that cannot be real (the book refused them)
            self._unreadable(topic, "malformed orderbook frame")
            raise
        if changed:
            self._publish_book(topic)

    def _publish_book(self, topic: StreamTopic) -> None:
        book = topic.book
        assert book is not None
        publish = self.publish
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

    def _on_kline(self, topic: StreamTopic, frame: str | bytes, local_ts: int) -> None:
        publish = self.publish
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
        publish = self.publish
        for channel in topic.channels:
            if channel.kind == "ticker":
                ticker = sp.parse_ticker(topic.fields, topic.symbol, ts, local_ts)
                if ticker is not None:
                    publish(channel, ticker)
            elif channel.kind == "mark" and marks_changed:
                mark = sp.parse_mark_price(topic.fields, topic.symbol, ts, local_ts)
                if mark is not None:
                    publish(channel, mark)


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
