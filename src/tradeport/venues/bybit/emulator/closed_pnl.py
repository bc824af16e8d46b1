"""`GET /v5/position/closed-pnl` (position/close-pnl.mdx; ccxt's fetch_positions_history,
pybit's get_closed_pnl): one row per order that closed (part of) a linear position,
newest first, the last 7 days unless `startTime` / `endTime` say otherwise.

Rows are replayed from the account's fills of each symbol and position side: the
position's average entry price and the opening fees per unit it carries; a fill that
reduces it adds to its order's row the size closed, the entry and exit values of that
size, the share of the opening fee it releases and its own fee. `closedPnl` is the
price difference of the closed size less both fees (the docs' "closed PnL" is net of
trading fees). The row's `leverage` is the symbol's leverage now (the emulator keeps no
history of it [?]).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from tradeport.emulator.decimal_text import plain
from tradeport.emulator.engine import EngineFill, EngineOrder
from tradeport.venues.bybit.emulator.calls import Call, Route
from tradeport.venues.bybit.emulator.context import BybitContext
from tradeport.venues.bybit.emulator.errors import invalid, symbol_invalid
from tradeport.venues.bybit.emulator.ids import order_id_text

WEEK_MS = 7 * 24 * 3_600_000
LIMIT = (50, 100)  # (default, maximum)
_ZERO = Decimal(0)


@dataclass(slots=True)
class _Close:
    """What one order closed, summed over its fills."""

    symbol: str
    order_id: int
    side: str
    closed: Decimal = _ZERO
    entry_value: Decimal = _ZERO
    exit_value: Decimal = _ZERO
    pnl: Decimal = _ZERO  # price difference of the closed size
    open_fee: Decimal = _ZERO
    close_fee: Decimal = _ZERO
    fills: int = 0
    created_ms: int = 0
    updated_ms: int = 0


def closes(fills: Iterable[EngineFill]) -> list[_Close]:
    """The orders that reduced a position, in the order they first did, from one
    symbol's fills (oldest first) of one position side."""
    size = entry = fee_per_unit = _ZERO  # signed size; average entry; opening fee per unit
    by_order: dict[int, _Close] = {}
    for fill in fills:
        signed = fill.qty if fill.side == "BUY" else -fill.qty
        if fill.position_side == "SHORT":
            signed = -signed  # the SHORT leg's size is kept positive
        if size == 0 or (size > 0) == (signed > 0):
            total = abs(size) + fill.qty
            entry = (entry * abs(size) + fill.price * fill.qty) / total
            fee_per_unit = (fee_per_unit * abs(size) + fill.fee) / total
            size += signed
            continue
        closed = min(fill.qty, abs(size))
        row = by_order.setdefault(
            fill.order_id,
            _Close(fill.symbol, fill.order_id, fill.side, created_ms=fill.ts_ms),
        )
        long = size > 0
        row.closed += closed
        row.entry_value += closed * entry
        row.exit_value += closed * fill.price
        row.pnl += (fill.price - entry) * closed if long else (entry - fill.price) * closed
        row.open_fee += closed * fee_per_unit
        row.close_fee += fill.fee * closed / fill.qty
        row.fills += 1
        row.updated_ms = fill.ts_ms
        size += signed
        if fill.qty > closed:  # the rest opens the other way
            entry, fee_per_unit = fill.price, fill.fee / fill.qty
    return list(by_order.values())


class ClosedPnl:
    def __init__(self, ctx: BybitContext) -> None:
        self.ctx = ctx

    def routes(self) -> dict[str, Route]:
        return {"GET /v5/position/closed-pnl": Route(self.closed_pnl, signed=True)}

    def closed_pnl(self, call: Call) -> object:
        params = call.params
        if params.category(("spot", "linear", "inverse", "option")) != "linear":
            raise invalid("category", "must be linear here (the only perpetuals traded)")
        engine = self.ctx.linear
        symbol = params.text("symbol")
        if symbol is not None and symbol not in engine.instruments:
            raise symbol_invalid(symbol)
        default, high = LIMIT
        limit = params.integer("limit", default, low=1, high=high) or default
        end = params.integer("endTime") or call.now_ms
        start = params.integer("startTime") or end - WEEK_MS
        account = call.account_id
        rows: list[_Close] = []
        for name in engine.instruments if symbol is None else (symbol,):
            fills = engine.fills(account, name, limit=None)
            for side in {f.position_side for f in fills}:
                rows += closes(f for f in fills if f.position_side == side)
        rows = [r for r in rows if start <= r.updated_ms <= end]
        rows.sort(key=lambda r: r.updated_ms, reverse=True)
        listed = [self._row(r, engine.order(account, r.symbol, r.order_id)) for r in rows]
        return {"category": "linear", "list": listed[:limit], "nextPageCursor": ""}

    def _row(self, close: _Close, order: EngineOrder) -> dict[str, object]:
        leverage = self.ctx.linear.leverage(order.account_id, close.symbol)
        return {
            "symbol": close.symbol,
            "orderType": "Limit" if order.type == "LIMIT" else "Market",
            "leverage": str(leverage),
            "updatedTime": str(close.updated_ms),
            "side": "Buy" if close.side == "BUY" else "Sell",
            "orderId": order_id_text("linear", close.order_id),
            "closedPnl": plain(close.pnl - close.open_fee - close.close_fee),
            "openFee": plain(close.open_fee),
            "closeFee": plain(close.close_fee),
            "avgEntryPrice": plain(close.entry_value / close.closed),
            "qty": plain(order.qty),
            "cumEntryValue": plain(close.entry_value),
            "createdTime": str(close.created_ms),
            "orderPrice": plain(order.price) if order.price is not None else "0",
            "closedSize": plain(close.closed),
            "avgExitPrice": plain(close.exit_value / close.closed),
            "execType": "Trade",
            "fillCount": str(close.fills),
            "cumExitValue": plain(close.exit_value),
        }
