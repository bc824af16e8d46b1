"""Order and fill queries: `GET /api/v5/trade/order`, `/orders-pending`,
`/orders-history` (+ `-archive`), `/fills` (+ `-history`) (PROTOCOLS.md §3.3). Lists
are newest first; `after` / `before` page by `ordId` (orders) or `billId` (fills):
`after` returns older records, `before` newer ones."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from tradeport.emulator.engine import EngineFill, EngineOrder
from tradeport.venues.okx.emulator.calls import Call, Route
from tradeport.venues.okx.emulator.context import OkxContext
from tradeport.venues.okx.emulator.errors import OkxApiError, either, no_instrument
from tradeport.venues.okx.emulator.ids import (
    INST_TYPES,
    InstType,
    bill_id_text,
    inst_type_of,
    order_id_text,
    parse_order_id,
)
from tradeport.venues.okx.emulator.params import Params
from tradeport.venues.okx.emulator.payloads import fill_row, order_row, order_state

T = TypeVar("T")
ALL_INST_TYPES = ("SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION")
PAGE = (100, 100)  # (default, maximum) of `limit`
DAY_MS = 86_400_000
HISTORY_DAYS = {"orders-history": 7, "orders-history-archive": 92, "fills": 3, "fills-history": 92}


def _page(items: Sequence[T], key: Callable[[T], int], params: Params) -> list[T]:
    """Newest-first `items` after the `after` / `before` cursors, at most `limit`."""
    default, high = PAGE
    limit = params.integer("limit", default, low=1, high=high) or default
    after, before = params.text("after"), params.text("before")
    selected = list(items)
    if after is not None:
        if not after.isdigit():
            raise params.invalid("after")
        selected = [i for i in selected if key(i) < int(after)]
    if before is not None:
        if not before.isdigit():
            raise params.invalid("before")
        selected = [i for i in selected if key(i) > int(before)]
        return selected[-limit:]  # the `limit` records just newer than the cursor
    return selected[:limit]


class Queries:
    def __init__(self, ctx: OkxContext) -> None:
        self.ctx = ctx

    def routes(self) -> dict[str, Route]:
        return {
            "GET /api/v5/trade/order": Route(self.order, signed=True),
            "GET /api/v5/trade/orders-pending": Route(self.pending, signed=True),
            "GET /api/v5/trade/orders-history": Route(self.history, signed=True),
            "GET /api/v5/trade/orders-history-archive": Route(self.archive, signed=True),
            "GET /api/v5/trade/fills": Route(self.fills, signed=True),
            "GET /api/v5/trade/fills-history": Route(self.fills_history, signed=True),
        }

    # -- helpers -----------------------------------------------------------------------
    def _inst_types(self, params: Params, *, required: bool) -> list[InstType]:
        """The traded instTypes a list asks about (by instType or instId)."""
        inst = params.text("instId")
        if required or params.has("instType"):
            inst_type = params.choice("instType", ALL_INST_TYPES)
            if inst_type not in INST_TYPES:
                return []
            types: list[InstType] = [t for t in INST_TYPES if t == inst_type]
        else:
            types = list(INST_TYPES)
        if inst is not None:
            types = [t for t in types if t == inst_type_of(inst)]
        return types

    def _orders(
        self, call: Call, inst_types: list[InstType], *, open_: bool
    ) -> list[tuple[InstType, EngineOrder]]:
        params = call.params
        inst, ord_type = params.text("instId"), params.text("ordType")
        state = params.text("state")
        out: list[tuple[InstType, EngineOrder]] = []
        for inst_type in inst_types:
            engine = self.ctx.engine(inst_type)
            if open_:
                orders = engine.open_orders(call.account_id)
            else:
                orders = [
                    o
                    for s in engine.instruments
                    for o in engine.all_orders(call.account_id, s)
                    if not o.is_open
                ]
            for order in orders:
                if inst is not None and order.symbol != inst:
                    continue
                info = self.ctx.order_info.terms(inst_type, order.order_id)
                if ord_type is not None and info.ord_type not in ord_type.split(","):
                    continue
                if state is not None and order_state(order) != state:
                    continue
                out.append((inst_type, order))
        # ordIds of both engines sort together: their ranges differ, so sort by time
        out.sort(key=lambda p: (p[1].created_ms, int(order_id_text(*_pair(p)))), reverse=True)
        return out

    def _rows(self, pairs: list[tuple[InstType, EngineOrder]], params: Params) -> list[object]:
        page = _page(pairs, lambda p: int(order_id_text(*_pair(p))), params)
        return [order_row(o, t, ctx=self.ctx) for t, o in page]

    # -- endpoints ---------------------------------------------------------------------
    def order(self, call: Call) -> list[object]:
        params = call.params
        inst = params.require("instId")
        inst_type = inst_type_of(inst)
        engine = self.ctx.engine(inst_type)
        if inst not in engine.instruments:
            raise no_instrument()
        ord_text, client_id = params.text("ordId"), params.text("clOrdId")
        if ord_text is None and client_id is None:
            raise either("ordId", "clOrdId")
        order_id = parse_order_id(inst_type, ord_text) if ord_text is not None else None
        order = None
        if ord_text is None or order_id is not None:
            order = engine.find_order(
                call.account_id, inst, order_id, None if order_id else client_id
            )
        if order is None:
            raise OkxApiError("51603", "Order does not exist.")
        return [order_row(order, inst_type, ctx=self.ctx)]

    def pending(self, call: Call) -> list[object]:
        state = call.params.text("state")
        if state is not None and state not in ("live", "partially_filled"):
            raise call.params.invalid("state")
        types = self._inst_types(call.params, required=False)
        return self._rows(self._orders(call, types, open_=True), call.params)

    def history(self, call: Call) -> list[object]:
        return self._history(call, "orders-history")

    def archive(self, call: Call) -> list[object]:
        return self._history(call, "orders-history-archive")

    def _history(self, call: Call, kind: str) -> list[object]:
        params = call.params
        state = params.text("state")
        if state is not None and state not in ("canceled", "filled", "mmp_canceled"):
            raise params.invalid("state")
        types = self._inst_types(params, required=True)
        begin, end = self._window(params, call.now_ms, HISTORY_DAYS[kind])
        pairs = [
            p for p in self._orders(call, types, open_=False) if begin <= p[1].updated_ms <= end
        ]
        return self._rows(pairs, params)

    @staticmethod
    def _window(params: Params, now_ms: int, days: int) -> tuple[int, int]:
        begin = params.integer("begin", low=0)
        end = params.integer("end", low=0)
        oldest = now_ms - days * DAY_MS
        return max(oldest, begin or 0), now_ms if end is None else end

    def fills(self, call: Call) -> list[object]:
        return self._fills(call, "fills")

    def fills_history(self, call: Call) -> list[object]:
        return self._fills(call, "fills-history")

    def _fills(self, call: Call, kind: str) -> list[object]:
        params = call.params
        types = self._inst_types(params, required=kind == "fills-history")
        inst, ord_text = params.text("instId"), params.text("ordId")
        begin, end = self._window(params, call.now_ms, HISTORY_DAYS[kind])
        found: list[tuple[InstType, EngineFill]] = []
        for inst_type in types:
            engine = self.ctx.engine(inst_type)
            order_id = parse_order_id(inst_type, ord_text) if ord_text is not None else None
            if ord_text is not None and order_id is None:
                continue
            for fill in engine.fills(call.account_id, inst, order_id, limit=None):
                if begin <= fill.ts_ms <= end:
                    found.append((inst_type, fill))
        found.sort(key=lambda p: (p[1].ts_ms, _bill(p)), reverse=True)
        page = _page(found, _bill, params)
        return [fill_row(f, ctx=self.ctx) for _, f in page]


def _pair(p: tuple[InstType, EngineOrder]) -> tuple[InstType, int]:
    return p[0], p[1].order_id


def _bill(p: tuple[InstType, EngineFill]) -> int:
    return int(bill_id_text(p[0], p[1].trade_id, p[1].is_maker))
