"""A venue's private stream session: orders, fills, balances and positions as they
happen, and what happened while the connection was down.

The session opens one connection kind the venue describes (`_endpoint`): a login and
its account topics (Bybit, OKX), a signed WS-API subscription or a listen key
(Binance). Readiness follows it: "user" is up once logged in (or connected, where the
venue reports no login), each topic's component once the venue confirmed it, and all
of them go down the moment the connection is lost; "reconciliation" stays down from
then until what was missed has been read back. Events go out through the
`OutageReconciler` record (each order state and each fill once); after every outage
(a lost connection, or a frame that cannot be read) orders and fills are reconciled
over REST and, where the venue streams them, balances and positions that differ from
what was last published (DESIGN.md principle 5).

A venue supplies: where its topics are (`_locate`), its endpoint (`endpoint_type`, or
`_endpoint` for a session that is not a login and topics), and the parsing of
a frame (`_on_frame`, which hands the parsed events to `publish_events` and raises
MalformedMessage for a frame it cannot read).
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from collections.abc import Hashable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import ClassVar, Protocol

import msgspec

from tradeport.config.schema import ResolvedAssetConfig
from tradeport.model import AssetType, Balance, Fill, Instrument, Order, Position, PositionSide
from tradeport.model.errors import MalformedMessage, NotSupported
from tradeport.transport.ws import WsEndpoint, WsStream
from tradeport.transport.ws_endpoint import WsStats
from tradeport.venues.kit.liveness import Liveness
from tradeport.venues.kit.private_endpoint import Credentials, PrivateSessionEndpoint
from tradeport.venues.readiness import Readiness
from tradeport.venues.reconcile import (
    BALANCE,
    FILLS,
    ORDERS,
    POSITIONS,
    RECONCILED,
    OutageReconciler,
    PrivateHistory,
)

USER = "user"  # the readiness component of the logged-in session itself

PositionKey = tuple[str, PositionSide]


class OrderIdMap(Protocol):
    """The client's client-order-id ↔ order-id map, fed by every order seen."""

    def add(self, client_order_id: str | None, order_id: str | None) -> None: ...


class PrivateContext(PrivateHistory, Protocol):
    """What a private session needs from its client."""

    @property
    def config(self) -> ResolvedAssetConfig: ...

    @property
    def asset_type(self) -> AssetType: ...

    @property
    def liveness(self) -> Liveness: ...

    @property
    def readiness(self) -> Readiness: ...

    async def instruments(self) -> dict[str, Instrument]: ...

    async def sync_clock(self) -> float: ...

    async def get_balance(self) -> dict[str, Balance]: ...

    async def get_position(self, symbol: str | None = None) -> list[Position]: ...


class PrivateSession(OutageReconciler, ABC):
    log: logging.Logger  # the venue's logger
    # False: the venue's stream carries no balances and positions worth reconciling
    # after an outage (orders and fills are, always)
    reconciles_account = True
    # True: an amendment (qty or price alone) is an update worth publishing
    amendable = True
    malformed_frames = 0  # frames that could not be read (their events were read back)
    # private channel kind (its `wss_paths` entry names the topic) → the readiness
    # component its confirmation brings up; none for a session without topics
    components: ClassVar[Mapping[str, str]] = {}
    # the venue's login-and-topics connection kind, which `_endpoint` builds
    endpoint_type: ClassVar[type[PrivateSessionEndpoint]]

    def __init__(
        self,
        client: PrivateContext,
        ws_base: str,
        credentials: Credentials,
        order_ids: OrderIdMap | None = None,
    ) -> None:
        super().__init__(client, self.log, client.readiness)
        self.client: PrivateContext = client
        self.readiness: Readiness = client.readiness
        self.ws_base = ws_base.rstrip("/")
        self.credentials = credentials
        self.order_ids = order_ids
        self.spot = client.asset_type is AssetType.SPOT
        self._socket: WsStream | None = None
        self._start_lock = asyncio.Lock()
        self._components: tuple[str, ...] = ()
        self._component_of: dict[str, str] = {}  # topic → readiness component
        self._balances: dict[str, Balance] = {}  # as last published, by asset
        # every position row the venue pushed, by (symbol, side): the latest wins
        self.positions: dict[PositionKey, Position] = {}

    # -- what a venue supplies ---------------------------------------------------------
    def _topic(self, kind: str, name: str) -> str:
        """The topic a private channel kind subscribes (`name`: from its `wss_paths`
        entry)."""
        return name

    def _endpoint(self, url: str, topics: Sequence[str]) -> WsEndpoint:
        """The connection kind (by default the venue's `endpoint_type`); a login reports
        to `_logged_in`, each confirmed topic to `_confirmed`."""
        return self.endpoint_type(
            f"{self.client.key}.user",
            url,
            credentials=self.credentials,
            now_ms=self.client.clock.now_ms,
            topics=topics,
            on_login=self._logged_in,
            on_ack=self._confirmed,
            liveness=self.client.liveness,
        )

    @abstractmethod
    def _on_frame(self, frame: str | bytes, local_ts: int) -> None:
        """Parse one data frame and hand its events to `publish_events`; raise
        MalformedMessage (naming what did not read) for a frame that cannot be read,
        before publishing any of its events."""

    async def _started(self) -> None:
        """The connection is up, before the baseline (e.g. keep a listen key alive)."""

    # -- life --------------------------------------------------------------------------
    def _locate(self) -> tuple[str, dict[str, str]]:
        """The private path and its topics (topic → readiness component), from
        venue.yaml `wss_paths`: every component kind but positions on a spot market."""
        paths = self.client.config.wss_paths
        kinds = [k for k in self.components if not (self.spot and k == "positions")]
        missing = [kind for kind in kinds if kind not in paths]
        if "user" not in paths or missing:
            raise NotSupported(
                f"private streams on {self.client.key} need wss_paths user and {missing}"
            )
        topics = {
            self._topic(kind, paths[kind].partition(" ")[2]): self.components[kind]
            for kind in kinds
        }
        return paths["user"], topics

    async def start(self) -> None:
        """Log in and subscribe; returns once every topic is confirmed. Raises what
        stopped it (AuthError for a refused login) and leaves nothing running."""
        async with self._start_lock:
            if self._socket is not None:
                return
            path, component_of = self._locate()
            self._component_of = component_of
            self._components = (USER, *dict.fromkeys(component_of.values()), RECONCILED)
            self.readiness.require(*self._components)
            try:
                await self.client.instruments()  # events name venue symbols
                await self.client.sync_clock()  # a login's expiry is venue time
                socket = WsStream(
                    self._endpoint(self.ws_base + path, list(component_of)),
                    self._receive,
                    on_reconnect=self._on_reconnect,
                    on_lost=self._on_lost,
                )
                self._socket = socket
                await socket.start()
                self._logged_in()
                await self._started()
                # the baseline: open orders and positions as they are now, not published
                await self._baseline()
                self._connected.set()
                if self._outage_since is None:
                    self.readiness.set_up(RECONCILED)
            except BaseException:
                await self.close()  # a half-started stream must not linger
                raise

    def stats(self) -> dict[str, WsStats]:
        return {} if self._socket is None else {f"{self.client.key}.user": self._socket.stats}

    async def close(self) -> None:
        await self._stop_reconciling()
        socket, self._socket = self._socket, None
        if socket is not None:
            await socket.close()
        # closed on purpose: orders no longer wait for these
        self.readiness.release(*self._components)

    # -- readiness ---------------------------------------------------------------------
    def _logged_in(self) -> None:
        self.readiness.set_up(USER)

    def _confirmed(self, topic: str) -> None:
        self.readiness.set_up(self._component_of[topic])

    def _on_lost(self, topics: list[str]) -> None:
        self._connected.clear()
        self._outage_began()
        for component in self._components:
            self.readiness.set_down(component)

    def _on_reconnect(self, topics: list[str]) -> None:
        self._logged_in()  # a venue without a login reports none: connected is logged in
        super()._on_reconnect(topics)

    # -- events ------------------------------------------------------------------------
    def _receive(self, frame: str | bytes, local_ts: int) -> None:
        """A data frame: its events, or (unreadable) the events it carried are read
        back over REST as after an outage."""
        try:
            self._on_frame(frame, local_ts)
        except Exception as exc:
            # whatever stopped the frame (malformed, or a symbol or bug the parser did
            # not expect), its events are not lost: the venue's record is read back
            self.malformed_frames += 1
            self.log.error(
                "%s: unreadable private frame, reconciling over REST: %s (frame %.200r)",
                self.client.key,
                exc,
                frame,
                exc_info=not isinstance(exc, MalformedMessage),
            )
            self._outage_began()
            self._reconcile_soon()

    def publish_events(
        self,
        orders: Iterable[Order] = (),
        fills: Iterable[Fill] = (),
        positions: Iterable[Position] = (),
        balances: Iterable[Balance] = (),
    ) -> None:
        """Publish what a frame carried: each order state and each fill once, every
        position and balance; the stream is complete up to their venue times."""
        for order in orders:
            self.publish_order(order)
        for fill in fills:
            self.publish_fill(fill)
        for position in positions:
            self.publish_position(position)
        for balance in balances:
            self.publish_balance(balance)

    def publish_event(self, event: Order | Fill | Position | Balance) -> None:
        """Publish one parsed event through the method for its kind (a frame's events
        go out one by one, in the order the frame carried them)."""
        if isinstance(event, Order):
            self.publish_order(event)
        elif isinstance(event, Fill):
            self.publish_fill(event)
        elif isinstance(event, Balance):
            self.publish_balance(event)
        else:
            self.publish_position(event)

    def publish_order(self, order: Order) -> None:
        self._learn_order(order)
        self._note(order.symbol, order.updated_ts)
        if self._changed(order):
            self.client.streams.publish(ORDERS, order)

    def publish_fill(self, fill: Fill) -> None:
        self._note(fill.symbol, fill.ts)
        if self._first_sight(fill):
            self.client.streams.publish(FILLS, fill)

    def publish_position(self, position: Position) -> None:
        self._note(position.symbol, position.ts)
        self.positions[(position.symbol, position.position_side)] = position
        self.client.streams.publish(POSITIONS, position)

    def publish_balance(self, balance: Balance) -> None:
        self._complete_ms = max(self._complete_ms, balance.ts)
        self._balances[balance.asset] = balance
        self.client.streams.publish(BALANCE, balance)

    def _learn_order(self, order: Order) -> None:
        if self.order_ids is not None:
            self.order_ids.add(order.client_order_id, order.order_id)

    def _note(self, symbol: str, venue_ts: int) -> None:
        self.symbols.add(symbol)
        self._complete_ms = max(self._complete_ms, venue_ts)

    def _order_state(self, order: Order) -> Hashable:
        if self.amendable:
            return (order.status, order.filled_qty, order.qty, order.price)
        return super()._order_state(order)

    # -- outages -----------------------------------------------------------------------
    async def _baseline(self) -> None:
        self._complete_ms = self.client.clock.now_ms()
        if self._outage_since is not None:  # what came before the baseline is in it
            self._outage_since = max(self._outage_since, self._complete_ms)
        for order in await self.client.get_open_orders():
            self._changed(order)
            self.symbols.add(order.symbol)
        if not self.spot:
            for position in await self.client.get_position():
                self.positions[(position.symbol, position.position_side)] = position
                self.symbols.add(position.symbol)

    async def _reconcile_account(self, now: int) -> None:
        if not self.reconciles_account:
            return
        await self._reconcile_balances()
        if not self.spot:
            await self._reconcile_positions(now)

    async def _reconcile_balances(self) -> None:
        for asset, balance in (await self.client.get_balance()).items():
            known = self._balances.get(asset)
            if known is None or (known.free, known.locked) != (balance.free, balance.locked):
                self._balances[asset] = balance
                self.client.streams.publish(BALANCE, balance)

    async def _reconcile_positions(self, now: int) -> None:
        publish = self.client.streams.publish
        held = {(p.symbol, p.position_side): p for p in await self.client.get_position()}
        for key, known in list(self.positions.items()):
            if key not in held and known.qty != 0:
                # closed during the outage: the venue lists open positions only
                flat = msgspec.structs.replace(
                    known, qty=Decimal(0), unrealized_pnl=Decimal(0), ts=now
                )
                self.positions[key] = flat
                publish(POSITIONS, flat)
        for key, position in held.items():
            last = self.positions.get(key)
            if last is None or (last.qty, last.entry_price) != (position.qty, position.entry_price):
                self.positions[key] = position
                publish(POSITIONS, position)


class GatingContext(PrivateContext, Protocol):
    """A client with a client-order-id ↔ order-id map."""

    @property
    def order_ids(self) -> OrderIdMap: ...


class GatingSession(PrivateSession):
    """A private session whose every order feeds the client's client-order-id ↔
    order-id map."""

    def __init__(self, client: GatingContext, ws_base: str, credentials: Credentials) -> None:
        super().__init__(client, ws_base, credentials, client.order_ids)
