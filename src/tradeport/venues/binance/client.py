"""The Binance client: REST (rest.py) plus streams (stream.py, user_stream.py).

Public channels go to `PublicStreams`, private ones (orders, fills, balances,
positions) share one `UserStream`; the plumbing between them is the kit's
(kit/stream_client.py).
"""

from __future__ import annotations

from typing import Any

from tradeport.config.schema import ResolvedAssetConfig
from tradeport.venues.binance.rest import BinanceRest
from tradeport.venues.binance.stream import PublicStreams
from tradeport.venues.binance.user_stream import UserStream
from tradeport.venues.kit.liveness import Liveness
from tradeport.venues.kit.stream_client import StreamClient


class BinanceClient(StreamClient[PublicStreams, UserStream], BinanceRest):
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
        self._init_stream_client(ws_url, Liveness(stream_ping_interval, stream_silence_timeout))
        self._book_snapshot_limit = book_snapshot_limit
        self._book_snapshot_concurrency = book_snapshot_concurrency
        self._listen_key_keepalive = listen_key_keepalive

    def _new_public_streams(self) -> PublicStreams:
        return PublicStreams(
            self,
            self.ws_url,
            snapshot_limit=self._book_snapshot_limit,
            snapshot_concurrency=self._book_snapshot_concurrency,
        )

    def _new_user_stream(self) -> UserStream:
        return UserStream(
            self, self.ws_url, self._credentials(), keepalive=self._listen_key_keepalive
        )
