"""OKX private streams: orders, fills, balances and positions as they happen.

One `/ws/v5/private` session (§3.2, §3.4): `login` (HMAC over seconds + "GET" +
"/users/self/verify", with the passphrase), then the channels venue.yaml `wss_paths`
names: `orders` of the client's instType (fills ride on its pushes: a row with a
`tradeId` and a non-zero `fillSz`), `account` and, on swaps, `positions`; each
confirmed before the connection counts as up, all of it again on every reconnect.
Readiness follows the session: "user" is up once logged in, "orders", "account" and
"positions" once their channel is confirmed, and all go down the moment the
connection is lost.

Every order row feeds the client's clOrdId ↔ ordId map, every position row the
positions cache. Sizes are base units (contracts converted by parse.py). What happened
while the connection was down is reconciled over REST after every reconnect (DESIGN.md
principle 5): orders and fills since the stream was last known complete, per symbol
the account trades, each published only if it was not yet; then balances and
positions that differ from what was last published.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Hashable
from decimal import Decimal
from typing import TYPE_CHECKING

import msgspec

from tradeport.model import AssetType, Balance, Order, Position, PositionSide
from tradeport.model.errors import NotSupported
from tradeport.transport.ws import WsStream
from tradeport.transport.ws_endpoint import WsStats
from tradeport.venues.okx import stream_parse as sp
from tradeport.venues.okx.ws_endpoints import PrivateEndpoint
from tradeport.venues.reconcile import BALANCE, FILLS, ORDERS, POSITIONS, OutageReconciler

if TYPE_CHECKING:
    from tradeport.venues.okx.client import OkxClient

log = logging.getLogger("tradeport.venues.okx")

# private channel kind (its `wss_paths` entry names the OKX channel) → readiness
# component; fills come with the orders channel
COMPONENTS = {"orders": "orders", "balance": "account", "positions": "positions"}
# channels subscribed per instrument type; `account` takes no instType
BY_INST_TYPE = frozenset({"orders", "positions"})
USER = "user"  # the logged-in session itself

PositionKey = tuple[str, PositionSide]


class UserStream(OutageReconciler):
    client: OkxClient

    def __init__(self, client: OkxClient, ws_base: str) -> None:
        super().__init__(client, log)
        self.ws_base = ws_base.rstrip("/")
        self.spot = client.asset_type is AssetType.SPOT
        self._socket: WsStream | None = None
        self._start_lock = asyncio.Lock()
        self._components: tuple[str, ...] = ()
        self._balances: dict[str, Balance] = {}  # as last published, by asset
        # every position row the venue pushed, by (symbol, side): the latest wins
        self.positions: dict[PositionKey, Position] = {}
        self.skipped_rows = 0  # rows of instruments the client does not list

    # -- life --------------------------------------------------------------------------
    async def start(self) -> None:
        """Log in and subscribe; returns once every channel is confirmed. Raises what
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
                await self.client.instruments()  # pushes name instIds
                await self.client.sync_clock()  # the login's expiry is venue time
                endpoint = PrivateEndpoint(
                    f"{self.client.key}.user",
                    self.ws_base + path,
                    api_key=self.client.api_key,
                    secret=self.client._secret,
                    passphrase=self.client._passphrase,
                    now_ms=self.client.clock.now_ms,
                    topics=list(topics),
                    on_login=lambda: readiness.set_up(USER),
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
        required = ("orders", "balance") if self.spot else ("orders", "balance", "positions")
        missing = [kind for kind in required if kind not in paths]
        if "user" not in paths or missing:
            raise NotSupported(
                f"private streams on {self.client.key} need wss_paths user and {missing}"
            )
        topics: dict[str, str] = {}
        for kind in required:
            channel = paths[kind].partition(" ")[2]
            if kind in BY_INST_TYPE:
                channel = f"{channel}:{self.client.inst_type}"
            topics[channel] = kind
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
        head = sp.sm.head_of(frame)
        if head.event is not None or head.arg is None:
            return  # channel-conn-count and other notices: not account events
        events = sp.parse_private(
            frame, self.client.contract_of, self.client.config.order_status_map, local_ts
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
