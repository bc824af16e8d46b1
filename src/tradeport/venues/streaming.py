"""The streaming half of the client contract: `watch_*` on every venue.

Each method returns a `Watch` (iterate it, or pass `callback=`). A venue implements
`_open_channel` / `_close_channel` and publishes parsed events to `self.streams`
(venues/kit/stream_client.py does it for a venue with public and private stream
sessions); everything else here is shared. A venue that streams nothing raises NotSupported when
a watch starts, and lists no stream capability.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from tradeport.book.sync import BookSync as SyncedBook
from tradeport.book.view import DEFAULT_DEPTH, BookView
from tradeport.model import (
    Balance,
    Bar,
    BookState,
    Fill,
    LeverageUpdate,
    MarkPrice,
    Order,
    OrderBook,
    Position,
    Quote,
    Ticker,
    Trade,
)
from tradeport.model.errors import NotSupported
from tradeport.streams.watch import DEFAULT_MAXSIZE, Channel, Dispatcher, Materialize, Watch
from tradeport.transport.ws_endpoint import WsStats

# a public stream frame as received: (standard symbol, venue topic, frame, local receipt ns)
RawFrames = Callable[[str, str, str | bytes, int], None]


class BookSource(Protocol):
    """What a venue publishes on a book channel: its synced book, viewed on demand so a
    consumer that reads slowly never pays for updates it skips."""

    @property
    def state(self) -> BookState: ...

    def view(self, depth: int | None = None) -> BookView: ...


def book_view(depth: int | None, all_states: bool) -> Materialize:
    """What a book watch delivers of a `BookSource`: a view of its top `depth` levels
    (copied only when read), while LIVE (or in every state with `all_states`)."""

    def materialize(source: BookSource) -> BookView | None:
        if all_states or source.state is BookState.LIVE:
            return source.view(depth)
        return None

    return materialize


def _of_symbol(symbol: str | None) -> Materialize | None:
    if symbol is None:
        return None
    return lambda event: event if event.symbol == symbol else None


# The watch methods the sync facade exposes (generated, like CLIENT_METHODS).
STREAM_METHODS: tuple[str, ...] = (
    "watch_ticker",
    "watch_trades",
    "watch_klines",
    "watch_order_book",
    "watch_partial_book",
    "watch_quotes",
    "watch_mark_price",
    "watch_orders",
    "watch_fills",
    "watch_positions",
    "watch_balance",
)


class StreamingClient:
    key: str = ""
    streams: Dispatcher
    # the `levels` watch_partial_book accepts (the venue's own partial-book streams)
    partial_book_levels: tuple[int, ...] = ()
    # True when a streamed book's snapshot comes from REST (weight-budgeted), False when
    # the venue pushes it on the stream itself (a resync resubscribes the topic)
    book_snapshots_from_rest: bool = False

    def _init_streams(self) -> None:
        self.streams = Dispatcher(self._open_channel, self._close_channel)
        # symbols named in private watches: after a stream outage their order and fill
        # history is reconciled even if nothing of them was seen yet (venues such as
        # Binance answer history only per symbol)
        self.private_symbols: set[str] = set()

    # -- what a venue implements -------------------------------------------------------
    async def _open_channel(self, channel: Channel) -> None:
        """Subscribe at the venue; return once it confirmed. Raise UnknownSymbol,
        BadParameter or SubscriptionError naming what was refused."""
        raise NotSupported(f"{channel.kind} streams are not supported on {self.key}")

    async def _close_channel(self, channel: Channel) -> None:
        """The last consumer left: unsubscribe at the venue."""

    def synced_book(self, symbol: str) -> SyncedBook | None:
        """The book engine behind `watch_order_book(symbol)` (its state and counters:
        gaps, resyncs, snapshots…), or None when the book is not watched."""
        return None

    def on_raw_frames(self, callback: RawFrames | None) -> None:
        """Every public stream frame of a subscribed topic, as received with its receipt
        time, to `callback` as well (None: stop)."""
        raise NotSupported(f"raw stream frames are not offered on {self.key}")

    def stream_stats(self) -> dict[str, WsStats]:
        """Connection counters (connects, reconnects, watchdog replacements, frames…) of
        every stream connection kind this client has opened, by name."""
        return {}

    # -- the watch methods -------------------------------------------------------------
    def _watch_private(
        self, kind: str, symbol: str | None, callback: Callable[[Any], Any] | None
    ) -> Watch[Any]:
        if symbol is not None:
            self.private_symbols.add(symbol)
        return self._watch(Channel(kind), callback, _of_symbol(symbol))

    def _watch(
        self,
        channel: Channel,
        callback: Callable[[Any], Any] | None,
        materialize: Materialize | None = None,
        maxsize: int = DEFAULT_MAXSIZE,
    ) -> Watch[Any]:
        return Watch(
            self.streams,
            channel,
            materialize=materialize,
            callback=callback,
            maxsize=maxsize,
        )

    def watch_ticker(
        self, symbol: str, *, callback: Callable[[Ticker], Any] | None = None
    ) -> Watch[Ticker]:
        """24 h ticker updates of `symbol` (conflated: a slow reader gets the newest)."""
        return self._watch(Channel("ticker", symbol), callback)

    def watch_trades(
        self,
        symbol: str,
        *,
        callback: Callable[[Trade], Any] | None = None,
        maxsize: int = DEFAULT_MAXSIZE,
    ) -> Watch[Trade]:
        """Every public trade of `symbol`, in order."""
        return self._watch(Channel("trades", symbol), callback, maxsize=maxsize)

    def watch_klines(
        self, symbol: str, period: str = "1m", *, callback: Callable[[Bar], Any] | None = None
    ) -> Watch[Bar]:
        """Updates of the current `period` bar of `symbol`; `closed` marks its last one."""
        return self._watch(Channel("klines", symbol, period), callback)

    def watch_order_book(
        self,
        symbol: str,
        depth: int | None = DEFAULT_DEPTH,
        *,
        all_states: bool = False,
        callback: Callable[[BookView], Any] | None = None,
    ) -> Watch[BookView]:
        """The verified L2 book of `symbol` (top `depth` levels, 100 by default, or all
        with None), after each update, as a `BookView`: levels are copied only when
        read, so reading the top 20 costs 20 levels whatever the book's size. Only LIVE
        books are delivered unless `all_states=True` (then a book being resynced comes
        with its state SYNCING or RESYNCING)."""
        return self._watch(Channel("book", symbol), callback, book_view(depth, all_states))

    def watch_partial_book(
        self, symbol: str, levels: int = 20, *, callback: Callable[[OrderBook], Any] | None = None
    ) -> Watch[OrderBook]:
        """The venue's own top-`levels` book of `symbol` (`levels` one of
        `partial_book_levels`): Binance pushes complete snapshots (`@depth<5|10|20>`);
        Bybit's `orderbook.<levels>` topics are kept verified from snapshot and deltas.
        `watch_order_book` is the verified full book."""
        return self._watch(Channel("partial_book", symbol, str(levels)), callback)

    def watch_quotes(
        self, symbol: str, *, callback: Callable[[Quote], Any] | None = None
    ) -> Watch[Quote]:
        """Best bid/ask of `symbol` as the venue pushes it (Binance bookTicker)."""
        return self._watch(Channel("quotes", symbol), callback)

    def watch_mark_price(
        self, symbol: str, *, callback: Callable[[MarkPrice], Any] | None = None
    ) -> Watch[MarkPrice]:
        """Mark price and funding of a perpetual."""
        return self._watch(Channel("mark", symbol), callback)

    def watch_orders(
        self, symbol: str | None = None, *, callback: Callable[[Order], Any] | None = None
    ) -> Watch[Order]:
        """Every change of the account's orders (of `symbol`, or all), including what
        happened while the stream was down (reconciled over REST after a reconnect)."""
        return self._watch_private("orders", symbol, callback)

    def watch_fills(
        self, symbol: str | None = None, *, callback: Callable[[Fill], Any] | None = None
    ) -> Watch[Fill]:
        """The account's own fills, each once (de-duplicated by trade id)."""
        return self._watch_private("fills", symbol, callback)

    def watch_positions(
        self, symbol: str | None = None, *, callback: Callable[[Position], Any] | None = None
    ) -> Watch[Position]:
        """Position changes (derivatives)."""
        return self._watch_private("positions", symbol, callback)

    def watch_leverage(
        self, symbol: str | None = None, *, callback: Callable[[LeverageUpdate], Any] | None = None
    ) -> Watch[LeverageUpdate]:
        """Leverage changes of the account's contracts, where the venue pushes them
        (NotSupported elsewhere: read them with `get_leverage`)."""
        raise NotSupported(f"{self.key} pushes no leverage changes; use get_leverage")

    def watch_balance(self, *, callback: Callable[[Balance], Any] | None = None) -> Watch[Balance]:
        """Balance changes, one Balance per asset that changed."""
        return self._watch(Channel("balance"), callback)
