"""Spot trading and account endpoints (PROTOCOLS.md §1.3, §1.7).

Spot post-only is its own order type, LIMIT_MAKER; the engine sees it as a LIMIT order
with time in force GTX. Responses come in three sizes (newOrderRespType ACK / RESULT /
FULL; FULL by default for LIMIT and MARKET, ACK for the others).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from tradeport.emulator import decimal_text
from tradeport.emulator.engine import Engine, EngineFill, EngineOrder, OrderRequest, Reject
from tradeport.emulator.orders import STP_MODES
from tradeport.emulator.symbol_set import by_symbol
from tradeport.emulator.symbols import SymbolSpec
from tradeport.venues.binance.emulator.calls import Call, Route
from tradeport.venues.binance.emulator.errors import (
    CLIENT_ID_RANGE,
    BinanceApiError,
    bad_combination,
    illegal,
    invalid_order_type,
    invalid_response_type,
    invalid_side,
    invalid_symbol,
    invalid_time_in_force,
    no_such_order,
    unknown_order,
)
from tradeport.venues.binance.emulator.filters import check_spot_order
from tradeport.venues.binance.emulator.history import select_fills, select_window
from tradeport.venues.binance.emulator.market import avg_price
from tradeport.venues.binance.emulator.params import CLIENT_ID, Params
from tradeport.venues.binance.emulator.rejects import SPOT_REJECTS, from_reject

SPOT_TYPES = ("LIMIT", "MARKET", "LIMIT_MAKER")
CONDITIONAL_TYPES = ("STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT")
RESP_TYPES = ("ACK", "RESULT", "FULL")
f8 = decimal_text.spot


def wire_type(order: EngineOrder) -> tuple[str, str]:
    """(type, timeInForce) as spot reports them."""
    if order.type == "LIMIT" and order.tif == "GTX":
        return "LIMIT_MAKER", "GTC"
    return order.type, order.tif


def order_result(order: EngineOrder) -> dict[str, object]:
    kind, tif = wire_type(order)
    return {
        "symbol": order.symbol,
        "orderId": order.order_id,
        "orderListId": -1,
        "clientOrderId": order.client_order_id,
        "transactTime": order.created_ms,
        "price": f8(order.price),
        "origQty": f8(order.qty),
        "executedQty": f8(order.filled_qty),
        "origQuoteOrderQty": f8(order.quote_qty),
        "cummulativeQuoteQty": f8(order.cum_quote),  # (sic) Binance's spelling
        "status": order.status,
        "timeInForce": tif,
        "type": kind,
        "side": order.side,
        "workingTime": order.created_ms,
        "selfTradePreventionMode": order.stp,
    }


def order_query(order: EngineOrder) -> dict[str, object]:
    kind, tif = wire_type(order)
    return {
        "symbol": order.symbol,
        "orderId": order.order_id,
        "orderListId": -1,
        "clientOrderId": order.client_order_id,
        "price": f8(order.price),
        "origQty": f8(order.qty),
        "executedQty": f8(order.filled_qty),
        "cummulativeQuoteQty": f8(order.cum_quote),
        "status": order.status,
        "timeInForce": tif,
        "type": kind,
        "side": order.side,
        "stopPrice": f8(0),
        "icebergQty": f8(0),
        "time": order.created_ms,
        "updateTime": order.updated_ms,
        "isWorking": True,
        "workingTime": order.created_ms,
        "origQuoteOrderQty": f8(order.quote_qty),
        "selfTradePreventionMode": order.stp,
    }


def cancel_result(order: EngineOrder, new_client_id: str, now_ms: int) -> dict[str, object]:
    kind, tif = wire_type(order)
    return {
        "symbol": order.symbol,
        "origClientOrderId": order.client_order_id,
        "orderId": order.order_id,
        "orderListId": -1,
        "clientOrderId": new_client_id,
        "transactTime": now_ms,
        "price": f8(order.price),
        "origQty": f8(order.qty),
        "executedQty": f8(order.filled_qty),
        "origQuoteOrderQty": f8(order.quote_qty),
        "cummulativeQuoteQty": f8(order.cum_quote),
        "status": order.status,
        "timeInForce": tif,
        "type": kind,
        "side": order.side,
        "selfTradePreventionMode": order.stp,
    }


def fill_row(fill: EngineFill) -> dict[str, object]:
    return {
        "price": f8(fill.price),
        "qty": f8(fill.qty),
        "commission": f8(fill.fee),
        "commissionAsset": fill.fee_asset,
        "tradeId": fill.trade_id,
    }


def my_trade(fill: EngineFill) -> dict[str, object]:
    return {
        "symbol": fill.symbol,
        "id": fill.trade_id,
        "orderId": fill.order_id,
        "orderListId": -1,
        "price": f8(fill.price),
        "qty": f8(fill.qty),
        "quoteQty": f8(fill.quote_qty),
        "commission": f8(fill.fee),
        "commissionAsset": fill.fee_asset,
        "time": fill.ts_ms,
        "isBuyer": fill.side == "BUY",
        "isMaker": fill.is_maker,
        "isBestMatch": True,
    }


class SpotTrading:
    def __init__(
        self, engine: Engine, specs: Sequence[SymbolSpec], *, maker_fee: Decimal, taker_fee: Decimal
    ) -> None:
        self.engine = engine
        self.specs = by_symbol(specs)
        self.maker_fee = maker_fee
        self.taker_fee = taker_fee
        self._cancel_ids = 0

    # -- new orders --------------------------------------------------------------------
    def _request(self, call: Call) -> tuple[SymbolSpec, OrderRequest, str]:
        """Validate a new order as spot does and build the engine request."""
        p = call.params
        spec = p.spec(self.specs)
        side = p.require("side")
        if side not in ("BUY", "SELL"):
            raise invalid_side()
        kind = p.require("type")
        if kind in CONDITIONAL_TYPES:
            raise BinanceApiError(-1014, "Unsupported order combination.")
        if kind not in SPOT_TYPES:
            raise invalid_order_type()
        for name in ("stopPrice", "trailingDelta", "icebergQty"):
            p.forbid(name)
        stp = p.get("selfTradePreventionMode")
        if stp is not None and stp not in STP_MODES:
            raise BinanceApiError(
                -1130, "Invalid data sent for parameter 'selfTradePreventionMode'."
            )
        for name in ("strategyId", "strategyType"):
            p.get(name)
        resp_type = p.get("newOrderRespType") or ("FULL" if kind != "LIMIT_MAKER" else "ACK")
        if resp_type not in RESP_TYPES:
            raise invalid_response_type()
        client_id = p.get("newClientOrderId") or ""
        if client_id and not CLIENT_ID.match(client_id):
            raise illegal("newClientOrderId", CLIENT_ID_RANGE)
        price = qty = quote_qty = None
        tif = "GTC"
        if kind == "MARKET":
            p.forbid("timeInForce")
            p.forbid("price")
            qty, quote_qty = p.decimal("quantity"), p.decimal("quoteOrderQty")
            if qty is None and quote_qty is None:
                raise BinanceApiError(
                    -1102,
                    "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!",
                )
            if qty is not None and quote_qty is not None:
                raise bad_combination()
        else:
            p.forbid("quoteOrderQty")
            if kind == "LIMIT":
                tif = p.require("timeInForce")
                if tif not in ("GTC", "IOC", "FOK"):
                    raise invalid_time_in_force()
            else:
                p.forbid("timeInForce")
                tif = "GTX"  # LIMIT_MAKER: rejected instead of taking (§1.3)
            qty = p.decimal("quantity", required=True)
            price = p.decimal("price", required=True)
        p.check_all_read()
        check_spot_order(
            spec,
            is_market=kind == "MARKET",
            price=price,
            qty=qty,
            quote_qty=quote_qty,
            reference_price=avg_price(self.engine, spec.symbol, call.now_ms),
            open_orders=len(self.engine.open_orders(call.account_id, spec.symbol)),
        )
        order_type = "MARKET" if kind == "MARKET" else "LIMIT"
        req = OrderRequest(
            spec.symbol,
            side,
            order_type,
            qty,
            price,
            tif,
            client_id,
            quote_qty=quote_qty,
            stp=stp,
        )
        return spec, req, resp_type

    def new_order(self, call: Call) -> object:
        _spec, req, resp_type = self._request(call)
        try:
            order, fills = self.engine.place(call.account_id, req)
        except Reject as exc:
            raise from_reject(SPOT_REJECTS, exc) from exc
        if resp_type == "ACK":
            return {
                "symbol": order.symbol,
                "orderId": order.order_id,
                "orderListId": -1,
                "clientOrderId": order.client_order_id,
                "transactTime": order.created_ms,
            }
        result = order_result(order)
        if resp_type == "FULL":
            result["fills"] = [fill_row(f) for f in fills]
        return result

    def test_order(self, call: Call) -> object:
        compute = call.params.boolean("computeCommissionRates")
        self._request(call)
        if not compute:
            return {}
        return {
            "standardCommissionForOrder": {
                "maker": f8(self.maker_fee),
                "taker": f8(self.taker_fee),
            },
            "specialCommissionForOrder": {"maker": f8(0), "taker": f8(0)},
            "taxCommissionForOrder": {"maker": f8(0), "taker": f8(0)},
            "discount": {
                "enabledForAccount": False,
                "enabledForSymbol": False,
                "discountAsset": "BNB",
                "discount": f8(0),
            },
        }

    # -- cancels and queries -----------------------------------------------------------
    def _new_cancel_id(self, params: Params) -> str:
        given = params.get("newClientOrderId")
        if given is not None:
            if not CLIENT_ID.match(given):
                raise illegal("newClientOrderId", CLIENT_ID_RANGE)
            return given
        self._cancel_ids += 1
        return f"emucancel{self._cancel_ids}"

    def cancel_order(self, call: Call) -> object:
        p = call.params
        spec = p.spec(self.specs)
        order_id, client_id = p.order_ref()
        cancel_restrictions = p.get("cancelRestrictions")
        if cancel_restrictions not in (None, "ONLY_NEW", "ONLY_PARTIALLY_FILLED"):
            raise BinanceApiError(
                -1145, "cancelRestrictions has to be either ONLY_NEW or ONLY_PARTIALLY_FILLED."
            )
        new_id = self._new_cancel_id(p)
        p.check_all_read()
        try:
            current = self.engine.order(call.account_id, spec.symbol, order_id, client_id)
            if cancel_restrictions and current.status != cancel_restrictions.removeprefix("ONLY_"):
                raise BinanceApiError(-2011, "Order was not canceled due to cancel restrictions.")
            order = self.engine.cancel(call.account_id, spec.symbol, order_id, client_id)
        except Reject as exc:
            raise unknown_order() from exc
        return cancel_result(order, new_id, call.now_ms)

    def cancel_all(self, call: Call) -> object:
        spec = call.params.spec(self.specs)
        orders = self.engine.cancel_all(call.account_id, spec.symbol)
        if not orders:
            raise unknown_order()
        return [cancel_result(o, self._new_cancel_id(call.params), call.now_ms) for o in orders]

    def query_order(self, call: Call) -> object:
        spec = call.params.spec(self.specs)
        order_id, client_id = call.params.order_ref()
        try:
            return order_query(self.engine.order(call.account_id, spec.symbol, order_id, client_id))
        except Reject as exc:
            raise no_such_order() from exc

    def open_orders(self, call: Call) -> object:
        symbol = call.params.get("symbol")
        if symbol is not None and symbol not in self.specs:
            raise invalid_symbol()
        return [order_query(o) for o in self.engine.open_orders(call.account_id, symbol)]

    def all_orders(self, call: Call) -> object:
        spec = call.params.spec(self.specs)
        orders = self.engine.all_orders(call.account_id, spec.symbol)
        chosen = select_window(
            orders,
            call.params,
            time_of=lambda o: o.created_ms,
            id_of=lambda o: o.order_id,
            from_param="orderId",
        )
        return [order_query(o) for o in chosen]

    # -- account -----------------------------------------------------------------------
    def account(self, call: Call) -> object:
        omit_zero = call.params.boolean("omitZeroBalances") or False
        held = self.engine.balances(call.account_id)
        assets = sorted(set(held) | {a for s in self.specs.values() for a in (s.base, s.quote)})
        balances = []
        for asset in assets:
            free, locked = held.get(asset, (Decimal(0), Decimal(0)))
            if omit_zero and free == 0 and locked == 0:
                continue
            balances.append({"asset": asset, "free": f8(free), "locked": f8(locked)})
        bps_maker, bps_taker = int(self.maker_fee * 10000), int(self.taker_fee * 10000)
        return {
            "makerCommission": bps_maker,
            "takerCommission": bps_taker,
            "buyerCommission": 0,
            "sellerCommission": 0,
            "commissionRates": {
                "maker": f8(self.maker_fee),
                "taker": f8(self.taker_fee),
                "buyer": f8(0),
                "seller": f8(0),
            },
            "canTrade": True,
            "canWithdraw": True,
            "canDeposit": True,
            "brokered": False,
            "requireSelfTradePrevention": False,
            "preventSor": False,
            "updateTime": call.now_ms,
            "accountType": "SPOT",
            "balances": balances,
            "permissions": ["SPOT"],
            "uid": call.caller.uid if call.caller else 0,
        }

    def my_trades(self, call: Call) -> object:
        spec = call.params.spec(self.specs)
        fills = select_fills(self.engine, call.account_id, spec.symbol, call.params)
        return [my_trade(f) for f in fills]

    def routes(self) -> dict[str, Route]:
        p = "/api/v3"
        return {
            f"POST {p}/order": Route(self.new_order, signed=True, order_entry=True),
            f"POST {p}/order/test": Route(self.test_order, signed=True),
            f"DELETE {p}/order": Route(self.cancel_order, signed=True),
            f"GET {p}/order": Route(self.query_order, signed=True),
            f"GET {p}/openOrders": Route(self.open_orders, signed=True),
            f"DELETE {p}/openOrders": Route(self.cancel_all, signed=True),
            f"GET {p}/allOrders": Route(self.all_orders, signed=True),
            f"GET {p}/account": Route(self.account, signed=True),
            f"GET {p}/myTrades": Route(self.my_trades, signed=True),
        }
