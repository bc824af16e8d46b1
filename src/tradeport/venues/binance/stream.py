"""Binance public streams: channels → stream names → parsed events and verified books.

Which connection path and stream name serve a channel comes from venue.yaml
`wss_paths` ("<path> <stream>"); the subscriptions and connections are the kit's
(kit/public_streams.py `PublicTopics`); this module holds the routes. Every frame is
decoded once at the edge: the combined-stream envelope names the stream, the stream's
route decodes its payload into the venue message and parses it into the model.
Depth diffs go through a `BookSync` per symbol (U/u on spot, U/u/pu on USDⓈ-M); a
book that loses continuity resyncs alone, through one snapshot queue that spends the
client's REST weight budget. A reconnect needs nothing more: the next diff of each
book proves continuity or opens a gap, and only a gap costs a snapshot.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from msgspec import DecodeError

from tradeport.book.levels import reads_json_fast, shape_reader
from tradeport.book.sequence import FirstLastRule, PrevLinkRule
from tradeport.book.snapshots import SnapshotQueue
from tradeport.book.sync import BookSync
from tradeport.model import OrderBook, Trade
from tradeport.model.errors import MalformedMessage, NotSupported
from tradeport.streams.watch import Channel
from tradeport.venues.binance import stream_parse as sp
from tradeport.venues.binance.ws_endpoints import FUTURES_LIMITS, SPOT_LIMITS, MarketEndpoint
from tradeport.venues.kit.public_streams import PublicContext, PublicTopics, Topic

_now = time.time_ns  # the hot path reads it without a module lookup
_STREAM_PREFIX = '{"stream":"'  # how Binance begins a combined-stream frame
# topic kinds: one event per frame, one trade per frame, or a book's diff
EVENT, TRADE, DEPTH = "event", "trade", "depth"


class BinancePublicContext(PublicContext, Protocol):
    async def get_depth(self, symbol: str, limit: int = 20) -> OrderBook: ...


@dataclass(eq=False, slots=True)
class StreamTopic(Topic):
    """One combined stream (e.g. `btcusdt@depth@100ms`) and the route of its payload."""

    route: sp.StreamRoute
    book: BookSync | None = None  # diff-depth streams


class PublicStreams(PublicTopics[StreamTopic]):
    log = logging.getLogger("tradeport.venues.binance")
    client: BinancePublicContext

    def __init__(
        self,
        client: BinancePublicContext,
        ws_base: str,
        *,
        snapshot_limit: int = 1000,
        snapshot_concurrency: int = 4,
    ):
        super().__init__(client, ws_base)
        self.snapshot_limit = snapshot_limit
        self.books: dict[str, BookSync] = {}
        # a few snapshots in flight at once, never all: each one spends REST weight
        self.snapshots = SnapshotQueue(
            self._fetch_snapshot, self._deliver_snapshot, concurrency=snapshot_concurrency
        )
        self.handlers = {DEPTH: self._on_depth}
        self.binders = {
            EVENT: self._event_delivery,
            TRADE: self._trade_delivery,
            DEPTH: self._depth_delivery,
        }

    async def _topic_name(self, template: str, channel: Channel) -> str:
        inst = await self.client.instrument(channel.symbol or "")  # UnknownSymbol if not
        return template.replace("<symbol>", inst.venue_symbol.lower())

    def _new_topic(self, name: str, path: str, channel: Channel) -> StreamTopic:
        route = sp.route_for(name, self.spot)
        if route is None:
            raise NotSupported(f"stream {name!r} is not known on {self.client.key}")
        symbol = channel.symbol or ""
        if channel.kind != "book":
            kind = TRADE if route.parse in sp.TRADE_PARSERS else EVENT
            return StreamTopic(name, path, kind, symbol, route)
        rule = FirstLastRule() if self.spot else PrevLinkRule()
        book = self.books[symbol] = BookSync(symbol, rule, self.snapshots.request)
        return StreamTopic(name, path, DEPTH, symbol, route, book)

    def prepare(self, channel: Channel, stream: str) -> StreamTopic:
        """Route `stream`'s frames to `channel` afresh (a book gets a new BookSync),
        without subscribing (the benchmarks feed frames directly)."""
        self.topics.pop(stream, None)
        return self.attach(channel, "", stream)

    def _endpoint(self, path: str) -> MarketEndpoint:
        limits = SPOT_LIMITS if self.spot else FUTURES_LIMITS
        return MarketEndpoint(
            f"{self.client.key}{path}",
            self.ws_base + path,
            max_topics=int(limits["max_topics"]),
            max_sends_per_second=limits["max_sends_per_second"],
            liveness=self.client.liveness,
        )

    def _subscribed(self, topic: StreamTopic, channel: Channel, shared: bool) -> None:
        if topic.book is not None:
            # diffs are buffered from the subscription on; the snapshot comes after, as
            # the documented procedure requires (§1.5 step 2, §2.5 step 2)
            self.snapshots.start()
            self.snapshots.request(topic.symbol)

    def _dropped(self, topic: StreamTopic) -> None:
        if topic.book is not None and self.books.get(topic.symbol) is topic.book:
            del self.books[topic.symbol]

    def synced_book(self, symbol: str) -> BookSync | None:
        return self.books.get(symbol)

    async def aclose(self) -> None:
        await self.snapshots.close()
        await super().aclose()

    # -- frames ------------------------------------------------------------------------
    def feed(self, frame: str | bytes, local_ts: int = 0) -> None:
        """One combined-stream frame off the socket (the hot path)."""
        # `peek_stream` and `_dispatch`, inlined for text frames: this runs once per
        # frame of every stream
        if type(frame) is str and frame.startswith(_STREAM_PREFIX):
            end = frame.find('"', 11)
            stream = frame[11:end] if end > 0 else sp.decode_envelope(frame)[0]
        else:
            peeked = sp.peek_stream(frame)
            stream = sp.decode_envelope(frame)[0] if peeked is None else peeked
        topic = self.topics.get(stream)
        if topic is not None:  # None: a frame still in flight after an unsubscribe
            topic.deliver(frame, local_ts or _now())

    def _event_delivery(self, topic: StreamTopic) -> Callable[[str | bytes, int], None]:
        """One event per frame (trades, tickers, klines…), published to every channel
        of the topic; a closure, since it runs for every frame of every such stream
        (`parse_frame`, inlined)."""
        publish, route, symbol, channels = self.publish, topic.route, topic.symbol, topic.channels
        decode, parse = route.decode_frame, route.parse
        if len(channels) == 1:
            (channel,) = channels

            def deliver_one(frame: str | bytes, local_ts: int) -> None:
                try:
                    msg = decode(frame).data
                except DecodeError as exc:
                    raise sp.frame_error(route, frame, exc) from None
                publish(channel, parse(msg, symbol, local_ts))

            return deliver_one

        def deliver(frame: str | bytes, local_ts: int) -> None:
            try:
                msg = decode(frame).data
            except DecodeError as exc:
                raise sp.frame_error(route, frame, exc) from None
            event = parse(msg, symbol, local_ts)
            for channel in channels:
                publish(channel, event)

        return deliver

    def _trade_delivery(self, topic: StreamTopic) -> Callable[[str | bytes, int], None]:
        """A trade stream's frames (`@trade`, `@aggTrade`): read, made the trade and
        pushed to each consumer in one closure, with no call between (the parser's and
        the dispatcher's work, inlined): trades are the most frequent frames. A frame
        written as Binance writes them is read by the compiled store (`read_shape`);
        any other goes through the route's typed decoder."""
        route, symbol, channels = topic.route, topic.symbol, topic.channels
        decode, parse, taker = route.decode_frame, route.parse, sp.TAKER
        sinks_of = self.client.streams.sinks_lookup()
        shape = sp.trade_shape(route, self.spot)
        read = shape_reader() if shape is not None else None
        values = sp.TRADE_VALUES

        def deliver(frame: str | bytes, local_ts: int) -> None:
            read_values = None if read is None or shape is None else read(frame, shape, values)
            # a price and a quantity above zero, as the typed decoder requires (which
            # otherwise names the one that is not)
            if read_values is not None and read_values[1] > 0.0 and read_values[2] > 0.0:
                trade_id, price, qty, ts, buyer_is_maker = read_values
                trade = Trade(
                    symbol=symbol,
                    trade_id=trade_id,
                    price=price,
                    qty=qty,
                    taker_side=taker[buyer_is_maker],
                    ts=ts,
                    local_ts=local_ts,
                )
            else:
                try:
                    msg = decode(frame).data
                except DecodeError as exc:
                    raise sp.frame_error(route, frame, exc) from None
                trade = parse(msg, symbol, local_ts)
            for channel in channels:
                sinks = sinks_of(channel)
                if sinks:
                    for sink in sinks:
                        sink.push(trade)

        return deliver

    def _depth_delivery(self, topic: StreamTopic) -> Callable[[str | bytes, int], None]:
        """The hot path of a diff-depth stream: decode, continuity check, apply, crossed
        check and publish in one closure (bound again when its channels change). The
        levels are read straight from the frame's text by the compiled store; a frame
        it does not take goes the typed way (`_on_depth`)."""
        book = topic.book
        assert book is not None
        on_depth, publish, channels = self._on_depth, self.publish, topic.channels
        apply_text, decode_text = book.apply_text, topic.route.decode_text
        assert decode_text is not None

        def deliver(frame: str | bytes, local_ts: int) -> None:
            if reads_json_fast():
                try:
                    text = decode_text(frame).data
                except DecodeError:
                    pass  # the typed decoder names what is wrong
                else:
                    try:
                        done = apply_text(
                            text.first_id,
                            text.last_id,
                            text.prev_id,
                            text.bids,
                            text.asks,
                            text.event_ts,
                            local_ts,
                        )
                    except MalformedMessage:
                        self._malformed(topic, book)
                        raise
                    if done:
                        for channel in channels:
                            publish(channel, book)  # the consumer's view filters by state
                        return
            on_depth(topic, frame, local_ts)

        return deliver

    def _malformed(self, topic: StreamTopic, book: BookSync) -> None:
        """A diff we cannot read, or whose levels or ids cannot be real, is a diff we
        missed: that book resyncs, and its consumers see it leave LIVE."""
        self.malformed += 1
        book.invalidate("malformed depth frame")
        self._publish_book(topic.channels, book)

    def _on_depth(self, topic: StreamTopic, frame: str | bytes, local_ts: int) -> None:
        """A depth frame the way every frame can take: decoded typed, checked and
        applied; a `DepthUpdate` is built only for a diff the book does not apply right
        away (buffered, skipped, a gap)."""
        book = topic.book
        assert book is not None
        try:
            msg = sp.decode_frame(topic.route, frame)
            if book.continues(msg.first_id, msg.last_id, msg.prev_id):
                try:
                    book.book.apply(msg.bids, msg.asks)
                except MalformedMessage as exc:
                    book.refuse(str(exc))
                book.applied(msg.first_id, msg.last_id, msg.event_ts, local_ts)
                changed = True
            else:
                changed = book.on_update(sp.parse_depth_update(msg, topic.symbol, local_ts))
        except MalformedMessage:
            self._malformed(topic, book)
            raise
        if changed:
            publish = self.publish
            for channel in topic.channels:
                publish(channel, book)  # the consumer's view filters by state

    def _publish_book(self, channels: Sequence[Channel], book: BookSync) -> None:
        for channel in channels:
            self.publish(channel, book)

    # -- snapshots ---------------------------------------------------------------------
    async def _fetch_snapshot(self, symbol: str) -> OrderBook:
        return await self.client.get_depth(symbol, self.snapshot_limit)

    def _deliver_snapshot(self, symbol: str, snapshot: OrderBook) -> None:
        book = self.books.get(symbol)
        if book is None:
            return
        try:
            live = book.on_snapshot(snapshot)
        except MalformedMessage:
            # refused: the book asked again, and the queue fetches with backoff
            self.malformed += 1
            self._publish_book([Channel("book", symbol)], book)
            raise
        if live:
            self._publish_book([Channel("book", symbol)], book)
