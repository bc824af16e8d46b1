"""What a venue provides, in one place (docs/adding-a-venue.md walks through it).

A venue package registers its markets with `registry.register_venue`, naming one client
class and one emulator class. The client class is a `RestClient` (kit/rest_client.py)
given the venue's `RestDialect` (kit/dialect.py); with streams it is also a
`StreamClient` (kit/stream_client.py). It then implements, for every capability it
lists, the methods `REQUIRED` names — the unified methods, the order flow's hooks
(declared and documented in venues/base.py, "the order flow") and the stream sessions
(kit/stream_client.py); whatever it does not list stays the base class's
`NotSupported`. `missing_methods` checks a class against its capability set, and the
contract test runs it for every registered venue.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from tradeport.config.schema import ResolvedAssetConfig
from tradeport.model import AssetType
from tradeport.venues.base import VenueClient
from tradeport.venues.capability import Capability


class ClientClass(Protocol):
    """How the registry builds a venue's client: the resolved venue.yaml of one asset
    type, the market, the REST base URL, and the user's options (credentials,
    environment, allow_mainnet, readiness, rate-limit and transport options, and the
    venue's own). An option the venue does not know raises BadParameter."""

    def __call__(
        self,
        config: ResolvedAssetConfig,
        *,
        asset_type: AssetType,
        base_url: str,
        **options: Any,
    ) -> VenueClient: ...


# The methods a class must define itself (not inherit from VenueClient, where they raise
# NotSupported) for each capability it lists.
_ORDER_HOOKS = ("_order_params", "_send_order", "_parse_ack", "query_order")
_PUBLIC = ("_open_channel", "_new_public_streams")
_PRIVATE = ("_open_channel", "_new_user_stream")
REQUIRED: dict[Capability, tuple[str, ...]] = {
    Capability.GET_SERVER_TIME: ("get_server_time",),
    Capability.GET_EXCHANGE_INFO: ("get_exchange_info",),
    Capability.GET_TICK: ("get_tick",),
    Capability.GET_DEPTH: ("_get_depth",),
    Capability.GET_KLINE: ("_get_kline",),
    Capability.GET_TRADES: ("_get_trades",),
    Capability.MAKE_ORDER: _ORDER_HOOKS,
    Capability.CANCEL_ORDER: ("_cancel", "query_order"),
    Capability.QUERY_ORDER: ("query_order",),
    Capability.GET_OPEN_ORDERS: ("get_open_orders",),
    Capability.GET_BALANCE: ("get_balance",),
    Capability.GET_ACCOUNT: ("get_account",),
    Capability.GET_POSITION: ("get_position",),
    Capability.SET_LEVERAGE: ("_set_leverage",),
    Capability.GET_DEALS: ("_get_deals",),
    Capability.WATCH_TICKER: _PUBLIC,
    Capability.WATCH_TRADES: _PUBLIC,
    Capability.WATCH_KLINES: _PUBLIC,
    Capability.WATCH_ORDER_BOOK: _PUBLIC,
    Capability.WATCH_PARTIAL_BOOK: _PUBLIC,
    Capability.WATCH_QUOTES: _PUBLIC,
    Capability.WATCH_MARK_PRICE: _PUBLIC,
    Capability.WATCH_ORDERS: _PRIVATE,
    Capability.WATCH_FILLS: _PRIVATE,
    Capability.WATCH_BALANCE: _PRIVATE,
    Capability.WATCH_POSITIONS: _PRIVATE,
}


def missing_methods(client: type[VenueClient], capabilities: Iterable[Capability]) -> list[str]:
    """The methods `client` would still need for `capabilities`: each is missing while
    the class only inherits VenueClient's (or no) definition of it."""
    missing = set()
    for capability in capabilities:
        for name in REQUIRED.get(capability, ()):
            own = getattr(client, name, None)
            if own is None or own is getattr(VenueClient, name, None):
                missing.add(f"{name} ({capability.value})")
    return sorted(missing)
