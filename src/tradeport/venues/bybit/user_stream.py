"""Bybit private streams: orders, fills, balances and positions as they happen.

One `/v5/private` session (§4.2, §4.4): `auth` with a signature over "GET/realtime" +
expires, then the account topics venue.yaml `wss_paths` names (orders, fills, balance
and, on linear, positions), each confirmed before the connection counts as up; all of
it again on every reconnect. Readiness follows the session: "user" is up once logged
in, "orders", "executions", "wallet" and "positions" once their topic is confirmed, and
all of them go down the moment the connection is lost.

Rows of another category than the client's are ignored (the all-in-one topics carry
every category; the unified wallet is the one exception). Every order row feeds the
client's orderLinkId ↔ orderId map, every position row the positions cache. What
happened while the connection was down is reconciled over REST after every reconnect
(DESIGN.md principle 5): orders and fills since the stream was last known complete,
per symbol the account trades, each published only if it was not yet; then balances
and positions that differ from what was last published.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Hashable
from decimal import Decimal
from typing import TYPE_CHECKING

import msgspec

from tradeport.model import AssetType, Balance, Order, Position, PositionSide
from tradeport.model.errors import NotSupported, UnknownSymbol
from tradeport.transport.ws import WsStream
from tradeport.transport.ws_endpoint import WsStats
from tradeport.venues.bybit import stream_parse as sp
from tradeport.venues.bybit.ws_endpoints import PrivateEndpoint
from tradeport.venues.reconcile import BALANCE, FILLS, ORDERS, POSITIONS, OutageReconciler

if TYPE_CHECKING:
    from tradeport.venues.bybit.client import BybitClient

log = logging.getLogger("tradeport.venues.bybit")

# private channel kind (its `wss_paths` entry names the topic) → readiness component
COMPONENTS = {
    "orders": "orders",
    "fills": "executions",
    "balance": "wallet",
    "positions": "positions",
}
REQUIRED = ("orders", "fills", "balance")  # positions only where the venue lists them
USER = "user"  # the logged-in session itself

PositionKey = tuple[str, PositionSide]


class UserStream(OutageReconciler):
    client: BybitClient

    def __init__(self, client: BybitClient, ws_base: str) -> None:
        super().__init__(client, log)
        self.ws_base = ws_base.rstrip("/")
        self.spot = client.asset_type is AssetType.SPOT
        self._socket: WsStream | None = None
        self._start_lock = asyncio.Lock()
        self._components: tuple[str, ...] = ()
        self._balances: dict[str, Balance] = {}  # as last published, by asset
        # every position row the venue pushed, by (symbol, side): the latest wins
        self.positions: dict[PositionKey, Position] = {}
        self.skipped_rows = 0  # rows of another category or an unlisted instrument

    # -- life --------------------------------------------------------------------------
    async def start(self) -> None:
        """Log in and subscribe; returns once every topic is confirmed. Raises what
        stopped it (AuthError for a refused login) and leaves nothing running."""
        async with self._start_lock:
            if self._socket is not None:
                return
            path, topics = self._locate()
            readiness = self.client.readiness
            self._components = (USER, *(COMPONENTS[kind] for kind in topics.values()))
            readiness.require(*self._components)
            component_of = {topic: COMPONENTS[kind] for topic, kind in topics.items()}
            try:
                await self.client.instruments()  # events name venue symbols
                await self.client.sync_clock()  # the login's expiry is venue time
                endpoint = PrivateEndpoint(
                    f"{self.client.key}.user",
                    self.ws_base + path,
                    api_key=self.client.api_key,
                    secret=self.client._secret,
                    now_ms=self.client.clock.now_ms,
                    topics=list(topics),
                    on_auth=lambda: readiness.set_up(USER),
                    on_ack=lambda topic: readiness.set_up(component_of[topic]),
                    liveness=self.client.liveness,
                )
                socket = WsStream(
                    endpoint, self._on_frame, on_reconnect=self._on_reconnect, on_lost=self._on_lost
                )
                self._socket = socket
                await socket.start()
                # the baseline: open orders and positions as they are now, not published
                await self._baseline()
            except BaseException:
                await self.close()  # a half-started stream must not linger
                raise

    def _locate(self) -> tuple[str, dict[str, str]]:
        """The private path and its topics (topic → channel kind) from `wss_paths`."""
        paths = self.client.config.wss_paths
        missing = [kind for kind in REQUIRED if kind not in paths]
        if "user" not in paths or missing:
            raise NotSupported(
                f"private streams on {self.client.key} need wss_paths user and {missing}"
            )
        topics: dict[str, str] = {}
        for kind in COMPONENTS:
            spec = paths.get(kind)
            if spec is not None:
                topics[spec.partition(" ")[2]] = kind
        return paths["user"], topics

    def stats(self) -> dict[str, WsStats]:
        return {} if self._socket is None else {f"{self.client.key}.user": self._socket.stats}

    async def close(self) -> None:
        await self._stop_reconciling()
        socket, self._socket = self._socket, None
        if socket is not None:
            await socket.close()
        # closed on purpose: orders no longer wait for these
        self.client.readiness.release(*self._components)

    # -- events ------------------------------------------------------------------------
    def _on_frame(self, frame: str | bytes, local_ts: int) -> None:
        events = sp.parse_private_frame(
            frame,
            self.client.category,
            self._known_symbol,
            self.client.config.order_status_map,
            local_ts,
        )
        self.skipped_rows += events.skipped
        publish = self.client.streams.publish
        for order in events.orders:
            self.client.order_ids.add(order.client_order_id, order.order_id)
            self._note(order.symbol, order.updated_ts)
            if self._changed(order):
                publish(ORDERS, order)
        for fill in events.fills:
            self._note(fill.symbol, fill.ts)
            if self._first_sight(fill):
                publish(FILLS, fill)
        for position in events.positions:
            self._note(position.symbol, position.ts)
            self.positions[(position.symbol, position.position_side)] = position
            publish(POSITIONS, position)
        for balance in events.balances:
            self._complete_ms = max(self._complete_ms, balance.ts)
            self._balances[balance.asset] = balance
            publish(BALANCE, balance)

    def _known_symbol(self, venue_symbol: str) -> str | None:
        """The standard symbol, or None for an instrument this client does not list
        (linear rows also come for dated futures and USDC contracts)."""
        try:
            return self.client.from_venue_symbol(venue_symbol)
        except UnknownSymbol:
            return None

    def _note(self, symbol: str, venue_ts: int) -> None:
        self.symbols.add(symbol)
        self._complete_ms = max(self._complete_ms, venue_ts)

    def _order_state(self, order: Order) -> Hashable:
        # an amendment changes qty or price alone, and is published too
        return (order.status, order.filled_qty, order.qty, order.price)

    # -- outages -----------------------------------------------------------------------
    def _on_lost(self, topics: list[str]) -> None:
        readiness = self.client.readiness
        for component in self._components:
            readiness.set_down(component)

    async def _baseline(self) -> None:
        self._complete_ms = self.client.clock.now_ms()
        for order in await self.client.get_open_orders():
            self._changed(order)
            self.symbols.add(order.symbol)
        if not self.spot:
            for position in await self.client.get_position():
                self.positions[(position.symbol, position.position_side)] = position
                self.symbols.add(position.symbol)

    def _seen_in_history(self, order: Order) -> None:
        self.client.order_ids.add(order.client_order_id, order.order_id)

    async def _reconcile_account(self, now: int) -> None:
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
