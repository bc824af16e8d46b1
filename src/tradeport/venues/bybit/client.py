"""The Bybit client: REST (rest.py) plus streams (stream.py, user_stream.py).

Public channels go to `PublicStreams` (one connection path per category), private ones
(orders, fills, balances, positions) share one `UserStream`; the plumbing between them
is the kit's (kit/stream_client.py). The paths come from venue.yaml `wss_paths`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tradeport.book.view import DEFAULT_DEPTH, BookView
from tradeport.config.schema import ResolvedAssetConfig
from tradeport.model.errors import BadParameter
from tradeport.streams.watch import Channel, Watch
from tradeport.venues.bybit.rest import BybitRest
from tradeport.venues.bybit.stream import PublicStreams
from tradeport.venues.bybit.user_stream import UserStream
from tradeport.venues.kit.liveness import Liveness
from tradeport.venues.kit.stream_client import StreamClient
from tradeport.venues.streaming import book_view

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


class BybitClient(StreamClient[PublicStreams, UserStream], BybitRest):
    partial_book_levels = (1, 50, 200)
    public_streams_type = PublicStreams
    user_stream_type = UserStream
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
        liveness = Liveness.checked(stream_ping_interval, stream_silence_timeout)
        super().__init__(config, environment=environment, **rest_options)
        self._init_stream_client(ws_url, liveness)

    def watch_order_book(
        self,
        symbol: str,
        depth: int | None = DEFAULT_DEPTH,
        *,
        all_states: bool = False,
        callback: Callable[[BookView], Any] | None = None,
    ) -> Watch[BookView]:
        """The verified L2 book of `symbol` (top `depth` levels, 100 by default, or all
        the venue streams with None: 1000), from the shallowest `orderbook` topic
        holding `depth` levels; a book of the default depth comes from the 1000-level
        topic, as one watched in full (the topic whose `u` REST reports). Delivered as
        a `BookView` (levels copied when read); only LIVE books unless
        `all_states=True`."""
        topic_depth = book_topic_depth(None if depth == DEFAULT_DEPTH else depth)
        channel = Channel("book", symbol, str(topic_depth))
        return self._watch(channel, callback, book_view(depth, all_states))
