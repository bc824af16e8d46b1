"""Base units ↔ OKX contracts (PROTOCOLS.md §3.8).

A swap's sizes are counted in contracts: one contract is `ctVal × ctMult` of the base
currency (BTC-USDT-SWAP: 0.01 BTC). tradeport counts every quantity in base units, so
each size crossing the edge is converted here and nowhere else: Decimal for orders,
fills and positions, floats for streamed market data. Spot sizes are base units
already (multiplier 1).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation, localcontext

import msgspec

from tradeport.model import AssetType, Instrument
from tradeport.model.errors import InvalidQuantity, MalformedMessage

_ONE = Decimal(1)

Sizes = Callable[[str], float]  # a venue size as text → base units


def _text(value: Decimal) -> str:
    return format(value.normalize(), "f")


class Contract(msgspec.Struct, frozen=True, kw_only=True):
    """An instrument with the contract facts its sizes need. `instrument` is in base
    units (its step and minimum quantity are `lot × multiplier`, `min size ×
    multiplier`); `lot` and `min_size` are OKX's own `lotSz` / `minSz`."""

    instrument: Instrument
    ct_val: Decimal = _ONE
    ct_mult: Decimal = _ONE
    lot: Decimal
    min_size: Decimal

    @property
    def symbol(self) -> str:
        return self.instrument.symbol

    @property
    def venue_symbol(self) -> str:
        return self.instrument.venue_symbol

    @property
    def is_swap(self) -> bool:
        return self.instrument.asset_type is AssetType.SWAP

    @property
    def multiplier(self) -> Decimal:
        """Base units per venue size unit: ctVal × ctMult for a swap, 1 for spot."""
        return self.ct_val * self.ct_mult

    @property
    def float_multiplier(self) -> float:
        return float(self.multiplier)

    def to_base(self, size: Decimal) -> Decimal:
        """A venue size (contracts for a swap) in base units, exactly."""
        if self.multiplier == _ONE:
            return size
        with localcontext() as ctx:
            ctx.prec = 60
            return (size * self.multiplier).normalize()

    def size_float(self, size: str) -> float:
        """A market-data size (text as received) in base units, the float nearest the
        exact base quantity."""
        return sizes(self.multiplier)(size)

    def to_venue_size(self, qty: Decimal) -> Decimal:
        """A base quantity as the venue's `sz`: a whole number of lots of contracts for a
        swap. A quantity that is not is refused here, before anything is sent."""
        if self.multiplier == _ONE:
            return qty
        with localcontext() as ctx:
            ctx.prec = 60
            contracts = qty / self.multiplier
            lots = contracts / self.lot if self.lot else contracts
        if lots != lots.to_integral_value():
            raise InvalidQuantity(
                f"{self.symbol}: quantity {_text(qty)} {self.instrument.base} is not a whole"
                f" number of lots (step {_text(self.lot * self.multiplier)}"
                f" {self.instrument.base}: lot {_text(self.lot)} contract(s) of"
                f" {_text(self.multiplier)} {self.instrument.base}, contract value"
                f" ctVal {_text(self.ct_val)} × ctMult {_text(self.ct_mult)})"
            )
        return contracts.normalize()


class TenPower:
    """Sizes of a unit that is a power of ten of the base coin (ctVal 0.01, 0.1, 1000…):
    "41.1" is read as "41.1e-2", the float nearest the exact base quantity 0.411."""

    __slots__ = ("suffix",)

    def __init__(self, exponent: int) -> None:
        self.suffix = f"e{exponent}"

    def __call__(self, text: str) -> float:
        try:
            return float(text + self.suffix)
        except ValueError:
            raise MalformedMessage(f"size {text!r} is not a number") from None


def sizes(multiplier: Decimal) -> Sizes:
    """The converter of an instrument whose size unit is `multiplier` base units (1 for
    spot, ctVal × ctMult for a swap)."""
    if multiplier == 1:
        return float
    sign, digits, exponent = multiplier.normalize().as_tuple()
    if digits == (1,) and not sign and isinstance(exponent, int):
        return TenPower(exponent)

    def contracts(text: str) -> float:
        try:
            return float(Decimal(text) * multiplier)
        except InvalidOperation:
            raise MalformedMessage(f"size {text!r} is not a number") from None

    return contracts
