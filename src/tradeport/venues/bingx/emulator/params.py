"""Request parameters as BingX reads them: every endpoint takes its parameters in the
query string (POST and DELETE too, §5.2). Typed getters raise 109400 naming the
parameter."""

from __future__ import annotations

from tradeport.emulator.host.params import TypedParams, split_query
from tradeport.venues.bingx.emulator.errors import BingxApiError, invalid, missing


class Params(TypedParams):
    @classmethod
    def from_query(cls, raw_query: str) -> Params:
        return cls(dict(split_query(raw_query)))

    def missing(self, name: str) -> BingxApiError:
        return missing(name)

    def invalid(self, name: str, why: str = "is invalid") -> BingxApiError:
        return invalid(name, why)
