"""The account snapshot of a spot market, valued in USDT, the same on every venue."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from decimal import Decimal

from tradeport.model import AccountSnapshot, Balance, Order


def open_notional(orders: Sequence[Order]) -> Decimal:
    """What open orders would trade: remaining quantity at their price."""
    return sum((o.remaining_qty * (o.price or Decimal(0)) for o in orders), Decimal(0))


def spot_account(
    venue: str,
    balances: Mapping[str, Balance],
    open_orders: Sequence[Order],
    prices: Mapping[str, Decimal],
    notional: Decimal,
) -> AccountSnapshot:
    """USDT is the capital; the equity values every asset at its last USDT price
    (`prices`), leaving out assets with no USDT market rather than guessing."""
    capital = balances["USDT"].total if "USDT" in balances else Decimal(0)
    valued = sum((b.total * prices[a] for a, b in balances.items() if a in prices), Decimal(0))
    return AccountSnapshot(
        venue=venue,
        balances=dict(balances),
        positions=[],
        open_orders=list(open_orders),
        capital=capital,
        equity=capital + valued,
        open_notional=notional,
        ts=int(time.time() * 1000),
    )
