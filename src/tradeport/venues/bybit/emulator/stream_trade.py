"""Order entry over WebSocket, `/v5/trade` (websocket/trade/guideline.mdx).

`{"op":"auth","args":[apiKey, expires, signature]}` logs in as on `/v5/private`; then
`{"reqId"?, "header":{"X-BAPI-TIMESTAMP", "X-BAPI-RECV-WINDOW"?}, "op", "args":[{…}]}`
runs `order.create` / `order.amend` / `order.cancel` (and the `-batch` forms) through the
same handlers, UID budget and refusals as their REST endpoints, so an order is the same
whichever way it came in. Every answer is `{reqId?, retCode, retMsg, op, data, retExtInfo,
header, connId}` with `data` the REST `result` and `header` the REST limit headers plus
`Traceid` and `Timenow`; `reqId` is echoed only when sent.

Codes from the guideline: auth 0 / 20001 repeat auth / 10004 invalid sign / 10001 param
error; 10404 an op it does not know; 20006 a reqId used twice on the connection. The
docs do not say what an order op before `auth` answers: 10003 here [?]. Whether the
WebSocket and the REST order entry share one UID budget is not documented either; here
they do [?]. A `ping` is answered `{retCode:0, retMsg:"OK", op:"pong", data:[<ms>]}` [?].
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

import msgspec

from tradeport.emulator.host.decoding import decode_json
from tradeport.emulator.host.logins import Logins
from tradeport.venues.bybit.emulator.auth import check_timestamp
from tradeport.venues.bybit.emulator.calls import Call, Route
from tradeport.venues.bybit.emulator.context import BybitContext
from tradeport.venues.bybit.emulator.errors import BybitApiError, WithExtInfo, bad_param
from tradeport.venues.bybit.emulator.limits import UidLimiter
from tradeport.venues.bybit.emulator.params import Params
from tradeport.venues.bybit.emulator.stream_control import Refused
from tradeport.venues.bybit.emulator.stream_payloads import encode
from tradeport.venues.bybit.emulator.stream_private import EXPIRED, check_login
from tradeport.venues.bybit.emulator.stream_session import Session

TRADE_PATH = "/v5/trade"
# each op runs its REST endpoint's handler and counts against that endpoint's budget
OP_ENDPOINTS = {
    "order.create": "POST /v5/order/create",
    "order.amend": "POST /v5/order/amend",
    "order.cancel": "POST /v5/order/cancel",
    "order.create-batch": "POST /v5/order/create-batch",
    "order.amend-batch": "POST /v5/order/amend-batch",
    "order.cancel-batch": "POST /v5/order/cancel-batch",
}
MAX_REQ_ID = 36  # "The length cannot exceed 36 characters"
REQ_IDS_KEPT = 10_000  # reqIds remembered per connection for the 20006 check
_JSON = msgspec.json.Encoder()


class TradeRequest(msgspec.Struct):
    op: str
    args: list[object] | None = None
    reqId: str | None = None  # the venue's field name
    header: dict[str, object] | None = None


_REQUEST = msgspec.json.Decoder(TradeRequest)


@dataclass(eq=False)
class TradeSession(Session):
    """A `/v5/trade` connection: a session that also remembers its reqIds."""

    req_ids: dict[str, None] = field(default_factory=dict)


class TradeStream:
    """Answers the order-entry path's requests with the REST order handlers."""

    def __init__(
        self, ctx: BybitContext, routes: Mapping[str, Route], uid_limiter: UidLimiter
    ) -> None:
        self.ctx = ctx
        self.routes: dict[str, Route] = {op: routes[ep] for op, ep in OP_ENDPOINTS.items()}
        self.uid_limiter = uid_limiter
        self.logins: Logins[TradeSession] = Logins(ctx.keys)

    def drop(self, session: TradeSession) -> None:
        self.logins.drop(session)

    def handle(self, session: TradeSession, text: str) -> None:
        now = self.ctx.now_ms()
        try:
            request = decode_json(text, _REQUEST)
        except msgspec.DecodeError as exc:
            session.send(self._reply(session, None, "", 10001, f"invalid request, {exc}"))
            return
        if request.op == "ping":
            reply = {"retCode": 0, "retMsg": "OK", "op": "pong", "data": [str(now)]}
            session.send(encode({**_req_id(request.reqId), **reply, "connId": session.conn_id}))
            return
        if request.op == "auth":
            session.send(self._auth(session, request, now))
            return
        session.send(self._order_op(session, request, now))

    def _auth(self, session: TradeSession, request: TradeRequest, now: int) -> str:
        if session.account is not None:
            return self._reply(session, request.reqId, "auth", 20001, "Repeat auth")
        try:
            ref = check_login(self.logins.find, request.args, now)
        except Refused as exc:
            if exc.ret_msg == EXPIRED:
                return self._reply(session, request.reqId, "auth", 10001, "Params Error")
            return self._reply(session, request.reqId, "auth", 10004, "Invalid sign")
        self.logins.log_in(session, ref)
        return self._reply(session, request.reqId, "auth", 0, "OK")

    def _order_op(self, session: TradeSession, request: TradeRequest, now: int) -> str:
        op, req_id = request.op, request.reqId
        route = self.routes.get(op)
        if route is None:
            return self._reply(session, req_id, op, 10404, f"op not found: {op}")
        if session.account is None:
            return self._reply(session, req_id, op, 10003, "Please authenticate first")
        if req_id is not None:
            if len(req_id) > MAX_REQ_ID:
                return self._reply(session, req_id, op, 10001, "reqId is longer than 36")
            if req_id in session.req_ids:
                return self._reply(session, req_id, op, 20006, "reqId is duplicated")
            session.req_ids[req_id] = None
            if len(session.req_ids) > REQ_IDS_KEPT:
                del session.req_ids[next(iter(session.req_ids))]
        header = request.header or {}
        headers: dict[str, str] = {}
        try:
            if not request.args or len(request.args) != 1 or not isinstance(request.args[0], dict):
                raise bad_param("args must hold exactly one request object")
            check_timestamp(
                str(header.get("X-BAPI-TIMESTAMP", "")),
                str(header.get("X-BAPI-RECV-WINDOW", "")),
                now,
            )
            params = Params.from_body(_JSON.encode(request.args[0]))
            headers.update(
                self.uid_limiter.charge(
                    session.account.uid, OP_ENDPOINTS[op], params.text("category"), now
                )
            )
            result = route.handler(Call(params, now, session.account))
        except BybitApiError as exc:
            headers.update(exc.headers)
            return self._reply(session, req_id, op, exc.ret_code, exc.ret_msg, headers=headers)
        if isinstance(result, WithExtInfo):
            return self._reply(
                session, req_id, op, 0, "OK", result.result, result.ext_info, headers
            )
        return self._reply(session, req_id, op, 0, "OK", result, None, headers)

    def _reply(
        self,
        session: Session,
        req_id: str | None,
        op: str,
        code: int,
        msg: str,
        data: object = None,
        ext: dict[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> str:
        frame: dict[str, object] = {**_req_id(req_id), "retCode": code, "retMsg": msg, "op": op}
        if op != "auth":
            frame["data"] = {} if data is None else data
            frame["retExtInfo"] = ext or {}
            frame["header"] = {
                **(headers or {}),
                "Traceid": uuid.uuid4().hex,
                "Timenow": str(self.ctx.now_ms()),
            }
        frame["connId"] = session.conn_id
        return encode(frame)


def _req_id(req_id: str | None) -> dict[str, object]:
    """`reqId` is in the answer only when the request carried one."""
    return {} if req_id is None else {"reqId": req_id}
