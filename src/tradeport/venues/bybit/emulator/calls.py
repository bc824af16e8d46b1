"""What a REST handler receives, and how an endpoint is declared."""

from __future__ import annotations

from dataclasses import dataclass

from tradeport.emulator.accounts import AccountRef
from tradeport.emulator.host.rest import Route as HostRoute
from tradeport.venues.bybit.emulator.errors import BybitApiError
from tradeport.venues.bybit.emulator.params import Params


@dataclass(frozen=True)
class Call:
    params: Params
    now_ms: int
    caller: AccountRef | None  # set on signed endpoints

    @property
    def account(self) -> AccountRef:
        if self.caller is None:
            raise BybitApiError(10003, "API key is invalid.")
        return self.caller

    @property
    def account_id(self) -> str:
        return self.account.engine_id


Route = HostRoute[Call]
