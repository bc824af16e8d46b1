"""Bybit order parameters from a typed OrderRequest (PROTOCOLS.md §4.3).

`order_params` is a pure function: the venue's fields depend only on the request, the
instrument, the category and the position mode.
"""

from __future__ import annotations

import re
from typing import Any

from tradeport.model import Instrument, OrderType, PositionSide, Side, TimeInForce
from tradeport.model.errors import BadParameter
from tradeport.venues.base import OrderRequest, closes
from tradeport.venues.kit.orders import hedge_leg, plain_decimal

# orderLinkId (order/create-order.mdx): up to 36 letters, digits, dashes and underscores
CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{1,36}")
CLIENT_ID_RULE = "1 to 36 of letters, digits, - and _"
_TIF = {TimeInForce.GTC: "GTC", TimeInForce.IOC: "IOC", TimeInForce.FOK: "FOK"}
# position.mdx / enum.mdx positionIdx: 0 one-way, 1 hedge long leg, 2 hedge short leg
_HEDGE_IDX = {PositionSide.LONG: 1, PositionSide.SHORT: 2}


def order_params(
    req: OrderRequest, inst: Instrument, category: str, *, hedge: bool
) -> dict[str, Any]:
    """The body of POST /v5/order/create, without `orderLinkId`."""
    params: dict[str, Any] = {
        "category": category,
        "symbol": inst.venue_symbol,
        "side": "Buy" if req.side is Side.BUY else "Sell",
        "qty": plain_decimal(req.qty),
    }
    if req.type is OrderType.MARKET:
        params["orderType"] = "Market"
    else:
        if req.price is None:
            raise BadParameter(f"{req.type.value} order on {req.symbol} needs a price")
        params["orderType"] = "Limit"
        params["price"] = plain_decimal(req.price)
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
