"""Binance private streams: orders, fills, balances and positions as they happen.

Spot subscribes over the WS API with a signed request; USDⓈ-M connects with a listen
key, keeps it alive with a PUT every `keepalive` seconds and, on `listenKeyExpired`,
takes a new key and reconnects (PROTOCOLS.md §1.4, §2.3–2.4). Whatever happened while
the connection was down is reconciled over REST after every reconnect (DESIGN.md
principle 5): open orders and the fate of orders that disappeared are fetched and
published if they differ from what was last published, and fills are fetched per
symbol and published unless their trade id was already seen.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import TYPE_CHECKING

from tradeport.model import AssetType, Balance, Fill, Order, Position
from tradeport.model.errors import OrderNotFound, TradeportError
from tradeport.streams.watch import Channel
from tradeport.transport.ws import WsStream
from tradeport.transport.ws_endpoint import WsStats
from tradeport.venues.binance import stream_parse as sp
from tradeport.venues.binance.ws_endpoints import FuturesUserEndpoint, SpotUserEndpoint

if TYPE_CHECKING:
    from tradeport.venues.binance.client import BinanceClient

log = logging.getLogger("tradeport.venues.binance")

ORDERS, FILLS, BALANCE, POSITIONS = (
    Channel("orders"),
    Channel("fills"),
    Channel("balance"),
    Channel("positions"),
)
_SEEN_TRADES = 100_000  # fill ids remembered for de-duplication


class UserStream:
    def __init__(self, client: BinanceClient, ws_base: str, *, keepalive: float = 1800.0):
        self.client = client
        self.ws_base = ws_base.rstrip("/")
        self.keepalive = keepalive
        self.spot = client.asset_type is AssetType.SPOT
        self._socket: WsStream | None = None
        self._start_lock = asyncio.Lock()
        self._listen_key: str | None = None
        self._keepalive_task: asyncio.Task[None] | None = None
        self._reconcile_task: asyncio.Task[None] | None = None
        # what was last published per order id: (status, filled qty)
        self._orders: dict[str, Order] = {}
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._since_ms = 0  # fills before the stream started are history, not events
        self.reconciled = 0  # completed reconciliations (observable by tests)
        self.reconcile_failures = 0

    @property
    def running(self) -> bool:
        return self._socket is not None

    async def start(self) -> None:
        async with self._start_lock:
            if self._socket is not None:
                return
            path = self.client.config.wss_paths.get("user", "")
            if self.spot:
                endpoint: SpotUserEndpoint | FuturesUserEndpoint = SpotUserEndpoint(
                    f"{self.client.key}.user",
                    self.ws_base + path,
                    self.client.api_key,
                    self.client._secret,
                    self.client.clock.now_ms,
                    self.client.liveness,
                )
            else:
                endpoint = FuturesUserEndpoint(
                    f"{self.client.key}.user",
                    self.ws_base + path,
                    self._new_listen_key,
                    self.client.liveness,
                )
            socket = WsStream(endpoint, self._on_frame, on_reconnect=self._on_reconnect)
            await self.client.instruments()  # events name venue symbols
            await self.client.sync_clock()
            await socket.start()
            self._socket = socket
            if not self.spot:
                self._keepalive_task = asyncio.create_task(self._keep_alive())
            # the baseline: open orders as they are now, known but not published
            self._since_ms = self.client.clock.now_ms()
            await self.reconcile(publish=False)

    def stats(self) -> dict[str, WsStats]:
        return {} if self._socket is None else {f"{self.client.key}.user": self._socket.stats}

    async def close(self) -> None:
        for task in (self._keepalive_task, self._reconcile_task):
            if task is not None:
                task.cancel()
        socket, self._socket = self._socket, None
        if socket is not None:
            await socket.close()
        if self._listen_key is not None and not self.spot:
            key, self._listen_key = self._listen_key, None
            try:
                await self.client._keyed("delete_listen_key", {"listenKey": key})
            except TradeportError as exc:  # the key expires by itself within the hour
                log.info("%s: listen key not deleted: %s", self.client.key, exc)

    # -- listen key (USDⓈ-M) -----------------------------------------------------------
    async def _new_listen_key(self) -> str:
        body = await self.client._keyed("create_listen_key")
        self._listen_key = sp.decode_listen_key(body)
        return self._listen_key

    async def _keep_alive(self) -> None:
        while True:
            await asyncio.sleep(self.keepalive)
            try:
                await self.client._keyed("keepalive_listen_key")
            except TradeportError as exc:
                # an expired key is announced on the socket (listenKeyExpired) and the
                # reconnect fetches a new one; nothing else to do here
                log.warning("%s: listen key keep-alive failed: %s", self.client.key, exc)

    # -- events ------------------------------------------------------------------------
    def _on_frame(self, frame: str | bytes, local_ts: int) -> None:
        # control events (listenKeyExpired, serverShutdown) are the connection's business
        # (ws_endpoints classifies them); spot balanceUpdate deltas are followed by an
        # outboundAccountPosition with the absolute balances, which is what is published
        events = sp.parse_user_frame(
            frame, self.client.from_venue_symbol, local_ts, self.client.config.order_status_map
        )
        for event in events:
            self._publish(event)

    def _publish(self, event: object) -> None:
        publish = self.client.streams.publish
        if isinstance(event, Order):
            if self._changed(event):
                publish(ORDERS, event)
        elif isinstance(event, Fill):
            if self._first_sight(event):
                publish(FILLS, event)
        elif isinstance(event, Balance):
            publish(BALANCE, event)
        elif isinstance(event, Position):
            publish(POSITIONS, event)

    def _changed(self, order: Order) -> bool:
        key = order.order_id or order.client_order_id or ""
        last = self._orders.get(key)
        if last is not None and (last.status, last.filled_qty) == (order.status, order.filled_qty):
            return False
        if order.status.is_open:
            self._orders[key] = order
        else:
            self._orders.pop(key, None)
            self._closed_recently(key, order)
        return True

    def _closed_recently(self, key: str, order: Order) -> None:
        # a closed order stays known briefly so a late duplicate is not republished
        self._seen[("order", f"{key}:{order.status}:{order.filled_qty}")] = None
        self._trim()

    def _first_sight(self, fill: Fill) -> bool:
        key = (fill.symbol, fill.trade_id)
        if key in self._seen:
            return False
        self._seen[key] = None
        self._trim()
        return True

    def _trim(self) -> None:
        while len(self._seen) > _SEEN_TRADES:
            self._seen.popitem(last=False)

    # -- reconciliation ----------------------------------------------------------------
    def _on_reconnect(self, topics: list[str]) -> None:
        if self._reconcile_task is None or self._reconcile_task.done():
            self._reconcile_task = asyncio.create_task(self._reconcile_logged())

    async def _reconcile_logged(self) -> None:
        try:
            await self.reconcile()
        except TradeportError as exc:
            self.reconcile_failures += 1
            log.error("%s: reconciliation after a reconnect failed: %s", self.client.key, exc)

    async def reconcile(self, *, publish: bool = True) -> None:
        """Publish what REST says differs from what was last published: open orders,
        the final state of orders no longer open, and fills not seen yet."""
        open_now = await self.client.get_open_orders()
        listed = {o.order_id for o in open_now}
        touched: set[str] = set()
        for order in open_now:
            if self._changed(order) and publish:
                self.client.streams.publish(ORDERS, order)
                touched.add(order.symbol)
        for key, known in list(self._orders.items()):
            if known.order_id in listed:
                continue
            try:
                final = await self.client.query_order(known.symbol, order_id=known.order_id)
            except OrderNotFound:
                self._orders.pop(key, None)
                continue
            if self._changed(final):
                self.client.streams.publish(ORDERS, final)
                touched.add(final.symbol)
        for symbol in sorted(touched):
            for fill in await self.client.get_deals(symbol, limit=100):
                if fill.ts >= self._since_ms and self._first_sight(fill):
                    self.client.streams.publish(FILLS, fill)
        self.reconciled += 1
