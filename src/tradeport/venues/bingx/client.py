"""The BingX client: REST (rest.py) plus the public streams (stream.py) on the venue's
`/swap-market` host, gzip frames and all. The account stream (listenKey) is not offered
yet: private channels are NotSupported."""

from __future__ import annotations

from typing import Any

from tradeport.config.schema import ResolvedAssetConfig
from tradeport.model.errors import NotSupported
from tradeport.streams.watch import Channel
from tradeport.venues.bingx.rest import BingxRest
from tradeport.venues.bingx.stream import PublicStreams
from tradeport.venues.kit.liveness import Liveness
from tradeport.venues.kit.stream_client import PRIVATE_KINDS, StreamClient

# the venue pings about every 5 s: a connection silent this long is gone
VENUE_PING_INTERVAL = 5.0
SILENCE_TIMEOUT = 30.0


class BingxClient(StreamClient[PublicStreams, Any], BingxRest):
    public_streams_type = PublicStreams
    partial_book_levels = (5, 10, 20, 50, 100)  # `@depth<N>`
    book_snapshots_from_rest = False  # a resync resubscribes the book's dataType

    def __init__(
        self,
        config: ResolvedAssetConfig,
        *,
        ws_url: str | None = None,
        stream_ping_interval: float = VENUE_PING_INTERVAL,
        stream_silence_timeout: float = SILENCE_TIMEOUT,
        **rest_options: Any,
    ) -> None:
        """`ws_url`: the stream host (default: venue.yaml `wss_urls` for the
        environment; the emulator's comes from the emulator). The venue pings (every
        `stream_ping_interval` s, 5 by its docs) and we answer, sending no pings of our
        own; a connection silent for `stream_silence_timeout` s (more than the ping
        interval) is replaced. The other options are the REST client's."""
        liveness = Liveness.checked(stream_ping_interval, stream_silence_timeout)
        super().__init__(config, **rest_options)
        self._init_stream_client(ws_url, liveness)

    async def _open_channel(self, channel: Channel) -> None:
        if channel.kind in PRIVATE_KINDS:
            raise NotSupported(f"{channel.kind} streams are not supported on {self.key} yet")
        await super()._open_channel(channel)
