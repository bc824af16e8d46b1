"""SWAP sizes cross between contracts and the engine's base units exactly, both ways."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradeport.emulator.symbols import FUTURES_SYMBOLS, synthetic_symbols
from tradeport.venues.okx.emulator.contracts import swap_terms


def test_btc_contracts_are_hundredths_of_a_bitcoin() -> None:
    terms = swap_terms(FUTURES_SYMBOLS[0])
    assert terms.inst_id == "BTC-USDT-SWAP"
    assert terms.to_base(Decimal("2.5")) == Decimal("0.025")
    assert terms.to_venue(Decimal("0.025")) == Decimal("2.5")
    assert str(terms.to_venue(Decimal("0.010"))) == "1"  # no trailing zeros, no exponent


@pytest.mark.parametrize("spec", [*FUTURES_SYMBOLS, *synthetic_symbols(3)[1]])
def test_one_lot_is_exactly_the_engine_step(spec: object) -> None:
    terms = swap_terms(spec)  # type: ignore[arg-type]
    assert terms.lot_sz * terms.ct_val == spec.step_size  # type: ignore[attr-defined]
    assert terms.to_base(terms.min_sz) == spec.min_qty  # type: ignore[attr-defined]
    for sz in (terms.lot_sz, terms.lot_sz * 7, terms.max_lmt_sz):
        assert terms.to_venue(terms.to_base(sz)) == sz
