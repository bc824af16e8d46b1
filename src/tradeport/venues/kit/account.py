"""The account snapshot, built the same on every venue: a spot market's valued in
USDT, a derivatives market's from the venue's capital and equity."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from decimal import Decimal

from tradeport.model import AccountSnapshot, Balance, Order, Position


def open_notional(orders: Sequence[Order]) -> Decimal:
    """What open orders would trade: remaining quantity at their price."""
    return sum((o.remaining_qty * (o.price or Decimal(0)) for o in orders), Decimal(0))


def wallet_balance(
    asset: str, wallet: Decimal, cross_wallet: Decimal, ts: int, local_ts: int
) -> Balance:
    """A futures balance from a push that names the wallet balance and the cross wallet
    balance but no available amount (Binance USDⓈ-M and BingX ACCOUNT_UPDATE): `free`
    is the cross wallet balance and `locked` what the wallet holds beyond it (isolated
    margin), so `total` is the wallet balance."""
    return Balance(
        asset=asset,
        free=cross_wallet,
        locked=max(Decimal(0), wallet - cross_wallet),
        ts=ts,
        local_ts=local_ts,
    )


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


def margin_account(
    venue: str,
    balances: Mapping[str, Balance],
    positions: Sequence[Position],
    open_orders: Sequence[Order],
    capital: Decimal,
    equity: Decimal,
) -> AccountSnapshot:
    """The venue reports capital and equity; the open notional is what the positions
    hold."""
    return AccountSnapshot(
        venue=venue,
        balances=dict(balances),
        positions=list(positions),
        open_orders=list(open_orders),
        capital=capital,
        equity=equity,
        open_notional=sum((p.notional for p in positions), Decimal(0)),
        ts=int(time.time() * 1000),
    )
