"""The OKX client: REST (rest.py) plus streams (stream.py, user_stream.py).

Public channels go to `PublicStreams` (`/ws/v5/public`, candles on `/ws/v5/business`),
private ones (orders, fills, balances, positions) share one `UserStream` on
`/ws/v5/private`; both are created on first use. The stream host comes from venue.yaml
`wss_urls` (the emulator's from `ws_url`); the paths and channels from `wss_paths`.
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
from tradeport.venues.okx.rest import OkxRest
from tradeport.venues.okx.stream import PublicStreams
from tradeport.venues.okx.user_stream import UserStream
from tradeport.venues.okx.ws_endpoints import Liveness

# the channels the private session serves
PRIVATE_KINDS = frozenset({"orders", "fills", "balance", "positions"})
# the venue drops a connection with no data for 30 s unless it is pinged (§3.4)
VENUE_IDLE_CUTOFF = 30.0


class OkxClient(OkxRest):
    partial_book_levels = (5,)  # books5
    book_snapshots_from_rest = False  # a resync resubscribes the book's channel

    def __init__(
        self,
        config: ResolvedAssetConfig,
        *,
        environment: str = "live",
        ws_url: str | None = None,
        stream_ping_interval: float = 20.0,
        stream_silence_timeout: float = 25.0,
        **rest_options: Any,
    ) -> None:
        """`ws_url`: the stream host, e.g. wss://ws.okx.com:8443 (default: venue.yaml
        `wss_urls` for the environment; the emulator's comes from the emulator). We
        send the text `ping` every `stream_ping_interval` s (below the venue's 30 s
        idle cutoff); a connection silent for `stream_silence_timeout` s is replaced.
        The other options are the REST client's."""
        if not 0 < stream_ping_interval < VENUE_IDLE_CUTOFF:
            raise BadParameter(
                f"stream_ping_interval ({stream_ping_interval} s) must be positive and "
                f"below OKX's {VENUE_IDLE_CUTOFF:.0f} s idle cutoff"
            )
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
        if channel.kind in ("positions", "mark") and self.asset_type is AssetType.SPOT:
            raise NotSupported(f"{channel.kind} streams are not supported on {self.key}")
        if channel.kind not in PRIVATE_KINDS:
            await self.public_streams.open(channel)
            return
        if not self.api_key or not self._secret or not self._passphrase:
            raise BadParameter(f"{channel.kind} streams need api_key, secret and passphrase")
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
