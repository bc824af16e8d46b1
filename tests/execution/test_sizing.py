"""An intent's base units in the venue's quantity, what a side holds, and the limits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradeport.execution.intent import Intent, IntentAction, IntentSide
from tradeport.execution.sizing import check_notional, held_qty, venue_qty
from tradeport.model import AssetType, Instrument, Position, PositionSide
from tradeport.model.errors import BadParameter, InvalidQuantity

LONG, SHORT = IntentSide.LONG, IntentSide.SHORT


def inst(contract_size: str = "1", step: str = "0.001") -> Instrument:
    return Instrument(
        symbol="BTC-USDT",
        venue_symbol="BTCUSDT",
        asset_type=AssetType.SWAP,
        base="BTC",
        quote="USDT",
        settle="USDT",
        tick_size=Decimal("0.1"),
        step_size=Decimal(step),
        min_qty=Decimal(step),
        min_notional=Decimal(5),
        contract_size=Decimal(contract_size),
    )


def wish(size: str, action: IntentAction = IntentAction.ENTER) -> Intent:
    return Intent(asset="BTC-USDT", side=LONG, action=action, size=Decimal(size))


def leg(side: PositionSide, qty: str) -> Position:
    return Position(symbol="BTC-USDT", position_side=side, qty=Decimal(qty), entry_price=Decimal(1))


def test_base_units_become_contracts_rounded_down_to_the_step() -> None:
    assert venue_qty(wish("0.0567"), inst()) == Decimal("0.056")
    # 0.01 BTC a contract, whole contracts: 0.0567 BTC is 5 contracts, never 6
    assert venue_qty(wish("0.0567"), inst(contract_size="0.01", step="1")) == Decimal(5)


def test_a_size_below_one_step_is_refused_naming_the_step_in_base_units() -> None:
    with pytest.raises(InvalidQuantity, match=r"below one step \(0.01 BTC\)"):
        venue_qty(wish("0.005"), inst(contract_size="0.01", step="1"))


def test_what_a_side_holds_in_one_way_and_hedge_mode() -> None:
    assert held_qty([leg(PositionSide.BOTH, "0.3")], LONG) == Decimal("0.3")
    assert held_qty([leg(PositionSide.BOTH, "0.3")], SHORT) == 0
    assert held_qty([leg(PositionSide.BOTH, "-0.2")], SHORT) == Decimal("0.2")
    hedged = [leg(PositionSide.LONG, "0.3"), leg(PositionSide.SHORT, "0.1")]
    assert held_qty(hedged, LONG) == Decimal("0.3")
    assert held_qty(hedged, SHORT) == Decimal("0.1")


def test_max_notional_counts_contracts_at_their_size_and_spares_exits() -> None:
    contracts = inst(contract_size="0.01", step="1")
    check_notional(wish("1"), contracts, Decimal(100), Decimal(100), Decimal(100))
    with pytest.raises(BadParameter, match="notional 101"):
        check_notional(wish("1"), contracts, Decimal(101), Decimal(100), Decimal(100))
    exit_ = wish("1", IntentAction.EXIT)
    check_notional(exit_, contracts, Decimal(10_000), Decimal(100), Decimal(100))
