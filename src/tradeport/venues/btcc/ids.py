"""Order ids on BTCC (PROTOCOLS.md §6.3): the venue numbers positions and pending orders,
each in its own list. An order id here says which one it is, around the venue's number:
`pending:<id>` (a limit order), `position:<id>` (a market open that made position
<id>) and `close:<id>` (a market close, of position <id> first)."""

from __future__ import annotations

from typing import Literal

from tradeport.model.errors import OrderNotFound

Kind = Literal["pending", "position", "close"]
_KINDS: tuple[Kind, ...] = ("pending", "position", "close")


def pending_order_id(venue_id: int) -> str:
    return f"pending:{venue_id}"


def position_order_id(venue_id: int, *, closing: bool = False) -> str:
    return f"{'close' if closing else 'position'}:{venue_id}"


def split_order_id(order_id: str, venue: str) -> tuple[Kind, int]:
    """(kind, the venue's number); OrderNotFound for an id of another shape (no order
    of this venue can have it)."""
    kind, _, number = order_id.partition(":")
    for known in _KINDS:
        if kind == known and number.isdigit():
            return known, int(number)
    raise OrderNotFound(
        f"order id {order_id!r} is not a BTCC order id (pending:<n>, position:<n>, close:<n>)",
        venue=venue,
    )
