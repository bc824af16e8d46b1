"""What a REST handler receives."""

from __future__ import annotations

from tradeport.emulator.host.rest import Call as HostCall
from tradeport.venues.bingx.emulator.errors import bad_key
from tradeport.venues.bingx.emulator.params import Params


class Call(HostCall[Params]):
    def unauthenticated(self) -> Exception:
        return bad_key()
