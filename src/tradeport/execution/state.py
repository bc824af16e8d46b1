"""What the port knows of the account between refreshes: a `PortState` snapshot, and
the result of a reconciliation with the venue."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
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


class LiveState:
    """The port's current `PortState`: replaced by every REST refresh, and between
    refreshes updated by the private stream's order and position events (its source is
    then "stream"). `wait_for` lets a caller wait on a change instead of polling."""

    def __init__(self) -> None:
        self.current: PortState | None = None
        # set on a change, then replaced: each waiter holds the event of its wait
        self._changed = asyncio.Event()

    def replace(self, state: PortState) -> None:
        self.current = state
        self._notify()

    def apply_order(self, order: Order) -> None:
        """An order event: an open order is listed (or updated), a closed one leaves."""
        state = self.current
        if state is None:
            return
        kept = [o for o in state.open_orders if not _same_order(o, order)]
        if order.status.is_open:
            kept.append(order)
        state.open_orders = kept
        state.open_order_notional = open_notional(kept)
        self._streamed(state, order.updated_ts)

    def apply_position(self, position: Position) -> None:
        """A position event: the leg is replaced, or leaves once flat."""
        state = self.current
        if state is None:
            return
        key = (position.symbol, position.position_side)
        kept = [p for p in state.positions if (p.symbol, p.position_side) != key]
        if position.qty != 0:
            kept.append(position)
        state.positions = kept
        state.open_notional = sum((p.notional for p in kept), Decimal(0))
        self._streamed(state, position.ts)

    def _streamed(self, state: PortState, ts: int) -> None:
        state.source = "stream"
        state.ts = ts or int(time.time() * 1000)
        self._notify()

    def _notify(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    async def wait_for(self, predicate: Callable[[PortState], bool], timeout: float) -> PortState:
        """The state once `predicate` holds for it; TimeoutError after `timeout` s."""
        async with asyncio.timeout(timeout):
            while self.current is None or not predicate(self.current):
                await self._changed.wait()
            return self.current


def _same_order(a: Order, b: Order) -> bool:
    if a.order_id is not None and b.order_id is not None:
        return a.order_id == b.order_id
    return a.client_order_id is not None and a.client_order_id == b.client_order_id
