"""Request parameters as the BTCC emulator reads them: the query string of a GET, the
form body of a POST [?]. Typed getters refuse with PARAM ERROR naming the parameter."""

from __future__ import annotations

from tradeport.emulator.host.params import TypedParams
from tradeport.venues.btcc.emulator.errors import BtccApiError, invalid, missing


class Params(TypedParams):
    def missing(self, name: str) -> BtccApiError:
        return missing(name)

    def invalid(self, name: str, why: str = "is invalid") -> BtccApiError:
        return invalid(name, why)
