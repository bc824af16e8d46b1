"""USDⓈ-M trading and account endpoints (PROTOCOLS.md §2.3, §2.7).

Post-only is `timeInForce=GTX`; hedge mode (`dualSidePosition`) needs `positionSide`
LONG/SHORT and refuses `reduceOnly`; conditional order types moved to the Algo API and
are refused here with -4120 (since 2025-12-09).
"""

from __future__ import annotations

from collections.abc import Sequence

from tradeport.emulator.engine import (
    Engine,
    EngineOrder,
    OrderRequest,
    PerpWallet,
    Reject,
    RejectReason,
)
from tradeport.emulator.orders import STP_MODES
from tradeport.emulator.symbol_set import by_symbol
from tradeport.emulator.symbols import SymbolSpec
from tradeport.venues.binance.emulator import futures_payloads as out
from tradeport.venues.binance.emulator.calls import Call, Route
from tradeport.venues.binance.emulator.errors import (
    BinanceApiError,
    invalid_order_type,
    invalid_response_type,
    invalid_side,
    invalid_symbol,
    invalid_time_in_force,
    no_such_order,
    unknown_order,
)
from tradeport.venues.binance.emulator.filters import check_futures_order
from tradeport.venues.binance.emulator.history import select_fills, select_window
from tradeport.venues.binance.emulator.params import CLIENT_ID
from tradeport.venues.binance.emulator.rejects import FUTURES_REJECTS, from_reject

ALGO_TYPES = ("STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET")
SUCCESS = {"code": 200, "msg": "success"}


def success() -> dict[str, object]:
    return dict(SUCCESS)


class FuturesTrading:
    def __init__(self, engine: Engine, specs: Sequence[SymbolSpec]) -> None:
        self.engine = engine
        self.specs = by_symbol(specs)
        # the engine margins everything as cross; the flag is kept and reported as set
        self._margin_type: dict[tuple[str, str], str] = {}

    def reject(self, exc: Reject) -> BinanceApiError:
        return from_reject(FUTURES_REJECTS, exc)

    # -- new orders --------------------------------------------------------------------
    def _position_side(self, call: Call, reduce_only: bool) -> str:
        p = call.params
        side = p.get("positionSide") or "BOTH"
        if side not in ("BOTH", "LONG", "SHORT"):
            raise BinanceApiError(-4060, "Invalid position side.")
        hedge = self.engine.hedge_mode(call.account_id)
        if hedge and reduce_only:
            # the venue lower-cases the name in this message
            raise BinanceApiError(-1106, "Parameter 'reduceonly' sent when not required.")
        if hedge != (side != "BOTH"):
            raise BinanceApiError(-4061, "Order's position side does not match user's setting.")
        return side

    def _request(self, call: Call) -> tuple[OrderRequest, bool]:
        p = call.params
        spec = p.spec(self.specs)
        side = p.require("side")
        if side not in ("BUY", "SELL"):
            raise invalid_side()
        kind = p.require("type")
        if kind in ALGO_TYPES:
            raise BinanceApiError(
                -4120,
                "Order type not supported for this endpoint. Please use "
                "the Algo Order API endpoints instead.",
            )
        if kind not in ("LIMIT", "MARKET"):
            raise invalid_order_type()
        reduce_only = p.boolean("reduceOnly") or False
        position_side = self._position_side(call, reduce_only)
        if p.boolean("closePosition"):
            raise BinanceApiError(-1106, "Parameter 'closePosition' sent when not required.")
        for name in ("stopPrice", "activationPrice", "callbackRate", "goodTillDate"):
            p.forbid(name)
        p.get("workingType")
        p.get("priceProtect")
        if p.get("priceMatch") not in (None, "NONE"):
            raise BinanceApiError(-1130, "Invalid data sent for parameter 'priceMatch'.")
        stp = p.get("selfTradePreventionMode")
        if stp is not None and stp not in STP_MODES:
            raise BinanceApiError(
                -1130, "Invalid data sent for parameter 'selfTradePreventionMode'."
            )
        resp_type = p.get("newOrderRespType") or "ACK"
        if resp_type not in ("ACK", "RESULT"):
            raise invalid_response_type()
        client_id = p.get("newClientOrderId") or ""
        if client_id and not CLIENT_ID.match(client_id):
            raise BinanceApiError(-4015, "Client order id is not valid.")
        qty = p.decimal("quantity", required=True)
        assert qty is not None
        price = None
        tif = "GTC"
        if kind == "LIMIT":
            tif = p.require("timeInForce")
            if tif not in ("GTC", "IOC", "FOK", "GTX"):
                raise invalid_time_in_force()
            price = p.decimal("price", required=True)
        else:
            p.forbid("price")
            p.forbid("timeInForce")
        p.check_all_read()
        check_futures_order(
            spec,
            is_market=kind == "MARKET",
            price=price,
            qty=qty,
            reduce_only=reduce_only,
            mark_price=self.engine.mark_price(spec.symbol),
            open_orders=len(self.engine.open_orders(call.account_id, spec.symbol)),
        )
        req = OrderRequest(
            spec.symbol,
            side,
            kind,
            qty,
            price,
            tif,
            client_id,
            reduce_only=reduce_only,
            position_side=position_side,
            stp=stp,
        )
        return req, resp_type == "ACK"

    def new_order(self, call: Call) -> object:
        req, ack = self._request(call)
        try:
            order, _fills = self.engine.place(call.account_id, req)
        except Reject as exc:
            raise self.reject(exc) from exc
        return out.order_payload(order, ack=ack)

    # -- cancels and queries -----------------------------------------------------------
    def _find(self, call: Call) -> EngineOrder:
        spec = call.params.spec(self.specs)
        order_id, client_id = call.params.order_ref()
        try:
            return self.engine.order(call.account_id, spec.symbol, order_id, client_id)
        except Reject as exc:
            raise no_such_order() from exc

    def cancel_order(self, call: Call) -> object:
        spec = call.params.spec(self.specs)
        order_id, client_id = call.params.order_ref()
        call.params.check_all_read()
        try:
            order = self.engine.cancel(call.account_id, spec.symbol, order_id, client_id)
        except Reject as exc:
            raise unknown_order() from exc
        return out.order_payload(order)

    def cancel_all(self, call: Call) -> object:
        spec = call.params.spec(self.specs)
        self.engine.cancel_all(call.account_id, spec.symbol)
        return {"code": 200, "msg": "The operation of cancel all open order is done."}

    def query_order(self, call: Call) -> object:
        return out.order_query(self._find(call))

    def open_order(self, call: Call) -> object:
        order = self._find(call)
        if not order.is_open:
            raise no_such_order()
        return out.order_query(order)

    def open_orders(self, call: Call) -> object:
        symbol = call.params.get("symbol")
        if symbol is not None and symbol not in self.specs:
            raise invalid_symbol()
        return [out.order_query(o) for o in self.engine.open_orders(call.account_id, symbol)]

    def all_orders(self, call: Call) -> object:
        spec = call.params.spec(self.specs)
        chosen = select_window(
            self.engine.all_orders(call.account_id, spec.symbol),
            call.params,
            time_of=lambda o: o.created_ms,
            id_of=lambda o: o.order_id,
            from_param="orderId",
        )
        return [out.order_query(o) for o in chosen]

    def user_trades(self, call: Call) -> object:
        spec = call.params.spec(self.specs)
        fills = select_fills(self.engine, call.account_id, spec.symbol, call.params)
        return [out.user_trade(f) for f in fills]

    # -- positions and wallet ----------------------------------------------------------
    def _rows(self, call: Call, symbol: str | None, *, all_symbols: bool) -> list[out.PositionRow]:
        """Positions as rows; with `all_symbols`, empty slots too (v2 lists every symbol)."""
        account = call.account_id
        held = {(p.symbol, p.position_side): p for p in self.engine.positions(account)}
        sides = ("LONG", "SHORT") if self.engine.hedge_mode(account) else ("BOTH",)
        rows = []
        for spec in self.specs.values():
            if symbol is not None and spec.symbol != symbol:
                continue
            for side in sides:
                position = held.get((spec.symbol, side))
                if position is None and not all_symbols:
                    continue
                rows.append(
                    out.PositionRow(
                        spec,
                        side,
                        self.engine.leverage(account, spec.symbol),
                        self.engine.mark_price(spec.symbol),
                        position,
                        call.now_ms,
                    )
                )
        return rows

    def symbol_filter(self, call: Call) -> str | None:
        symbol = call.params.get("symbol")
        if symbol is not None and symbol not in self.specs:
            raise invalid_symbol()
        return symbol

    def position_risk_v2(self, call: Call) -> object:
        rows = self._rows(call, self.symbol_filter(call), all_symbols=True)
        return [r.risk_v2(self.margin_type_of(call, r.spec.symbol)) for r in rows]

    def position_risk_v3(self, call: Call) -> object:
        rows = self._rows(call, self.symbol_filter(call), all_symbols=False)
        return [r.risk_v3() for r in rows]

    def leverage_brackets(self, call: Call) -> object:
        symbol = self.symbol_filter(call)
        # "Notional and Leverage Brackets": a list, "OR (if symbol sent)" the one object
        if symbol is not None:
            return out.leverage_brackets(self.specs[symbol])
        return [out.leverage_brackets(s) for s in self.specs.values()]

    def _wallets(self, call: Call) -> list[PerpWallet]:
        assets = sorted(call.caller.account.futures_balances) if call.caller else []
        return [self.engine.wallet(call.account_id, a) for a in assets or ["USDT"]]

    def balance(self, call: Call) -> object:
        return [out.balance_row(w, call.now_ms) for w in self._wallets(call)]

    def account_v2(self, call: Call) -> object:
        rows = self._rows(call, None, all_symbols=True)
        maint = sum((r.maint for r in rows), out.ZERO)
        wallets = self._wallets(call)
        return {
            "feeTier": 0,
            "feeBurn": False,
            "canTrade": True,
            "canDeposit": True,
            "canWithdraw": True,
            "updateTime": 0,
            "multiAssetsMargin": False,
            "tradeGroupId": -1,
            **out.account_totals(wallets, maint),
            "assets": [out.asset_row(w, maint, call.now_ms) for w in wallets],
            "positions": [
                r.account_v2(self.margin_type_of(call, r.spec.symbol) == "isolated") for r in rows
            ],
        }

    def account_v3(self, call: Call) -> object:
        rows = self._rows(call, None, all_symbols=False)
        maint = sum((r.maint for r in rows), out.ZERO)
        wallets = self._wallets(call)
        return {
            **out.account_totals(wallets, maint),
            "assets": [out.asset_row(w, maint, call.now_ms) for w in wallets],
            "positions": [r.account_v3() for r in rows],
        }

    # -- settings ----------------------------------------------------------------------
    def set_leverage(self, call: Call) -> object:
        spec = call.params.spec(self.specs)
        leverage = call.params.integer("leverage", required=True)
        assert leverage is not None
        if not 1 <= leverage <= spec.max_leverage:
            raise BinanceApiError(-4028, f"Leverage {leverage} is not valid")
        exposure = sum(
            (
                abs(p.qty) * p.mark_price
                for p in self.engine.positions(call.account_id)
                if p.symbol == spec.symbol
            ),
            out.ZERO,
        )
        if exposure > out.max_notional(leverage):
            raise BinanceApiError(
                -2027, "Exceeded the maximum allowable position at current leverage."
            )
        try:
            applied = self.engine.set_leverage(call.account_id, spec.symbol, leverage)
        except Reject as exc:
            raise BinanceApiError(-4028, f"Leverage {leverage} is not valid") from exc
        return {
            "leverage": applied,
            "maxNotionalValue": str(out.max_notional(applied)),
            "symbol": spec.symbol,
        }

    def margin_type_of(self, call: Call, symbol: str) -> str:
        return self._margin_type.get((call.account_id, symbol), "cross")

    def set_margin_type(self, call: Call) -> object:
        spec = call.params.spec(self.specs)
        wanted = call.params.require("marginType").upper()
        if wanted not in ("ISOLATED", "CROSSED"):
            raise BinanceApiError(-1130, "Invalid data sent for parameter 'marginType'.")
        value = "isolated" if wanted == "ISOLATED" else "cross"
        if self.margin_type_of(call, spec.symbol) == value:
            raise BinanceApiError(-4046, "No need to change margin type.")
        if self.engine.open_orders(call.account_id, spec.symbol):
            raise BinanceApiError(
                -4047, "Margin type cannot be changed if there exists open orders."
            )
        if any(p.symbol == spec.symbol for p in self.engine.positions(call.account_id)):
            raise BinanceApiError(-4048, "Margin type cannot be changed if there exists position.")
        self._margin_type[(call.account_id, spec.symbol)] = value
        return success()

    def position_mode(self, call: Call) -> object:
        return {"dualSidePosition": self.engine.hedge_mode(call.account_id)}

    def set_position_mode(self, call: Call) -> object:
        raw = call.params.require("dualSidePosition")
        hedge = call.params.boolean("dualSidePosition")
        if hedge is None:
            raise BinanceApiError(
                -1130, f"Invalid data sent for parameter 'dualSidePosition': {raw}"
            )
        account = call.account_id
        if self.engine.hedge_mode(account) == hedge:
            raise BinanceApiError(-4059, "No need to change position side.")
        if self.engine.open_orders(account):
            raise BinanceApiError(
                -4067, "Position side cannot be changed if there exists open orders."
            )
        if self.engine.positions(account):
            raise BinanceApiError(
                -4068, "Position side cannot be changed if there exists position."
            )
        try:
            self.engine.set_hedge_mode(account, hedge)
        except Reject as exc:
            if exc.reason is RejectReason.POSITION_MODE_LOCKED:
                raise BinanceApiError(
                    -4068, "Position side cannot be changed if there exists position."
                ) from exc
            raise self.reject(exc) from exc
        return success()

    def routes(self) -> dict[str, Route]:
        v1, v2, v3 = "/fapi/v1", "/fapi/v2", "/fapi/v3"
        return {
            f"POST {v1}/order": Route(self.new_order, signed=True, order_entry=True),
            f"DELETE {v1}/order": Route(self.cancel_order, signed=True),
            f"GET {v1}/order": Route(self.query_order, signed=True),
            f"GET {v1}/openOrder": Route(self.open_order, signed=True),
            f"GET {v1}/openOrders": Route(self.open_orders, signed=True),
            f"DELETE {v1}/allOpenOrders": Route(self.cancel_all, signed=True),
            f"GET {v1}/allOrders": Route(self.all_orders, signed=True),
            f"GET {v1}/userTrades": Route(self.user_trades, signed=True),
            f"GET {v2}/balance": Route(self.balance, signed=True),
            f"GET {v3}/balance": Route(self.balance, signed=True),
            f"GET {v2}/account": Route(self.account_v2, signed=True),
            f"GET {v3}/account": Route(self.account_v3, signed=True),
            f"GET {v2}/positionRisk": Route(self.position_risk_v2, signed=True),
            f"GET {v3}/positionRisk": Route(self.position_risk_v3, signed=True),
            f"POST {v1}/leverage": Route(self.set_leverage, signed=True),
            f"GET {v1}/leverageBracket": Route(self.leverage_brackets, signed=True),
            f"POST {v1}/marginType": Route(self.set_margin_type, signed=True),
            f"GET {v1}/positionSide/dual": Route(self.position_mode, signed=True),
            f"POST {v1}/positionSide/dual": Route(self.set_position_mode, signed=True),
        }
