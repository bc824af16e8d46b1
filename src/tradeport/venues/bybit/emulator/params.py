"""Request parameters as Bybit v5 reads them (PROTOCOLS.md §0.2, §4.3).

GET endpoints take a query string; POST endpoints a JSON object body. Values may be
strings or JSON numbers / booleans (clients send `"qty": "0.01"` and `"qty": 0.01`
alike); numbers are decoded as Decimal so nothing is rounded on the way in. Typed getters
raise 10001 naming the parameter.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from tradeport.emulator.host.decoding import decode_json
from tradeport.emulator.host.params import TypedParams, Value, split_query
from tradeport.venues.bybit.emulator.errors import (
    BybitApiError,
    bad_param,
    illegal_category,
    invalid,
    missing,
)

_DECODER = msgspec.json.Decoder(float_hook=Decimal)


def _scalars(decoded: dict[str, object]) -> dict[str, Value]:
    values: dict[str, Value] = {}
    for name, value in decoded.items():
        if value is None:
            continue  # clients send null for "not given"
        if not isinstance(value, str | int | Decimal | bool):
            raise invalid(name, "must be a string or a number")
        values[name] = value
    return values


class Params(TypedParams):
    """The parameters of one request."""

    @classmethod
    def from_query(cls, raw_query: str) -> Params:
        return cls(dict(split_query(raw_query)))

    def __init__(self, values: dict[str, Value], items: list[Params] | None = None) -> None:
        """`items`: the objects of a batch body's `request` list, each its own Params."""
        super().__init__(values)
        self.items = items

    @classmethod
    def from_body(cls, raw_body: bytes) -> Params:
        if not raw_body.strip():
            return cls({})
        try:
            decoded = decode_json(raw_body, _DECODER)
        except msgspec.DecodeError:
            raise bad_param("request body is not valid JSON") from None
        if not isinstance(decoded, dict):
            raise bad_param("request body must be a JSON object")
        items = None
        batch = decoded.pop("request", None)
        if batch is not None:
            if not isinstance(batch, list) or not all(isinstance(i, dict) for i in batch):
                raise invalid("request", "must be a list of objects")
            items = [cls(_scalars(item)) for item in batch]
        return cls(_scalars(decoded), items)

    def with_value(self, name: str, value: Value) -> Params:
        """These parameters plus `name` (a batch item takes the batch's category)."""
        return Params({**self._values, name: value})

    def missing(self, name: str) -> BybitApiError:
        return missing(name)

    def invalid(self, name: str, why: str = "invalid") -> BybitApiError:
        return invalid(name, why)

    # Bybit also takes 1 / 0 for a boolean
    TRUE = ("true", "1")
    FALSE = ("false", "0")

    def _integer_text(self, name: str) -> str | None:
        raw = self._values.get(name)
        # a JSON number arrives as Decimal: 5 and 5.0 are integers, 5.5 and true are not
        if isinstance(raw, bool) or (isinstance(raw, Decimal) and raw != raw.to_integral_value()):
            raise invalid(name, "must be an integer")
        if isinstance(raw, Decimal):
            return str(int(raw))
        return self.text(name)

    def category(self, allowed: tuple[str, ...]) -> str:
        """`category`, which every v5 market and trade endpoint requires."""
        category = self.text("category")
        if category is None:
            raise missing("category")
        if category not in allowed:
            raise illegal_category(category)
        return category
