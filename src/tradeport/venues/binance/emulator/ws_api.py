"""The spot WebSocket API's user-data requests (PROTOCOLS.md §1.2, §1.4).

Frames are `{"id", "method", "params"}`; answers `{"id", "status": 200, "result"}` or
`{"id", "status": 4xx, "error": {"code", "msg"}}`. Served here: `ping`, `time`,
`userDataStream.subscribe.signature` (the only way left to get spot user data without an
Ed25519 session, since the listen-key flow was removed on 2026-02-20),
`userDataStream.unsubscribe` and `session.subscriptions`.

Signing (web-socket-api.md "SIGNED request security"): every param but `signature`,
sorted by name, joined as `k=v` with `&`, values as received (UTF-8, no
percent-encoding); HMAC-SHA256 hex. Values are taken from the raw JSON text, so a
number is signed exactly as the client wrote it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import msgspec

from tradeport.emulator.accounts import KeyRing
from tradeport.emulator.host.decoding import decode_json
from tradeport.emulator.host.logins import signature_matches
from tradeport.venues.binance.emulator.auth import check_timestamp, expected_signature
from tradeport.venues.binance.emulator.errors import (
    BinanceApiError,
    bad_signature,
    invalid_json,
    key_invalid,
    mandatory,
)
from tradeport.venues.binance.emulator.params import Params
from tradeport.venues.binance.emulator.user_payloads import event_stream_terminated

RequestId = int | str | None
Frame = dict[str, object]
# user-data-stream-requests.md: at most 1,000 active subscriptions per session
MAX_SUBSCRIPTIONS = 1000
_SIGNATURE = "signature"


class _Request(msgspec.Struct):
    id: RequestId = None
    method: str | None = None
    params: dict[str, msgspec.Raw] | None = None


_decode_request = msgspec.json.Decoder(_Request)


@dataclass
class WsApiSession:
    """One WS-API connection's user-data subscriptions: subscription id -> account."""

    subscriptions: dict[int, str] = field(default_factory=dict)
    next_subscription_id: int = 0

    def subscription_of(self, account_id: str) -> int | None:
        for sub_id, account in self.subscriptions.items():
            if account == account_id:
                return sub_id
        return None


def wrap_event(subscription_id: int, event_json: str) -> str:
    """An event as a WS-API subscription delivers it (`event_json` already encoded)."""
    return f'{{"subscriptionId":{subscription_id},"event":{event_json}}}'


def raw_value(raw: msgspec.Raw) -> str:
    """A param's value as signed: strings unquoted, anything else as written."""
    text = bytes(raw).decode("utf-8")
    if text.startswith('"'):
        return str(msgspec.json.decode(raw))
    return text


def ws_payload(params: dict[str, str]) -> str:
    return "&".join(f"{k}={params[k]}" for k in sorted(params) if k != _SIGNATURE)


def ok(request_id: RequestId, result: object) -> Frame:
    return {"id": request_id, "status": 200, "result": result}


def failed(request_id: RequestId, exc: BinanceApiError) -> Frame:
    return {"id": request_id, "status": exc.status, "error": exc.body()}


class WsApi:
    """Answers the requests of every session; the caller sends the frames it returns."""

    def __init__(self, keys: KeyRing, now_ms: Callable[[], int]) -> None:
        self.keys = keys
        self.now_ms = now_ms

    def handle(self, session: WsApiSession, text: str) -> list[Frame]:
        """The frames to send for one request, in order: the answer, preceded by an
        `eventStreamTerminated` per subscription an unsubscribe ended."""
        try:
            request = decode_json(text, _decode_request)
        except msgspec.DecodeError:
            return [failed(None, invalid_json())]
        try:
            params = {k: raw_value(v) for k, v in (request.params or {}).items()}
            return self._dispatch(session, request, params)
        except BinanceApiError as exc:
            return [failed(request.id, exc)]
        except (msgspec.DecodeError, UnicodeDecodeError):
            return [failed(request.id, invalid_json())]

    def _dispatch(
        self, session: WsApiSession, request: _Request, params: dict[str, str]
    ) -> list[Frame]:
        if not request.method:
            raise mandatory("method")
        # request-format.md: a method may carry an explicit version prefix ("v3/…")
        method = request.method.removeprefix("v3/")
        if method == "ping":
            return [ok(request.id, {})]
        if method == "time":
            return [ok(request.id, {"serverTime": self.now_ms()})]
        if method == "userDataStream.subscribe.signature":
            return [ok(request.id, {"subscriptionId": self._subscribe(session, params)})]
        if method == "userDataStream.unsubscribe":
            ended = self._unsubscribe(session, params)
            now = self.now_ms()
            notices: list[Frame] = [
                {"subscriptionId": s, "event": event_stream_terminated(now)} for s in ended
            ]
            return [*notices, ok(request.id, {})]
        if method == "session.subscriptions":
            return [ok(request.id, [{"subscriptionId": s} for s in session.subscriptions])]
        if method == "userDataStream.subscribe":
            # needs a session.logon with an Ed25519 key, which this emulator does not offer
            raise BinanceApiError(-1002, "You are not authorized to execute this request.")
        raise BinanceApiError(-1020, "This operation is not supported.")

    def _subscribe(self, session: WsApiSession, params: dict[str, str]) -> int:
        account_id = self.authenticate(params)
        if session.subscription_of(account_id) is not None:
            raise BinanceApiError(-2035, "User Data Stream subscription already active.")
        if len(session.subscriptions) >= MAX_SUBSCRIPTIONS:
            raise BinanceApiError(
                -1191,
                "Too many subscriptions. Connection may create up to "
                f"'{MAX_SUBSCRIPTIONS}' subscriptions at a time.",
            )
        sub_id = session.next_subscription_id
        session.next_subscription_id += 1
        session.subscriptions[sub_id] = account_id
        return sub_id

    def _unsubscribe(self, session: WsApiSession, params: dict[str, str]) -> list[int]:
        """Without `subscriptionId` every subscription ends (user-data-stream-requests.md)."""
        p = Params(list(params.items()))
        sub_id = p.integer("subscriptionId")
        p.check_all_read()
        if sub_id is None:
            ended = list(session.subscriptions)
            session.subscriptions.clear()
            return ended
        if session.subscriptions.pop(sub_id, None) is None:
            raise BinanceApiError(-2036, "User Data Stream subscription not active.")
        return [sub_id]

    def authenticate(self, params: dict[str, str]) -> str:
        """The engine account of a signed request (apiKey, timestamp, signature,
        recvWindow), checked in the order REST checks them."""
        p = Params(list(params.items()))
        api_key = p.require("apiKey")
        ref = self.keys.find(api_key)
        if ref is None:
            raise key_invalid()
        signature = p.require(_SIGNATURE)
        expected = expected_signature(ref.account.secret, ws_payload(params))
        # HMAC signatures are accepted case-insensitively (§1.2)
        if not signature_matches(expected, signature.lower()):
            raise bad_signature()
        check_timestamp(p, self.now_ms())
        p.check_all_read()
        return ref.engine_id
