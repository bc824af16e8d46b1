"""USDⓈ-M order edits and batches (PROTOCOLS.md §2.3): `PUT /fapi/v1/order` (modify a
resting LIMIT order's price and quantity), `POST / PUT / DELETE /fapi/v1/batchOrders`
(up to 5 new or modified orders, up to 10 cancels, each answered in place), and the
account's fee rates (`/fapi/v1/commissionRate`) and income history (`/fapi/v1/income`).

A batch item is handled as the single request would be, and its refusal is written
into its slot as `{"code", "msg"}`; the batch itself fails only on its own shape.
"""

from __future__ import annotations

from collections.abc import Callable

from tradeport.emulator.decimal_text import plain
from tradeport.emulator.engine import EngineFill, Reject
from tradeport.emulator.host.decoding import decode_json
from tradeport.venues.binance.emulator import futures_payloads as out
from tradeport.venues.binance.emulator.calls import Call, Route
from tradeport.venues.binance.emulator.errors import (
    BinanceApiError,
    illegal,
    mandatory,
    no_such_order,
    start_after_end,
)
from tradeport.venues.binance.emulator.filters import check_futures_order
from tradeport.venues.binance.emulator.futures import FuturesTrading
from tradeport.venues.binance.emulator.params import Params

BATCH_PLACE_MAX = 5
BATCH_CANCEL_MAX = 10
WEEK_MS = 7 * 24 * 3_600_000


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _item_call(batch: Call, params: Params) -> Call:
    """One batch item as its own request, by the batch's caller at the batch's time."""
    return Call(params=params, now_ms=batch.now_ms, caller=batch.caller)


class FuturesEdits:
    def __init__(self, trading: FuturesTrading) -> None:
        self.trading = trading
        self.engine = trading.engine

    def routes(self) -> dict[str, Route]:
        v1 = "/fapi/v1"
        return {
            f"PUT {v1}/order": Route(self.modify_order, signed=True, order_entry=True),
            f"POST {v1}/batchOrders": Route(self.place_batch, signed=True, order_entry=True),
            f"PUT {v1}/batchOrders": Route(self.modify_batch, signed=True, order_entry=True),
            f"DELETE {v1}/batchOrders": Route(self.cancel_batch, signed=True),
            f"GET {v1}/commissionRate": Route(self.commission_rate, signed=True),
            f"GET {v1}/income": Route(self.income, signed=True),
        }

    # -- modify ------------------------------------------------------------------------
    def modify_order(self, call: Call) -> object:
        """New price and quantity for a resting LIMIT order, keeping its ids and side."""
        p = call.params
        spec = p.spec(self.trading.specs)
        order_id, client_id = p.order_ref()
        side = p.require("side")
        qty = p.decimal("quantity", required=True)
        price = p.decimal("price", required=True)
        assert qty is not None and price is not None
        order = self.engine.find_order(call.account_id, spec.symbol, order_id, client_id)
        if order is None or not order.is_open:
            raise no_such_order()
        if side != order.side:
            # Binance names no code for a side that differs from the order's: a best guess
            raise BinanceApiError(-1102, "Parameter 'side' is not the order's side.")
        if qty == order.qty and price == order.price:
            raise BinanceApiError(-5027, "No need to modify the order.")
        check_futures_order(
            spec,
            is_market=False,
            price=price,
            qty=qty,
            reduce_only=order.reduce_only,
            mark_price=self.engine.mark_price(spec.symbol),
            open_orders=len(self.engine.open_orders(call.account_id, spec.symbol)) - 1,
        )
        try:
            amended, _fills = self.engine.amend(
                call.account_id, spec.symbol, order.order_id, qty=qty, price=price
            )
        except Reject as exc:
            raise self.trading.reject(exc) from exc
        return out.order_payload(amended)

    # -- batches -----------------------------------------------------------------------
    def _items(self, call: Call, name: str, maximum: int, too_many: int) -> list[Call]:
        raw = call.params.require(name)
        try:
            decoded = decode_json(raw)
        except ValueError:
            raise illegal(name, "JSON list of orders") from None
        if not isinstance(decoded, list) or not all(isinstance(i, dict) for i in decoded):
            raise illegal(name, "JSON list of orders")
        if not decoded or len(decoded) > maximum:
            raise BinanceApiError(too_many, f"Invalid number of batch orders: {len(decoded)}.")
        return [
            _item_call(call, Params((k, _text(v)) for k, v in item.items())) for item in decoded
        ]

    @staticmethod
    def _each(items: list[Call], handle: Callable[[Call], object]) -> list[object]:
        answers: list[object] = []
        for item in items:
            try:
                answers.append(handle(item))
            except BinanceApiError as exc:
                answers.append(exc.body())
        return answers

    def place_batch(self, call: Call) -> object:
        items = self._items(call, "batchOrders", BATCH_PLACE_MAX, -4082)
        return self._each(items, self.trading.new_order)

    def modify_batch(self, call: Call) -> object:
        items = self._items(call, "batchOrders", BATCH_PLACE_MAX, -4082)
        return self._each(items, self.modify_order)

    def cancel_batch(self, call: Call) -> object:
        p = call.params
        symbol = p.require("symbol")
        ids, name = p.get("orderIdList"), "orderIdList"
        if ids is None:
            ids, name = p.get("origClientOrderIdList"), "origClientOrderIdList"
        if ids is None:
            raise mandatory("orderIdList")
        try:
            refs = decode_json(ids)
        except ValueError:
            raise illegal(name, "JSON list") from None
        if not isinstance(refs, list) or not refs:
            raise illegal(name, "JSON list")
        if len(refs) > BATCH_CANCEL_MAX:
            raise BinanceApiError(-4083, f"Invalid number of batch cancel orders: {len(refs)}.")
        key = "orderId" if name == "orderIdList" else "origClientOrderId"
        items = [_item_call(call, Params([("symbol", symbol), (key, _text(ref))])) for ref in refs]
        return self._each(items, self.trading.cancel_order)

    # -- fees and income ---------------------------------------------------------------
    def commission_rate(self, call: Call) -> object:
        spec = call.params.spec(self.trading.specs)
        maker, taker = self.engine.fees
        return {
            "symbol": spec.symbol,
            "makerCommissionRate": plain(maker),
            "takerCommissionRate": plain(taker),
            "rpiCommissionRate": "0",
        }

    def income(self, call: Call) -> object:
        """Realized pnl and commission of the account's fills, oldest first; the last 7
        days unless a window is given. The engine charges no funding and moves no money
        in or out, so no other income type has rows."""
        p = call.params
        symbol = p.get("symbol")
        if symbol is not None:
            p.spec(self.trading.specs)
        kind = p.get("incomeType")
        start, end = p.integer("startTime"), p.integer("endTime")
        if start is not None and end is not None and start > end:
            raise start_after_end()
        limit = min(max(p.integer("limit") or 100, 1), 1000)
        page = max(p.integer("page") or 1, 1)
        if start is None and end is None:
            start = call.now_ms - WEEK_MS
        rows = []
        for fill in self.engine.fills(call.account_id, symbol, limit=None):
            if (start is not None and fill.ts_ms < start) or (end is not None and fill.ts_ms > end):
                continue
            for row in self._income_rows(fill):
                if kind is None or row["incomeType"] == kind:
                    rows.append(row)
        return rows[(page - 1) * limit : page * limit]

    @staticmethod
    def _income_rows(fill: EngineFill) -> list[dict[str, object]]:
        rows: list[dict[str, object]] = []
        entries = (("REALIZED_PNL", fill.realized_pnl), ("COMMISSION", -fill.fee))
        for n, (kind, amount) in enumerate(entries):
            if amount == 0:
                continue
            rows.append(
                {
                    "symbol": fill.symbol,
                    "incomeType": kind,
                    "income": plain(amount),
                    "asset": fill.fee_asset,
                    "info": "",
                    "time": fill.ts_ms,
                    # one transaction per fill and kind: unique and stable
                    "tranId": fill.trade_id * 10 + n,
                    "tradeId": str(fill.trade_id),
                }
            )
        return rows
