"""Batch order endpoints (PROTOCOLS.md §4.3; order/batch-place.mdx, batch-amend.mdx,
batch-cancel.mdx): `POST /v5/order/create-batch`, `amend-batch` and `cancel-batch`.

The body is `{"category", "request": [ … ]}`; each item is handled as the single
request would be (with the batch's category). The answer lists one row per item in
`result.list` and its outcome in `retExtInfo.list` (`{"code", "msg"}`, 0 / "OK" when it
went through), in the order sent; the batch itself fails only on its own shape.
"""

from __future__ import annotations

from collections.abc import Callable

from tradeport.venues.bybit.emulator.calls import Call, Route
from tradeport.venues.bybit.emulator.errors import BybitApiError, WithExtInfo, invalid, missing
from tradeport.venues.bybit.emulator.trading import Trading

# items per batch: spot takes 10, the derivatives categories 20
MAX_ITEMS = {"spot": 10, "linear": 20}


class Batches:
    def __init__(self, trading: Trading) -> None:
        self.trading = trading

    def routes(self) -> dict[str, Route]:
        return {
            "POST /v5/order/create-batch": Route(self.create, signed=True),
            "POST /v5/order/amend-batch": Route(self.amend, signed=True),
            "POST /v5/order/cancel-batch": Route(self.cancel, signed=True),
        }

    def create(self, call: Call) -> object:
        return self._each(call, self.trading.create, with_time=True)

    def amend(self, call: Call) -> object:
        return self._each(call, self.trading.amend, with_time=False)

    def cancel(self, call: Call) -> object:
        return self._each(call, self.trading.cancel, with_time=False)

    def _each(self, call: Call, handle: Callable[[Call], object], *, with_time: bool) -> object:
        category = self.trading.category(call.params)
        items = call.params.items
        if not items:
            raise missing("request")
        if len(items) > MAX_ITEMS[category]:
            raise invalid("request", f"holds at most {MAX_ITEMS[category]} orders")
        rows: list[object] = []
        outcomes: list[object] = []
        for item in items:
            params = item.with_value("category", category)
            row: dict[str, object] = {
                "category": category,
                "symbol": params.text("symbol") or "",
                "orderId": "",
                "orderLinkId": params.text("orderLinkId") or "",
            }
            try:
                answer = handle(Call(params, call.now_ms, call.caller))
            except BybitApiError as exc:
                outcomes.append({"code": exc.ret_code, "msg": exc.ret_msg})
            else:
                assert isinstance(answer, dict)
                row.update(answer)
                outcomes.append({"code": 0, "msg": "OK"})
            if with_time:
                row["createAt"] = str(call.now_ms) if row["orderId"] else ""
            rows.append(row)
        return WithExtInfo({"list": rows}, {"list": outcomes})
