"""The Binance client: REST (rest.py) plus streams (stream.py, user_stream.py).

Public channels go to `PublicStreams`, private ones (orders, fills, balances,
positions) share one `UserStream`; both are created on first use.
"""

from __future__ import annotations

from typing import Any

from tradeport.book.sync import BookSync
from tradeport.config.schema import ResolvedAssetConfig
from tradeport.model import AssetType, Order
from tradeport.model.errors import BadParameter, NotSupported
from tradeport.streams.watch import Channel
from tradeport.transport.ws_endpoint import WsStats
from tradeport.venues.base import OrderRequest
from tradeport.venues.binance.rest import BinanceRest
from tradeport.venues.binance.stream import PublicStreams
from tradeport.venues.binance.user_stream import UserStream
from tradeport.venues.binance.ws_endpoints import Liveness

# the channels the user-data stream serves
PRIVATE_KINDS = frozenset({"orders", "fills", "balance", "positions"})


class BinanceClient(BinanceRest):
    partial_book_levels = (5, 10, 20)
    book_snapshots_from_rest = True

    def __init__(
        self,
        config: ResolvedAssetConfig,
        *,
        environment: str = "live",
        ws_url: str | None = None,
        book_snapshot_limit: int = 1000,
        book_snapshot_concurrency: int = 4,
        listen_key_keepalive: float = 1800.0,
        stream_ping_interval: float = 15.0,
        stream_silence_timeout: float = 45.0,
        **rest_options: Any,
    ) -> None:
        """`ws_url`: the stream host (default: venue.yaml `wss_urls` for the
        environment). `book_snapshot_limit`: levels per REST snapshot of a streamed book
        (weight grows with it, §1.3); `book_snapshot_concurrency`: snapshots fetched at
        once (each waits for the REST weight budget). `listen_key_keepalive`: seconds
        between USDⓈ-M listen-key PUTs (the key lives 60 min). A stream connection
        silent for `stream_silence_timeout` s is replaced (we ping every
        `stream_ping_interval` s). The other options are the REST client's."""
        super().__init__(config, environment=environment, **rest_options)
        # an emulator's stream host is only known from the emulator itself
        self.ws_url = ws_url or ("" if environment == "emulator" else config.wss_url(environment))
        self._public_streams: PublicStreams | None = None
        self._user_stream: UserStream | None = None
        self._book_snapshot_limit = book_snapshot_limit
        self._book_snapshot_concurrency = book_snapshot_concurrency
        self._listen_key_keepalive = listen_key_keepalive
        self.liveness = Liveness(stream_ping_interval, stream_silence_timeout)

    # -- streams -----------------------------------------------------------------------
    def _check_ws_url(self) -> None:
        if not self.ws_url:
            raise BadParameter(f"{self.key}: streams need ws_url= (the emulator's stream host)")

    @property
    def public_streams(self) -> PublicStreams:
        self._check_ws_url()
        if self._public_streams is None:
            self._public_streams = PublicStreams(
                self,
                self.ws_url,
                snapshot_limit=self._book_snapshot_limit,
                snapshot_concurrency=self._book_snapshot_concurrency,
            )
        return self._public_streams

    @property
    def user_stream(self) -> UserStream:
        self._check_ws_url()
        if self._user_stream is None:
            self._user_stream = UserStream(self, self.ws_url, keepalive=self._listen_key_keepalive)
        return self._user_stream

    def synced_book(self, symbol: str) -> BookSync | None:
        return None if self._public_streams is None else self._public_streams.books.get(symbol)

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
        if channel.kind in PRIVATE_KINDS:
            if not self.api_key or not self._secret:
                raise BadParameter(f"{channel.kind} streams need api_key and secret")
            await self.user_stream.start()
        else:
            await self.public_streams.open(channel)

    async def _close_channel(self, channel: Channel) -> None:
        if channel.kind not in PRIVATE_KINDS:
            await self.public_streams.close(channel)
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
