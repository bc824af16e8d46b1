"""How far from the market a limit order's price may be (price bands / price limits).

Every venue refuses (or moves) a limit price too far from a reference price: Binance
USDⓈ-M's PERCENT_PRICE (buy above mark × multiplierUp, sell below mark × multiplierDown),
Binance spot's PERCENT_PRICE_BY_SIDE (both bounds on both sides), Bybit's and OKX's
maximum buy / minimum sell price. A skin describes its venue's rule with a `PriceBand`
and the engine applies it where it accepts or amends an order; the skin words the
refusal. A band may also refuse market orders whose first fill would be outside it.
The reference is the engine's mark price (mid of the book): the emulators have
no separate index, and the venues' references (mark, index, weighted average) all sit
at the mid of a calm book.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import msgspec

from tradeport.emulator.orders import BUY


class PriceLimits(msgspec.Struct, frozen=True):
    """The prices allowed now on one side: `low` <= price <= `high` (None: no bound)."""

    low: Decimal | None
    high: Decimal | None

    def breach(self, price: Decimal) -> Decimal | None:
        """The bound `price` breaks, or None when it is inside."""
        if self.high is not None and price > self.high:
            return self.high
        if self.low is not None and price < self.low:
            return self.low
        return None


class PriceBand(msgspec.Struct, frozen=True):
    """Multipliers of the reference price bounding each side's limit price (None: that
    bound does not apply). `clamp`: a price beyond the band is moved to its edge and
    the order goes ahead (Bybit futures' default) instead of being refused. `market`: a
    market order is refused when the first price it would take (the opposite side's
    best) lies outside its side's band (Binance USDⓈ-M -4131); otherwise the band binds
    limit prices only."""

    buy_up: Decimal | None = None
    buy_down: Decimal | None = None
    sell_up: Decimal | None = None
    sell_down: Decimal | None = None
    clamp: bool = False
    market: bool = False

    def __post_init__(self) -> None:
        for name in ("buy_up", "buy_down", "sell_up", "sell_down"):
            value = getattr(self, name)
            if value is not None and (not value.is_finite() or value <= 0):
                raise ValueError(f"price band {name} must be a positive number, not {value}")

    def limits(self, side: str, reference: Decimal, tick: Decimal) -> PriceLimits:
        """The allowed prices of `side` around `reference`, on the tick grid: an upper
        bound rounds down and a lower bound up, so each bound is itself allowed."""
        up, down = (self.buy_up, self.buy_down) if side == BUY else (self.sell_up, self.sell_down)
        return PriceLimits(
            low=None if down is None else _on_tick(reference * down, tick, ROUND_CEILING),
            high=None if up is None else _on_tick(reference * up, tick, ROUND_FLOOR),
        )


def _on_tick(price: Decimal, tick: Decimal, rounding: str) -> Decimal:
    if tick <= 0:
        return price
    return (price / tick).to_integral_value(rounding=rounding) * tick
