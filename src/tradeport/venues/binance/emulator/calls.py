"""What an endpoint handler receives, and how an endpoint is declared."""

from __future__ import annotations

from typing import Literal

from tradeport.emulator.host.rest import Call as HostCall
from tradeport.emulator.host.rest import Route as HostRoute
from tradeport.venues.binance.emulator.params import Params

Market = Literal["spot", "futures"]


class Call(HostCall[Params]):
    """One request after auth: its parameters, the server clock and the caller."""


Route = HostRoute[Call]
