"""History endpoints' common window rules (allOrders, myTrades, userTrades)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from tradeport.emulator.engine import Engine, EngineFill
from tradeport.venues.binance.emulator.errors import (
    bad_combination,
    start_after_end,
)
from tradeport.venues.binance.emulator.params import Params

T = TypeVar("T")
DEFAULT_LIMIT = 500
MAX_LIMIT = 1000


def select_window(
    items: Sequence[T],
    params: Params,
    *,
    time_of: Callable[[T], int],
    id_of: Callable[[T], int],
    from_param: str,
) -> list[T]:
    """`startTime`/`endTime` and an id lower bound (`orderId` / `fromId`) narrow the list;
    `limit` (default 500, max 1000) keeps the oldest matches when a lower bound was given
    and the newest otherwise, as Binance does."""
    start, end = params.integer("startTime"), params.integer("endTime")
    lower = params.integer(from_param)
    limit = min(params.integer("limit") or DEFAULT_LIMIT, MAX_LIMIT)
    if start is not None and end is not None and start > end:
        raise start_after_end()
    chosen = [
        x
        for x in items
        if (start is None or time_of(x) >= start)
        and (end is None or time_of(x) <= end)
        and (lower is None or id_of(x) >= lower)
    ]
    if lower is not None or start is not None:
        return chosen[:limit]
    return chosen[-limit:]


def select_fills(engine: Engine, account_id: str, symbol: str, params: Params) -> list[EngineFill]:
    """myTrades / userTrades: the account's fills on one symbol, narrowed by `orderId`
    or by the time/`fromId` window (the two may not be combined)."""
    order_id = params.integer("orderId")
    if order_id is not None and params.get("fromId") is not None:
        raise bad_combination()
    fills = engine.fills(account_id, symbol, order_id, limit=None)
    return select_window(
        fills, params, time_of=lambda f: f.ts_ms, id_of=lambda f: f.trade_id, from_param="fromId"
    )
