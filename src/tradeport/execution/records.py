"""What the port writes into the journal about requests, orders and fills: plain
JSON-able data, decimals as text so that nothing is rounded."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tradeport.model import Fill, Order
from tradeport.model.errors import TradeportError
from tradeport.venues.base import OrderRequest


def _text(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def request(req: OrderRequest) -> dict[str, Any]:
    return {
        "side": req.side.value,
        "type": req.type.value,
        "qty": _text(req.qty),
        "price": _text(req.price),
        "offset": req.offset.value,
        "reduce_only": req.reduce_only,
        "client_order_id": req.client_order_id,
    }


def order(o: Order) -> dict[str, Any]:
    return {
        "order_id": o.order_id,
        "client_order_id": o.client_order_id,
        "status": o.status.value,
        "qty": _text(o.qty),
        "filled_qty": _text(o.filled_qty),
        "avg_price": _text(o.avg_price),
        "price": _text(o.price),
        "updated_ts": o.updated_ts,
    }


def fill(f: Fill) -> dict[str, Any]:
    return {
        "trade_id": f.trade_id,
        "order_id": f.order_id,
        "price": _text(f.price),
        "qty": _text(f.qty),
        "fee": _text(f.fee),
        "fee_asset": f.fee_asset,
        "is_maker": f.is_maker,
        "ts": f.ts,
    }


def error(what: str, exc: TradeportError) -> dict[str, Any]:
    return {
        "what": what,
        "type": type(exc).__name__,
        "kind": exc.kind,
        "message": exc.message,
        "code": exc.code,
    }
