"""The stream half of a venue client: one public topic session and one private session,
each created on first use, behind the `watch_*` methods (venues/streaming.py).

Public channels go to the venue's public streams, private ones (orders, fills,
balances, positions) share one private session, which is closed when its last channel
closes. The stream host comes from venue.yaml `wss_urls` (an emulator's from
`ws_url`). A venue's client names its two stream classes and how to build them; the
streams take the client as a narrow context and never import it.
"""

from __future__ import annotations

from abc import ABC
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

from tradeport.book.sync import BookSync
from tradeport.model import AssetType, Order
from tradeport.model.errors import BadParameter, NotSupported
from tradeport.streams.watch import Channel
from tradeport.transport.ws_endpoint import WsStats
from tradeport.venues.base import OrderRequest, VenueClient
from tradeport.venues.kit.liveness import Liveness
from tradeport.venues.kit.private_endpoint import Credentials
from tradeport.venues.streaming import RawFrames

# the channels the private session serves
PRIVATE_KINDS = frozenset({"orders", "fills", "balance", "positions"})


class PublicSide(Protocol):
    async def open(self, channel: Channel) -> None: ...

    async def close(self, channel: Channel) -> None: ...

    async def aclose(self) -> None: ...

    def stats(self) -> dict[str, WsStats]: ...

    def synced_book(self, symbol: str) -> BookSync | None: ...

    def on_raw_frames(self, callback: RawFrames | None) -> None: ...


class PrivateSide(Protocol):
    async def start(self) -> None: ...

    async def close(self) -> None: ...

    def stats(self) -> dict[str, WsStats]: ...

    def note_symbol(self, symbol: str) -> None: ...


P = TypeVar("P", bound=PublicSide)
U = TypeVar("U", bound=PrivateSide)


class StreamClient(VenueClient, ABC, Generic[P, U]):
    # kinds a spot market does not stream
    not_on_spot: frozenset[str] = frozenset({"positions"})
    # the channels the private session serves (a venue may stream more of the account)
    private_kinds: frozenset[str] = PRIVATE_KINDS
    # what a private channel needs besides the API key and secret
    needs_passphrase = False
    _passphrase = ""  # a venue that logs in with one (OKX) sets it

    # the venue's two stream classes, each built with the client as its context
    public_streams_type: Callable[[Any, str], P]
    user_stream_type: Callable[[Any, str, Credentials], U]

    asset_type: AssetType  # the venue client's market
    ws_url: str
    liveness: Liveness

    def _init_stream_client(self, ws_url: str | None, liveness: Liveness) -> None:
        """`ws_url`: the stream host (default: venue.yaml `wss_urls` for the
        environment); `liveness`: our pings and the watchdog's silence budget."""
        environment = self.environment
        # an emulator's stream host is only known from the emulator itself
        self.ws_url = ws_url or (
            "" if environment == "emulator" else self.config.wss_url(environment)
        )
        self.liveness = liveness
        self._public_streams: P | None = None
        self._user_stream: U | None = None
        self._raw_frames: RawFrames | None = None

    # -- what a venue supplies (or its stream classes above) ----------------------------
    def _new_public_streams(self) -> P:
        """The venue's public streams on `ws_url`, the client as their context."""
        return self.public_streams_type(self, self.ws_url)

    def _new_user_stream(self) -> U:
        """The venue's private session on `ws_url`, with the client's credentials."""
        return self.user_stream_type(self, self.ws_url, self._credentials())

    # -- the two sides -----------------------------------------------------------------
    def _check_ws_url(self) -> None:
        if not self.ws_url:
            raise BadParameter(f"{self.key}: streams need ws_url= (the emulator's stream host)")

    def _credentials(self) -> Credentials:
        return Credentials(self.api_key, self._secret, self._passphrase)

    @property
    def public_streams(self) -> P:
        self._check_ws_url()
        if self._public_streams is None:
            self._public_streams = self._new_public_streams()
            self._public_streams.on_raw_frames(self._raw_frames)
        return self._public_streams

    def on_raw_frames(self, callback: RawFrames | None) -> None:
        """Every public stream frame of a subscribed topic, as received with its receipt
        time, to `callback` too (None: stop); kept across the streams' restarts."""
        self._raw_frames = callback
        if self._public_streams is not None:
            self._public_streams.on_raw_frames(callback)

    @property
    def user_stream(self) -> U:
        self._check_ws_url()
        if self._user_stream is None:
            self._user_stream = self._new_user_stream()
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

    # -- channels ----------------------------------------------------------------------
    async def _open_channel(self, channel: Channel) -> None:
        if channel.kind in self.not_on_spot and self.asset_type is AssetType.SPOT:
            raise NotSupported(f"{channel.kind} streams are not supported on {self.key}")
        if channel.kind not in self.private_kinds:
            await self.public_streams.open(channel)
            return
        if self.needs_passphrase:
            if not self.api_key or not self._secret or not self._passphrase:
                raise BadParameter(f"{channel.kind} streams need api_key, secret and passphrase")
        elif not self.api_key or not self._secret:
            raise BadParameter(f"{channel.kind} streams need api_key and secret")
        stream = self.user_stream
        try:
            await stream.start()
        except BaseException:
            if self._user_stream is stream:  # nothing half-started stays behind
                self._user_stream = None
            raise

    async def _close_channel(self, channel: Channel) -> None:
        if channel.kind not in self.private_kinds:
            if self._public_streams is not None:
                await self._public_streams.close(channel)
        elif self._user_stream is not None and not any(
            c.kind in self.private_kinds for c in self.streams.channels()
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
