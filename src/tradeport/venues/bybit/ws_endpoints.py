"""Bybit v5 WebSocket connection kinds, as the venue-neutral engine needs them (§4.4).

Every request is `{"req_id", "op", "args"}` and answered by `{"success", "ret_msg",
"op", "req_id", "conn_id"}` (the req_id echoed when one was sent, so we always send
one). The heartbeat is the client's JSON `{"op":"ping"}`, answered on public paths by
`{"success":true,"ret_msg":"pong","op":"ping",…}` and on the private path by
`{"op":"pong","args":[<ms>],…}`; the docs recommend a ping every 20 s and a connection
with neither pings nor data is cut after 10 minutes. Data frames carry a `topic`.

Public paths (`/v5/public/spot`, `/v5/public/linear`) take topics; spot allows at most
10 args per subscribe request, and one connection's args may not exceed 21,000
characters. The private path (`/v5/private`) is a session: `auth` (HMAC-SHA256 of
"GET/realtime" + expires, lowercase hex), then its account topics, re-done on every
(re)connect.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import msgspec

from tradeport.transport.ws import Ack, Control, Pong, WsRequester
from tradeport.venues.bybit.auth import ws_auth_args
from tradeport.venues.kit.liveness import LiveEndpoint, Liveness
from tradeport.venues.kit.private_endpoint import PrivateSessionEndpoint

__all__ = ["Liveness", "PrivateEndpoint", "PublicEndpoint", "classify", "request_frame"]

# spot: "up to 10 args for each subscription request"; linear has no per-request cap,
# only the 21,000-character args limit per connection, which 500 topics of at most ~40
# characters stay under
SPOT_TOPICS_PER_FRAME = 10
LINEAR_TOPICS_PER_FRAME = 200
MAX_TOPICS = 500
# Bybit publishes no client message rate for its streams; this keeps bursts (a
# reconnect resubscribing hundreds of topics) modest
MAX_SENDS_PER_SECOND = 10.0
# `expires` of the auth request: this far ahead of the venue's clock (§4.2)
AUTH_EXPIRY_MS = 5_000
AUTH_REQUEST_ID = "auth"


class _Reply(msgspec.Struct):
    """Any frame, as far as telling control from data needs: data frames name a
    `topic`, replies name the `op` they answer."""

    op: str = ""
    topic: str | None = None
    success: bool | None = None
    ret_msg: str = ""
    req_id: str | int | None = None


_reply = msgspec.json.Decoder(_Reply)


def _text(frame: str | bytes) -> str:
    return frame if isinstance(frame, str) else frame.decode("utf-8", "replace")


def request_frame(op: str, args: Sequence[object], req_id: str) -> str:
    return msgspec.json.encode({"req_id": req_id, "op": op, "args": list(args)}).decode()


def classify(frame: str | bytes) -> Control | None:
    """A reply as the engine's Control (Ack, Pong); None for a data frame (or anything
    unreadable, which the data path reports as malformed)."""
    text = _text(frame)
    if text.startswith('{"topic"'):  # the hot path: a public data frame
        return None
    try:
        reply = _reply.decode(text)
    except msgspec.DecodeError:
        return None
    if reply.topic is not None or not reply.op:
        return None
    if reply.op == "pong" or (reply.op == "ping" and reply.ret_msg == "pong"):
        return Pong()
    request_id = _request_id(reply)
    if reply.success is False:
        return Ack(request_id, reply.ret_msg or f"{reply.op} refused")
    return Ack(request_id, None, reply.ret_msg)


def _request_id(reply: _Reply) -> int | str:
    """The engine numbers its requests; we send the number as text (req_id is a
    string in the docs) and read it back. An auth reply without a req_id (the docs'
    sample has none) still answers our one auth request."""
    req_id = reply.req_id
    if isinstance(req_id, int):
        return req_id
    if not req_id:
        return AUTH_REQUEST_ID if reply.op == "auth" else ""
    return int(req_id) if req_id.isdigit() else req_id


class _Heartbeat:
    """What both connection kinds share: the JSON heartbeat, the reply classifier and
    the send pace."""

    max_sends_per_second = MAX_SENDS_PER_SECOND
    _pings = itertools.count(1)  # ping req_ids: unique per process is enough

    def ping_frame(self) -> str:
        return msgspec.json.encode({"req_id": f"ping{next(self._pings)}", "op": "ping"}).decode()

    def classify(self, frame: str | bytes) -> Control | None:
        return classify(frame)


class PublicEndpoint(_Heartbeat, LiveEndpoint):
    """One public path (`/v5/public/spot` or `/v5/public/linear`)."""

    max_topics = MAX_TOPICS

    def __init__(self, name: str, url: str, *, spot: bool, liveness: Liveness | None = None):
        super().__init__(name, url, liveness)
        self.max_topics_per_frame = SPOT_TOPICS_PER_FRAME if spot else LINEAR_TOPICS_PER_FRAME

    async def on_open(self, conn: WsRequester) -> None:
        return None

    def subscribe_frame(self, topics: Sequence[str], request_id: int) -> str:
        return request_frame("subscribe", topics, str(request_id))

    def unsubscribe_frame(self, topics: Sequence[str], request_id: int) -> str:
        return request_frame("unsubscribe", topics, str(request_id))


class PrivateEndpoint(_Heartbeat, PrivateSessionEndpoint):
    """`/v5/private`: `auth`, then the account topics one request each."""

    def login_frame(self) -> tuple[str, str]:
        args = ws_auth_args(
            self.credentials.api_key, self.credentials.secret, self.now_ms() + AUTH_EXPIRY_MS
        )
        return AUTH_REQUEST_ID, request_frame("auth", args, AUTH_REQUEST_ID)

    def topic_frame(self, topic: str, request_id: str) -> str:
        return request_frame("subscribe", [topic], request_id)
