"""Binance public streams: channels → stream names → parsed events and verified books.

Which connection path and stream name serve a channel comes from venue.yaml
`wss_paths` ("<path> <stream>"); this module holds only the logic. Every frame is
decoded once at the edge: the combined-stream envelope names the stream, the stream's
route decodes its payload into the venue message and parses it into the model.
Depth diffs go through a `BookSync` per symbol (U/u on spot, U/u/pu on USDⓈ-M); a
book that loses continuity resyncs alone, through one snapshot queue that spends the
client's REST weight budget.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from tradeport.book.sequence import FirstLastRule, PrevLinkRule
from tradeport.book.snapshots import SnapshotQueue
from tradeport.book.sync import BookSync
from tradeport.model import AssetType, OrderBook
from tradeport.model.errors import BadParameter, MalformedMessage, NotSupported
from tradeport.streams.watch import Channel
from tradeport.transport.ws import WsStream
from tradeport.transport.ws_endpoint import WsStats
from tradeport.venues.binance import stream_parse as sp
from tradeport.venues.binance.ws_endpoints import FUTURES_LIMITS, SPOT_LIMITS, MarketEndpoint

if TYPE_CHECKING:
    from tradeport.venues.binance.client import BinanceClient

log = logging.getLogger("tradeport.venues.binance")

Handler = Callable[[str | bytes, int], None]  # (whole frame, local receipt ns)


class PublicStreams:
    def __init__(
        self,
        client: BinanceClient,
        ws_base: str,
        *,
        snapshot_limit: int = 1000,
        snapshot_concurrency: int = 4,
    ):
        self.client = client
        self.ws_base = ws_base.rstrip("/")
        self.spot = client.asset_type is AssetType.SPOT
        self.snapshot_limit = snapshot_limit
        self.books: dict[str, BookSync] = {}
        self._routes: dict[str, Handler] = {}  # stream name → its handler
        self._sockets: dict[str, WsStream] = {}  # connection path → its stream manager
        self._streams: dict[Channel, tuple[str, str]] = {}  # channel → (path, stream name)
        # a few snapshots in flight at once, never all: each one spends REST weight
        self.snapshots = SnapshotQueue(
            self._fetch_snapshot, self._deliver_snapshot, concurrency=snapshot_concurrency
        )
        self.malformed = 0

    # -- channels ----------------------------------------------------------------------
    async def open(self, channel: Channel) -> None:
        path, stream = await self._locate(channel)
        self.prepare(channel, stream)
        self._streams[channel] = (path, stream)
        try:
            await self._socket(path).subscribe([stream])
        except BaseException:
            self._forget(channel)
            raise
        if channel.kind == "book":
            # diffs are buffered from the subscription on; the snapshot comes after, as
            # the documented procedure requires (§1.5 step 2, §2.5 step 2)
            self.snapshots.start()
            self.snapshots.request(channel.symbol or "")

    def prepare(self, channel: Channel, stream: str) -> None:
        """Route `stream`'s frames to `channel` (a book gets its BookSync)."""
        route = sp.route_for(stream, self.spot)
        if route is None:
            raise NotSupported(f"stream {stream!r} is not known on {self.client.key}")
        symbol = channel.symbol or ""
        if channel.kind == "book":
            rule = FirstLastRule() if self.spot else PrevLinkRule()
            self.books[symbol] = BookSync(symbol, rule, self.snapshots.request)
        self._routes[stream] = self._handler(channel, route)

    async def close(self, channel: Channel) -> None:
        located = self._streams.get(channel)
        if located is None:
            return
        path, stream = located
        self._forget(channel)
        socket = self._sockets.get(path)
        if socket is not None:
            await socket.unsubscribe([stream])

    def _forget(self, channel: Channel) -> None:
        located = self._streams.pop(channel, None)
        if located is not None:
            self._routes.pop(located[1], None)
        if channel.kind == "book" and channel.symbol is not None:
            self.books.pop(channel.symbol, None)

    def synced_book(self, symbol: str) -> BookSync | None:
        return self.books.get(symbol)

    def stats(self) -> dict[str, WsStats]:
        return {f"{self.client.key}{path}": s.stats for path, s in self._sockets.items()}

    async def aclose(self) -> None:
        await self.snapshots.close()
        sockets, self._sockets = self._sockets, {}
        for socket in sockets.values():
            await socket.close()

    async def _locate(self, channel: Channel) -> tuple[str, str]:
        """(connection path, stream name) of a channel, from venue.yaml `wss_paths`."""
        spec = self.client.config.wss_paths.get(channel.kind)
        if spec is None:
            raise NotSupported(f"{channel.kind} streams are not supported on {self.client.key}")
        path, _, template = spec.partition(" ")
        inst = await self.client.instrument(channel.symbol or "")  # UnknownSymbol if not
        stream = template.replace("<symbol>", inst.venue_symbol.lower())
        if "<levels>" in stream:
            allowed = self.client.partial_book_levels
            if channel.param not in {str(n) for n in allowed}:
                raise BadParameter(
                    f"partial book levels {channel.param!r}: expected one of {allowed}"
                )
            stream = stream.replace("<levels>", channel.param)
        if "<period>" in stream:
            period = self.client.config.kline_periods.get(channel.param or "")
            if period is None:
                raise BadParameter(
                    f"kline period {channel.param!r}: expected one of "
                    f"{sorted(self.client.config.kline_periods)}"
                )
            stream = stream.replace("<period>", period)
        return path, stream

    def _socket(self, path: str) -> WsStream:
        socket = self._sockets.get(path)
        if socket is None:
            limits = SPOT_LIMITS if self.spot else FUTURES_LIMITS
            endpoint = MarketEndpoint(
                f"{self.client.key}{path}",
                self.ws_base + path,
                max_topics=int(limits["max_topics"]),
                max_sends_per_second=limits["max_sends_per_second"],
                liveness=self.client.liveness,
            )
            socket = WsStream(endpoint, self.feed, on_reconnect=self._on_reconnect)
            self._sockets[path] = socket
        return socket

    # -- frames ------------------------------------------------------------------------
    def feed(self, frame: str | bytes, local_ts: int = 0) -> None:
        """One combined-stream frame off the socket (the hot path)."""
        stream = sp.peek_stream(frame)
        if stream is None:
            stream = sp.decode_envelope(frame)[0]
        handler = self._routes.get(stream)
        if handler is not None:  # None: a frame still in flight after an unsubscribe
            handler(frame, local_ts or time.time_ns())

    def _on_reconnect(self, streams: list[str]) -> None:
        # nothing to redo here: the next diff of each book proves continuity or opens a
        # gap, and only a gap costs a snapshot
        log.info("%s: resubscribed %d streams after a reconnect", self.client.key, len(streams))

    def _handler(self, channel: Channel, route: sp.StreamRoute) -> Handler:
        symbol = channel.symbol or ""
        publish = self.client.streams.publish
        parse_frame = sp.parse_frame
        if channel.kind != "book":

            def on_event(frame: str | bytes, local_ts: int) -> None:
                publish(channel, parse_frame(route, frame, symbol, local_ts))

            return on_event
        book = self.books[symbol]

        def on_depth(frame: str | bytes, local_ts: int) -> None:
            try:
                update = parse_frame(route, frame, symbol, local_ts)
            except MalformedMessage:
                # a diff we cannot read is a diff we missed: that book resyncs
                self.malformed += 1
                book.invalidate("malformed depth frame")
                raise
            if book.on_update(update):
                publish(channel, book)

        return on_depth

    # -- snapshots ---------------------------------------------------------------------
    async def _fetch_snapshot(self, symbol: str) -> OrderBook:
        return await self.client.get_depth(symbol, self.snapshot_limit)

    def _deliver_snapshot(self, symbol: str, snapshot: OrderBook) -> None:
        book = self.books.get(symbol)
        if book is not None and book.on_snapshot(snapshot):
            self.client.streams.publish(Channel("book", symbol), book)
