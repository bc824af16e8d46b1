"""BingX public streams: channels → dataTypes → parsed events and verified books.

Which connection path and dataType serve a channel comes from venue.yaml `wss_paths`;
the topic session (topics shared by channels, per-topic resync, reconnects) is the
kit's (kit/public_streams.py); this module holds the pushes' handlers. Frames arrive
already inflated from gzip (ws_endpoints.py).

Books (§5.5): every `@incrDepth` subscription starts with `action: all` (the whole
book and its `lastUpdateId`), then `update`s each exactly one id past the previous.
One `BookSync` per book checks that with the first/last rule (first == last id): an
`all` resets it, an update that skips an id, a crossed book or an unreadable push puts
it in RESYNCING and only that symbol's dataType is unsubscribed and subscribed again,
which brings a fresh `all`: no REST request (REST depth has no update id), no other
book touched. `@depth<N>` pushes are whole top-N books, delivered as they come.

The hottest kinds are bound as closures over their topic's state (`binders`): a book
update is decoded, checked to continue the book, applied, checked not crossed and
published in one function, with no per-frame object but the decoded push; a depth or
trade push is decoded and its events published. The receipt time is taken once per
frame, by `feed`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tradeport.book.levels import shape_reader
from tradeport.book.sequence import FirstLastRule
from tradeport.book.sync import BookSync
from tradeport.model import Side, Trade
from tradeport.model.errors import MalformedMessage, NotSupported
from tradeport.streams.watch import Channel
from tradeport.venues.bingx import stream_messages as sm
from tradeport.venues.bingx import stream_parse as sp
from tradeport.venues.bingx.ws_endpoints import PublicEndpoint
from tradeport.venues.kit.public_streams import PublicContext, PublicSession, Topic

_now = time.time_ns  # the hot path reads it without a module lookup
_PUSH = b'{"code":0,"dataType":"'  # how a push begins
_NAMED = len(_PUSH)  # where its dataType begins
_MAX_NAMES = 4096  # dataType spellings remembered (one per topic subscribed)
_MAX_PRICE_TEXTS = 4096  # a trade topic's prices whose text is kept


@dataclass(eq=False, slots=True)
class StreamTopic(Topic):
    """One subscribed dataType (kind: incrDepth, depth, trade, bookTicker,
    markPrice, ticker, kline); a book's keeps its `BookSync`, a kline's its period
    (ours) and interval (the venue's)."""

    book: BookSync | None = None
    period: str = ""
    interval: str = ""


class PublicStreams(PublicSession[StreamTopic]):
    log = logging.getLogger("tradeport.venues.bingx")

    def __init__(self, client: PublicContext, ws_base: str) -> None:
        super().__init__(client, ws_base)
        self.binders = {
            "incrDepth": self._book_delivery,
            # `depth<N>@<period>`: whole partial books, each replacing the last
            "depth": self._events_delivery(sp.parse_partial_depth),
            "trade": self._trade_delivery,
        }
        self.handlers = {
            "bookTicker": self.each_event(
                lambda t, frame, ts: [sp.parse_book_ticker(_bytes(frame), t.symbol, ts)]
            ),
            "markPrice": self.each_event(
                lambda t, frame, ts: [sp.parse_mark_price(_bytes(frame), t.symbol, ts)]
            ),
            "ticker": self.each_event(
                lambda t, frame, ts: [sp.parse_ticker(_bytes(frame), t.symbol, ts)]
            ),
            # `kline_<interval>`
            "kline": self.each_event(
                lambda t, frame, ts: sp.parse_klines(
                    _bytes(frame), t.symbol, t.period, t.interval, ts
                )
            ),
        }
        # dataTypes as the pushes spell them → as read (`feed`); only subscribed ones
        self._names: dict[bytes, str] = {}

    async def _topic_name(self, template: str, channel: Channel) -> str:
        inst = await self.client.instrument(channel.symbol or "")  # UnknownSymbol if not
        return template.replace("<symbol>", inst.venue_symbol)

    def _new_topic(self, name: str, path: str, channel: Channel) -> StreamTopic:
        kind = name.partition("@")[2]
        interval = ""
        if kind.startswith("depth"):
            kind = "depth"
        elif kind.startswith("kline_"):
            kind, _, interval = kind.partition("_")
        if kind not in self.handlers and kind not in self.binders:
            raise NotSupported(f"dataType {name!r} is not known on {self.client.key}")
        topic = StreamTopic(name, path, kind, channel.symbol or "")
        if kind == "kline":
            topic.period, topic.interval = channel.param or "", interval
        if kind == "incrDepth":
            # a resync resubscribes this dataType alone: the venue answers with `all`
            topic.book = BookSync(topic.symbol, FirstLastRule(), lambda _s: self._resync(name))
        return topic

    def _endpoint(self, path: str) -> PublicEndpoint:
        return PublicEndpoint(
            f"{self.client.key}{path}", self.ws_base + path, liveness=self.client.liveness
        )

    def synced_book(self, symbol: str) -> BookSync | None:
        return next(
            (t.book for t in self.topics.values() if t.book is not None and t.symbol == symbol),
            None,
        )

    def _subscribed(self, topic: StreamTopic, channel: Channel, shared: bool) -> None:
        """A channel joining a book that already streams gets it at once (the `all`
        went to the channels that were there first)."""
        if shared and topic.book is not None:
            self._publish_book(topic)

    # -- frames ------------------------------------------------------------------------
    def feed(self, frame: str | bytes, local_ts: int = 0) -> None:
        if type(frame) is not bytes:
            frame = _bytes(frame)
        # `data_type_of` and `_dispatch`, inlined: this runs once per frame of every
        # topic. A dataType seen before is found by its bytes as sent; any other push
        # is read by `data_type_of` (an escape in the name, a push of another form)
        name = None
        if frame.startswith(_PUSH):
            name = self._names.get(frame[_NAMED : frame.find(b'"', _NAMED, 160)])
        if name is None:
            name = sm.data_type_of(frame)
            if name in self.topics and len(self._names) < _MAX_NAMES:
                self._names[name.encode()] = name
        topic = self.topics.get(name)
        if topic is not None:  # None: a frame still in flight after an unsubscribe
            topic.deliver(frame, local_ts or _now())

    def _events_delivery(
        self, parse: Callable[[bytes, str, int], Any], many: bool = False
    ) -> Callable[[StreamTopic], Callable[[str | bytes, int], None]]:
        """A binder of topics whose pushes are events: each push decoded by `parse`
        and its event (its events, when `many`) published to every channel."""

        def bind(topic: StreamTopic) -> Callable[[str | bytes, int], None]:
            publish, symbol, channels = self.publish, topic.symbol, topic.channels

            def deliver(frame: str | bytes, local_ts: int) -> None:
                parsed = parse(_bytes(frame), symbol, local_ts)
                for event in parsed if many else (parsed,):
                    for channel in channels:
                        publish(channel, event)

            return deliver

        return bind

    def _trade_delivery(self, topic: StreamTopic) -> Callable[[str | bytes, int], None]:
        """A `@trade` push's trades, made (all of them, before any is delivered) and
        pushed to each consumer of each channel in one closure, with no call between
        (the parser's and the dispatcher's work, inlined): trades are the most frequent
        pushes. A push of one trade written as BingX writes them is read by the
        compiled store (`read_shape`); any other is decoded typed."""
        symbol, channels = topic.symbol, topic.channels
        sinks_of = self.client.streams.sinks_lookup()
        decode, sell, buy = sp.decode_trade_rows, Side.SELL, Side.BUY
        read, shape, values = shape_reader(), sp.TRADE_SHAPE, sp.TRADE_VALUES
        # a price's text in the trade id, by price: trades come at few prices, and the
        # shortest round-trip text of a float costs a fifth of a push. Exact: a price is
        # above zero (no -0.0 to share a key with 0.0, no NaN)
        price_texts: dict[float, str] = {}

        def trade(price: float, qty: float, ts: int, buyer_maker: bool, local_ts: int) -> Trade:
            price_text = price_texts.get(price)
            if price_text is None:
                price_text = repr(price)
                if len(price_texts) >= _MAX_PRICE_TEXTS:
                    price_texts.clear()
                price_texts[price] = price_text
            return Trade(
                symbol=symbol,
                trade_id=f"{ts}-{price_text}-{qty}",  # no id is sent: as parse_trades makes it
                price=price,
                qty=qty,
                taker_side=sell if buyer_maker else buy,
                ts=ts,
                local_ts=local_ts,
            )

        def deliver(frame: str | bytes, local_ts: int) -> None:
            text = frame if type(frame) is bytes else _bytes(frame)
            read_values = None if read is None else read(text, shape, values)
            # a size and a price above zero, as the typed decoder requires (which
            # otherwise names the one that is not)
            if read_values is not None and read_values[0] > 0.0 and read_values[1] > 0.0:
                qty, price, ts, buyer_maker = read_values
                trades = [trade(price, qty, ts, buyer_maker, local_ts)]
            else:
                # a loop, not a comprehension: on CPython 3.11 a comprehension is a call
                trades = []
                for row in decode(text):
                    trades.append(trade(row.price, row.qty, row.time, row.buyer_maker, local_ts))
            for channel in channels:
                sinks = sinks_of(channel)
                if sinks:
                    for made in trades:
                        for sink in sinks:
                            sink.push(made)

        return deliver

    def _book_delivery(self, topic: StreamTopic) -> Callable[[str | bytes, int], None]:
        """An `@incrDepth` topic's pushes: the hot path, as one closure over the book.
        An `all` starts the book over; an update the book does not apply right away
        (not LIVE, a gap, a duplicate) goes the engine's general way (`on_update`)."""
        sync = topic.book
        assert sync is not None
        book, symbol, publish = sync.book, topic.symbol, self.publish
        channels = tuple(c for c in topic.channels if c.kind == "book")
        decode, continues, applied = sp.decode_incr_depth, sync.continues, sync.applied

        def deliver(frame: str | bytes, local_ts: int) -> None:
            try:
                msg = decode(_bytes(frame))
                data = msg.data
                last = data.lastUpdateId
                if data.action == "update" and continues(last, last, -1):
                    try:
                        book.apply(data.bids, data.asks)
                    except MalformedMessage as exc:
                        sync.refuse(str(exc))
                    applied(last, last, data.time or msg.ts, local_ts)
                    changed = True
                else:
                    parsed = sp.book_frame(msg, symbol, local_ts)
                    if parsed.snapshot is not None:
                        sync.reset()  # `all` starts the book over, whatever its id
                        sync.on_snapshot(parsed.snapshot)
                        changed = True
                    else:
                        changed = parsed.update is not None and sync.on_update(parsed.update)
            except MalformedMessage:
                self._unreadable(topic, "malformed incrDepth push")
                raise
            if changed:
                for channel in channels:
                    publish(channel, sync)  # the consumer's view filters by state

        return deliver

    def _publish_book(self, topic: StreamTopic) -> None:
        book = topic.book
        assert book is not None
        for channel in topic.channels:
            if channel.kind == "book":
                self.publish(channel, book)  # the consumer's view filters by state


def _bytes(frame: str | bytes) -> bytes:
    return frame.encode() if isinstance(frame, str) else frame
