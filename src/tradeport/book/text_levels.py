"""An L2 book that also keeps each level's text, for venues that checksum the text.

A checksum computed over the price and size strings exactly as received (checksum.py)
needs, per level, the text the venue last sent for it. `TextL2Book` keeps, next to the
float levels of `L2Book` (which views, the crossed check and top-N read as for any
book), the `"price:size"` text of every level, ready to be joined, and a map from price
text to price float. Updates arrive as text rows, and one pass per side applies them:
a level already held is found by its price text (no float parsed for the price), only
a new price is parsed and checked, and the checksum's per-level text is built once
when the level changes, not again for every push.

Sizes are converted (and so checked) on every update: a zero size removes the level and
a size that is not a real quantity must be refused, and both need the number.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Callable, Iterable, Sequence
from math import inf
from operator import neg
from typing import Protocol

from tradeport.book.levels import L2Book, Level, bad_level

# a size as sent → the quantity the book holds: a function, or, inlined on the hot path,
# an exponent suffix the text is read with ("" as it is, "e-2" for hundredths)
Sizes = Callable[[str], float] | str


class TextRow(Protocol):
    """A level as received: its price and size text (anything after them unread)."""

    @property
    def px(self) -> str: ...

    @property
    def sz(self) -> str: ...


class TextL2Book(L2Book):
    __slots__ = ("_ask_keys", "_ask_texts", "_bid_keys", "_bid_texts")

    def __init__(self, symbol: str) -> None:
        super().__init__(symbol)
        self._bid_texts: dict[float, str] = {}  # price → "price:size" as last received
        self._ask_texts: dict[float, str] = {}
        self._bid_keys: dict[str, float] = {}  # price text → price, for levels held
        self._ask_keys: dict[str, float] = {}

    def load(self, bids: Iterable[Level], asks: Iterable[Level], update_id: int) -> None:
        """As `L2Book.load`; the text is set afterwards by `load_texts`."""
        super().load(bids, asks, update_id)
        self._bid_texts, self._ask_texts, self._bid_keys, self._ask_keys = {}, {}, {}, {}

    def load_texts(self, bids: Sequence[TextRow], asks: Sequence[TextRow]) -> None:
        """The text of a snapshot just loaded from the same rows."""
        self._bid_texts, self._bid_keys = _texts(bids, self._bids)
        self._ask_texts, self._ask_keys = _texts(asks, self._asks)

    def apply_text(self, bids: Iterable[TextRow], asks: Iterable[TextRow], size: Sizes) -> None:
        """Apply absolute sizes as text ("0" removes the level). MalformedMessage for a
        level that is not a real one; the levels before it are applied, so the caller
        must stop trusting the book (as with `L2Book.apply`)."""
        if self._views:
            self._freeze_views()
        self._lose_changes()  # a follower reads the levels from the book instead
        self._bid_cache = self._ask_cache = None  # kept in step by L2Book.apply only
        _apply_side(
            "bid", bids, size, self._bids, self._bid_prices, self._bid_texts, self._bid_keys, 1.0
        )
        _apply_side(
            "ask", asks, size, self._asks, self._ask_prices, self._ask_texts, self._ask_keys, -1.0
        )

    def top_texts(self, depth: int) -> tuple[list[str], list[str]]:
        """The `"price:size"` text of the best `depth` bids and asks, best first."""
        # reversed slices and maps run in C: this is read after every push
        end = -depth - 1
        return (
            list(map(self._bid_texts.__getitem__, self._bid_prices[:end:-1])),
            list(map(self._ask_texts.__getitem__, map(neg, self._ask_prices[:end:-1]))),
        )


def _texts(
    rows: Sequence[TextRow], levels: dict[float, float]
) -> tuple[dict[float, str], dict[str, float]]:
    texts: dict[float, str] = {}
    keys: dict[str, float] = {}
    for row in rows:
        price = float(row.px)
        if price in levels:  # a later row of the same price wins, as in `load`
            old = texts.get(price)
            if old is not None:
                del keys[old.partition(":")[0]]
            texts[price] = f"{row.px}:{row.sz}"
            keys[row.px] = price
    return texts, keys


def _apply_side(
    side: str,
    rows: Iterable[TextRow],
    size: Sizes,
    levels: dict[float, float],
    prices: list[float],
    texts: dict[float, str],
    keys: dict[str, float],
    sign: float,  # 1.0 for bids, -1.0 for asks (their sorted prices are negated)
) -> None:
    top = inf  # a local is cheaper than the global for every level
    suffix, convert = (size, None) if isinstance(size, str) else ("", size)
    for row in rows:
        px = row.px
        sz = row.sz
        price = keys.get(px)
        qty = float(sz + suffix) if convert is None else convert(sz)
        if price is not None:  # a level held: its price was checked when it entered
            if 0.0 < qty < top:
                levels[price] = qty
                texts[price] = px + ":" + sz
            elif qty == 0.0:
                del levels[price]
                del texts[price]
                del keys[px]
                del prices[bisect_left(prices, sign * price)]
            else:
                raise bad_level(side, price, qty)
            continue
        price = float(px)
        if not (0.0 < price < top and 0.0 <= qty < top):
            raise bad_level(side, price, qty)
        held = texts.get(price)
        if held is not None:  # held under another text of the same number ("1" / "1.0")
            del keys[held.partition(":")[0]]
        if qty == 0.0:
            if held is not None:
                del levels[price]
                del texts[price]
                del prices[bisect_left(prices, sign * price)]
            continue  # removing a level the book does not hold is normal
        if held is None:
            insort(prices, sign * price)
        levels[price] = qty
        texts[price] = px + ":" + sz
        keys[px] = price
