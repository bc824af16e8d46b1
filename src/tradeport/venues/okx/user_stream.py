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
positions cache. Sizes are base units (contracts converted by parse.py). The session,
its readiness and the reconciliation after an outage are the kit's
(kit/private_session.py).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import ClassVar, Protocol

from tradeport.venues.kit.private_session import GatingContext, GatingSession
from tradeport.venues.okx import stream_parse as sp
from tradeport.venues.okx.contracts import Contract
from tradeport.venues.okx.ws_endpoints import PrivateEndpoint

# channels subscribed per instrument type; `account` takes no instType
BY_INST_TYPE = frozenset({"orders", "positions"})


class OkxPrivateContext(GatingContext, Protocol):
    @property
    def inst_type(self) -> str: ...

    def contract_of(self, inst_id: str) -> Contract | None: ...


class UserStream(GatingSession):
    log = logging.getLogger("tradeport.venues.okx")
    client: OkxPrivateContext
    # fills come with the orders channel
    components: ClassVar[Mapping[str, str]] = {
        "orders": "orders",
        "balance": "account",
        "positions": "positions",
    }
    endpoint_type = PrivateEndpoint
    skipped_rows = 0  # rows of instruments the client does not list

    def _topic(self, kind: str, name: str) -> str:
        return f"{name}:{self.client.inst_type}" if kind in BY_INST_TYPE else name

    def _on_frame(self, frame: str | bytes, local_ts: int) -> None:
        head = sp.sm.head_of(frame)
        if head.event is not None or head.arg is None:
            return  # channel-conn-count and other notices: not account events
        events = sp.parse_private(
            frame, self.client.contract_of, self.client.config.order_status_map, local_ts
        )
        self.skipped_rows += events.skipped
        self.publish_events(events.orders, events.fills, events.positions, events.balances)
