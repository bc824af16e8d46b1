"""Order entry: `POST /v5/order/create`, `/amend`, `/cancel`, `/cancel-all`
(PROTOCOLS.md §4.3; order/create-order.mdx).

Bybit acknowledges an accepted order with its ids only; what happened next (filled,
cancelled because post-only would take, ...) is read from `/v5/order/realtime` or the
`order` topic. Orders an engine expires on arrival are therefore still acknowledged.
"""

from __future__ import annotations

import re

from tradeport.emulator.engine import Engine, EngineOrder, OrderRequest, Reject
from tradeport.emulator.symbol_set import by_symbol
from tradeport.emulator.symbols import SymbolSpec
from tradeport.venues.bybit.emulator import filters
from tradeport.venues.bybit.emulator.calls import Call, Route
from tradeport.venues.bybit.emulator.context import BybitContext
from tradeport.venues.bybit.emulator.errors import (
    BybitApiError,
    invalid,
    missing,
    order_not_found,
    unknown_symbol,
)
from tradeport.venues.bybit.emulator.ids import Category, parse_order_id
from tradeport.venues.bybit.emulator.params import Params
from tradeport.venues.bybit.emulator.payloads import (
    AUTO_LINK_PREFIX,
    POSITION_SIDES,
    order_ack,
)
from tradeport.venues.bybit.emulator.rejects import duplicate_link_id, rejected

TRADED: tuple[Category, ...] = ("spot", "linear")
SIDES = {"Buy": "BUY", "Sell": "SELL"}
TIME_IN_FORCE = {"GTC": "GTC", "IOC": "IOC", "FOK": "FOK", "PostOnly": "GTX"}
_LINK_ID = re.compile(r"^[A-Za-z0-9_-]{1,36}$")
# orderLinkIds remembered per account and category to refuse a reuse (110072); the
# oldest are forgotten past this many, so memory stays bounded however long a client trades
LINK_IDS_KEPT = 50_000
MAX_OPEN_ORDERS = 500  # per symbol (create-order.mdx, "Open orders up limit")
# Conditional and TP/SL orders are not modelled: refusing them beats ignoring them.
_UNSUPPORTED = ("triggerPrice", "takeProfit", "stopLoss", "tpLimitPrice", "slLimitPrice")


class Trading:
    def __init__(self, ctx: BybitContext) -> None:
        self.ctx = ctx
        self._specs: dict[Category, dict[str, SymbolSpec]] = {
            "spot": by_symbol(ctx.spot_symbols),
            "linear": by_symbol(ctx.linear_symbols),
        }
        # orderLinkId must be unique among an account's orders (create-order.mdx), open
        # or not; the engine itself only refuses a client id that is open.
        # orderLinkIds used, per account and category, oldest first (insertion order)
        self._link_ids: dict[tuple[str, Category], dict[str, None]] = {}
        self._auto_ids = 0

    def routes(self) -> dict[str, Route]:
        return {
            "POST /v5/order/create": Route(self.create, signed=True),
            "POST /v5/order/amend": Route(self.amend, signed=True),
            "POST /v5/order/cancel": Route(self.cancel, signed=True),
            "POST /v5/order/cancel-all": Route(self.cancel_all, signed=True),
        }

    # -- helpers -----------------------------------------------------------------------
    def category(self, params: Params) -> Category:
        name = params.category(("spot", "linear", "inverse", "option"))
        if name not in TRADED:
            raise BybitApiError(10001, f"params error: category {name} is not traded here")
        return "spot" if name == "spot" else "linear"

    def spec(self, category: Category, symbol: str) -> SymbolSpec:
        spec = self._specs[category].get(symbol)
        if spec is None:
            raise unknown_symbol(category, symbol)
        return spec

    def target(self, call: Call) -> tuple[Category, Engine, str, int | None, str | None]:
        """category, engine, symbol and the order named by `orderId` / `orderLinkId`."""
        params = call.params
        category = self.category(params)
        symbol = params.require("symbol")
        self.spec(category, symbol)
        order_text, link_id = params.text("orderId"), params.text("orderLinkId")
        if order_text is None and link_id is None:
            raise missing("orderId or orderLinkId")
        order_id = None
        if order_text is not None:
            order_id = parse_order_id(category, order_text)
            if order_id is None:
                raise order_not_found(category)
        return category, self.ctx.engine(category), symbol, order_id, link_id

    # -- create ------------------------------------------------------------------------
    def create(self, call: Call) -> object:
        params = call.params
        category = self.category(params)
        symbol = params.require("symbol")
        spec = self.spec(category, symbol)
        for name in _UNSUPPORTED:
            if params.has(name) and params.text(name) != "0":
                raise invalid(name, "is not supported by this emulator (no conditional orders)")
        if params.integer("isLeverage", 0, low=0, high=1) == 1:
            raise invalid("isLeverage", "1 (margin trading) is not supported by this emulator")
        side = SIDES[params.choice("side", tuple(SIDES))]
        order_type = params.choice("orderType", ("Market", "Limit"))
        link_id = self._link_id(call, category)
        engine = self.ctx.engine(category)
        if len(engine.open_orders(call.account_id, symbol)) >= MAX_OPEN_ORDERS:
            raise BybitApiError(110020, "Cannot have more than 500 active orders.")
        if order_type == "Limit":
            request = self._limit(params, category, spec, side)
        else:
            request = self._market(params, category, spec, side)
        request.client_order_id = link_id
        if category == "linear":
            self._position_rules(params, call.account_id, request)
        try:
            order, _fills = engine.place(call.account_id, request)
        except Reject as exc:
            raise rejected(exc, category) from None
        if not link_id.startswith(AUTO_LINK_PREFIX):
            used = self._link_ids.setdefault((call.account_id, category), {})
            used[link_id] = None
            if len(used) > LINK_IDS_KEPT:
                del used[next(iter(used))]
        return order_ack(order, category)

    def _link_id(self, call: Call, category: Category) -> str:
        link_id = call.params.text("orderLinkId")
        if link_id is None:
            self._auto_ids += 1
            return f"{AUTO_LINK_PREFIX}{self._auto_ids}"
        if not _LINK_ID.match(link_id):
            raise invalid("orderLinkId", "must be 1-36 letters, digits, '-' or '_'")
        if link_id in self._link_ids.get((call.account_id, category), ()):
            raise duplicate_link_id(category)
        return link_id

    def _limit(
        self, params: Params, category: Category, spec: SymbolSpec, side: str
    ) -> OrderRequest:
        qty = params.decimal("qty", required=True)
        price = params.decimal("price")
        if price is None:
            raise missing("price")
        assert qty is not None
        if qty <= 0:
            raise invalid("qty", "must be positive")
        tif = TIME_IN_FORCE[params.choice("timeInForce", tuple(TIME_IN_FORCE), "GTC")]
        if category == "spot":
            filters.check_spot_qty(spec, qty, limit=True)
            filters.check_spot_price(spec, price, side)
            filters.check_spot_amount(spec, qty * price)
        else:
            filters.check_linear_qty(spec, qty, limit=True)
            filters.check_linear_price(spec, price)
            if not params.boolean("reduceOnly"):
                filters.check_linear_notional(spec, qty * price)
        return OrderRequest(
            symbol=spec.symbol, side=side, type="LIMIT", qty=qty, price=price, tif=tif
        )

    def _market(
        self, params: Params, category: Category, spec: SymbolSpec, side: str
    ) -> OrderRequest:
        qty = params.decimal("qty", required=True)
        assert qty is not None
        if qty <= 0:
            raise invalid("qty", "must be positive")
        if category == "linear":
            filters.check_linear_qty(spec, qty, limit=False)
            if not params.boolean("reduceOnly"):
                mark = self.ctx.linear.mark_price(spec.symbol)
                filters.check_linear_notional(spec, qty * mark)
            return OrderRequest(symbol=spec.symbol, side=side, type="MARKET", qty=qty)
        # spot market Buy is sized in the quote coin unless marketUnit says otherwise
        default_unit = "quoteCoin" if side == "BUY" else "baseCoin"
        unit = params.choice("marketUnit", ("baseCoin", "quoteCoin"), default_unit)
        if unit == "quoteCoin":
            filters.check_spot_amount(spec, qty)
            return OrderRequest(
                symbol=spec.symbol, side=side, type="MARKET", qty=None, quote_qty=qty
            )
        filters.check_spot_qty(spec, qty, limit=False)
        return OrderRequest(symbol=spec.symbol, side=side, type="MARKET", qty=qty)

    def _position_rules(self, params: Params, account_id: str, request: OrderRequest) -> None:
        """positionIdx and reduceOnly on linear: one-way orders take 0, hedge-mode orders 1
        (long leg) or 2 (short leg); a reduce-only order must close something."""
        idx = params.integer("positionIdx", 0, low=0, high=2)
        assert idx is not None
        request.position_side = POSITION_SIDES[idx]
        reduce_only = params.boolean("reduceOnly")
        hedge = self.ctx.linear.hedge_mode(account_id)
        if not hedge:
            request.reduce_only = reduce_only
            return
        # hedge mode: the leg says what the order does; the engine sizes the close
        closes = (request.position_side, request.side) in (("LONG", "SELL"), ("SHORT", "BUY"))
        if reduce_only and not closes:
            raise BybitApiError(
                110017, "current position is zero, cannot fix reduce-only order qty"
            )

    # -- amend / cancel ----------------------------------------------------------------
    def amend(self, call: Call) -> object:
        category, engine, symbol, order_id, link_id = self.target(call)
        params = call.params
        spec = self.spec(category, symbol)
        qty, price = params.decimal("qty"), params.decimal("price")
        if qty is None and price is None:
            raise missing("qty or price")
        current = self._order(engine, call.account_id, symbol, order_id, link_id, category)
        new_qty = qty if qty is not None else current.qty
        new_price = price if price is not None else current.price
        assert new_price is not None
        if category == "spot":
            filters.check_spot_qty(spec, new_qty, limit=True)
            filters.check_spot_price(spec, new_price, current.side)
        else:
            filters.check_linear_qty(spec, new_qty, limit=True)
            filters.check_linear_price(spec, new_price)
        if qty is not None and qty <= current.filled_qty:
            raise BybitApiError(
                110063,
                "The number of contracts modified cannot be less than or equal to the "
                "filled quantity",
            )
        try:
            order, _fills = engine.amend(
                call.account_id, symbol, current.order_id, qty=qty, price=price
            )
        except Reject as exc:
            raise rejected(exc, category) from None
        return order_ack(order, category)

    def cancel(self, call: Call) -> object:
        category, engine, symbol, order_id, link_id = self.target(call)
        current = self._order(engine, call.account_id, symbol, order_id, link_id, category)
        try:
            order = engine.cancel(call.account_id, symbol, current.order_id)
        except Reject as exc:
            raise rejected(exc, category) from None
        return order_ack(order, category)

    def cancel_all(self, call: Call) -> object:
        params = call.params
        category = self.category(params)
        engine = self.ctx.engine(category)
        symbol = params.text("symbol")
        base, settle = params.text("baseCoin"), params.text("settleCoin")
        if category == "linear" and symbol is None and base is None and settle is None:
            raise missing("symbol or baseCoin or settleCoin")
        if symbol is not None:
            self.spec(category, symbol)
            symbols = [symbol]
        else:
            symbols = [
                s.symbol
                for s in self._specs[category].values()
                if (base is None or s.base == base) and (settle is None or s.quote == settle)
            ]
        cancelled: list[EngineOrder] = []
        for name in symbols:
            if engine.open_orders(call.account_id, name):
                cancelled.extend(engine.cancel_all(call.account_id, name))
        return {"list": [order_ack(o, category) for o in cancelled], "success": "1"}

    def _order(
        self,
        engine: Engine,
        account_id: str,
        symbol: str,
        order_id: int | None,
        link_id: str | None,
        category: Category,
    ) -> EngineOrder:
        """The open order a cancel or amend names (orderId wins over orderLinkId)."""
        order = engine.find_order(account_id, symbol, order_id, None if order_id else link_id)
        if order is None or not order.is_open:
            raise order_not_found(category)
        return order
