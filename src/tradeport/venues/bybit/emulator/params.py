"""Request parameters as Bybit v5 reads them (PROTOCOLS.md §0.2, §4.3).

GET endpoints take a query string; POST endpoints a JSON object body. Values may be
strings or JSON numbers / booleans (clients send `"qty": "0.01"` and `"qty": 0.01`
alike); numbers are decoded as Decimal so nothing is rounded on the way in. Typed getters
raise 10001 naming the parameter.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from urllib.parse import unquote_plus

import msgspec

from tradeport.venues.bybit.emulator.errors import bad_param, illegal_category, invalid, missing

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


class Params:
    """The parameters of one request."""

    def __init__(self, values: dict[str, Value]) -> None:
        self._values = values

    @classmethod
    def from_query(cls, raw_query: str) -> Params:
        return cls(dict(split_query(raw_query)))

    @classmethod
    def from_body(cls, raw_body: bytes) -> Params:
        if not raw_body.strip():
            return cls({})
        try:
            decoded = _DECODER.decode(raw_body)
        except msgspec.DecodeError:
            raise bad_param("request body is not valid JSON") from None
        if not isinstance(decoded, dict):
            raise bad_param("request body must be a JSON object")
        values: dict[str, Value] = {}
        for name, value in decoded.items():
            if value is None:
                continue  # clients send null for "not given"
            if not isinstance(value, str | int | Decimal | bool):
                raise invalid(name, "must be a string or a number")
            values[name] = value
        return cls(values)

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
            raise missing(name)
        return value

    def choice(self, name: str, options: tuple[str, ...], default: str | None = None) -> str:
        value = self.text(name)
        if value is None:
            if default is None:
                raise missing(name)
            return default
        if value not in options:
            raise invalid(name, f"must be one of {', '.join(options)}, not {value!r}")
        return value

    def decimal(self, name: str, *, required: bool = False) -> Decimal | None:
        value = self.require(name) if required else self.text(name)
        if value is None:
            return None
        if not _DECIMAL.match(value):
            raise invalid(name, f"must be a non-negative decimal number, not {value!r}")
        try:
            return Decimal(value)
        except InvalidOperation:
            raise invalid(name) from None

    def integer(
        self,
        name: str,
        default: int | None = None,
        *,
        low: int | None = None,
        high: int | None = None,
    ) -> int | None:
        raw = self._values.get(name)
        if raw is None or raw == "":
            return default
        if isinstance(raw, bool) or (isinstance(raw, Decimal) and raw != raw.to_integral_value()):
            raise invalid(name, "must be an integer")
        text = self.text(name) or ""
        if isinstance(raw, Decimal):
            text = str(int(raw))
        if not _INTEGER.match(text):
            raise invalid(name, f"must be an integer, not {text!r}")
        number = int(text)
        if (low is not None and number < low) or (high is not None and number > high):
            raise invalid(name, f"must be from {low} to {high}, not {number}")
        return number

    def boolean(self, name: str, default: bool = False) -> bool:
        raw = self._values.get(name)
        if raw is None or raw == "":
            return default
        if isinstance(raw, bool):
            return raw
        text = self.text(name)
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise invalid(name, f"must be true or false, not {text!r}")

    def category(self, allowed: tuple[str, ...]) -> str:
        """`category`, which every v5 market and trade endpoint requires."""
        category = self.text("category")
        if category is None:
            raise missing("category")
        if category not in allowed:
            raise illegal_category(category)
        return category
