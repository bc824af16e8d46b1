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
from typing import TYPE_CHECKING

from tradeport.model import AssetType, Balance, Fill, Order, Position
from tradeport.model.errors import TradeportError
from tradeport.transport.ws import WsStream
from tradeport.transport.ws_endpoint import WsStats
from tradeport.venues.binance import stream_parse as sp
from tradeport.venues.binance.ws_endpoints import FuturesUserEndpoint, SpotUserEndpoint
from tradeport.venues.reconcile import BALANCE, FILLS, ORDERS, POSITIONS, OutageReconciler

if TYPE_CHECKING:
    from tradeport.venues.binance.client import BinanceClient

log = logging.getLogger("tradeport.venues.binance")


class UserStream(OutageReconciler):
    client: BinanceClient

    def __init__(self, client: BinanceClient, ws_base: str, *, keepalive: float = 1800.0):
        super().__init__(client, log)
        self.ws_base = ws_base.rstrip("/")
        self.keepalive = keepalive
        self.spot = client.asset_type is AssetType.SPOT
        self._socket: WsStream | None = None
        self._start_lock = asyncio.Lock()
        self._listen_key: str | None = None
        self._keepalive_task: asyncio.Task[None] | None = None

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
            await self.client.instruments()  # events name venue symbols
            await self.client.sync_clock()
            socket = WsStream(endpoint, self._on_frame, on_reconnect=self._on_reconnect)
            self._socket = socket
            try:
                await socket.start()
                if not self.spot:
                    self._keepalive_task = asyncio.create_task(self._keep_alive())
                # the baseline: open orders as they are now, known but not published
                await self._baseline()
            except BaseException:
                await self.close()  # a half-started stream must not linger
                raise

    def stats(self) -> dict[str, WsStats]:
        return {} if self._socket is None else {f"{self.client.key}.user": self._socket.stats}

    async def close(self) -> None:
        tasks = [t for t in (self._keepalive_task, self._reconcile_task) if t is not None]
        self._keepalive_task = self._reconcile_task = None
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
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
        if isinstance(event, Order | Fill | Position):
            self.symbols.add(event.symbol)
        if isinstance(event, Order | Fill | Balance | Position):
            self._complete_ms = max(self._complete_ms, _venue_ts(event))
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

    # -- reconciliation ----------------------------------------------------------------
    async def _baseline(self) -> None:
        self._complete_ms = self.client.clock.now_ms()
        for order in await self.client.get_open_orders():
            self._changed(order)
            self.symbols.add(order.symbol)
        if self.client.asset_type is not AssetType.SPOT:
            self.symbols.update(p.symbol for p in await self.client.get_position())


def _venue_ts(event: Order | Fill | Balance | Position) -> int:
    return event.updated_ts if isinstance(event, Order) else event.ts
