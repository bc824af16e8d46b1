"""The signed REST endpoints: orders (with cancel-and-replace), balance, positions,
leverage and position mode (PROTOCOLS.md §5.3).

Client order ids are kept lower-cased, as the venue does; an order whose client id an
order of the account already has is not placed again: the answer is that order.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from decimal import Decimal

from tradeport.emulator.host.rest import Route
from tradeport.emulator.orders import EngineOrder, OrderRequest, Reject, RejectReason
from tradeport.venues.bingx.emulator import payloads as p
from tradeport.venues.bingx.emulator.calls import Call
from tradeport.venues.bingx.emulator.context import BingxContext, wire_symbol
from tradeport.venues.bingx.emulator.errors import (
    BingxApiError,
    invalid,
    order_not_found,
    unknown_symbol,
)
from tradeport.venues.bingx.emulator.market import PREFIX

CLIENT_ID = re.compile(r"(?=[A-Za-z]*[0-9_-])[A-Za-z0-9_-]{1,40}")
_TIF = {"GTC": "GTC", "IOC": "IOC", "FOK": "FOK", "PostOnly": "GTX"}
# engine refusals in the venue's codes (§5.7)
_REJECTS = {
    RejectReason.UNKNOWN_SYMBOL: (109425, "symbol is not exist"),
    RejectReason.INSUFFICIENT_BALANCE: (101204, "Insufficient margin"),
    RejectReason.INSUFFICIENT_MARGIN: (101204, "Insufficient margin"),
    RejectReason.REDUCE_ONLY_REJECTED: (101205, "No position to close"),
    RejectReason.POSITION_SIDE_MISMATCH: (109400, "positionSide is invalid"),
    RejectReason.ORDER_NOT_FOUND: (109421, "order not exist"),
    RejectReason.BAD_LEVERAGE: (109400, "leverage is invalid"),
    RejectReason.BAD_QUANTITY: (101400, "The order quantity is invalid"),
    RejectReason.BAD_PRICE: (109400, "price is invalid"),
    RejectReason.NO_LIQUIDITY: (101400, "no liquidity to fill the order"),
    RejectReason.POSITION_MODE_LOCKED: (109500, "has open orders or positions"),
    # a contract not online (status 25 close-only, 5 pre-online, 0 offline): 109415
    # "symbol paused" [?] (the docs name the code, not the states it covers)
    RejectReason.CLOSE_ONLY: (109415, "symbol is paused, only closing orders are accepted"),
    RejectReason.NOT_LAUNCHED: (109415, "symbol is paused"),
    RejectReason.DELISTED: (109415, "symbol is paused"),
}


def refused(exc: Reject) -> BingxApiError:
    code, msg = _REJECTS.get(exc.reason, (109400, str(exc)))
    return BingxApiError(code, msg)


class Trading:
    def __init__(
        self, ctx: BingxContext, on_config: Callable[[str, str], None] | None = None
    ) -> None:
        """`on_config(account, engine symbol)`: a contract's leverage or margin type
        was set (the account stream announces it)."""
        self.ctx = ctx
        self.on_config = on_config

    def routes(self) -> dict[str, Route[Call]]:
        order = f"{PREFIX}/v2/trade/order"
        return {
            f"POST {order}": Route(self.place, signed=True, order_entry=True),
            f"DELETE {order}": Route(self.cancel, signed=True),
            f"GET {order}": Route(self.query, signed=True),
            f"POST {PREFIX}/v1/trade/cancelReplace": Route(
                self.cancel_replace, signed=True, order_entry=True
            ),
            f"DELETE {PREFIX}/v2/trade/allOpenOrders": Route(self.cancel_all, signed=True),
            f"GET {PREFIX}/v2/trade/openOrders": Route(self.open_orders, signed=True),
            f"GET {PREFIX}/v2/trade/allOrders": Route(self.all_orders, signed=True),
            f"GET {PREFIX}/v3/user/balance": Route(self.balance, signed=True),
            f"GET {PREFIX}/v2/user/positions": Route(self.positions, signed=True),
            f"GET {PREFIX}/v2/trade/leverage": Route(self.get_leverage, signed=True),
            f"POST {PREFIX}/v2/trade/leverage": Route(self.set_leverage, signed=True),
            f"GET {PREFIX}/v2/trade/marginType": Route(self.get_margin_type, signed=True),
            f"POST {PREFIX}/v2/trade/marginType": Route(self.set_margin_type, signed=True),
            f"GET {PREFIX}/v1/positionSide/dual": Route(self.position_mode, signed=True),
            f"POST {PREFIX}/v1/positionSide/dual": Route(self.set_position_mode, signed=True),
            f"GET {PREFIX}/v2/trade/fillHistory": Route(self.fill_history, signed=True),
        }

    def symbol(self, call: Call) -> tuple[str, str]:
        """(wire symbol, engine symbol) of the required `symbol`."""
        symbol = call.params.require("symbol")
        spec = self.ctx.spec(symbol)
        if spec is None:
            raise unknown_symbol(symbol)
        return symbol, spec.symbol

    def client_id(self, call: Call) -> str | None:
        # the documented `clientOrderId`, or `clientOrderID` as ccxt sends it (and as
        # the place answer spells it)
        cid = call.params.text("clientOrderId") or call.params.text("clientOrderID")
        if cid is None:
            return None
        if not CLIENT_ID.fullmatch(cid):
            raise invalid("clientOrderId", "must be 1 to 40 of letters, digits, - and _")
        return cid.lower()

    def find(self, call: Call, engine_symbol: str) -> EngineOrder:
        order_id = call.params.integer("orderId")
        cid = self.client_id(call)
        if order_id is None and cid is None:
            raise invalid("orderId", "or clientOrderId is required")
        found = self.ctx.swap.find_order(call.account_id, engine_symbol, order_id, cid)
        if found is None:
            raise order_not_found()
        return found

    def row(self, call: Call, order: EngineOrder, symbol: str) -> dict[str, object]:
        """An order row with its realized profit and commission, summed over its fills."""
        fills = self.ctx.swap.fills(call.account_id, order.symbol, order.order_id, None)
        profit = sum((f.realized_pnl for f in fills), Decimal(0))
        commission = sum((f.fee for f in fills), Decimal(0))
        return p.order(order, symbol, profit, commission)

    # -- orders ------------------------------------------------------------------------
    def place(self, call: Call) -> dict[str, object]:
        symbol, engine_symbol = self.symbol(call)
        params = call.params
        cid = self.client_id(call)
        engine = self.ctx.swap
        if cid is not None:
            # a retry of an order already placed: the venue answers with that order
            known = engine.find_order(call.account_id, engine_symbol, None, cid)
            if known is not None:
                return {"order": p.order_ack(known, symbol)}
        side = params.choice("side", ("BUY", "SELL"))
        order_type = params.choice("type", ("LIMIT", "MARKET"))
        hedge = engine.hedge_mode(call.account_id)
        position_side = params.choice(
            "positionSide", ("BOTH", "LONG", "SHORT"), "LONG" if hedge else "BOTH"
        )
        if (position_side == "BOTH") == hedge:
            raise invalid("positionSide", "does not match the position mode")
        reduce_only = params.boolean("reduceOnly")
        if reduce_only and hedge:
            raise invalid("reduceOnly", "is only taken in one-way mode")
        tif = params.choice("timeInForce", tuple(_TIF), "GTC")
        price = params.decimal("price", required=order_type == "LIMIT")
        req = OrderRequest(
            symbol=engine_symbol,
            side=side,
            type=order_type,
            qty=params.decimal("quantity", required=True),
            price=price if order_type == "LIMIT" else None,
            tif=_TIF[tif] if order_type == "LIMIT" else "GTC",
            client_order_id=cid or f"{p.AUTO_CLIENT_ID}{secrets.token_hex(8)}",
            reduce_only=reduce_only,
            position_side=position_side,
        )
        try:
            order, _ = engine.place(call.account_id, req)
        except Reject as exc:
            raise refused(exc) from None
        return {"order": p.order_ack(order, symbol)}

    def cancel(self, call: Call) -> object:
        symbol, engine_symbol = self.symbol(call)
        found = self.find(call, engine_symbol)
        try:
            order = self.ctx.swap.cancel(call.account_id, engine_symbol, found.order_id)
        except Reject as exc:
            raise refused(exc) from None
        return {"order": self.row(call, order, symbol)}

    def cancel_replace(self, call: Call) -> object:
        """Cancel `cancelOrderId` / `cancelClientOrderId`, then place the order the other
        parameters describe, as `place` does. STOP_ON_FAILURE (`cancelReplaceMode`)
        places nothing when the cancel fails (the cancel's error is the answer);
        ALLOW_FAILURE places regardless. A refused placement is reported in
        `replaceResult` / `replaceMsg`, the cancel standing [?]."""
        symbol, engine_symbol = self.symbol(call)
        mode = call.params.choice("cancelReplaceMode", ("STOP_ON_FAILURE", "ALLOW_FAILURE"))
        order_id = call.params.integer("cancelOrderId")
        cid = call.params.text("cancelClientOrderId")
        if order_id is None and cid is None:
            raise invalid("cancelOrderId", "or cancelClientOrderId is required")
        answer: dict[str, object] = {}
        try:
            found = self.ctx.swap.find_order(
                call.account_id, engine_symbol, order_id, None if cid is None else cid.lower()
            )
            if found is None:
                raise order_not_found()
            try:
                cancelled = self.ctx.swap.cancel(call.account_id, engine_symbol, found.order_id)
            except Reject as exc:
                raise refused(exc) from None
        except BingxApiError as exc:
            if mode == "STOP_ON_FAILURE":
                raise
            answer.update(cancelResult="false", cancelMsg=exc.msg, cancelResponse=None)
        else:
            row = self.row(call, cancelled, symbol)
            row["cancelOrderId"] = cancelled.order_id
            row["cancelClientOrderId"] = cid or ""
            answer.update(cancelResult="true", cancelMsg="", cancelResponse=row)
        try:
            placed = self.place(call)["order"]
        except BingxApiError as exc:
            answer.update(replaceResult="false", replaceMsg=exc.msg, newOrderResponse=None)
        else:
            answer.update(replaceResult="true", replaceMsg="", newOrderResponse=placed)
        return answer

    def query(self, call: Call) -> object:
        symbol, engine_symbol = self.symbol(call)
        return {"order": self.row(call, self.find(call, engine_symbol), symbol)}

    def cancel_all(self, call: Call) -> object:
        symbol, engine_symbol = self.symbol(call)
        orders = self.ctx.swap.cancel_all(call.account_id, engine_symbol)
        return {"success": [self.row(call, o, symbol) for o in orders], "failed": None}

    def open_orders(self, call: Call) -> object:
        wanted = call.params.text("symbol")
        engine_symbol = None
        if wanted is not None:
            _, engine_symbol = self.symbol(call)
        names = {s.symbol: wire_symbol(s) for s in self.ctx.symbols}
        orders = self.ctx.swap.open_orders(call.account_id, engine_symbol)
        return {"orders": [self.row(call, o, names[o.symbol]) for o in orders]}

    def all_orders(self, call: Call) -> object:
        """The order history of a symbol: orders created within [startTime, endTime],
        oldest first, at most `limit` (500 by default, 1000 at most) of the latest."""
        symbol, engine_symbol = self.symbol(call)
        start = call.params.integer("startTime", 0, low=0) or 0
        end = call.params.integer("endTime", low=0)
        limit = call.params.integer("limit", 500, low=1, high=1000) or 500
        orders = [
            o
            for o in self.ctx.swap.all_orders(call.account_id, engine_symbol)
            if o.created_ms >= start and (end is None or o.created_ms <= end)
        ]
        orders.sort(key=lambda o: (o.created_ms, o.order_id))
        return {"orders": [self.row(call, o, symbol) for o in orders[-limit:]]}

    # -- account -----------------------------------------------------------------------
    def balance(self, call: Call) -> object:
        wallet = self.ctx.swap.wallet(call.account_id, "USDT")
        return [p.balance(wallet, call.account_id)]

    def positions(self, call: Call) -> object:
        wanted = call.params.text("symbol")
        if wanted is not None:
            self.symbol(call)
        names = {s.symbol: wire_symbol(s) for s in self.ctx.symbols}
        account = call.account_id
        rows = [
            p.position(
                pos, names[pos.symbol], call.now_ms, (account, pos.symbol) in self.ctx.isolated
            )
            for pos in self.ctx.swap.positions(account)
            if pos.qty and (wanted is None or names[pos.symbol] == wanted)
        ]
        return rows

    def get_leverage(self, call: Call) -> object:
        symbol, engine_symbol = self.symbol(call)
        leverage = self.ctx.swap.leverage(call.account_id, engine_symbol)
        return {
            "symbol": symbol,
            "longLeverage": leverage,
            "shortLeverage": leverage,
            "maxLongLeverage": self.ctx.swap.instruments[engine_symbol].max_leverage,
            "maxShortLeverage": self.ctx.swap.instruments[engine_symbol].max_leverage,
        }

    def set_leverage(self, call: Call) -> object:
        symbol, engine_symbol = self.symbol(call)
        hedge = self.ctx.swap.hedge_mode(call.account_id)
        side = call.params.choice("side", ("BOTH", "LONG", "SHORT"))
        if (side == "BOTH") == hedge:
            raise invalid("side", "must be BOTH in one-way mode, LONG or SHORT in hedge mode")
        leverage = call.params.integer("leverage", low=1)
        if leverage is None:
            raise invalid("leverage", "is required")
        try:
            applied = self.ctx.swap.set_leverage(call.account_id, engine_symbol, leverage)
        except Reject as exc:
            raise refused(exc) from None
        if self.on_config is not None:
            self.on_config(call.account_id, engine_symbol)
        return {"leverage": applied, "symbol": symbol}

    def get_margin_type(self, call: Call) -> object:
        symbol, engine_symbol = self.symbol(call)
        return {
            "symbol": symbol,
            "marginType": self.ctx.margin_type(call.account_id, engine_symbol),
        }

    def set_margin_type(self, call: Call) -> object:
        """ISOLATED or CROSSED; refused (109500) while the contract has a position or
        open orders, unless it is the type already set."""
        symbol, engine_symbol = self.symbol(call)
        wanted = call.params.choice("marginType", ("ISOLATED", "CROSSED"))
        account = call.account_id
        if wanted != self.ctx.margin_type(account, engine_symbol):
            engine = self.ctx.swap
            held = any(q.symbol == engine_symbol and q.qty for q in engine.positions(account))
            if held or engine.open_orders(account, engine_symbol):
                raise BingxApiError(109500, "has open orders or positions")
            if wanted == "ISOLATED":
                self.ctx.isolated.add((account, engine_symbol))
            else:
                self.ctx.isolated.discard((account, engine_symbol))
            if self.on_config is not None:
                self.on_config(account, engine_symbol)
        return {"symbol": symbol, "marginType": wanted}

    def set_position_mode(self, call: Call) -> object:
        hedge = call.params.boolean("dualSidePosition")
        if not call.params.has("dualSidePosition"):
            raise invalid("dualSidePosition", "is required")
        try:
            self.ctx.swap.set_hedge_mode(call.account_id, hedge)
        except Reject as exc:
            raise refused(exc) from None
        return {"dualSidePosition": "true" if hedge else "false"}

    def position_mode(self, call: Call) -> object:
        hedge = self.ctx.swap.hedge_mode(call.account_id)
        return {"dualSidePosition": "true" if hedge else "false"}

    def fill_history(self, call: Call) -> object:
        symbol, engine_symbol = self.symbol(call)
        start = call.params.integer("startTs")
        end = call.params.integer("endTs")
        if start is None or end is None:
            raise invalid("startTs" if start is None else "endTs", "is required")
        size = call.params.integer("pageSize", 50, low=1, high=1000)
        order_id = call.params.integer("orderId")
        fills = self.ctx.swap.fills(call.account_id, engine_symbol, order_id, None)
        kept = [f for f in fills if start <= f.ts_ms <= end][-(size or 50) :]
        return {"fill_history_orders": [p.fill(f, symbol) for f in kept]}
