"""The unified order on BTCC's position model (PROTOCOLS.md §6.3) [?], as pure functions.

- offset OPEN, market: `openposition` (direction, volume, leverage `multiple`);
- offset OPEN, limit: a pending order of type 1 (limit open);
- offset CLOSE (or reduce-only), market: `closeposition` of the matching positions (the
  longs for a sell, the shorts for a buy), oldest first, until the volume is closed; a
  close larger than the positions closes them and no more;
- offset CLOSE, limit: a pending order of type 3 (limit close) on one position.

BTCC has no post-only and no IOC / FOK orders: those are refused before sending.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from tradeport.model import Instrument, OrderType, Side, TimeInForce
from tradeport.model.errors import BadParameter, NotSupported, ReduceOnlyRejected
from tradeport.venues.base import OrderRequest
from tradeport.venues.btcc import messages as m
from tradeport.venues.btcc.parse import DIRECTIONS
from tradeport.venues.kit.orders import plain_decimal

# `refid`: this project sends up to 32 letters, digits, - and _ [?]
CLIENT_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
CLIENT_ID_RULE = "1 to 32 of letters, digits, - and _"
LIMIT_OPEN, STOP_OPEN, LIMIT_CLOSE, STOP_LOSS, TAKE_PROFIT = 1, 2, 3, 4, 5
PENDING_TYPES = (LIMIT_OPEN, STOP_OPEN, LIMIT_CLOSE, STOP_LOSS, TAKE_PROFIT)
ORDER_TYPES = frozenset({OrderType.MARKET, OrderType.LIMIT})  # no post-only


def pending_type(value: object) -> int:
    """A pending order type, 1 to 5 (§6.3); BadParameter naming them otherwise."""
    if isinstance(value, bool) or value not in PENDING_TYPES:
        raise BadParameter(
            f"pending_type {value!r}: expected 1 limit open, 2 stop open, 3 limit close,"
            " 4 stop loss or 5 take profit"
        )
    assert isinstance(value, int)
    return value


def check_kind(req: OrderRequest, venue: str) -> None:
    """Only market and plain limit orders exist here."""
    if req.type is OrderType.POST_ONLY:
        raise NotSupported(f"{venue} has no post-only orders", venue=venue)
    if req.time_in_force not in (None, TimeInForce.GTC):
        raise NotSupported(f"{venue} has no {req.time_in_force} orders", venue=venue)
    if req.type is OrderType.LIMIT and req.price is None:
        raise BadParameter(f"limit order on {req.symbol} needs a price")


def open_call(
    req: OrderRequest, inst: Instrument, leverage: int, cid: str
) -> tuple[str, dict[str, Any]]:
    """The call opening a position for `req`, and its parameters."""
    params: dict[str, Any] = {
        "symbol": inst.venue_symbol,
        "direction": DIRECTIONS[req.side],
        "request_volume": plain_decimal(req.qty),
        "multiple": leverage,
        "refid": cid,
    }
    if req.type is OrderType.MARKET:
        return "open_position", params
    assert req.price is not None
    params.update(type=LIMIT_OPEN, request_price=plain_decimal(req.price))
    return "open_pending", params


def closable(positions: list[m.PositionRow], side: Side, product: str) -> list[m.PositionRow]:
    """The positions an order of `side` closes: the longs for a sell, the shorts for a
    buy, oldest first."""
    leg = DIRECTIONS[Side.SELL if side is Side.BUY else Side.BUY]
    return sorted(
        (p for p in positions if p.symbol == product and p.direction == leg and p.volume > 0),
        key=lambda p: p.id,
    )


def close_plan(positions: list[m.PositionRow], qty: Decimal) -> list[tuple[int, Decimal]]:
    """(position id, volume) to close `qty` across `positions`, oldest first."""
    plan, left = [], qty
    for pos in positions:
        if left <= 0:
            break
        volume = min(left, pos.volume)
        plan.append((pos.id, volume))
        left -= volume
    return plan


def no_position(req: OrderRequest, venue: str) -> ReduceOnlyRejected:
    leg = "long" if req.side is Side.SELL else "short"
    return ReduceOnlyRejected(
        f"{req.side.value} {req.qty} {req.symbol} closes: there is no {leg} position",
        venue=venue,
    )


def limit_close_call(
    req: OrderRequest, positions: list[m.PositionRow], cid: str
) -> tuple[str, dict[str, Any]]:
    """A limit close (pending type 3) acts on one position: the oldest that holds the
    whole volume."""
    assert req.price is not None
    pos = next((p for p in positions if p.volume >= req.qty), None)
    if pos is None:
        raise BadParameter(
            f"a limit close of {req.qty} {req.symbol} needs one position that large;"
            " close positions one by one (close_position) or at market"
        )
    return "open_pending", {
        "symbol": pos.symbol,
        "type": LIMIT_CLOSE,
        "direction": DIRECTIONS[req.side],
        "positionid": pos.id,
        "request_volume": plain_decimal(req.qty),
        "request_price": plain_decimal(req.price),
        "refid": cid,
    }
