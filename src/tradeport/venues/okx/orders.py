"""OKX order parameters from a typed OrderRequest (PROTOCOLS.md §3.3), and what a
clOrdId may be.

`order_params` is a pure function: the venue's fields depend only on the request, the
instrument, the size in venue units, the margin mode and the position mode.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from tradeport.model import OrderType, Side, TimeInForce
from tradeport.model.errors import BadParameter
from tradeport.venues.base import OrderRequest, closes
from tradeport.venues.kit.orders import hedge_leg, plain_decimal
from tradeport.venues.okx.contracts import Contract

# clOrdId: "a combination of case-sensitive alphanumerics, all numbers, or all letters
# of up to 32 characters" (§3.3)
CLIENT_ID = re.compile(r"[A-Za-z0-9]{1,32}")
CLIENT_ID_RULE = "1 to 32 letters and digits"
_LIMIT_TYPES = {TimeInForce.IOC: "ioc", TimeInForce.FOK: "fok", TimeInForce.GTC: "limit"}
MARGIN_MODES = ("cross", "isolated")


def valid_client_order_id(client_order_id: str) -> bool:
    return CLIENT_ID.fullmatch(client_order_id) is not None


def order_type(req: OrderRequest) -> str:
    """`ordType`: post-only, IOC and FOK are order types at OKX, not a time in force."""
    if req.type is OrderType.MARKET:
        return "market"
    tif = req.time_in_force or TimeInForce.GTC
    if req.type is OrderType.POST_ONLY or tif is TimeInForce.GTX:
        return "post_only"
    return _LIMIT_TYPES[tif]


def order_params(
    req: OrderRequest, inst: Contract, size: Decimal, *, margin_mode: str, hedge: bool
) -> dict[str, Any]:
    """The body of POST /api/v5/trade/order, without `clOrdId`. `size` is the venue's
    `sz`: base units for spot, contracts for a swap."""
    ord_type = order_type(req)
    params: dict[str, Any] = {
        "instId": inst.venue_symbol,
        "tdMode": margin_mode if inst.is_swap else "cash",
        "side": req.side.value,
        "ordType": ord_type,
        "sz": plain_decimal(size),
    }
    if ord_type != "market":
        if req.price is None:
            raise BadParameter(f"{req.type.value} order on {req.symbol} needs a price")
        params["px"] = plain_decimal(req.price)
    if not inst.is_swap:
        if closes(req):
            raise BadParameter("spot has no reduce-only/close: sell what you hold instead")
        if ord_type == "market" and req.side is Side.BUY:
            # a spot market buy is sized in the quote currency unless told otherwise;
            # our quantities are always in the base currency
            params["tgtCcy"] = "base_ccy"
        return params
    if hedge:
        # long/short mode: the leg says what the order does; reduceOnly applies only
        # in net mode (a closing leg order only ever reduces)
        params["posSide"] = hedge_leg(req).value
    elif closes(req):
        params["reduceOnly"] = True
    return params
