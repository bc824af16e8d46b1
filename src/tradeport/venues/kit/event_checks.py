"""The last check of an order, a fill, a position or a balance a venue parser built,
from REST or a private stream: prices and quantities are finite and not negative,
fees, PnL, signed position sizes and balances finite.

A NaN fill price is not a fill: an order or fill carrying one is malformed, and what it
stood for is read back from the venue (kit/private_session.py). Fees and PnL may be
negative (a maker rebate, a loss); nothing may be NaN or infinite.
"""

from __future__ import annotations

from decimal import Decimal

from tradeport.model import Balance, Fill, Order, Position
from tradeport.model.errors import MalformedMessage


def check_amount(value: Decimal, what: str) -> None:
    """MalformedMessage naming `what` unless `value` is finite (a fee, a PnL)."""
    if not value.is_finite():
        raise MalformedMessage(f"{what}: {value} is not a finite number")


def check_size(value: Decimal, what: str) -> None:
    """MalformedMessage naming `what` unless `value` is finite and not negative (a
    price, a quantity); for a parser that computes with them before building."""
    check_amount(value, what)
    if value < 0:
        raise MalformedMessage(f"{what}: {value} is negative")


def checked_order(order: Order) -> Order:
    """`order`, or MalformedMessage naming its first impossible field."""
    where = f"order {order.order_id or order.client_order_id}"
    check_size(order.qty, f"{where} qty")
    check_size(order.filled_qty, f"{where} filled qty")
    if order.price is not None:
        check_size(order.price, f"{where} price")
    if order.avg_price is not None:
        check_size(order.avg_price, f"{where} average price")
    return order


def checked_fill(fill: Fill) -> Fill:
    """`fill`, or MalformedMessage naming its first impossible field: a fill has a
    positive price and quantity."""
    where = f"fill {fill.trade_id} of order {fill.order_id}"
    for value, what in ((fill.price, "price"), (fill.qty, "qty")):
        check_size(value, f"{where} {what}")
        if value == 0:
            raise MalformedMessage(f"{where} {what}: zero")
    check_amount(fill.fee, f"{where} fee")
    if fill.realized_pnl is not None:
        check_amount(fill.realized_pnl, f"{where} realized pnl")
    return fill


def checked_position(position: Position) -> Position:
    """`position`, or MalformedMessage naming its first impossible field (its size is
    signed in one-way mode)."""
    where = f"position {position.symbol}/{position.position_side}"
    check_amount(position.qty, f"{where} qty")
    check_size(position.entry_price, f"{where} entry price")
    if position.mark_price is not None:
        check_size(position.mark_price, f"{where} mark price")
    if position.liquidation_price is not None:  # a formula's answer: its sign is the venue's
        check_amount(position.liquidation_price, f"{where} liquidation price")
    check_amount(position.unrealized_pnl, f"{where} unrealized pnl")
    return position


def checked_balance(balance: Balance) -> Balance:
    """`balance`, or MalformedMessage naming a non-finite amount (a futures wallet may
    be negative)."""
    check_amount(balance.free, f"balance {balance.asset} free")
    check_amount(balance.locked, f"balance {balance.asset} locked")
    return balance
