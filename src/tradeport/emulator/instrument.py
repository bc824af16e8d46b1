"""What the engine knows about a tradable symbol: assets, sizes and where its market starts."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

import msgspec


class EngineInstrument(msgspec.Struct, frozen=True):
    symbol: str  # the venue's spelling, e.g. "BTCUSDT"
    base: str
    quote: str  # also the margin and settlement asset of a perpetual
    tick_size: Decimal
    step_size: Decimal
    min_qty: Decimal
    max_qty: Decimal
    min_notional: Decimal
    start_price: Decimal  # where the synthetic market starts
    max_leverage: int = 125  # perpetual only
    maint_margin_rate: Decimal = Decimal("0.004")

    def floor_qty(self, qty: Decimal) -> Decimal:
        """`qty` rounded down to the step size (0 when less than one step)."""
        if self.step_size <= 0:
            return qty
        return (qty / self.step_size).to_integral_value(rounding=ROUND_DOWN) * self.step_size
