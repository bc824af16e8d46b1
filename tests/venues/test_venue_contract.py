"""Every registered venue's client implements what its capabilities promise
(venues/kit/venue.py): a capability is listed only with the methods behind it."""

from __future__ import annotations

import pytest

from tradeport.venues import registry
from tradeport.venues.base import VenueClient
from tradeport.venues.capability import Capability
from tradeport.venues.kit.venue import missing_methods

SPECS = registry.list_venues()


@pytest.mark.parametrize("spec", SPECS, ids=[s.key for s in SPECS])
def test_a_registered_client_defines_every_method_its_capabilities_need(
    spec: registry.VenueSpec,
) -> None:
    assert missing_methods(spec.client_class(), spec.capabilities) == []


@pytest.mark.parametrize("spec", SPECS, ids=[s.key for s in SPECS])
def test_a_venue_listing_the_emulator_has_one(spec: registry.VenueSpec) -> None:
    assert (Capability.EMULATOR in spec.capabilities) == (spec.emulator_factory is not None)


def test_a_client_missing_a_hook_is_named_with_the_capability_it_breaks() -> None:
    class Quotes(VenueClient):
        async def get_tick(self, symbol: str) -> object:  # type: ignore[override]
            raise AssertionError

    needed = {Capability.GET_TICK, Capability.MAKE_ORDER, Capability.WATCH_ORDERS}
    assert missing_methods(Quotes, needed) == [
        "_new_user_stream (watch_orders)",
        "_open_channel (watch_orders)",
        "_order_params (make_order)",
        "_parse_ack (make_order)",
        "_send_order (make_order)",
        "query_order (make_order)",
    ]
