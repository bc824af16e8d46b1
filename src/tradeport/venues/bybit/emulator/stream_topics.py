"""Bybit v5 WebSocket topic names: parsing and validation (PROTOCOLS.md §4.4).

Public topics (`/v5/public/spot`, `/v5/public/linear`): `orderbook.{depth}.{symbol}`,
`publicTrade.{symbol}`, `tickers.{symbol}`, `kline.{interval}.{symbol}`, symbols in the
venue's uppercase spelling. Private topics (`/v5/private`): the all-in-one `order`,
`execution`, `position`, `wallet` and the categorised `order.spot`, `order.linear`,
`execution.spot`, `execution.linear`, `position.linear` (websocket/private/*.mdx); only
the two categories this emulator serves are accepted.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

Category = Literal["spot", "linear"]
PublicKind = Literal["orderbook", "publicTrade", "tickers", "kline"]
PrivateKind = Literal["order", "execution", "position", "wallet"]

# orderbook depth -> push period in ms, spot and linear alike (websocket/public/orderbook).
BOOK_PERIODS_MS: dict[int, int] = {1: 10, 50: 20, 200: 100, 1000: 200}
# Level 1 re-pushes its unchanged snapshot after 3 s (same `u`).
LEVEL1_REPEAT_MS = 3000
KLINE_INTERVALS = ("1", "3", "5", "15", "30", "60", "120", "240", "360", "720", "D", "W", "M")
# The categories each private topic can be narrowed to; `wallet` has no categorised form.
PRIVATE_CATEGORIES: dict[PrivateKind, tuple[Category, ...]] = {
    "order": ("spot", "linear"),
    "execution": ("spot", "linear"),
    "position": ("linear",),
    "wallet": (),
}


@dataclass(frozen=True, slots=True)
class PublicTopic:
    name: str
    kind: PublicKind
    symbol: str
    depth: int = 0  # orderbook only
    interval: str = ""  # kline only

    @property
    def period_ms(self) -> int:
        return BOOK_PERIODS_MS[self.depth]


@dataclass(frozen=True, slots=True)
class PrivateTopic:
    name: str
    kind: PrivateKind
    category: Category | None  # None: the all-in-one topic, every category

    def carries(self, category: Category) -> bool:
        return self.category is None or self.category == category


def parse_public(name: str, symbols: Collection[str]) -> PublicTopic | None:
    """The topic `name` names on a public path serving `symbols`, or None."""
    parts = name.split(".")
    kind = parts[0]
    if kind in ("publicTrade", "tickers") and len(parts) == 2:
        symbol = parts[1]
        if symbol not in symbols:
            return None
        return PublicTopic(name, "publicTrade" if kind == "publicTrade" else "tickers", symbol)
    if kind not in ("orderbook", "kline") or len(parts) != 3:
        return None
    arg, symbol = parts[1], parts[2]
    if symbol not in symbols:
        return None
    if kind == "kline":
        return PublicTopic(name, "kline", symbol, interval=arg) if arg in KLINE_INTERVALS else None
    if not arg.isdigit() or int(arg) not in BOOK_PERIODS_MS or arg != str(int(arg)):
        return None
    return PublicTopic(name, "orderbook", symbol, depth=int(arg))


def parse_private(name: str) -> PrivateTopic | None:
    """The private topic `name` names, or None."""
    base, _, suffix = name.partition(".")
    kinds: dict[str, PrivateKind] = {
        "order": "order",
        "execution": "execution",
        "position": "position",
        "wallet": "wallet",
    }
    kind = kinds.get(base)
    if kind is None:
        return None
    if not suffix:
        return PrivateTopic(name, kind, None)
    for category in PRIVATE_CATEGORIES[kind]:
        if suffix == category:
            return PrivateTopic(name, kind, category)
    return None
