"""Request parameters as OKX v5 reads them (PROTOCOLS.md §0.2, §3.3).

GET endpoints take a query string; POST endpoints a JSON object body, or for the batch
endpoints an array of objects. Values may be strings, JSON numbers or booleans; numbers
decode as Decimal so nothing is rounded on the way in. Typed getters raise 50014 (empty)
or 51000 (malformed) naming the parameter; `item=True` getters raise the same codes as
an order's `sCode` instead.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from tradeport.emulator.host.decoding import decode_json
from tradeport.emulator.host.params import TypedParams, Value, split_query
from tradeport.venues.okx.emulator.errors import (
    ItemError,
    OkxApiError,
    bad_json,
    invalid,
    missing,
)

_DECODER = msgspec.json.Decoder(float_hook=Decimal)


def decode_body(raw: bytes) -> object:
    """The JSON body (an object, or an array for batch endpoints); 50002 if not JSON."""
    try:
        return decode_json(raw, _DECODER)
    except msgspec.DecodeError:
        raise bad_json() from None


class Params(TypedParams):
    """The parameters of one request, or of one order of a batch. `item` makes the
    getters raise ItemError (the order's `sCode`) instead of a top-level error."""

    def __init__(self, values: dict[str, Value], *, item: bool = False) -> None:
        super().__init__(values)
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

    def invalid(self, name: str, why: str = "invalid") -> Exception:
        # OKX names the parameter only, whatever was wrong with it
        error = invalid(name)
        return ItemError(error.code, error.msg) if self.item else error
