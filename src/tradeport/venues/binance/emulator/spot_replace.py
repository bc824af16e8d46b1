"""`POST /api/v3/order/cancelReplace` (PROTOCOLS.md §1.3): cancel an order and place a
new one in one request, ccxt's spot `edit_order`.

The cancel is the single cancel (`cancelOrderId` / `cancelOrigClientOrderId`,
`cancelNewClientOrderId`, `cancelRestrictions`); the new order is the single new order
(every other parameter). `cancelReplaceMode` STOP_ON_FAILURE leaves the new order out
when the cancel fails; ALLOW_FAILURE places it anyway. A failure answers -2022 (nothing
done) or -2021 (one of the two done) with both outcomes under `data`, as Binance does.
"""

from __future__ import annotations

from collections.abc import Callable

from tradeport.venues.binance.emulator.calls import Call, Route
from tradeport.venues.binance.emulator.errors import BinanceApiError, illegal, mandatory
from tradeport.venues.binance.emulator.params import Params
from tradeport.venues.binance.emulator.spot import SpotTrading

MODES = ("STOP_ON_FAILURE", "ALLOW_FAILURE")
# cancel parameter -> the single cancel's name for it
_CANCEL_NAMES = {
    "symbol": "symbol",
    "cancelOrderId": "orderId",
    "cancelOrigClientOrderId": "origClientOrderId",
    "cancelNewClientOrderId": "newClientOrderId",
    "cancelRestrictions": "cancelRestrictions",
}
_NOT_FOR_THE_NEW_ORDER = {
    "cancelReplaceMode",
    "cancelOrderId",
    "cancelOrigClientOrderId",
    "cancelNewClientOrderId",
    "cancelRestrictions",
    "orderRateLimitExceededMode",
    "timestamp",
    "recvWindow",
    "signature",
}


class ReplaceFailed(BinanceApiError):
    """A cancel-replace that did not go through whole: the outcomes ride in `data`."""

    def __init__(self, code: int, msg: str, data: dict[str, object]) -> None:
        super().__init__(code, msg)
        self.data = data

    def body(self) -> dict[str, object]:
        return {**super().body(), "data": self.data}


class CancelReplace:
    def __init__(self, trading: SpotTrading) -> None:
        self.trading = trading

    def routes(self) -> dict[str, Route]:
        return {
            "POST /api/v3/order/cancelReplace": Route(
                self.cancel_replace, signed=True, order_entry=True
            )
        }

    def cancel_replace(self, call: Call) -> object:
        p = call.params
        mode = p.require("cancelReplaceMode")
        if mode not in MODES:
            raise illegal("cancelReplaceMode", ", ".join(MODES))
        if p.get("cancelOrderId") is None and p.get("cancelOrigClientOrderId") is None:
            raise mandatory("cancelOrderId")
        cancel_params = [
            (single, value)
            for name, single in _CANCEL_NAMES.items()
            if (value := p.get(name)) is not None
        ]
        new_params = [
            (name, value)
            for name in p.names()
            if name not in _NOT_FOR_THE_NEW_ORDER and (value := p.get(name)) is not None
        ]
        cancelled, cancel_error = self._attempt(self.trading.cancel_order, call, cancel_params)
        if cancel_error is not None and mode == "STOP_ON_FAILURE":
            raise ReplaceFailed(
                -2022,
                "Order cancel-replace failed.",
                _outcome(cancel_error, None, new_attempted=False, new_error=None),
            )
        placed, new_error = self._attempt(self.trading.new_order, call, new_params)
        if cancel_error is None and new_error is None:
            return {
                "cancelResult": "SUCCESS",
                "newOrderResult": "SUCCESS",
                "cancelResponse": cancelled,
                "newOrderResponse": placed,
            }
        data = _outcome(cancel_error, cancelled, new_attempted=True, new_error=new_error)
        data["newOrderResponse"] = placed if new_error is None else new_error.body()
        if cancel_error is not None and new_error is not None:
            raise ReplaceFailed(-2022, "Order cancel-replace failed.", data)
        raise ReplaceFailed(-2021, "Order cancel-replace partially failed.", data)

    @staticmethod
    def _attempt(
        handle: Callable[[Call], object], call: Call, params: list[tuple[str, str]]
    ) -> tuple[object, BinanceApiError | None]:
        try:
            return handle(Call(Params(params), call.now_ms, call.caller)), None
        except BinanceApiError as exc:
            return None, exc


def _outcome(
    cancel_error: BinanceApiError | None,
    cancelled: object,
    *,
    new_attempted: bool,
    new_error: BinanceApiError | None,
) -> dict[str, object]:
    new_result = "NOT_ATTEMPTED" if not new_attempted else "FAILURE" if new_error else "SUCCESS"
    return {
        "cancelResult": "FAILURE" if cancel_error is not None else "SUCCESS",
        "newOrderResult": new_result,
        "cancelResponse": cancel_error.body() if cancel_error is not None else cancelled,
        "newOrderResponse": new_error.body() if new_error is not None else None,
    }
