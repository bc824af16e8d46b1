"""OKX order parameters from a typed OrderRequest (PROTOCOLS.md §3.3), and the
client's clOrdId ↔ ordId map.

`order_params` is a pure function: the venue's fields depend only on the request, the
instrument, the size in venue units, the margin mode and the position mode.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from decimal import Decimal
from typing import Any

from tradeport.model import Offset, OrderType, PositionSide, Side, TimeInForce
from tradeport.model.errors import BadParameter
from tradeport.venues.base import OrderRequest
from tradeport.venues.okx.contracts import Contract

# clOrdId: "a combination of case-sensitive alphanumerics, all numbers, or all letters
# of up to 32 characters" (§3.3)
_CLIENT_ID = re.compile(r"[A-Za-z0-9]{1,32}")
_LIMIT_TYPES = {TimeInForce.IOC: "ioc", TimeInForce.FOK: "fok", TimeInForce.GTC: "limit"}
MARGIN_MODES = ("cross", "isolated")


def num(value: Decimal) -> str:
    """Decimal as OKX wants it: plain notation, never an exponent."""
    return format(value.normalize(), "f")


def valid_client_order_id(client_order_id: str) -> bool:
    return _CLIENT_ID.fullmatch(client_order_id) is not None


def check_client_order_id(client_order_id: str) -> str:
    if not valid_client_order_id(client_order_id):
        raise BadParameter(
            f"client order id {client_order_id!r}: OKX takes 1 to 32 letters and digits"
        )
    return client_order_id


def closes(req: OrderRequest) -> bool:
    return req.offset is Offset.CLOSE or req.reduce_only


def hedge_leg(req: OrderRequest) -> PositionSide:
    """The leg a long/short-mode order acts on: opening buys and closing sells are the
    long leg. A close naming the other leg would grow a position: refused."""
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
        "sz": num(size),
    }
    if ord_type != "market":
        if req.price is None:
            raise BadParameter(f"{req.type.value} order on {req.symbol} needs a price")
        params["px"] = num(req.price)
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


class OrderIds:
    """clOrdId ↔ ordId for this client's orders, filled from every REST answer and
    private stream event; it lives on the client, so reconnects keep it. The oldest
    entries go once `capacity` is reached."""

    def __init__(self, capacity: int = 100_000) -> None:
        if capacity < 1:
            raise BadParameter(f"capacity must be positive, not {capacity}")
        self.capacity = capacity
        self._by_client: OrderedDict[str, str] = OrderedDict()
        self._by_id: dict[str, str] = {}

    def add(self, client_order_id: str | None, order_id: str | None) -> None:
        if not client_order_id or not order_id:
            return
        old = self._by_client.pop(client_order_id, None)
        if old is not None:
            self._by_id.pop(old, None)
        self._by_client[client_order_id] = order_id
        self._by_id[order_id] = client_order_id
        while len(self._by_client) > self.capacity:
            _, dropped = self._by_client.popitem(last=False)
            self._by_id.pop(dropped, None)

    def order_id(self, client_order_id: str) -> str | None:
        return self._by_client.get(client_order_id)

    def client_order_id(self, order_id: str) -> str | None:
        return self._by_id.get(order_id)

    def __len__(self) -> int:
        return len(self._by_client)

    def __contains__(self, client_order_id: object) -> bool:
        return client_order_id in self._by_client
