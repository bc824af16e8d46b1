"""The BTCC emulator's REST gateway: every non-admin path.

Order of checks [?]: the route (HTTP 404); the parameters (query string of a GET, form
body of a POST); then, on the login, the API key and the `sign` over the parameters
received (1004 / 1002); on a session call, the token and account (1003: unknown or
lapsed), the `sign` with the session's secret (1002), and on a trade call the key's
trading right (1006 "API KEY NOT TRADE AUTH"). The product list is public.
"""

from __future__ import annotations

from aiohttp import web

from tradeport.emulator.accounts import AccountRef
from tradeport.emulator.host.decoding import signature_matches
from tradeport.emulator.host.params import split_pairs
from tradeport.emulator.host.rest import Gateway, Headers, Incoming, RestHost, Route, json_response
from tradeport.venues.btcc.auth import SIGN_FIELD
from tradeport.venues.btcc.emulator.calls import Call
from tradeport.venues.btcc.emulator.context import BtccContext
from tradeport.venues.btcc.emulator.errors import (
    OK,
    BtccApiError,
    bad_key,
    bad_sign,
    envelope,
    invalid,
    not_found,
    not_trade_auth,
    token_invalid,
)
from tradeport.venues.btcc.emulator.params import Params
from tradeport.venues.btcc.emulator.trading import Trading

LOGIN = "POST /v1/user/login"


class RestApi(Gateway[Call, BtccApiError]):
    error_type = BtccApiError

    def __init__(self, ctx: BtccContext) -> None:
        self.ctx = ctx
        self.routes: dict[str, Route[Call]] = Trading(ctx).routes()

    def not_found(self, incoming: Incoming) -> BtccApiError:
        return not_found()

    def oversized(self, incoming: Incoming) -> BtccApiError:
        return invalid("body", "is too large")

    def call(self, incoming: Incoming, route: Route[Call], headers: Headers) -> Call:
        raw = incoming.raw_query if incoming.method == "GET" else incoming.body_text
        fields = dict(split_pairs(raw))
        params = Params(dict(fields))
        now = incoming.now_ms
        if incoming.endpoint == LOGIN:
            ref = self.ctx.keys.find(fields.get("api_key", ""))
            if ref is None:
                raise bad_key()
            self._check_sign(fields, ref)
            return Call(params, now, ref)
        if not route.signed:
            return Call(params, now)
        session = self.ctx.sessions.live(fields.get("token", ""), now)
        if session is None or fields.get("accountid") != str(session.account_id):
            raise token_invalid()
        self._check_sign(fields, session.account)
        if route.order_entry and session.account.account.api_key in self.ctx.read_only_keys:
            raise not_trade_auth()
        return Call(params, now, session.account, session)

    def _check_sign(self, fields: dict[str, str], ref: AccountRef) -> None:
        sent = fields.get(SIGN_FIELD, "")
        expected = self.ctx.sign_rule.sign(fields, ref.account.secret)
        if not sent or not signature_matches(expected, sent):
            raise bad_sign()

    def respond(
        self, result: object, route: Route[Call], call: Call, incoming: Incoming, headers: Headers
    ) -> web.Response:
        assert isinstance(result, dict)
        return json_response(envelope(OK, "success", **result), 200, headers or None)

    def refuse(self, error: BtccApiError, incoming: Incoming, headers: Headers) -> web.Response:
        return json_response(error.body(), error.status, headers or None)

    def fault_body(self, code: int | str, msg: str, now_ms: int) -> object:
        value: int | str = int(code) if isinstance(code, str) and code.isdigit() else code
        return {"code": value, "msg": msg}


def install_rest(ctx: BtccContext, app: web.Application) -> RestHost[Call, BtccApiError]:
    """Add the catch-all REST route; call after the admin routes."""
    host = RestHost(RestApi(ctx), ctx.faults, ctx.clock)
    host.install(app)
    return host
