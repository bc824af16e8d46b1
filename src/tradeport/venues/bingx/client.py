"""The BingX client: REST (rest.py) plus the public streams (stream.py) and the account
stream (user_stream.py) on the venue's `/swap-market` host, gzip frames and all.

Besides orders, fills, balances and positions, the account stream tells of leverage
changes: `watch_leverage` delivers them (`LeverageUpdate`), for the execution port's
leverage cache to check itself against.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tradeport.config.schema import ResolvedAssetConfig
from tradeport.model import LeverageUpdate
from tradeport.model.errors import BadParameter
from tradeport.streams.watch import Watch
from tradeport.venues.bingx.auth import API_KEY_HEADER
from tradeport.venues.bingx.rest import BingxRest
from tradeport.venues.bingx.stream import PublicStreams
from tradeport.venues.bingx.user_stream import KEEPALIVE_S, LEVERAGE, UserStream
from tradeport.venues.kit.liveness import Liveness
from tradeport.venues.kit.stream_client import PRIVATE_KINDS, StreamClient

# the venue pings about every 5 s: a connection silent this long is gone
VENUE_PING_INTERVAL = 5.0
SILENCE_TIMEOUT = 30.0


class BingxClient(StreamClient[PublicStreams, UserStream], BingxRest):
    public_streams_type = PublicStreams
    partial_book_levels = (5, 10, 20, 50, 100)  # `@depth<N>`
    book_snapshots_from_rest = False  # a resync resubscribes the book's dataType
    private_kinds = PRIVATE_KINDS | {LEVERAGE.kind}

    def __init__(
        self,
        config: ResolvedAssetConfig,
        *,
        ws_url: str | None = None,
        stream_ping_interval: float = VENUE_PING_INTERVAL,
        stream_silence_timeout: float = SILENCE_TIMEOUT,
        listen_key_keepalive: float = KEEPALIVE_S,
        **rest_options: Any,
    ) -> None:
        """`ws_url`: the stream host (default: venue.yaml `wss_urls` for the
        environment; the emulator's comes from the emulator). The venue pings (every
        `stream_ping_interval` s, 5 by its docs) and we answer, sending no pings of our
        own; a connection silent for `stream_silence_timeout` s (more than the ping
        interval) is replaced. `listen_key_keepalive`: seconds between the account
        stream's listen-key PUTs (the key lives 60 min). The other options are the REST
        client's."""
        liveness = Liveness.checked(stream_ping_interval, stream_silence_timeout)
        if not listen_key_keepalive > 0:
            raise BadParameter(
                f"listen_key_keepalive must be a positive number of seconds, "
                f"not {listen_key_keepalive!r}"
            )
        super().__init__(config, **rest_options)
        self._init_stream_client(ws_url, liveness)
        self._listen_key_keepalive = listen_key_keepalive

    def _new_user_stream(self) -> UserStream:
        return UserStream(
            self, self.ws_url, self._credentials(), keepalive=self._listen_key_keepalive
        )

    async def listen_key_call(self, name: str, params: Mapping[str, Any] | None = None) -> bytes:
        """A listen-key request: the API key header alone, no signature (§5.3).
        Creating or extending a key is safe to repeat."""
        if not self.api_key:
            raise BadParameter(f"{name} needs api_key")
        headers = {API_KEY_HEADER: self.api_key}
        return await self.rest.call(name, params, headers=headers, idempotent=True)

    def watch_leverage(
        self, symbol: str | None = None, *, callback: Callable[[LeverageUpdate], Any] | None = None
    ) -> Watch[LeverageUpdate]:
        """Leverage changes of the account's contracts (of `symbol` alone, if given), as
        the account stream tells of them and its reconciliation after an outage finds."""
        return self._watch_private(LEVERAGE.kind, symbol, callback)
