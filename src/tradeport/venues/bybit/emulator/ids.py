"""Bybit's order and execution ids, derived from the engine's integer ids.

Bybit writes linear order ids as UUIDs (`fd4300ae-7847-404e-b947-b46980a4d140`) and spot
order ids as 19-digit decimal strings (`1321003749386327552`), per the docs' samples of
`/v5/order/realtime` and `/v5/order/create`. The mapping here is stateless and
reversible, so REST and the private streams write the same id for the same order and a
request can name an order by the id it was given. An id of one category never parses
in the other.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Literal

Category = Literal["spot", "linear"]
CATEGORIES: tuple[Category, ...] = ("spot", "linear")

# Spot ids: a fixed offset keeps them 19 digits long, as Bybit's are.
_SPOT_ORDER_BASE = 1_800_000_000_000_000_000
_SPOT_EXEC_BASE = 2_100_000_000_000_000_000
_NODE_BITS = 48  # the UUID's last field carries the (masked) engine id


def _digest(*parts: object) -> bytes:
    return hashlib.sha256(":".join(str(p) for p in parts).encode()).digest()


def _uuid_head(kind: str, number: int) -> bytes:
    """The first 10 bytes of a derived UUID, with the version-4 and RFC 4122 bits set."""
    head = bytearray(_digest(kind, number)[:10])
    head[6] = (head[6] & 0x0F) | 0x40
    head[8] = (head[8] & 0x3F) | 0x80
    return bytes(head)


def _mask(head: bytes) -> int:
    return int.from_bytes(_digest("mask", head.hex())[:6], "big")


def _derived_uuid(kind: str, number: int) -> str:
    head = _uuid_head(kind, number)
    tail = (number ^ _mask(head)).to_bytes(_NODE_BITS // 8, "big")
    return str(uuid.UUID(bytes=head + tail))


def _parse_uuid(kind: str, text: str) -> int | None:
    try:
        raw = uuid.UUID(text).bytes
    except ValueError:
        return None
    head = raw[:10]
    number = int.from_bytes(raw[10:], "big") ^ _mask(head)
    return number if number > 0 and _uuid_head(kind, number) == head else None


def order_id_text(category: Category, order_id: int) -> str:
    """The `orderId` Bybit would show for engine order `order_id`."""
    if category == "spot":
        return str(_SPOT_ORDER_BASE + order_id)
    return _derived_uuid("linear-order", order_id)


def parse_order_id(category: Category, text: str) -> int | None:
    """The engine id behind an `orderId`, or None when it is no id of this category."""
    if category == "spot":
        if not text.isascii() or not text.isdigit() or len(text) != 19:
            return None
        number = int(text) - _SPOT_ORDER_BASE
        return number if number > 0 else None
    return _parse_uuid("linear-order", text)


def exec_id_text(category: Category, trade_id: int, is_maker: bool) -> str:
    """A private fill's `execId`. Maker and taker of one trade get different ids, so an
    account trading with itself still sees two distinct executions."""
    side = 1 if is_maker else 0
    if category == "spot":
        return str(_SPOT_EXEC_BASE + trade_id * 2 + side)
    return _derived_uuid("linear-exec", trade_id * 2 + side)


def public_trade_id_text(category: Category, trade_id: int) -> str:
    """A public trade's `execId` (`/v5/market/recent-trade`, `publicTrade.*` `i`)."""
    if category == "spot":
        return str(_SPOT_EXEC_BASE + trade_id * 2)
    return _derived_uuid("linear-trade", trade_id)
