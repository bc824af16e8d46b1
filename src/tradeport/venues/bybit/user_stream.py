"""Bybit private streams: orders, fills, balances and positions as they happen.

One `/v5/private` session (§4.2, §4.4): `auth` with a signature over "GET/realtime" +
expires, then the account topics venue.yaml `wss_paths` names (orders, fills, balance
and, on linear, positions), each confirmed before the connection counts as up; all of
it again on every reconnect. Readiness follows the session: "user" is up once logged
in, "orders", "executions", "wallet" and "positions" once their topic is confirmed, and
all of them go down the moment the connection is lost.

Rows of another category than the client's are ignored (the all-in-one topics carry
every category; the unified wallet is the one exception). Every order row feeds the
client's orderLinkId ↔ orderId map, every position row the positions cache. The
session, its readiness and the reconciliation after an outage are the kit's
(kit/private_session.py).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import ClassVar, Protocol

from tradeport.model.errors import UnknownSymbol
from tradeport.venues.bybit import stream_parse as sp
from tradeport.venues.bybit.ws_endpoints import PrivateEndpoint
from tradeport.venues.kit.private_session import GatingContext, GatingSession


class BybitPrivateContext(GatingContext, Protocol):
    @property
    def category(self) -> str: ...

    def from_venue_symbol(self, venue_symbol: str) -> str: ...


class UserStream(GatingSession):
    log = logging.getLogger("tradeport.venues.bybit")
    client: BybitPrivateContext
    components: ClassVar[Mapping[str, str]] = {
        "orders": "orders",
        "fills": "executions",
        "balance": "wallet",
        "positions": "positions",
    }
    endpoint_type = PrivateEndpoint
    skipped_rows = 0  # rows of another category or an unlisted instrument

    def _on_frame(self, frame: str | bytes, local_ts: int) -> None:
        events = sp.parse_private_frame(
            frame,
            self.client.category,
            self._known_symbol,
            self.client.config.order_status_map,
            local_ts,
        )
        self.skipped_rows += events.skipped
        self.publish_events(events.orders, events.fills, events.positions, events.balances)

    def _known_symbol(self, venue_symbol: str) -> str | None:
        """The standard symbol, or None for an instrument this client does not list
        (linear rows also come for dated futures and USDC contracts)."""
        try:
            return self.client.from_venue_symbol(venue_symbol)
        except UnknownSymbol:
            return None
