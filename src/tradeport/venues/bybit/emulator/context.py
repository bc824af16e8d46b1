"""What the Bybit skin's REST and stream handlers are given: the shared emulator context
with Bybit's two categories (`spot`, `linear`), their symbols, fees and rate-limit
options."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from tradeport.emulator.engine import Engine
from tradeport.emulator.host.context import EmulatorContext
from tradeport.emulator.symbols import SymbolSpec

# Fees of a non-VIP account: spot 0.1 % / 0.1 %, derivatives 0.02 % maker / 0.055 % taker.
SPOT_FEES = (Decimal("0.001"), Decimal("0.001"))
LINEAR_FEES = (Decimal("0.0002"), Decimal("0.00055"))


@dataclass(frozen=True, kw_only=True)
class BybitContext(EmulatorContext):
    """`weight_limit` / `weight_interval` / `ip_ban_ms`: the per-IP budget; `order_limit`
    / `uid_window_ms`: the per-UID order entry (see `BybitEmulator`)."""

    market_field: ClassVar[str] = "category"

    spot_symbols: Sequence[SymbolSpec]
    linear_symbols: Sequence[SymbolSpec]
    weight_limit: int | None = None
    weight_interval: tuple[int, str] = (5, "SECOND")
    order_limit: int | None = None
    ip_ban_ms: int | None = None
    uid_window_ms: int = 1000

    @property
    def spot(self) -> Engine:
        return self.engines["spot"]

    @property
    def linear(self) -> Engine:
        return self.engines["linear"]

    def open_interest(self, symbol: str) -> Decimal:
        """Open interest of a linear symbol: the long size held across every account
        (the market maker's included), which equals the short size."""
        return self.linear.open_interest(symbol)
