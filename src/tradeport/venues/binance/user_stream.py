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

import logging
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from tradeport.model import Balance, Fill, Order, Position
from tradeport.model.errors import TradeportError
from tradeport.venues.binance import stream_parse as sp
from tradeport.venues.binance.ws_endpoints import FuturesUserEndpoint, SpotUserEndpoint
from tradeport.venues.kit.listen_key import listen_key_keeper
from tradeport.venues.kit.private_endpoint import Credentials
from tradeport.venues.kit.private_session import PrivateContext, PrivateSession

log = logging.getLogger("tradeport.venues.binance")


class BinancePrivateContext(PrivateContext, Protocol):
    def from_venue_symbol(self, venue_symbol: str) -> str: ...

    async def _keyed(self, name: str, params: Mapping[str, Any] | None = None) -> bytes:
        """An API-key request (the listen-key calls)."""
        ...


class UserStream(PrivateSession):
    log = log
    client: BinancePrivateContext
    # the user-data stream carries no topics to confirm, and what it pushes of
    # balances and positions is not reconciled after an outage; an order's update is
    # its status or fill (Binance orders are not amended)
    reconciles_account = False
    amendable = False

    def __init__(
        self,
        client: BinancePrivateContext,
        ws_base: str,
        credentials: Credentials,
        *,
        keepalive: float = 1800.0,
    ) -> None:
        super().__init__(client, ws_base, credentials)
        self._listen_key: str | None = None
        self._keeper = listen_key_keeper(
            lambda: client._keyed("keepalive_listen_key"), keepalive, venue=client.key, log=log
        )

    def _endpoint(self, url: str, topics: Sequence[str]) -> SpotUserEndpoint | FuturesUserEndpoint:
        name = f"{self.client.key}.user"
        if self.spot:
            return SpotUserEndpoint(
                name,
                url,
                self.credentials,
                self.client.clock.now_ms,
                self.client.liveness,
            )
        return FuturesUserEndpoint(name, url, self._new_listen_key, self.client.liveness)

    async def _started(self) -> None:
        if not self.spot:
            self._keeper.start()

    async def close(self) -> None:
        await self._keeper.stop()
        await super().close()
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

    # -- events ------------------------------------------------------------------------
    def _on_frame(self, frame: str | bytes, local_ts: int) -> None:
        # control events (listenKeyExpired, serverShutdown) are the connection's business
        # (ws_endpoints classifies them); spot balanceUpdate deltas are followed by an
        # outboundAccountPosition with the absolute balances, which is what is published
        events = sp.parse_user_frame(
            frame, self.client.from_venue_symbol, local_ts, self.client.config.order_status_map
        )
        for event in events:
            if isinstance(event, Order | Fill | Balance | Position):
                self.publish_event(event)
