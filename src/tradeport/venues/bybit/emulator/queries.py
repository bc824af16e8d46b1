"""Order and fill queries: `GET /v5/order/realtime`, `/v5/order/history`,
`/v5/execution/list` (PROTOCOLS.md §4.3; order/open-order.mdx, order/order-list.mdx,
order/execution.mdx). Lists are newest first and paged with `nextPageCursor`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TypeVar

from tradeport.emulator.engine import Engine, EngineFill, EngineOrder
from tradeport.venues.bybit.emulator.calls import Call, Route
from tradeport.venues.bybit.emulator.context import BybitContext
from tradeport.venues.bybit.emulator.errors import invalid, missing
from tradeport.venues.bybit.emulator.ids import Category, parse_order_id
from tradeport.venues.bybit.emulator.params import Params
from tradeport.venues.bybit.emulator.payloads import (
    cum_exec_fee,
    execution_row,
    order_row,
    order_status,
)

T = TypeVar("T")
ZERO = Decimal(0)
WEEK_MS = 7 * 86_400_000
CLOSED_KEPT = 500  # openOnly=1 returns at most the 500 most recent closed orders
ORDER_PAGE = (20, 50)  # (default, maximum) of `limit`
EXECUTION_PAGE = (50, 100)
_STATUS_FILTERS = (
    "New",
    "PartiallyFilled",
    "Untriggered",
    "Rejected",
    "PartiallyFilledCanceled",
    "Filled",
    "Cancelled",
    "Triggered",
    "Deactivated",
)


def _page(items: Sequence[T], params: Params, bounds: tuple[int, int]) -> tuple[list[T], str]:
    default, high = bounds
    limit = params.integer("limit", default, low=1, high=high) or default
    cursor = params.text("cursor")
    start = 0
    if cursor is not None:
        if not cursor.isascii() or not cursor.isdigit():
            raise invalid("cursor", "is not a cursor this endpoint gave out")
        start = int(cursor)
    end = start + limit
    return list(items[start:end]), (str(end) if end < len(items) else "")


class Queries:
    def __init__(self, ctx: BybitContext) -> None:
        self.ctx = ctx

    def routes(self) -> dict[str, Route]:
        return {
            "GET /v5/order/realtime": Route(self.realtime, signed=True),
            "GET /v5/order/history": Route(self.history, signed=True),
            "GET /v5/execution/list": Route(self.executions, signed=True),
        }

    # -- helpers -----------------------------------------------------------------------
    def _category(self, params: Params) -> Category | None:
        """The category; None for inverse / option, which are valid and hold nothing."""
        name = params.category(("spot", "linear", "inverse", "option"))
        return name if name in ("spot", "linear") else None  # type: ignore[return-value]

    def _symbols(self, engine: Engine, params: Params, *, linear_needs_scope: bool) -> list[str]:
        symbol, base = params.text("symbol"), params.text("baseCoin")
        settle = params.text("settleCoin")
        if linear_needs_scope and engine is self.ctx.linear and not (symbol or base or settle):
            raise missing("symbol or settleCoin or baseCoin")
        if symbol is not None:
            return [symbol] if symbol in engine.instruments else []
        return [
            s
            for s, instrument in engine.instruments.items()
            if (base is None or instrument.base == base)
            and (settle is None or instrument.quote == settle)
        ]

    def _named(
        self,
        engine: Engine,
        category: Category,
        account_id: str,
        symbols: list[str],
        params: Params,
    ) -> list[EngineOrder] | None:
        """The order named by orderId / orderLinkId (a list of 0 or 1), or None when the
        request names none."""
        order_text, link_id = params.text("orderId"), params.text("orderLinkId")
        if order_text is None and link_id is None:
            return None
        order_id = parse_order_id(category, order_text) if order_text is not None else None
        if order_text is not None and order_id is None:
            return []
        for symbol in symbols:
            order = engine.find_order(account_id, symbol, order_id, link_id)
            if order is not None:
                return [order]
        return []

    def _rows(
        self, engine: Engine, category: Category, orders: Iterable[EngineOrder]
    ) -> list[object]:
        return [order_row(o, category, cum_fee=cum_exec_fee(engine, o)) for o in orders]

    @staticmethod
    def _newest_first(orders: Iterable[EngineOrder]) -> list[EngineOrder]:
        return sorted(orders, key=lambda o: (o.created_ms, o.order_id), reverse=True)

    # -- endpoints ---------------------------------------------------------------------
    def realtime(self, call: Call) -> object:
        params = call.params
        category = self._category(params)
        if category is None:
            return {"list": [], "nextPageCursor": "", "category": params.text("category")}
        engine = self.ctx.engine(category)
        account_id = call.account_id
        named = self._named(engine, category, account_id, list(engine.instruments), params)
        if named is not None:
            # openOnly is ignored when an order is named (open-order.mdx)
            orders = named
        else:
            symbols = self._symbols(engine, params, linear_needs_scope=True)
            open_only = params.integer("openOnly", 0, low=0, high=2)
            if open_only == 0:
                orders = [o for s in symbols for o in engine.open_orders(account_id, s)]
            else:
                closed = self._closed(engine, account_id)
                wanted = set(symbols)
                orders = [o for o in closed if o.symbol in wanted]
        page, cursor = _page(self._newest_first(orders), params, ORDER_PAGE)
        return {
            "list": self._rows(engine, category, page),
            "nextPageCursor": cursor,
            "category": category,
        }

    def _closed(self, engine: Engine, account_id: str) -> list[EngineOrder]:
        closed = [
            o for s in engine.instruments for o in engine.all_orders(account_id, s) if not o.is_open
        ]
        return self._newest_first(closed)[:CLOSED_KEPT]

    def history(self, call: Call) -> object:
        params = call.params
        category = self._category(params)
        if category is None:
            return {"list": [], "nextPageCursor": "", "category": params.text("category")}
        engine = self.ctx.engine(category)
        account_id = call.account_id
        symbols = self._symbols(engine, params, linear_needs_scope=False)
        named = self._named(engine, category, account_id, symbols, params)
        if named is not None:
            orders = named
        else:
            start, end = self._window(params, call.now_ms)
            status = params.text("orderStatus")
            if status is not None and status not in _STATUS_FILTERS:
                raise invalid("orderStatus", f"must be one of {', '.join(_STATUS_FILTERS)}")
            orders = [
                o
                for s in symbols
                for o in engine.all_orders(account_id, s)
                if start <= o.created_ms <= end
            ]
            if status is not None:
                orders = [o for o in orders if order_status(o, category) == status]
        page, cursor = _page(self._newest_first(orders), params, ORDER_PAGE)
        return {
            "list": self._rows(engine, category, page),
            "nextPageCursor": cursor,
            "category": category,
        }

    @staticmethod
    def _window(params: Params, now_ms: int) -> tuple[int, int]:
        """[startTime, endTime]: the last 7 days by default, and at most 7 days long."""
        start = params.integer("startTime", low=0)
        end = params.integer("endTime", low=0)
        if start is None and end is None:
            return now_ms - WEEK_MS, now_ms
        if start is None:
            assert end is not None
            return end - WEEK_MS, end
        if end is None:
            return start, start + WEEK_MS
        if end < start:
            raise invalid("endTime", "must not be before startTime")
        if end - start > WEEK_MS:
            raise invalid("startTime", "and endTime must be at most 7 days apart")
        return start, end

    def executions(self, call: Call) -> object:
        params = call.params
        category = self._category(params)
        if category is None:
            return {"list": [], "nextPageCursor": "", "category": params.text("category")}
        engine = self.ctx.engine(category)
        account_id = call.account_id
        exec_type = params.text("execType")
        if exec_type is not None and exec_type not in ("Trade", "AdlTrade", "Funding", "BustTrade"):
            raise invalid("execType")
        symbols = set(self._symbols(engine, params, linear_needs_scope=False))
        start, end = self._window(params, call.now_ms)
        all_fills = engine.fills(account_id, limit=None)
        closed = _closed_sizes(all_fills) if category == "linear" else {}
        leaves = _leaves_after(engine, account_id, all_fills)
        fills = [f for f in all_fills if f.symbol in symbols and start <= f.ts_ms <= end]
        named = self._named(engine, category, account_id, sorted(symbols), params)
        if named is not None:
            ids = {o.order_id for o in named}
            fills = [f for f in fills if f.order_id in ids]
        if exec_type not in (None, "Trade"):
            fills = []  # every execution here is a trade
        fills.sort(key=lambda f: (f.ts_ms, f.trade_id), reverse=True)
        page, cursor = _page(fills, params, EXECUTION_PAGE)
        rows = []
        for fill in page:
            order = engine.order(account_id, fill.symbol, fill.order_id)
            rows.append(
                execution_row(
                    fill,
                    category,
                    order,
                    base_coin=engine.instruments[fill.symbol].base,
                    leaves_qty=leaves[(fill.trade_id, fill.is_maker)],
                    closed_size=closed.get((fill.trade_id, fill.is_maker), ZERO),
                    mark_price=engine.mark_price(fill.symbol) if category == "linear" else None,
                )
            )
        return {"list": rows, "nextPageCursor": cursor, "category": category}


def _leaves_after(
    engine: Engine, account_id: str, fills: Iterable[EngineFill]
) -> dict[tuple[int, bool], Decimal]:
    """What was left of each fill's order right after that fill."""
    filled: dict[int, Decimal] = {}
    totals: dict[int, Decimal] = {}
    out: dict[tuple[int, bool], Decimal] = {}
    for fill in fills:
        if fill.order_id not in totals:
            totals[fill.order_id] = engine.order(account_id, fill.symbol, fill.order_id).qty
        filled[fill.order_id] = filled.get(fill.order_id, ZERO) + fill.qty
        out[(fill.trade_id, fill.is_maker)] = totals[fill.order_id] - filled[fill.order_id]
    return out


def _closed_sizes(fills: Iterable[EngineFill]) -> dict[tuple[int, bool], Decimal]:
    """How much of a position each linear fill closed, replaying the account's fills."""
    held: dict[tuple[str, str], Decimal] = {}  # signed size per (symbol, position side)
    out: dict[tuple[int, bool], Decimal] = {}
    for fill in fills:
        key = (fill.symbol, fill.position_side)
        before = held.get(key, ZERO)
        signed = fill.qty if fill.side == "BUY" else -fill.qty
        if fill.position_side == "SHORT":
            signed = -signed  # the short leg grows with sells
        closes = before != 0 and (before > 0) != (signed > 0)
        out[(fill.trade_id, fill.is_maker)] = min(abs(before), fill.qty) if closes else ZERO
        held[key] = before + signed
    return out
