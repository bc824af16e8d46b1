"""What an endpoint handler receives, and how an endpoint is declared."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tradeport.emulator.accounts import AccountRef
from tradeport.emulator.host.rest import Route as HostRoute
from tradeport.venues.binance.emulator.params import Params

Market = Literal["spot", "futures"]


@dataclass
class Call:
    """One request after auth: its parameters, the server clock and the caller."""

    params: Params
    now_ms: int
    caller: AccountRef | None = None

    @property
    def account_id(self) -> str:
        if self.caller is None:
            raise RuntimeError("a public endpoint has no account")
        return self.caller.engine_id


Route = HostRoute[Call]
