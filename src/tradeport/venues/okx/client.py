"""The OKX client: REST (rest.py) plus streams (stream.py, user_stream.py).

Public channels go to `PublicStreams` (`/ws/v5/public`, candles on `/ws/v5/business`),
private ones (orders, fills, balances, positions) share one `UserStream` on
`/ws/v5/private`; the plumbing between them is the kit's (kit/stream_client.py). The
paths and channels come from venue.yaml `wss_paths`.
"""

from __future__ import annotations

from typing import Any

from tradeport.config.schema import ResolvedAssetConfig
from tradeport.venues.kit.liveness import Liveness
from tradeport.venues.kit.stream_client import StreamClient
from tradeport.venues.okx.rest import OkxRest
from tradeport.venues.okx.stream import PublicStreams
from tradeport.venues.okx.user_stream import UserStream

# the venue drops a connection with no data for 30 s unless it is pinged (§3.4)
VENUE_IDLE_CUTOFF = 30.0


class OkxClient(StreamClient[PublicStreams, UserStream], OkxRest):
    partial_book_levels = (5,)  # books5
    public_streams_type = PublicStreams
    user_stream_type = UserStream
    book_snapshots_from_rest = False  # a resync resubscribes the book's channel
    not_on_spot = frozenset({"positions", "mark"})
    needs_passphrase = True

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
        liveness = Liveness.checked(
            stream_ping_interval, stream_silence_timeout, VENUE_IDLE_CUTOFF, venue="OKX"
        )
        super().__init__(config, environment=environment, **rest_options)
        self._init_stream_client(ws_url, liveness)
