"""Bybit order parameters from a typed OrderRequest (PROTOCOLS.md §4.3), and the
client's orderLinkId ↔ orderId map.

`order_params` is a pure function: the venue's fields depend only on the request, the
instrument, the category and the position mode.
"""

from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal
from typing import Any

from tradeport.model import Instrument, Offset, OrderType, PositionSide, Side, TimeInForce
from tradeport.model.errors import BadParameter
from tradeport.venues.base import OrderRequest

_TIF = {TimeInForce.GTC: "GTC", TimeInForce.IOC: "IOC", TimeInForce.FOK: "FOK"}
# position.mdx / enum.mdx positionIdx: 0 one-way, 1 hedge long leg, 2 hedge short leg
_HEDGE_IDX = {PositionSide.LONG: 1, PositionSide.SHORT: 2}


def num(value: Decimal) -> str:
    """Decimal as Bybit wants it: plain notation, never an exponent."""
    return format(value.normalize(), "f")


def closes(req: OrderRequest) -> bool:
    return req.offset is Offset.CLOSE or req.reduce_only


def hedge_leg(req: OrderRequest) -> PositionSide:
    """The leg a hedge-mode order acts on: opening buys and closing sells are the long
    leg. A close naming the other leg would grow a position: refused."""
    buy = req.side is Side.BUY
    implied = PositionSide.LONG if buy != closes(req) else PositionSide.SHORT
    leg = req.position_side
    if leg in (None, PositionSide.BOTH):
        return implied
    if closes(req) and leg is not implied:
        raise BadParameter(
            f"a {req.side.value} that closes reduces the {implied.value} leg,"
            f" not the {leg.value} leg"
        )
    return leg


def order_params(
    req: OrderRequest, inst: Instrument, category: str, *, hedge: bool
) -> dict[str, Any]:
    """The body of POST /v5/order/create, without `orderLinkId`."""
    params: dict[str, Any] = {
        "category": category,
        "symbol": inst.venue_symbol,
        "side": "Buy" if req.side is Side.BUY else "Sell",
        "qty": num(req.qty),
    }
    if req.type is OrderType.MARKET:
        params["orderType"] = "Market"
    else:
        if req.price is None:
            raise BadParameter(f"{req.type.value} order on {req.symbol} needs a price")
        params["orderType"] = "Limit"
        params["price"] = num(req.price)
        tif = req.time_in_force or TimeInForce.GTC
        post_only = req.type is OrderType.POST_ONLY or tif is TimeInForce.GTX
        params["timeInForce"] = "PostOnly" if post_only else _TIF[tif]
    if category == "spot":
        if closes(req):
            raise BadParameter("spot has no reduce-only/close: sell what you hold instead")
        if req.type is OrderType.MARKET:
            # a spot market Buy is sized in the quote coin unless told otherwise; our
            # quantities are always in the base coin
            params["marketUnit"] = "baseCoin"
        return params
    params["positionIdx"] = _HEDGE_IDX[hedge_leg(req)] if hedge else 0
    if closes(req):
        # a close only ever reduces, in either mode: never a new position the other way
        params["reduceOnly"] = True
    return params


class OrderIds:
    """orderLinkId ↔ orderId for this client's orders, filled from every REST answer
    and private stream event; it lives on the client, so reconnects keep it. The
    oldest entries go once `capacity` is reached."""

    def __init__(self, capacity: int = 100_000) -> None:
        if capacity < 1:
            raise BadParameter(f"capacity must be positive, not {capacity}")
        self.capacity = capacity
        self._by_link: OrderedDict[str, str] = OrderedDict()
        self._by_id: dict[str, str] = {}

    def add(self, client_order_id: str | None, order_id: str | None) -> None:
        if not client_order_id or not order_id:
            return
        old = self._by_link.pop(client_order_id, None)
        if old is not None:
            self._by_id.pop(old, None)
        self._by_link[client_order_id] = order_id
        self._by_id[order_id] = client_order_id
        while len(self._by_link) > self.capacity:
            _, dropped = self._by_link.popitem(last=False)
            self._by_id.pop(dropped, None)

    def order_id(self, client_order_id: str) -> str | None:
        return self._by_link.get(client_order_id)

    def client_order_id(self, order_id: str) -> str | None:
        return self._by_id.get(order_id)

    def __len__(self) -> int:
        return len(self._by_link)

    def __contains__(self, client_order_id: object) -> bool:
        return client_order_id in self._by_link
