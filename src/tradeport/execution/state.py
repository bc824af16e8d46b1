"""What the port knows of the account between refreshes: a `PortState` snapshot, and
the result of a reconciliation with the venue."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from tradeport.execution.intent import ExecutionReceipt
from tradeport.model import AccountSnapshot, Balance, Fill, Order, Position
from tradeport.venues.kit.account import open_notional

StateSource = Literal["rest", "stream"]


@dataclass(slots=True, kw_only=True)
class PortState:
    """The account as the venue last reported it. `open_notional` is what the open
    positions hold and `open_order_notional` what the open orders would trade, both in
    the quote currency. `orders` and `fills` (recent history) are filled on request."""

    venue: str
    capital: Decimal
    equity: Decimal
    positions: list[Position]
    open_orders: list[Order]
    open_notional: Decimal
    open_order_notional: Decimal
    balances: dict[str, Balance] = field(default_factory=dict)
    orders: list[Order] = field(default_factory=list)
    fills: list[Fill] = field(default_factory=list)
    ts: int = 0  # epoch ms, when the venue answered
    source: StateSource = "rest"

    @classmethod
    def from_account(cls, account: AccountSnapshot, symbol: str | None = None) -> PortState:
        """The port's view of an account snapshot, narrowed to `symbol` when given."""
        positions, orders = account.positions, account.open_orders
        if symbol is not None:
            positions = [p for p in positions if p.symbol == symbol]
            orders = [o for o in orders if o.symbol == symbol]
        return cls(
            venue=account.venue,
            capital=account.capital,
            equity=account.equity,
            positions=list(positions),
            open_orders=list(orders),
            open_notional=sum((p.notional for p in positions), Decimal(0)),
            open_order_notional=open_notional(orders),
            balances=dict(account.balances),
            ts=account.ts,
        )

    def position_qty(self, symbol: str) -> Decimal:
        """The signed net position of `symbol` (long legs minus short legs)."""
        total = Decimal(0)
        for p in self.positions:
            if p.symbol == symbol:
                total += -p.qty if p.position_side.value == "short" else p.qty
        return total


@dataclass(slots=True, kw_only=True)
class ReconcileReport:
    """What a reconciliation found: the venue's open orders and positions, the receipts
    it settled (UNKNOWN or open ones, and the journal's open intents), and the venue's
    open orders no receipt of this port accounts for."""

    venue: str
    open_orders: list[Order]
    positions: list[Position]
    resolved: list[ExecutionReceipt]
    still_unknown: list[ExecutionReceipt]
    untracked_orders: list[Order]
    ts: int = 0  # epoch ns, local
