"""Quantization to an instrument's tick and step, and the venue's order filters.

This is the one place prices and quantities are rounded (DESIGN.md principle 2), so that
the client, the router and the emulators agree on what a valid order is. The rules
follow the venues' filters: Binance PRICE_FILTER / LOT_SIZE / NOTIONAL (spot §1.8,
futures MIN_NOTIONAL `notional` §2.8), where a zero bound disables that rule.
"""

from __future__ import annotations

from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    localcontext,
)

from tradeport.model.enums import Side
from tradeport.model.errors import (
    BadParameter,
    InvalidPrice,
    InvalidQuantity,
    MinNotional,
)
from tradeport.model.market import Instrument

# Wide enough that dividing a price or size by its step never rounds.
_EXACT = Context(prec=60)


def quantize(value: Decimal, step: Decimal, rounding: str = ROUND_DOWN) -> Decimal:
    """`value` rounded to a multiple of `step` with the `decimal` rounding mode given.

    The result is written with the step's own decimal places, trailing zeros of the
    step dropped (step 0.00001000 gives 0.12345, step 10 gives 120). A zero step means
    the venue sets no rule: the value is returned unchanged.
    """
    if not value.is_finite():
        raise BadParameter(f"cannot quantize {value}")
    if not step.is_finite() or step < 0:
        raise BadParameter(f"step must be zero or positive, got {step}")
    if step == 0:
        return value
    with localcontext(_EXACT):
        units = (value / step).to_integral_value(rounding=rounding)
        exponent = step.normalize().as_tuple().exponent
        assert isinstance(exponent, int)  # a finite step has a numeric exponent
        return (units * step).quantize(Decimal(1).scaleb(min(exponent, 0)))


def quantize_price(instrument: Instrument, price: Decimal, side: Side | None = None) -> Decimal:
    """To the tick: to nearest (half to even) by default; with a side, never to a worse
    price than asked (a buy rounds down, a sell rounds up)."""
    if side is None:
        rounding = ROUND_HALF_EVEN
    else:
        rounding = ROUND_FLOOR if side is Side.BUY else ROUND_CEILING
    return quantize(price, instrument.tick_size, rounding)


def quantize_qty(instrument: Instrument, qty: Decimal) -> Decimal:
    """Down to the step: never more than asked for."""
    return quantize(qty, instrument.step_size, ROUND_DOWN)


def _text(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _is_multiple(value: Decimal, step: Decimal) -> bool:
    with localcontext(_EXACT):
        return step == 0 or value % step == 0


def check_order(
    instrument: Instrument,
    qty: Decimal,
    price: Decimal | None,
    *,
    reduce_only: bool = False,
    reference_price: Decimal | None = None,
) -> None:
    """Raise the error a venue would for an order that breaks the instrument's filters.

    `price` is None for a market order; its notional is then checked against
    `reference_price` (skipped when None). Reduce-only orders are exempt from the
    minimum notional (Binance futures -4164: "unless you choose reduce only").
    """
    _check_qty(instrument, qty)
    if price is not None:
        _check_price(instrument, price)
    mark = price if price is not None else reference_price
    if reduce_only or mark is None or instrument.min_notional <= 0:
        return
    notional = mark * qty * instrument.contract_size
    if notional < instrument.min_notional:
        raise MinNotional(
            f"{instrument.symbol}: notional {_text(notional)} (price × qty × contract size)"
            f" is below min notional {_text(instrument.min_notional)}"
        )


def _check_qty(instrument: Instrument, qty: Decimal) -> None:
    sym = instrument.symbol
    if not qty.is_finite() or qty <= 0:
        raise InvalidQuantity(f"{sym}: qty {qty} must be a positive number")
    if not _is_multiple(qty, instrument.step_size):
        raise InvalidQuantity(
            f"{sym}: qty {_text(qty)} is not a multiple of step size {_text(instrument.step_size)}"
        )
    if qty < instrument.min_qty:
        raise InvalidQuantity(
            f"{sym}: qty {_text(qty)} is below min qty {_text(instrument.min_qty)}"
        )
    if instrument.max_qty and qty > instrument.max_qty:
        raise InvalidQuantity(
            f"{sym}: qty {_text(qty)} is above max qty {_text(instrument.max_qty)}"
        )


def _check_price(instrument: Instrument, price: Decimal) -> None:
    sym = instrument.symbol
    if not price.is_finite() or price <= 0:
        raise InvalidPrice(f"{sym}: price {price} must be a positive number")
    if not _is_multiple(price, instrument.tick_size):
        raise InvalidPrice(
            f"{sym}: price {_text(price)} is not a multiple of tick size"
            f" {_text(instrument.tick_size)}"
        )
    if instrument.min_price and price < instrument.min_price:
        raise InvalidPrice(
            f"{sym}: price {_text(price)} is below min price {_text(instrument.min_price)}"
        )
    if instrument.max_price and price > instrument.max_price:
        raise InvalidPrice(
            f"{sym}: price {_text(price)} is above max price {_text(instrument.max_price)}"
        )
