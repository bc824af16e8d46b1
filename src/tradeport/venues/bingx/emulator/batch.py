"""POST /openApi/swap/v2/trade/batchOrders (PROTOCOLS.md §5.2, §5.3): up to five orders
as the JSON array `batchOrders`, each placed as the single-order route places it.

The answer is `data.orders`, one row per order in the order sent: the placed order's
acknowledgement, or for an order refused its own `code` and `msg` (with its
`clientOrderId`) while the others are placed [?: the docs show successes only]. Only a
malformed `batchOrders` refuses the whole call. A client id given twice in one batch
places the first; the second is refused as a duplicate.
"""

from __future__ import annotations

import json
from decimal import Decimal

from tradeport.emulator.host.params import Value
from tradeport.emulator.host.rest import Route
from tradeport.venues.bingx.emulator.calls import Call
from tradeport.venues.bingx.emulator.errors import BingxApiError, invalid
from tradeport.venues.bingx.emulator.market import PREFIX
from tradeport.venues.bingx.emulator.params import Params
from tradeport.venues.bingx.emulator.trading import Trading

MAX_ORDERS = 5
# a client id already used earlier in the same batch [3P: ccxt's map of BingX codes]
DUPLICATE = (101481, "clientOrderId is duplicate")


def batch_orders(text: str) -> list[dict[str, Value]]:
    """The orders of `batchOrders`: a JSON array of 1 to 5 objects of plain values
    (numbers read exactly, as Decimal)."""
    try:
        items = json.loads(text, parse_float=Decimal)
    except ValueError:
        raise invalid("batchOrders", "must be a JSON array of orders") from None
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise invalid("batchOrders", "must be a JSON array of orders")
    if not 1 <= len(items) <= MAX_ORDERS:
        raise invalid("batchOrders", f"must hold 1 to {MAX_ORDERS} orders, not {len(items)}")
    orders = []
    for item in items:
        plain = {k: v for k, v in item.items() if isinstance(v, str | int | Decimal)}
        if len(plain) != len([v for v in item.values() if v is not None]):
            raise invalid("batchOrders", "orders hold plain values only")
        orders.append(plain)
    return orders


class BatchOrders:
    def __init__(self, trading: Trading) -> None:
        self.trading = trading

    def routes(self) -> dict[str, Route[Call]]:
        handler = Route(self.place, signed=True, order_entry=True)
        return {f"POST {PREFIX}/v2/trade/batchOrders": handler}

    def place(self, call: Call) -> object:
        orders = batch_orders(call.params.require("batchOrders"))
        used: set[str] = set()
        return {"orders": [self.place_one(call, values, used) for values in orders]}

    def place_one(self, call: Call, values: dict[str, Value], used: set[str]) -> object:
        """One order's row: its acknowledgement, or its refusal."""
        item = Call(Params(values), call.now_ms, call.caller)
        cid = ""
        try:
            cid = self.trading.client_id(item) or ""
            if cid in used:
                raise BingxApiError(*DUPLICATE)
            if cid:
                used.add(cid)
            return self.trading.place(item)["order"]
        except BingxApiError as exc:
            return {"code": exc.code, "msg": exc.msg, "clientOrderId": cid}
