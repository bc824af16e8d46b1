"""BingX swap order parameters from a typed OrderRequest (PROTOCOLS.md §5.3).

`order_params` is a pure function of the request, the instrument and the position mode.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import msgspec

from tradeport.model import Instrument, OrderType, Side, TimeInForce
from tradeport.model.errors import BadParameter
from tradeport.venues.base import OrderRequest, closes
from tradeport.venues.bingx.messages import BatchRow
from tradeport.venues.kit.orders import hedge_leg, plain_decimal

# clientOrderId: 1 to 40 of letters, digits, - and _, never letters alone (§5.3)
CLIENT_ID = re.compile(r"(?=[A-Za-z]*[0-9_-])[A-Za-z0-9_-]{1,40}")
CLIENT_ID_RULE = "1 to 40 of letters, digits, - and _, not letters only"
# orders per POST /openApi/swap/v2/trade/batchOrders: "supporting up to 5 orders" (the
# venue's docs, "Place multiple orders"; PROTOCOLS.md §5.3 lists the path only)
BATCH_MAX = 5
# the batch's JSON carries prices and quantities as numbers, as the venue's example does
_NUMBERS = ("price", "quantity")
_json = msgspec.json.Encoder(decimal_format="number")
_TIF = {TimeInForce.GTC: "GTC", TimeInForce.IOC: "IOC", TimeInForce.FOK: "FOK"}


def venue_client_id(cid: str) -> str:
    """The client id as the venue keeps it: it lower-cases what it is given."""
    return cid.lower()


def order_params(req: OrderRequest, inst: Instrument, *, hedge: bool) -> dict[str, Any]:
    """The parameters of POST /openApi/swap/v2/trade/order, without `clientOrderId`."""
    params: dict[str, Any] = {
        "symbol": inst.venue_symbol,
        "side": "BUY" if req.side is Side.BUY else "SELL",
    }
    if req.type is OrderType.MARKET:
        params["type"] = "MARKET"
    else:
        if req.price is None:
            raise BadParameter(f"{req.type.value} order on {req.symbol} needs a price")
        params["type"] = "LIMIT"
        params["price"] = plain_decimal(req.price)
        tif = req.time_in_force or TimeInForce.GTC
        post_only = req.type is OrderType.POST_ONLY or tif is TimeInForce.GTX
        params["timeInForce"] = "PostOnly" if post_only else _TIF[tif]
    params["quantity"] = plain_decimal(req.qty)
    if hedge:
        params["positionSide"] = hedge_leg(req).value.upper()
    else:
        params["positionSide"] = "BOTH"
        if closes(req):
            # one-way only: a close never opens the other way
            params["reduceOnly"] = "true"
    return params


def batch_orders(orders: Sequence[dict[str, Any]]) -> str:
    """`batchOrders`: the orders' parameters as one JSON array (the wire URL-encodes
    it, the signature covers it as it is, auth.py)."""
    items = [
        {k: Decimal(v) if k in _NUMBERS else v for k, v in params.items()} for params in orders
    ]
    return _json.encode(items).decode()


def match_rows(cids: Sequence[str], rows: Sequence[BatchRow]) -> list[BatchRow | None]:
    """The answer row of each sent client id: by the (lower-cased) client id a row
    names, else by its place among the rows; None for an item the answer does not
    tell of."""
    by_cid = {row.client_id.lower(): row for row in rows if row.client_id}
    unnamed = iter([row for row in rows if not row.client_id])
    return [by_cid.get(venue_client_id(cid)) or next(unnamed, None) for cid in cids]
