"""What a REST handler receives, and how an endpoint is declared."""

from __future__ import annotations

from tradeport.emulator.host.rest import Call as HostCall
from tradeport.emulator.host.rest import Route as HostRoute
from tradeport.venues.bybit.emulator.errors import bad_key
from tradeport.venues.bybit.emulator.params import Params


class Call(HostCall[Params]):
    def unauthenticated(self) -> Exception:
        return bad_key()


Route = HostRoute[Call]
