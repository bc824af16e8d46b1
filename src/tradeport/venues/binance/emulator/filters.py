"""Symbol filters applied to new orders, with each market's own error codes.

The engine does not know tick, step or notional rules; Binance checks them before the
order reaches matching. Spot answers every filter failure with -1013 "Filter failure:
<FILTER>" (PROTOCOLS.md §1.7, §1.8); a price is on its grid when
(price - minPrice) % tickSize == 0; USDⓈ-M has one code per rule (§2.7).
"""

from __future__ import annotations

from decimal import Decimal

from tradeport.emulator import decimal_text
from tradeport.emulator.symbols import SymbolSpec, on_step
from tradeport.venues.binance.emulator.errors import (
    BinanceApiError,
    bad_precision,
    filter_failure,
)

SPOT_MAX_DECIMALS = 8  # baseAssetPrecision / quotePrecision of every listed symbol


def check_spot_order(
    spec: SymbolSpec,
    *,
    is_market: bool,
    price: Decimal | None,
    qty: Decimal | None,
    quote_qty: Decimal | None,
    reference_price: Decimal,
    open_orders: int,
) -> None:
    """Raise the -1111 / -1013 answer for the first rule the order breaks.

    `reference_price` is the average price market-order notionals are measured against
    (NOTIONAL.avgPriceMins); `open_orders` counts the account's open orders on the symbol.
    """
    for value in (price, qty, quote_qty):
        if value is not None and decimal_text.significant_decimals(value) > SPOT_MAX_DECIMALS:
            raise bad_precision()
    if price is not None and (
        price < spec.min_price
        or price > spec.max_price
        or not on_step(price, spec.tick_size, spec.min_price)
    ):
        raise filter_failure("PRICE_FILTER")
    if qty is not None:
        if (
            qty < spec.min_qty
            or qty > spec.max_qty
            or not on_step(qty, spec.step_size, spec.min_qty)
        ):
            raise filter_failure("LOT_SIZE")
        if is_market and qty > spec.market_max_qty:
            raise filter_failure("MARKET_LOT_SIZE")
    if is_market:
        notional = quote_qty if quote_qty is not None else (qty or Decimal(0)) * reference_price
    else:
        notional = (price or Decimal(0)) * (qty or Decimal(0))
    if notional < spec.min_notional:
        raise filter_failure("NOTIONAL")
    if not is_market and open_orders + 1 > spec.max_num_orders:
        raise filter_failure("MAX_NUM_ORDERS")


def _notional_text(value: Decimal) -> str:
    # the venue prints the threshold as a float: "no smaller than 5.0" (§2.7)
    text = decimal_text.plain(value)
    return text if "." in text else f"{text}.0"


def check_futures_order(
    spec: SymbolSpec,
    *,
    is_market: bool,
    price: Decimal | None,
    qty: Decimal,
    reduce_only: bool,
    mark_price: Decimal,
    open_orders: int,
) -> None:
    """Raise the USDⓈ-M answer (-1111, -4013/-4002/-4014, -4003/-4004/-4005/-4023,
    -4164, -2025) for the first rule the order breaks."""
    if decimal_text.significant_decimals(qty) > spec.quantity_precision:
        raise bad_precision()
    if price is not None:
        if decimal_text.significant_decimals(price) > spec.price_precision:
            raise bad_precision()
        if price < spec.min_price:
            raise BinanceApiError(-4013, "Price less than min price.")
        if price > spec.max_price:
            raise BinanceApiError(-4002, "Price greater than max price.")
        if not on_step(price, spec.tick_size, spec.min_price):
            raise BinanceApiError(-4014, "Price not increased by tick size.")
    if qty <= 0:
        raise BinanceApiError(-4003, "Quantity less than or equal to zero.")
    if qty < spec.min_qty:
        raise BinanceApiError(-4004, "Quantity less than min quantity.")
    if qty > (spec.market_max_qty if is_market else spec.max_qty):
        raise BinanceApiError(-4005, "Quantity greater than max quantity.")
    if not on_step(qty, spec.step_size, spec.min_qty):
        raise BinanceApiError(-4023, "Quantity not increased by step size.")
    # reduce-only orders are exempt from the minimum notional (§2.7 -4164 text)
    notional = qty * (mark_price if is_market or price is None else price)
    if not reduce_only and notional < spec.min_notional:
        raise BinanceApiError(
            -4164,
            f"Order's notional must be no smaller than {_notional_text(spec.min_notional)} "
            "(unless you choose reduce only).",
        )
    if not is_market and open_orders + 1 > spec.max_num_orders:
        raise BinanceApiError(-2025, "Reach max open order limit.")
