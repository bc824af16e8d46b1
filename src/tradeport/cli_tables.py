"""Rich tables shared by the CLI commands and the demo."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from rich.table import Table

from tradeport.execution.intent import ExecutionReceipt
from tradeport.model import Balance, Order, Position
from tradeport.venues import registry


def num(value: Decimal | None) -> str:
    """A Decimal without trailing zeros or exponent: 0.01000000 → 0.01."""
    return "-" if value is None else format(value.normalize(), "f")


def venues_table() -> Table:
    table = Table(title="Registered venues")
    table.add_column("key", style="bold cyan")
    table.add_column("venue")
    table.add_column("capabilities")
    for spec in registry.list_venues():
        table.add_row(spec.key, spec.display_name, ", ".join(sorted(spec.capabilities)))
    return table


def balances_table(balances: Mapping[str, Balance], assets: Sequence[str]) -> Table:
    table = Table(title="balances")
    for col in ("asset", "free", "locked", "total"):
        table.add_column(col, justify="right")
    for asset in assets:
        b = balances.get(asset)
        if b is not None:
            table.add_row(asset, num(b.free), num(b.locked), num(b.total))
    return table


def orders_table(orders: Iterable[Order], title: str) -> Table:
    table = Table(title=title)
    for col in ("order id", "client id", "side", "type", "price", "qty", "filled", "status"):
        table.add_column(col, overflow="fold")
    for o in orders:
        table.add_row(
            o.order_id or "-",
            o.client_order_id or "-",
            o.side.value,
            o.type.value,
            num(o.price) if o.price is not None else "market",
            num(o.qty),
            num(o.filled_qty),
            o.status.value,
        )
    return table


def positions_table(positions: Iterable[Position]) -> Table:
    table = Table(title="positions")
    for col in ("symbol", "side", "qty", "entry", "mark", "unrealized pnl", "leverage"):
        table.add_column(col)
    for p in positions:
        table.add_row(
            p.symbol,
            p.position_side.value,
            num(p.qty),
            num(p.entry_price),
            num(p.mark_price),
            num(p.unrealized_pnl),
            str(p.leverage),
        )
    return table


def receipts_table(receipts: Iterable[ExecutionReceipt], title: str = "receipts") -> Table:
    """Execution receipts: what the venue did with each intent, its fee (and where the
    figure comes from) and its slippage against the mark at submit."""
    table = Table(title=title)
    for col in ("intent", "side", "status", "filled", "avg price", "fee", "fee source"):
        table.add_column(col, overflow="fold")
    table.add_column("slippage bps", justify="right")
    table.add_column("order id", overflow="fold")
    for r in receipts:
        fee = "-" if r.fee is None else f"{num(r.fee)} {r.fee_asset or ''}".strip()
        slippage = "-" if r.slippage_bps is None else f"{r.slippage_bps:.2f}"
        status = r.status.value
        if r.error is not None:
            status += f" ({type(r.error).__name__}: {r.error.message})"
        table.add_row(
            r.intent_id,
            "-" if r.side is None else r.side.value,
            status,
            num(r.filled_qty),
            num(r.avg_price),
            fee,
            "-" if r.fee_source is None else r.fee_source.value,
            slippage,
            r.order_id or "-",
        )
    return table
