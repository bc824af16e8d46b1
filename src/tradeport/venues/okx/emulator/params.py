"""Request parameters as OKX v5 reads them (PROTOCOLS.md §0.2, §3.3).

GET endpoints take a query string; POST endpoints a JSON object body, or for the batch
endpoints an array of objects. Values may be strings, JSON numbers or booleans; numbers
decode as Decimal so nothing is rounded on the way in. Typed getters raise 50014 (empty)
or 51000 (malformed) naming the parameter; `item=True` getters raise the same codes as
an order's `sCode` instead.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from urllib.parse import unquote_plus

import msgspec

from tradeport.venues.okx.emulator.errors import (
    ItemError,
    OkxApiError,
    bad_json,
    invalid,
    missing,
)

_DECODER = msgspec.json.Decoder(float_hook=Decimal)
_DECIMAL = re.compile(r"^[0-9]{1,20}(\.[0-9]{1,20})?$")
_INTEGER = re.compile(r"^-?[0-9]{1,19}$")
Value = str | int | Decimal | bool


def split_query(raw: str) -> dict[str, str]:
    """`a=1&b=%20x` -> {"a": "1", "b": " x"}; a repeated name keeps its last value."""
    values: dict[str, str] = {}
    for segment in raw.split("&"):
        if segment:
            name, _, value = segment.partition("=")
            values[unquote_plus(name)] = unquote_plus(value)
    return values


def decode_body(raw: bytes) -> object:
    """The JSON body (an object, or an array for batch endpoints); 50002 if not JSON."""
    try:
        return _DECODER.decode(raw)
    except msgspec.DecodeError:
        raise bad_json() from None


class Params:
    """The parameters of one request, or of one order of a batch. `item` makes the
    getters raise ItemError (the order's `sCode`) instead of a top-level error."""

    def __init__(self, values: dict[str, Value], *, item: bool = False) -> None:
        self._values = values
        self.item = item

    @classmethod
    def from_query(cls, raw_query: str) -> Params:
        return cls(dict(split_query(raw_query)))

    @classmethod
    def from_object(cls, decoded: object, *, item: bool = False) -> Params:
        if not isinstance(decoded, dict):
            raise OkxApiError("50002", "JSON syntax error: expected an object", status=400)
        values: dict[str, Value] = {}
        for name, value in decoded.items():
            if value is None:
                continue  # clients send null for "not given"
            if isinstance(value, list | dict):
                values[name] = msgspec.json.encode(value).decode()
                continue
            values[name] = value
        return cls(values, item=item)

    # -- errors ------------------------------------------------------------------------
    def missing(self, name: str) -> Exception:
        error = missing(name)
        return ItemError(error.code, error.msg) if self.item else error

    def invalid(self, name: str) -> Exception:
        error = invalid(name)
        return ItemError(error.code, error.msg) if self.item else error

    # -- getters -----------------------------------------------------------------------
    def has(self, name: str) -> bool:
        return self.text(name) is not None

    def text(self, name: str) -> str | None:
        """The value as text, or None when absent or empty."""
        value = self._values.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, Decimal):
            return f"{value:f}"
        return str(value)

    def require(self, name: str) -> str:
        value = self.text(name)
        if value is None:
            raise self.missing(name)
        return value

    def choice(self, name: str, options: tuple[str, ...], default: str | None = None) -> str:
        value = self.text(name)
        if value is None:
            if default is None:
                raise self.missing(name)
            return default
        if value not in options:
            raise self.invalid(name)
        return value

    def decimal(self, name: str, *, required: bool = False) -> Decimal | None:
        value = self.require(name) if required else self.text(name)
        if value is None:
            return None
        if not _DECIMAL.match(value):
            raise self.invalid(name)
        try:
            return Decimal(value)
        except InvalidOperation:
            raise self.invalid(name) from None

    def integer(
        self,
        name: str,
        default: int | None = None,
        *,
        low: int | None = None,
        high: int | None = None,
    ) -> int | None:
        value = self.text(name)
        if value is None:
            return default
        if not _INTEGER.match(value):
            raise self.invalid(name)
        number = int(value)
        if (low is not None and number < low) or (high is not None and number > high):
            raise self.invalid(name)
        return number

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self.text(name)
        if value is None:
            return default
        if value == "true":
            return True
        if value == "false":
            return False
        raise self.invalid(name)
