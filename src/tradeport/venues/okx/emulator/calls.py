"""What a REST handler receives, and how an endpoint is declared."""

from __future__ import annotations

from dataclasses import dataclass

from tradeport.emulator.host.rest import Call as HostCall
from tradeport.emulator.host.rest import Route as HostRoute
from tradeport.venues.okx.emulator.errors import unauthorized
from tradeport.venues.okx.emulator.params import Params


@dataclass(frozen=True)
class Call(HostCall[Params]):
    """`params` is a GET's query or a POST's JSON object; `body` the decoded JSON body
    of a POST (an object or an array), else None."""

    body: object = None

    def unauthenticated(self) -> Exception:
        return unauthorized("50103", 'Request header "OK-ACCESS-KEY" cannot be empty.')


@dataclass(frozen=True)
class Answer:
    """A handler's answer when it is more than `data`: the top-level code and message
    of a trade endpoint, whose per-order outcome is inside the items."""

    data: list[object]
    code: str = "0"
    msg: str = ""


Route = HostRoute[Call]
