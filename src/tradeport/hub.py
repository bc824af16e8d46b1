"""`Hub`: several venues' streams as one event stream.

    async with tp.Hub({"BINANCE___SWAP": {"environment": "emulator"},
                       "BINANCE___SPOT": {"environment": "emulator"}}) as hub:
        await hub.watch_trades("BTC-USDT")                # on every venue
        await hub.watch_order_book("BTC-USDT", 10, venues=["BINANCE___SWAP"])
        async for event in hub:                           # HubEvent(venue, kind, data)
            ...

Every venue runs on the same event loop (DESIGN.md principle 3). Books and tickers are
conflated per venue and symbol, as in a single watch; trades, orders and fills are
queued in full and a reader that falls `maxsize` events behind gets SlowConsumer.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, NamedTuple, Self

from tradeport.api import create_client
from tradeport.model.errors import BadParameter, SlowConsumer
from tradeport.streams.watch import CONFLATED, DEFAULT_MAXSIZE, Watch
from tradeport.venues.base import VenueClient
from tradeport.venues.streaming import STREAM_METHODS

ClientFactory = Callable[..., Awaitable[VenueClient]]


class HubEvent(NamedTuple):
    venue: str  # the venue key, e.g. BINANCE___SWAP
    kind: str  # the channel kind: trades, book, orders, …
    data: Any  # the event itself: Trade, OrderBook, Order, …


class Hub:
    def __init__(
        self,
        venues: Mapping[str, Mapping[str, Any]],
        *,
        maxsize: int = DEFAULT_MAXSIZE,
        client_factory: ClientFactory | None = None,
    ) -> None:
        """`venues`: venue key → the options `connect_async` takes for it."""
        if not venues:
            raise BadParameter("a Hub needs at least one venue")
        self._options = {key: dict(opts) for key, opts in venues.items()}
        self._factory = client_factory
        self.clients: dict[str, VenueClient] = {}
        self._watches: list[Watch[Any]] = []
        self._queue: deque[tuple[str, str, str | None] | HubEvent] = deque()
        self._latest: dict[tuple[str, str, str | None], HubEvent] = {}
        self._ready = asyncio.Event()
        self._maxsize = maxsize
        self._error: BaseException | None = None
        self._closed = False

    async def start(self) -> Self:
        """Create every venue's client (emulators start here when asked for)."""
        if self._factory is None:
            self._factory = create_client
        for key, options in self._options.items():
            if key not in self.clients:
                self.clients[key] = await self._factory(key, **options)
        return self

    async def __aenter__(self) -> Self:
        try:
            return await self.start()
        except BaseException:
            await self.close()
            raise

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        self._closed = True
        watches, self._watches = self._watches, []
        for watch in watches:
            await watch.close()
        clients, self.clients = self.clients, {}
        for client in clients.values():
            await client.close()
        self._ready.set()

    async def watch(
        self, method: str, *args: Any, venues: Iterable[str] | None = None, **kwargs: Any
    ) -> None:
        """Start `client.<method>(*args, **kwargs)` (a `watch_*` name) on each venue
        (all by default); their events join this hub's stream."""
        if method not in STREAM_METHODS:
            raise BadParameter(f"{method!r} is not a stream; expected one of {STREAM_METHODS}")
        keys = list(venues) if venues is not None else list(self.clients)
        unknown = [k for k in keys if k not in self.clients]
        if unknown:
            raise BadParameter(f"venues {unknown} are not in this hub ({list(self.clients)})")
        for key in keys:
            # the channel (known once the watch exists) decides how its events queue
            target: list[Callable[[Any], None]] = []
            watch: Watch[Any] = getattr(self.clients[key], method)(
                *args, **kwargs, callback=lambda data, t=target: t[0](data)
            )
            target.append(self._pusher(key, watch.channel.kind, watch.channel.symbol))
            await watch.start()
            self._watches.append(watch)

    def _pusher(self, venue: str, kind: str, symbol: str | None) -> Callable[[Any], None]:
        if kind in CONFLATED:
            slot = (venue, kind, symbol)

            def push_latest(data: Any) -> None:
                if slot not in self._latest:
                    self._queue.append(slot)
                self._latest[slot] = HubEvent(venue, kind, data)
                self._ready.set()

            return push_latest

        def push(data: Any) -> None:
            if self._error is not None:
                return
            if len(self._queue) >= self._maxsize:
                self._error = SlowConsumer(f"hub reader fell {self._maxsize} events behind")
                self._queue.clear()
            else:
                self._queue.append(HubEvent(venue, kind, data))
            self._ready.set()

        return push

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> HubEvent:
        while True:
            if self._queue:
                item = self._queue.popleft()
                if isinstance(item, HubEvent):
                    return item
                return self._latest.pop(item)
            if self._error is not None:
                raise self._error
            if self._closed:
                raise StopAsyncIteration
            self._ready.clear()
            await self._ready.wait()


def _hub_method(name: str) -> Callable[..., Awaitable[None]]:
    async def method(self: Hub, *args: Any, venues: Iterable[str] | None = None, **kw: Any) -> None:
        await self.watch(name, *args, venues=venues, **kw)

    method.__name__ = name
    method.__doc__ = f"`{name}` on each venue (or those in `venues`), into this hub's stream."
    return method


for _name in STREAM_METHODS:
    setattr(Hub, _name, _hub_method(_name))
