"""An order's quantity and price against the symbol's instruments-info filters, with the
code Bybit answers for each failure (PROTOCOLS.md §4.7, §4.8).

Spot: `basePrecision` step (170137), `minOrderQty` (170136), `maxOrderQty` (170135),
`tickSize` (170134), `minOrderAmt` (170140). Linear: `qtyStep`, `minOrderQty`,
`maxOrderQty` (10001), `tickSize` (10001), `minPrice`..`maxPrice` (110003),
`minNotionalValue` (110094).
"""

from __future__ import annotations

from decimal import Decimal

from tradeport.emulator.decimal_text import plain
from tradeport.emulator.symbols import SymbolSpec, on_step
from tradeport.venues.bybit.emulator.errors import BybitApiError


def check_spot_qty(spec: SymbolSpec, qty: Decimal, *, limit: bool) -> None:
    """A base-coin quantity (limit orders, and market orders in baseCoin units)."""
    if not on_step(qty, spec.step_size):
        raise BybitApiError(170137, "Order quantity has too many decimals.")
    if qty < spec.min_qty:
        raise BybitApiError(170136, "Order quantity is lower than the minimum.")
    top = spec.max_qty if limit else spec.market_max_qty
    if qty > top:
        raise BybitApiError(170135, "Order quantity exceeded upper limit.")


def check_spot_amount(spec: SymbolSpec, amount: Decimal) -> None:
    """A quote-coin amount: market orders in quoteCoin units, or a limit order's value."""
    if amount < spec.min_notional:
        raise BybitApiError(170140, "Order value exceeded lower limit.")


def check_spot_price(spec: SymbolSpec, price: Decimal, side: str) -> None:
    if not on_step(price, spec.tick_size):
        raise BybitApiError(170134, "Order price has too many decimals.")
    if side == "BUY" and price > spec.max_price:
        raise BybitApiError(
            170193, f"Buy order price cannot be higher than {plain(spec.max_price)}."
        )
    if side == "SELL" and price < spec.min_price:
        raise BybitApiError(
            170194, f"Sell order price cannot be lower than {plain(spec.min_price)}."
        )


def check_linear_qty(spec: SymbolSpec, qty: Decimal, *, limit: bool) -> None:
    if not on_step(qty, spec.step_size):
        raise BybitApiError(
            10001, f"params error: qty must be a multiple of {plain(spec.step_size)}"
        )
    if qty < spec.min_qty:
        raise BybitApiError(10001, "The number of contracts exceeds minimum limit allowed")
    top = spec.max_qty if limit else spec.market_max_qty
    if qty > top:
        raise BybitApiError(10001, "The number of contracts exceeds maximum limit allowed")


def check_linear_price(spec: SymbolSpec, price: Decimal) -> None:
    if not on_step(price, spec.tick_size):
        raise BybitApiError(
            10001, f"params error: price must be a multiple of {plain(spec.tick_size)}"
        )
    if not spec.min_price <= price <= spec.max_price:
        raise BybitApiError(110003, "Order price is out of permissible range")


def check_linear_notional(spec: SymbolSpec, notional: Decimal) -> None:
    if notional < spec.min_notional:
        raise BybitApiError(
            110094,
            f"Order does not meet minimum order value {plain(spec.min_notional)}{spec.quote}",
        )
