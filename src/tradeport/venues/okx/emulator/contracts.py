"""Contract sizing of OKX perpetuals (PROTOCOLS.md §3.8): a SWAP order's `sz`, a
position's `pos` and a SWAP book's sizes are in contracts; one contract is `ctVal` of the
base currency (`ctMult` 1). The engines work in base units, so every size crosses here,
with exact Decimal math: base qty = sz × ctVal, sz = base qty ÷ ctVal.

ctVal follows OKX for BTC-USDT-SWAP (0.01 BTC), ETH-USDT-SWAP (0.1 ETH) and
DOGE-USDT-SWAP (1000 DOGE); the made-up SYMnnn pairs use 1. `lotSz` and `minSz` are the
shared symbol's step and minimum expressed in contracts, so the engine's step is exactly
ctVal × lotSz. Spot sizes are in the base currency already: ctVal 1.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from tradeport.emulator.symbol_set import follow
from tradeport.emulator.symbols import SymbolSpec
from tradeport.venues.okx.emulator.ids import inst_id

CT_VALUES: dict[str, Decimal] = {
    "BTC": Decimal("0.01"),
    "ETH": Decimal("0.1"),
    "DOGE": Decimal(1000),
}
DEFAULT_CT_VALUE = Decimal(1)
ONE = Decimal(1)


def _exact(value: Decimal) -> Decimal:
    """`value` without trailing zeros (0.10 -> 0.1), never in exponent form."""
    normal = value.normalize()
    return normal.quantize(ONE) if normal == normal.to_integral_value() else normal


@dataclass(frozen=True)
class ContractTerms:
    """One instrument's sizing: everything in the venue's unit (contracts for SWAP)."""

    inst_id: str
    ct_val: Decimal
    lot_sz: Decimal
    min_sz: Decimal
    max_lmt_sz: Decimal
    max_mkt_sz: Decimal

    def to_base(self, sz: Decimal) -> Decimal:
        """Venue size (contracts) -> engine quantity (base currency)."""
        return _exact(sz * self.ct_val)

    def to_venue(self, qty: Decimal) -> Decimal:
        """Engine quantity (base currency) -> venue size (contracts)."""
        return _exact(qty / self.ct_val)

    def is_lot_multiple(self, sz: Decimal) -> bool:
        return sz % self.lot_sz == 0


def _terms(inst: str, spec: SymbolSpec, ct_val: Decimal) -> ContractTerms:
    lot = _exact(spec.step_size / ct_val)
    if lot * ct_val != spec.step_size:
        raise ValueError(f"{inst}: step {spec.step_size} is no whole multiple of ctVal {ct_val}")
    return ContractTerms(
        inst_id=inst,
        ct_val=ct_val,
        lot_sz=lot,
        min_sz=_exact(spec.min_qty / ct_val),
        max_lmt_sz=_exact(spec.max_qty / ct_val),
        max_mkt_sz=_exact(spec.market_max_qty / ct_val),
    )


def swap_terms(spec: SymbolSpec) -> ContractTerms:
    return _terms(inst_id(spec, "SWAP"), spec, CT_VALUES.get(spec.base, DEFAULT_CT_VALUE))


def spot_terms(spec: SymbolSpec) -> ContractTerms:
    return _terms(inst_id(spec, "SPOT"), spec, ONE)


class Sizing:
    """Terms of every listed instrument, by instId."""

    def __init__(self, spot: Sequence[SymbolSpec], swap: Sequence[SymbolSpec]) -> None:
        # by instId, both instTypes; each follows its symbol set (a contract listed later)
        self._terms: Mapping[str, ContractTerms] = ChainMap(
            follow(spot, lambda s: _by_inst(spot_terms(s))),
            follow(swap, lambda s: _by_inst(swap_terms(s))),
        )

    def terms(self, inst: str) -> ContractTerms:
        try:
            return self._terms[inst]
        except KeyError:
            raise ValueError(f"unknown instrument {inst!r}") from None

    def to_base(self, inst: str, sz: Decimal) -> Decimal:
        return self.terms(inst).to_base(sz)

    def to_venue(self, inst: str, qty: Decimal) -> Decimal:
        return self.terms(inst).to_venue(qty)


def _by_inst(terms: ContractTerms) -> tuple[str, ContractTerms]:
    return terms.inst_id, terms
