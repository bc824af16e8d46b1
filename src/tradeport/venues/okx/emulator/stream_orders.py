"""Order entry over the private WebSocket (docs-v5 "WebSocket / Trade": Place order,
Place multiple orders, Cancel order, Cancel multiple orders, Amend order, Amend multiple
orders).

`{"id", "op", "args": [...]}` on `/ws/v5/private` after `login` runs through the REST
endpoint's handler and budget ("Rate limit is shared with the … REST API endpoints"), so
an order is the same whichever way it came in. The answer is `{id, op, data, code, msg,
inTime, outTime}`: `data` one item per order with its `sCode` / `sMsg`, `code` "0" when
all went through, "1" when all failed, "2" when some did; a refusal of the request
itself carries its code and `data: []`. An order may name its instrument by `instIdCode`
(the number `/public/instruments` lists; ccxt sends it) instead of `instId`, which it
then takes precedence over. The docs require `id`; python-okx sends none
unless given one, and what OKX answers then is not documented: the emulator accepts it
and answers without `id` [?].
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from tradeport.emulator.host.clock import ServerClock
from tradeport.venues.okx.emulator.calls import Answer, Call, Route
from tradeport.venues.okx.emulator.errors import OkxApiError
from tradeport.venues.okx.emulator.params import Params
from tradeport.venues.okx.emulator.stream_payloads import encode
from tradeport.venues.okx.emulator.stream_session import Session
from tradeport.venues.okx.emulator.stream_topics import Refused

# op -> (REST endpoint, whether its args are a batch)
ORDER_OPS: dict[str, tuple[str, bool]] = {
    "order": ("POST /api/v5/trade/order", False),
    "batch-orders": ("POST /api/v5/trade/batch-orders", True),
    "cancel-order": ("POST /api/v5/trade/cancel-order", False),
    "batch-cancel-orders": ("POST /api/v5/trade/cancel-batch-orders", True),
    "amend-order": ("POST /api/v5/trade/amend-order", False),
    "batch-amend-orders": ("POST /api/v5/trade/amend-batch-orders", True),
}


class Charger(Protocol):
    """What counts a call against an endpoint's budget (the REST gateway)."""

    def charge(self, endpoint: str, route: Route, call: Call, ip: str) -> None: ...


class OrderEntry:
    def __init__(
        self,
        routes: Mapping[str, Route],
        budget: Charger,
        clock: ServerClock,
        codes: Mapping[str, int],
    ) -> None:
        """`codes`: each instrument's `instIdCode`."""
        self.routes = {op: routes[endpoint] for op, (endpoint, _) in ORDER_OPS.items()}
        self.budget = budget
        self.clock = clock
        self.inst_ids = {code: inst for inst, code in codes.items()}

    def handle(self, session: Session, op: str, args: list[object], req_id: str | None) -> None:
        """Answer one order op; Refused for a request OKX refuses as a whole."""
        if session.account is None:
            raise Refused("60011", "Please log in")
        endpoint, batch = ORDER_OPS[op]
        if not all(isinstance(a, dict) for a in args) or (not batch and len(args) != 1):
            raise Refused("60012", f"Invalid request: args of {op}")
        in_us = self.clock.now_us()
        now = in_us // 1000
        items = [self._by_inst_id(item) for item in args if isinstance(item, dict)]
        body: object = items if batch else items[0]
        params = Params({}) if batch else Params.from_object(body)
        call = Call(params, now, session.account, body=body)
        route = self.routes[op]
        try:
            self.budget.charge(endpoint, route, call, ip=f"ws:{session.conn.id}")
            result = route.handler(call)
        except OkxApiError as exc:
            answer = Answer([], exc.code, exc.msg)
        else:
            answer = result if isinstance(result, Answer) else Answer([])
        head: dict[str, object] = {} if req_id is None else {"id": req_id}
        frame = {
            **head,
            "op": op,
            "data": answer.data,
            "code": answer.code,
            "msg": answer.msg,
            "inTime": str(in_us),
            "outTime": str(self.clock.now_us()),
        }
        session.send(encode(frame))

    def _by_inst_id(self, item: dict[str, object]) -> dict[str, object]:
        """`item` naming its instrument by `instId` (an unknown code stays unknown)."""
        code = item.get("instIdCode")
        if code is None:
            return item
        named = {k: v for k, v in item.items() if k != "instIdCode"}
        known = self.inst_ids.get(code) if isinstance(code, int) else None
        named["instId"] = known if known is not None else f"code {code}"
        return named
