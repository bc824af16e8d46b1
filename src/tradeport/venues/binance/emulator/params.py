"""Request parameters as Binance reads them (PROTOCOLS.md §1.2).

Parameters come from the query string and from an `application/x-www-form-urlencoded`
body; when a name is in both, the query wins. Values are percent-decoded. Typed getters
raise the venue's own errors (-1102 missing, -1100 illegal characters, -1106 not needed).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal

from tradeport.emulator.host.decoding import decode_json
from tradeport.emulator.host.params import split_pairs
from tradeport.emulator.symbols import SymbolSpec
from tradeport.venues.binance.emulator.errors import (
    BinanceApiError,
    illegal,
    invalid_symbol,
    mandatory,
    not_required,
)

_DECIMAL = re.compile(r"^([0-9]{1,20})(\.[0-9]{1,20})?$")
_INTEGER = re.compile(r"^-?[0-9]{1,20}$")
# newClientOrderId / origClientOrderId as both markets accept them
CLIENT_ID = re.compile(r"^[.A-Z:/a-z0-9_-]{1,36}$")
_SYMBOLS_RANGE = r'^\[("[A-Z0-9-_.]{1,20}"(,"[A-Z0-9-_.]{1,20}"){0,}){0,1}\]$'


class Params:
    """The parameters of one request, with the names an endpoint actually read."""

    def __init__(self, query: Iterable[tuple[str, str]], body: Iterable[tuple[str, str]] = ()):
        self._values: dict[str, str] = {}
        seen: set[str] = set()
        for name, value in query:
            if name in seen:
                raise BinanceApiError(-1101, "Duplicate values for a parameter detected.")
            seen.add(name)
            self._values[name] = value
        for name, value in body:
            # the query wins over the body for the same name (§1.2)
            self._values.setdefault(name, value)
        self.read: set[str] = set()

    @classmethod
    def from_raw(cls, query: str, body: str = "") -> Params:
        return cls(split_pairs(query), split_pairs(body))

    def names(self) -> list[str]:
        return list(self._values)

    def has(self, name: str) -> bool:
        return name in self._values

    def get(self, name: str) -> str | None:
        """The value, or None when absent. An empty value counts as absent, as Binance
        treats `symbol=` like a missing symbol."""
        self.read.add(name)
        value = self._values.get(name)
        return value if value else None

    def require(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise mandatory(name)
        return value

    def decimal(self, name: str, *, required: bool = False) -> Decimal | None:
        value = self.require(name) if required else self.get(name)
        if value is None:
            return None
        if not _DECIMAL.match(value):
            raise illegal(name)
        return Decimal(value)

    def integer(self, name: str, *, required: bool = False) -> int | None:
        value = self.require(name) if required else self.get(name)
        if value is None:
            return None
        if not _INTEGER.match(value):
            raise illegal(name, r"^-?[0-9]{1,20}$")
        return int(value)

    def boolean(self, name: str) -> bool | None:
        value = self.get(name)
        if value is None:
            return None
        lowered = value.lower()
        if lowered not in ("true", "false"):
            raise BinanceApiError(-1130, f"Invalid data sent for parameter '{name}'.")
        return lowered == "true"

    def choice(
        self, name: str, allowed: Iterable[str], error: BinanceApiError, *, required: bool = False
    ) -> str | None:
        value = self.require(name) if required else self.get(name)
        if value is None:
            return None
        if value not in allowed:
            raise error
        return value

    def forbid(self, name: str) -> None:
        """-1106 when a parameter was sent that this kind of request must not carry."""
        self.read.add(name)
        if self._values.get(name):
            raise not_required(name)

    def spec(self, specs: Mapping[str, SymbolSpec]) -> SymbolSpec:
        """The listed symbol `symbol` names; -1121 when it names none."""
        spec = specs.get(self.require("symbol"))
        if spec is None:
            raise invalid_symbol()
        return spec

    def order_ref(self) -> tuple[int | None, str | None]:
        """`orderId` and/or `origClientOrderId`: at least one is needed to name an order."""
        order_id = self.integer("orderId")
        client_id = self.get("origClientOrderId")
        if order_id is None and client_id is None:
            raise BinanceApiError(
                -1102,
                "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!",
            )
        return order_id, client_id

    def symbols(self) -> list[str] | None:
        """`symbols=["BTCUSDT","ETHUSDT"]`, a JSON array in one parameter (§1.3)."""
        raw = self.get("symbols")
        if raw is None:
            return None
        try:
            parsed = decode_json(raw)
        except ValueError:
            raise illegal("symbols", _SYMBOLS_RANGE) from None
        if not isinstance(parsed, list) or not all(isinstance(s, str) for s in parsed):
            raise illegal("symbols", _SYMBOLS_RANGE)
        if not parsed:
            raise BinanceApiError(
                -1102, "Mandatory parameter 'symbols' was not sent, was empty/null, or malformed."
            )
        return parsed

    def check_all_read(self) -> None:
        """-1104 when the request carried parameters the endpoint does not know."""
        unread = [n for n in self._values if n not in self.read]
        if unread:
            total = len(self._values)
            raise BinanceApiError(
                -1104,
                f"Not all sent parameters were read; read '{total - len(unread)}' "
                f"parameter(s) but was sent '{total}'.",
            )
