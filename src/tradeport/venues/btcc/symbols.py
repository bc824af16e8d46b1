"""BTCC's names of a contract and the standard `BASE-QUOTE`, both ways, in one place
(PROTOCOLS.md §6.5) [?].

The trade API names products with long internal strings (one quoted example:
`GWFX/USDT/GTS/MM/MIN/0/A/BTCUSDT5x`) and lists each with its `base_currency` and
`profit_currency`; the quote stream names them by a numeric `SecID` and a `ShortName`
such as `BTC/USDT.100x` or `BCH/USDTW`. The trailing `<n>x` reads as the product's
maximum leverage [inference]. When a pair is listed under several products, the first
one listed is the pair's product for orders [?].
"""

from __future__ import annotations

import re

from tradeport.model.errors import UnknownSymbol

# `BTC/USDT.100x`, `BCH/USDTW`: base / quote, then an optional suffix the sources do not
# explain (a `W` after the quote, `.<n>x` after a dot) [?]
_SHORT_NAME = re.compile(r"^(?P<base>[A-Z0-9]+)/(?P<quote>USDT|USDC|USD)[A-Z]?(?:\.\d+x)?$")
_LEVERAGE_SUFFIX = re.compile(r"(\d+)x$")


def leverage_in_name(name: str) -> int | None:
    """The maximum leverage a product or short name ends with (`...BTCUSDT5x` -> 5)."""
    found = _LEVERAGE_SUFFIX.search(name)
    return int(found.group(1)) if found else None


def symbol_of_short_name(short_name: str) -> str:
    """`BTC/USDT.100x` -> `BTC-USDT`; UnknownSymbol for a name of another shape."""
    found = _SHORT_NAME.match(short_name.strip())
    if found is None:
        raise UnknownSymbol(f"quote stream name {short_name!r}: expected BASE/QUOTE[.<n>x]")
    return f"{found['base']}-{found['quote']}"


class SymbolTable:
    """`BTC-USDT` ↔ product name (trade API) and ↔ `SecID` (quote stream)."""

    def __init__(self) -> None:
        self._product: dict[str, str] = {}
        self._by_product: dict[str, str] = {}
        self._sec_id: dict[str, str] = {}
        self._by_sec_id: dict[str, str] = {}

    def add_product(self, symbol: str, name: str) -> None:
        self._by_product[name] = symbol
        self._product.setdefault(symbol, name)

    def add_quote_id(self, sec_id: str, short_name: str) -> str:
        """Learn a quote stream id from the `Dict` frame; returns its standard symbol."""
        symbol = symbol_of_short_name(short_name)
        self._by_sec_id[sec_id] = symbol
        self._sec_id.setdefault(symbol, sec_id)
        return symbol

    def product(self, symbol: str) -> str:
        name = self._product.get(symbol)
        if name is None:
            raise UnknownSymbol(f"{symbol!r} is not a BTCC product")
        return name

    def symbol_of_product(self, name: str) -> str:
        symbol = self._by_product.get(name)
        if symbol is None:
            raise UnknownSymbol(f"BTCC product {name!r} is not listed")
        return symbol

    def sec_id(self, symbol: str) -> str:
        sec_id = self._sec_id.get(symbol)
        if sec_id is None:
            raise UnknownSymbol(f"{symbol!r} has no BTCC quote stream id")
        return sec_id

    def symbol_of_sec_id(self, sec_id: str) -> str:
        symbol = self._by_sec_id.get(sec_id)
        if symbol is None:
            raise UnknownSymbol(f"BTCC quote stream id {sec_id!r} is not in the dictionary")
        return symbol

    @property
    def symbols(self) -> list[str]:
        return list(self._product)
