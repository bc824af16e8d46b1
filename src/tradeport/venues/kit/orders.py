"""Order facts every venue shares: how a decimal goes on the wire, which hedge-mode
leg an order acts on, how a request names an order, and the client's map of client
order ids to the venue's ids."""

from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal

from tradeport.model import PositionSide, Side
from tradeport.model.errors import BadParameter
from tradeport.venues.base import OrderRequest, closes


def plain_decimal(value: Decimal) -> str:
    """A price or quantity as the venues read it: plain notation, never an exponent."""
    return format(value.normalize(), "f")


def hedge_leg(req: OrderRequest) -> PositionSide:
    """The leg a hedge-mode order acts on: opening buys and closing sells are the long
    leg (closing a long is a SELL on LONG, never a short). A close naming the other
    leg would grow a position: refused."""
    implied = PositionSide.LONG if (req.side is Side.BUY) != closes(req) else PositionSide.SHORT
    leg = req.position_side
    if leg in (None, PositionSide.BOTH):
        return implied
    if closes(req) and leg is not implied:
        raise BadParameter(
            f"a {req.side.value} that closes reduces the {implied.value} leg,"
            f" not the {leg.value} leg"
        )
    return leg


def order_ref(
    order_id: str | None,
    client_order_id: str | None,
    id_field: str,
    client_id_field: str,
    ids: OrderIds | None = None,
) -> dict[str, str]:
    """The parameter naming an order: the venue's id when given, or known for the client
    id in `ids`; else the client id."""
    if order_id is None:
        if client_order_id is None:
            raise BadParameter("give order_id or client_order_id")
        order_id = ids.order_id(client_order_id) if ids is not None else None
        if order_id is None:
            return {client_id_field: client_order_id}
    return {id_field: order_id}


class OrderIds:
    """Client order id ↔ venue order id for this client's orders, filled from every
    REST answer and private stream event; it lives on the client, so reconnects keep
    it. The oldest entries go once `capacity` is reached."""

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
