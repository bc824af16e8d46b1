"""What a private stream has published, and the filling of an outage over REST.

A venue's user stream publishes orders and fills as they come and records them here, so
that each order state and each fill goes out once. An outage is a lost connection or an
unreadable frame; it starts at the venue time up to which the stream was complete when
it happened, which later pushes do not move. Once connected again, `reconcile` asks the
venue over REST what happened since then (DESIGN.md principle 5) and publishes only
what was not published yet; a failed reconciliation is retried with backoff until one
succeeds, and readiness reports the outage (`RECONCILED` down) until then.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Hashable
from typing import ClassVar, Protocol

from tradeport.model import Fill, Order
from tradeport.model.errors import OrderNotFound, TradeportError
from tradeport.streams.watch import Channel, Dispatcher
from tradeport.transport.clock import ServerClock
from tradeport.venues.readiness import Readiness

ORDERS, FILLS, BALANCE, POSITIONS = (
    Channel("orders"),
    Channel("fills"),
    Channel("balance"),
    Channel("positions"),
)
_REMEMBERED = 100_000  # order states and fill ids remembered for de-duplication
# the readiness component that is down from an outage until its reconciliation is done:
# meanwhile the published orders and fills may miss what happened
RECONCILED = "reconciliation"


class PrivateHistory(Protocol):
    """What reconciling needs from a venue client."""

    key: str
    clock: ServerClock
    streams: Dispatcher
    private_symbols: set[str]

    async def get_open_orders(self, symbol: str | None = None) -> list[Order]: ...

    async def query_order(
        self, symbol: str, order_id: str | None = None, client_order_id: str | None = None
    ) -> Order: ...

    async def orders_since(self, symbol: str, start_ms: int, limit: int = 1000) -> list[Order]: ...

    async def fills_since(self, symbol: str, start_ms: int, limit: int = 1000) -> list[Fill]: ...


class OutageReconciler:
    """The published record of a user stream and its reconciliation after an outage.

    A venue's stream subclasses it, asks `_changed` / `_first_sight` before publishing
    an order or a fill, moves `_complete_ms` up to every event's venue time, tells
    `_outage_began` when the connection is lost or a frame cannot be read, and
    `_on_reconnect` once it is connected again."""

    # seconds before the first retry of a failed reconciliation, and the cap the delay
    # doubles up to
    reconcile_backoff: ClassVar[tuple[float, float]] = (0.25, 30.0)
    # history is asked from a little before the stream was last complete: clocks and
    # event times are not exact, and what is fetched twice is de-duplicated
    history_overlap_ms: ClassVar[int] = 2_000

    def __init__(
        self, client: PrivateHistory, log: logging.Logger, readiness: Readiness | None = None
    ) -> None:
        self.client = client
        self._log = log
        self.readiness = readiness
        self._reconcile_task: asyncio.Task[None] | None = None
        self._orders: dict[str, Order] = {}  # open orders as last published
        # what was last published per order id (`_order_state`); bounded
        self._states: OrderedDict[str, Hashable] = OrderedDict()
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()  # fill ids
        # symbols the account trades: history is asked per symbol
        self.symbols: set[str] = set()
        self._complete_ms = 0  # venue time up to which every event was published
        # `_complete_ms` when the earliest outage not yet reconciled began; None: none
        self._outage_since: int | None = None
        self._outages = 0  # outages begun, to tell one that began during a reconciliation
        self._connected = asyncio.Event()  # set while the connection is up
        self.reconciled = 0  # completed reconciliations (observable by tests)
        self.reconcile_failures = 0

    # -- de-duplication ----------------------------------------------------------------
    def _order_state(self, order: Order) -> Hashable:
        """What makes an order's update worth publishing again."""
        return (order.status, order.filled_qty)

    def _changed(self, order: Order) -> bool:
        """Record `order`; False when this state was already published."""
        key = order.order_id or order.client_order_id or ""
        state = self._order_state(order)
        if self._states.get(key) == state:
            return False
        self._states[key] = state
        self._states.move_to_end(key)
        if order.status.is_open:
            self._orders[key] = order
        else:
            self._orders.pop(key, None)
        while len(self._states) > _REMEMBERED:
            self._states.popitem(last=False)
        return True

    def _first_sight(self, fill: Fill) -> bool:
        key = (fill.symbol, fill.trade_id)
        if key in self._seen:
            return False
        self._seen[key] = None
        while len(self._seen) > _REMEMBERED:
            self._seen.popitem(last=False)
        return True

    def note_symbol(self, symbol: str) -> None:
        """The client traded `symbol`: reconcile it after an outage."""
        self.symbols.add(symbol)

    # -- outages -----------------------------------------------------------------------
    def _outage_began(self) -> None:
        """The stream may have missed events from now on (the connection was lost, a
        frame could not be read): history is asked from where it was complete, and
        readiness reports it until reconciled. Outages that pile up keep the earliest
        start."""
        if self._outage_since is None:
            self._outage_since = self._complete_ms
        self._outages += 1
        if self.readiness is not None:
            self.readiness.set_down(RECONCILED)

    def _on_reconnect(self, topics: list[str]) -> None:
        # subscribed again: fill the gap. A connection the venue moved (a notice, an
        # expired listen key) was replaced without being reported lost: what its last
        # moments missed is asked for from where the stream is complete now
        self._connected.set()
        if self._outage_since is None:
            self._outage_began()
        self._reconcile_soon()

    def _reconcile_soon(self) -> None:
        """Reconcile the pending outage once connected, one run at a time."""
        if self._reconcile_task is None or self._reconcile_task.done():
            self._reconcile_task = asyncio.create_task(self._reconcile_until_done())
            self._reconcile_task.add_done_callback(self._reconcile_ended)

    def _reconcile_ended(self, task: asyncio.Task[None]) -> None:
        # what is not a venue's answer (a bug) ends the retries; readiness stays down,
        # and it is said here rather than lost in an unread task
        if not task.cancelled() and (exc := task.exception()) is not None:
            self._log.error(
                "%s: reconciliation stopped by an unexpected error; the next outage retries",
                self.client.key,
                exc_info=exc,
            )

    async def _reconcile_until_done(self) -> None:
        """Reconcile until an attempt succeeds with no new outage begun during it; a
        failure is logged and retried with backoff (the venue's history endpoints may be
        down for a while)."""
        delay, cap = self.reconcile_backoff
        while self._outage_since is not None:
            await self._connected.wait()
            outages = self._outages
            try:
                await self.reconcile()
            except TradeportError as exc:
                self.reconcile_failures += 1
                self._log.error(
                    "%s: reconciliation after an outage failed, retrying in %.2f s: %s",
                    self.client.key,
                    delay,
                    exc,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, cap)
                continue
            if outages == self._outages:
                self._outage_since = None
                if self.readiness is not None:
                    self.readiness.set_up(RECONCILED)

    async def reconcile(self) -> None:
        """After an outage: publish, for every symbol the account trades, the orders
        created since the stream was last known complete (any state), the final state
        of orders that were open then, and the fills since then, each only if it was
        not published yet; then what `_reconcile_account` adds. History is asked per
        symbol: those seen in events, open orders and positions, traded through this
        client, or named in a private watch; a symbol traded only by another client of
        the account and never named here is not covered."""
        start = self._complete_ms if self._outage_since is None else self._outage_since
        since = start - self.history_overlap_ms
        now = self.client.clock.now_ms()
        publish = self.client.streams.publish
        open_now = await self.client.get_open_orders()
        listed = {o.order_id for o in open_now}
        self.symbols.update(o.symbol for o in open_now)
        for order in open_now:
            if self._changed(order):
                publish(ORDERS, order)
        symbols = sorted(self.symbols | self.client.private_symbols)
        for symbol in symbols:
            for order in await self.client.orders_since(symbol, since):
                self._learn_order(order)
                if self._changed(order):
                    publish(ORDERS, order)
        for key, known in list(self._orders.items()):
            if known.order_id in listed:
                continue
            try:
                final = await self.client.query_order(known.symbol, order_id=known.order_id)
            except OrderNotFound:
                self._orders.pop(key, None)
                continue
            if self._changed(final):
                publish(ORDERS, final)
        for symbol in symbols:
            for fill in await self.client.fills_since(symbol, since):
                if self._first_sight(fill):
                    publish(FILLS, fill)
        await self._reconcile_account(now)
        self._complete_ms = max(self._complete_ms, now)
        self.reconciled += 1

    def _learn_order(self, order: Order) -> None:
        """A venue that learns from every order it sees, streamed or fetched (an id
        map), does so here."""

    async def _reconcile_account(self, now: int) -> None:
        """A venue whose stream also publishes balances and positions reconciles them
        here, after orders and fills."""

    async def _stop_reconciling(self) -> None:
        task, self._reconcile_task = self._reconcile_task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
