"""What a BTCC emulator handler receives: the parameters, the clock, the caller and,
on a session call, its session."""

from __future__ import annotations

from dataclasses import dataclass

from tradeport.emulator.host.rest import Call as HostCall
from tradeport.venues.btcc.emulator.errors import token_invalid
from tradeport.venues.btcc.emulator.params import Params
from tradeport.venues.btcc.emulator.sessions import TradeSession


@dataclass(frozen=True)
class Call(HostCall[Params]):
    session: TradeSession | None = None

    def unauthenticated(self) -> Exception:
        return token_invalid()

    @property
    def trade_session(self) -> TradeSession:
        if self.session is None:
            raise token_invalid()
        return self.session
