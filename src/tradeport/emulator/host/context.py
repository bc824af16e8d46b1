"""What a venue skin's handlers are given instead of the emulator (its app).

A skin never imports its emulator class: the app builds one context (a subclass naming
the venue's own markets and options) and hands it to the skin's REST and stream parts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar, TypedDict

from tradeport.emulator.accounts import KeyRing
from tradeport.emulator.engine import Engine
from tradeport.emulator.faults import FaultPlan
from tradeport.emulator.host.clock import ServerClock
from tradeport.emulator.listing import Listings
from tradeport.emulator.stream_faults import StreamFaultPlan
from tradeport.emulator.ws import StreamConnections


class HostFields(TypedDict):
    """The context fields every emulator fills alike (`VenueEmulator.host_fields`)."""

    keys: KeyRing
    clock: ServerClock
    faults: FaultPlan
    stream_faults: StreamFaultPlan
    connections: StreamConnections
    stream_time_scale: float
    listings: Listings


@dataclass(frozen=True, kw_only=True)
class EmulatorContext:
    """Accounts and keys, the server clock, the fault plans with the live sockets they
    reach, and the matching engines by the venue's name of each market."""

    # the request field naming a market, for errors ("category", "instType")
    market_field: ClassVar[str] = "market"

    keys: KeyRing
    clock: ServerClock
    faults: FaultPlan
    stream_faults: StreamFaultPlan
    connections: StreamConnections
    engines: Mapping[str, Engine]
    stream_time_scale: float = 1.0
    listings: Listings = field(default_factory=Listings)  # what the instruments announce

    def now_ms(self) -> int:
        return self.clock.now_ms()

    def engine(self, market: str) -> Engine:
        engine = self.engines.get(market)
        if engine is None:
            names = " or ".join(repr(name) for name in self.engines)
            raise ValueError(f"{self.market_field} must be {names}, not {market!r}")
        return engine

    def fees(self, market: str) -> tuple[Decimal, Decimal]:
        """(maker, taker) fee rates of a market."""
        return self.engine(market).fees
