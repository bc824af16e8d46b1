"""What the BingX skin's handlers are given: the shared emulator context with the one
market (`swap`), its symbols by wire name, fees and rate-limit options."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar

from tradeport.emulator.engine import Engine
from tradeport.emulator.host.context import EmulatorContext
from tradeport.emulator.symbols import SymbolSpec

# Fees of a standard account: 0.02 % maker, 0.05 % taker
SWAP_FEES = (Decimal("0.0002"), Decimal("0.0005"))


def wire_symbol(spec: SymbolSpec) -> str:
    """`BTC-USDT`: BingX's spelling (§5.8)."""
    return f"{spec.base}-{spec.quote}"


@dataclass(frozen=True, kw_only=True)
class BingxContext(EmulatorContext):
    """`market_limit` / `account_limit` per `window_ms`: the per-IP group budgets;
    `order_limit`: orders per account per second."""

    market_field: ClassVar[str] = "market"

    symbols: Sequence[SymbolSpec]
    market_limit: int = 500
    account_limit: int = 2000
    window_ms: int = 10_000
    order_limit: int = 10
    # (account, engine symbol) → ISOLATED; CROSSED when absent. Recorded and reported
    # only: the engine margins every position as cross [?]
    isolated: set[tuple[str, str]] = field(default_factory=set)

    @property
    def swap(self) -> Engine:
        return self.engines["swap"]

    def margin_type(self, account_id: str, engine_symbol: str) -> str:
        """ISOLATED or CROSSED, as the venue spells them."""
        return "ISOLATED" if (account_id, engine_symbol) in self.isolated else "CROSSED"

    def spec(self, symbol: str) -> SymbolSpec | None:
        """The listed symbol spelt `symbol` on the wire."""
        return next((s for s in self.symbols if wire_symbol(s) == symbol), None)
