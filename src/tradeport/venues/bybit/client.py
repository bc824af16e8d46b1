"""The Bybit client: REST (rest.py) plus streams (stream.py, user_stream.py).

Public channels go to `PublicStreams` (one connection path per category), private ones
(orders, fills, balances, positions) share one `UserStream`; both are created on first
use. The stream host comes from venue.yaml `wss_urls` (the emulator's from `ws_url`);
the paths from `wss_paths`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tradeport.book.sync import BookSync
from tradeport.config.schema import ResolvedAssetConfig
from tradeport.model import AssetType, Order, OrderBook
from tradeport.model.errors import BadParameter, NotSupported
from tradeport.streams.watch import Channel, Watch
from tradeport.transport.ws_endpoint import WsStats
from tradeport.venues.base import OrderRequest
from tradeport.venues.bybit.rest import BybitRest
from tradeport.venues.bybit.stream import PublicStreams
from tradeport.venues.bybit.user_stream import UserStream
from tradeport.venues.bybit.ws_endpoints import Liveness
from tradeport.venues.streaming import _book_view

# the channels the private session serves
PRIVATE_KINDS = frozenset({"orders", "fills", "balance", "positions"})
# `orderbook.{depth}` topics of spot and linear (websocket/public/orderbook: 1, 50, 200
# and 1000 levels, pushed every 10, 20, 100 and 200 ms)
BOOK_DEPTHS = (1, 50, 200, 1000)
# A book watched without a depth is the 1000-level one: the deepest the venue streams,
# and the one whose `u` REST /v5/market/orderbook reports (§4.3, §4.5), so a book from
# it can be checked against a REST snapshot. A depth picks the shallowest topic that
# holds it (faster pushes, less traffic).
FULL_BOOK_DEPTH = 1000


def book_topic_depth(depth: int | None) -> int:
    """The `orderbook` topic depth serving a book of `depth` levels."""
    if depth is None:
        return FULL_BOOK_DEPTH
    if depth < 1:
        raise BadParameter(f"book depth {depth}: expected a positive number of levels")
    return next((d for d in BOOK_DEPTHS if d >= depth), FULL_BOOK_DEPTH)


class BybitClient(BybitRest):
    partial_book_levels = (1, 50, 200)
    book_snapshots_from_rest = False  # a resync resubscribes the book's topic

    def __init__(
        self,
        config: ResolvedAssetConfig,
        *,
        environment: str = "live",
        ws_url: str | None = None,
        stream_ping_interval: float = 20.0,
        stream_silence_timeout: float = 60.0,
        **rest_options: Any,
    ) -> None:
        """`ws_url`: the stream host, e.g. wss://stream.bybit.com (default: venue.yaml
        `wss_urls` for the environment; the emulator's comes from the emulator). We
        send Bybit's JSON ping every `stream_ping_interval` s (the docs recommend 20);
        a connection silent for `stream_silence_timeout` s is replaced. The other
        options are the REST client's."""
        if stream_silence_timeout <= stream_ping_interval:
            raise BadParameter(
                f"stream_silence_timeout ({stream_silence_timeout} s) must exceed "
                f"stream_ping_interval ({stream_ping_interval} s)"
            )
        super().__init__(config, environment=environment, **rest_options)
        # an emulator's stream host is only known from the emulator itself
        self.ws_url = ws_url or ("" if environment == "emulator" else config.wss_url(environment))
        self.liveness = Liveness(stream_ping_interval, stream_silence_timeout)
        self._public_streams: PublicStreams | None = None
        self._user_stream: UserStream | None = None

    # -- streams -----------------------------------------------------------------------
    def watch_order_book(
        self,
        symbol: str,
        depth: int | None = None,
        *,
        all_states: bool = False,
        callback: Callable[[OrderBook], Any] | None = None,
    ) -> Watch[OrderBook]:
        """The verified L2 book of `symbol` (top `depth` levels, or all the venue
        streams: 1000), from the shallowest `orderbook` topic holding `depth` levels.
        Only LIVE books are delivered unless `all_states=True`."""
        channel = Channel("book", symbol, str(book_topic_depth(depth)))
        return self._watch(channel, callback, _book_view(depth, all_states))

    def _check_ws_url(self) -> None:
        if not self.ws_url:
            raise BadParameter(f"{self.key}: streams need ws_url= (the emulator's stream host)")

    @property
    def public_streams(self) -> PublicStreams:
        self._check_ws_url()
        if self._public_streams is None:
            self._public_streams = PublicStreams(self, self.ws_url)
        return self._public_streams

    @property
    def user_stream(self) -> UserStream:
        self._check_ws_url()
        if self._user_stream is None:
            self._user_stream = UserStream(self, self.ws_url)
        return self._user_stream

    def synced_book(self, symbol: str) -> BookSync | None:
        return None if self._public_streams is None else self._public_streams.synced_book(symbol)

    def stream_stats(self) -> dict[str, WsStats]:
        stats = {} if self._public_streams is None else self._public_streams.stats()
        if self._user_stream is not None:
            stats.update(self._user_stream.stats())
        return stats

    async def submit_order(self, req: OrderRequest) -> Order:
        order = await super().submit_order(req)
        if self._user_stream is not None:  # an outage's reconciliation covers this symbol
            self._user_stream.note_symbol(req.symbol)
        return order

    async def _open_channel(self, channel: Channel) -> None:
        if channel.kind == "positions" and self.asset_type is AssetType.SPOT:
            raise NotSupported(f"positions streams are not supported on {self.key}")
        if channel.kind not in PRIVATE_KINDS:
            await self.public_streams.open(channel)
            return
        if not self.api_key or not self._secret:
            raise BadParameter(f"{channel.kind} streams need api_key and secret")
        stream = self.user_stream
        try:
            await stream.start()
        except BaseException:
            if self._user_stream is stream:  # nothing half-started stays behind
                self._user_stream = None
            raise

    async def _close_channel(self, channel: Channel) -> None:
        if channel.kind not in PRIVATE_KINDS:
            if self._public_streams is not None:
                await self._public_streams.close(channel)
        elif self._user_stream is not None and not any(
            c.kind in PRIVATE_KINDS for c in self.streams.channels()
        ):
            stream, self._user_stream = self._user_stream, None
            await stream.close()

    async def _close_streams(self) -> None:
        if self._user_stream is not None:
            await self._user_stream.close()
            self._user_stream = None
        if self._public_streams is not None:
            await self._public_streams.aclose()
            self._public_streams = None
