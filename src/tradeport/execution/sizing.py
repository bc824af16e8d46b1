"""From an intent's base units to the venue's quantity, and the port's limits on it."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_DOWN, Decimal

from tradeport.execution.intent import Intent, IntentAction, IntentSide
from tradeport.execution.quantize import quantize
from tradeport.model import Instrument, Position, PositionSide
from tradeport.model.errors import BadParameter, InvalidQuantity


def venue_qty(intent: Intent, inst: Instrument) -> Decimal:
    """The intent's base units in the venue's quantity, down to its step."""
    qty = quantize(intent.size / inst.contract_size, inst.step_size, ROUND_DOWN)
    if qty <= 0:
        raise InvalidQuantity(
            f"intent {intent.intent_id}: size {intent.size} {inst.base} is below one step"
            f" ({inst.step_size * inst.contract_size} {inst.base}) of {inst.symbol}"
        )
    return qty


def held_qty(positions: Iterable[Position], side: IntentSide) -> Decimal:
    """What `side` holds in these positions, in the venue's quantity: its hedge-mode
    leg, or the one-way position when it points that way."""
    held = Decimal(0)
    for p in positions:
        if p.position_side is PositionSide.BOTH:
            signed = p.qty if side is IntentSide.LONG else -p.qty
            held += max(signed, Decimal(0))
        elif p.position_side.value == side.value:
            held += p.qty
    return held


def check_leverage_limit(intent: Intent, max_leverage: int | None) -> None:
    lev = intent.leverage
    if lev is not None and max_leverage is not None and lev > max_leverage:
        raise BadParameter(
            f"intent {intent.intent_id}: leverage {lev} is above this port's"
            f" max_leverage {max_leverage}"
        )


def check_notional(
    intent: Intent,
    inst: Instrument,
    qty: Decimal,
    price: Decimal | None,
    max_notional: Decimal | None,
) -> None:
    """An entry above `max_notional` (quote currency) is refused; exits reduce risk and
    are never refused for their size."""
    if max_notional is None or intent.action is IntentAction.EXIT:
        return
    if price is None:
        raise BadParameter(
            f"intent {intent.intent_id}: no price to check max_notional against"
            f" (the mark of {intent.asset} could not be read)"
        )
    notional = qty * inst.contract_size * price
    if notional > max_notional:
        raise BadParameter(
            f"intent {intent.intent_id}: notional {notional:f} {inst.quote} is above this"
            f" port's max_notional {max_notional:f}"
        )
