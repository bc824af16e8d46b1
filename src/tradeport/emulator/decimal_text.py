"""Decimal strings as Binance writes them (PROTOCOLS.md §0.2: numbers are strings).

Spot pads prices and quantities to 8 decimals ("0.01000000"); USDⓈ-M writes them at the
symbol's precision or plainly ("30000.10", "0.001").
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

_EIGHT = Decimal("0.00000001")


def spot(value: Decimal | int | None) -> str:
    """Spot style: 8 decimals. A value with more (an unrounded fee or balance) is written
    in full rather than rounded, so that sums over fills stay exact."""
    if value is None:
        value = Decimal(0)
    value = Decimal(value)
    if significant_decimals(value) > 8:
        return plain(value)
    return f"{value.quantize(_EIGHT, rounding=ROUND_HALF_EVEN):f}"


def fixed(value: Decimal | int | None, places: int) -> str:
    """`places` decimals, e.g. futures `price` at the symbol's pricePrecision."""
    if value is None:
        value = Decimal(0)
    exponent = Decimal(1).scaleb(-places)
    return f"{Decimal(value).quantize(exponent, rounding=ROUND_HALF_EVEN):f}"


def plain(value: Decimal | int | None) -> str:
    """The shortest exact form, never an exponent: "0.001", "100", "65000.1"."""
    if value is None or value == 0:
        return "0"
    return f"{Decimal(value).normalize():f}"


def decimals(value: Decimal) -> int:
    """Number of digits after the point as written ("1.50" -> 2, "100" -> 0)."""
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def significant_decimals(value: Decimal) -> int:
    """Digits after the point once trailing zeros are dropped ("1.50" -> 1)."""
    return decimals(value.normalize()) if value else 0
