"""Binance order parameters from a typed OrderRequest (PROTOCOLS.md §1.3, §2.3).

A pure function: which venue type, time-in-force, reduce-only flag or position side a
unified order becomes depends only on the request, the market and the position mode.
"""

from __future__ import annotations

import re
from typing import Any

from tradeport.model import (
    AssetType,
    Instrument,
    OrderType,
    TimeInForce,
)
from tradeport.model.errors import BadParameter
from tradeport.venues.base import OrderRequest, closes
from tradeport.venues.kit.orders import hedge_leg, plain_decimal

# newClientOrderId (§1.3, §2.3)
CLIENT_ID = re.compile(r"[.A-Z:/a-z0-9_-]{1,36}")
CLIENT_ID_RULE = "1 to 36 of letters, digits and . : / _ -"


def order_params(
    req: OrderRequest, inst: Instrument, asset_type: AssetType, *, hedge: bool
) -> dict[str, Any]:
    params: dict[str, Any] = {
        "symbol": inst.venue_symbol,
        "side": req.side.name,
        "quantity": plain_decimal(req.qty),
    }
    closing = closes(req)
    if req.type is OrderType.MARKET:
        params["type"] = "MARKET"
    elif req.type is OrderType.POST_ONLY:
        # spot post-only is its own type; USDⓈ-M uses LIMIT with GTX (§1.3, §2.3)
        if asset_type is AssetType.SPOT:
            params["type"] = "LIMIT_MAKER"
        else:
            params["type"], params["timeInForce"] = "LIMIT", "GTX"
    else:
        params["type"] = "LIMIT"
        params["timeInForce"] = (req.time_in_force or TimeInForce.GTC).name
    if req.type is not OrderType.MARKET:
        if req.price is None:
            raise BadParameter(f"{req.type.value} order on {req.symbol} needs a price")
        params["price"] = plain_decimal(req.price)
    if asset_type is AssetType.SPOT:
        if closing:
            raise BadParameter("spot has no reduce-only/close: sell what you hold instead")
        params["newOrderRespType"] = "FULL"
        return params
    params["newOrderRespType"] = "RESULT"
    if hedge:
        # hedge mode: the leg is named. There is no reduce-only flag here, so a close
        # naming the wrong leg would grow a position: refused (hedge_leg).
        params["positionSide"] = hedge_leg(req).name
    elif closing:
        # one-way mode: a close is a reduce-only order on the opposite side
        params["reduceOnly"] = "true"
    return params
