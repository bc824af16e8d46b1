"""OKX v5 WebSocket connection kinds, as the venue-neutral engine needs them (§3.4).

Requests are `{"id", "op", "args": [{"channel", "instId" | "instType" | …}]}`; the
venue answers each arg with `{"id", "event": "subscribe" | "unsubscribe", "arg",
"connId"}` or the request with `{"id", "event": "error", "code", "msg"}`. We send one
arg per request so that every answer settles exactly one topic (a refusal names the
channel it refused). The heartbeat is the text `ping`, answered by the text `pong`; a
connection with no subscription or data for 30 s is closed by the venue, so the ping
interval must stay below that. `{"event": "notice", "code": "64008"}` announces a
service upgrade 60 s before the disconnect: the engine moves to a new connection.

A topic here is the text `<channel>:<instId>` (public, business) or `<channel>` /
`<channel>:<instType>` (private). The private path is a session: `login` (HMAC over
seconds + "GET" + "/users/self/verify", with the passphrase), then its channels, done
again on every (re)connect.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from tradeport.transport.ws import Ack, Control, Pong, Reconnect, WsRequester
from tradeport.venues.kit.liveness import LiveEndpoint, Liveness
from tradeport.venues.kit.private_endpoint import PrivateSessionEndpoint
from tradeport.venues.okx.auth import ws_login_args

# one arg per request: an answer then settles one topic (see the module docstring)
TOPICS_PER_FRAME = 1
# OKX documents no per-connection topic cap; it recommends fewer than 30 book channels
# of 50 or 400 levels per connection, so books spread over connections of this size
MAX_TOPICS = 30
# 480 subscribe/unsubscribe/login requests per hour per connection are allowed; within
# a burst (a reconnect resubscribing its topics) this pace is modest
MAX_SENDS_PER_SECOND = 10.0
LOGIN_REQUEST_ID = "login"
UPGRADE_NOTICE = "64008"


# our defaults: a ping below the venue's 30 s cutoff, a watchdog just past it
DEFAULT_LIVENESS = Liveness(20.0, 25.0)


class _Arg(msgspec.Struct):
    channel: str = ""
    instId: str = ""
    instType: str = ""


class _Reply(msgspec.Struct):
    """Any frame, as far as telling control from data needs: events name `event`,
    data frames carry `arg` and `data` but no `event`."""

    event: str | None = None
    id: str = ""
    code: str = ""
    msg: str = ""
    arg: _Arg | None = None


_reply = msgspec.json.Decoder(_Reply)


def topic_arg(topic: str) -> dict[str, str]:
    """The request arg of a topic: `books:BTC-USDT` → {"channel", "instId"}; a private
    `orders:SWAP` → {"channel", "instType"}; `account` → {"channel"}."""
    channel, _, rest = topic.partition(":")
    if not rest:
        return {"channel": channel}
    if rest.isupper() and "-" not in rest:  # SPOT, SWAP, ANY: an instrument type
        return {"channel": channel, "instType": rest}
    return {"channel": channel, "instId": rest}


def request_frame(op: str, args: Sequence[dict[str, str]], request_id: str) -> str:
    return msgspec.json.encode({"id": request_id, "op": op, "args": list(args)}).decode()


def classify(frame: str | bytes) -> Control | None:
    """A reply as the engine's Control (Ack, Pong, Reconnect); None for a data frame
    (and for informational events, which the data path skips)."""
    if frame == "pong" or frame == b"pong":
        return Pong()
    head = frame[:8]
    if head == '{"arg":{' or head == b'{"arg":{':  # the hot path: a data frame
        return None
    try:
        reply = _reply.decode(frame)
    except msgspec.DecodeError:
        return None  # the data path reports it as malformed
    event = reply.event
    if event is None:
        return None
    if event in ("subscribe", "unsubscribe"):
        return Ack(_request_id(reply.id), None)
    if event == "login":
        error = None if reply.code in ("", "0") else f"{reply.code} {reply.msg}".strip()
        return Ack(LOGIN_REQUEST_ID, error)
    if event == "error":
        # every request we send carries an id except the login: an error without one
        # answers the login
        request_id = _request_id(reply.id) if reply.id else LOGIN_REQUEST_ID
        return Ack(request_id, f"{reply.code} {reply.msg}".strip() or "refused")
    if event == "notice" and reply.code == UPGRADE_NOTICE:
        return Reconnect(f"service upgrade notice {reply.code}: {reply.msg}")
    return None  # channel-conn-count and other notices: the data path skips them


def _request_id(text: str) -> int | str:
    """The engine numbers its requests; we send the number as text (`id` is a string
    of alphanumerics) and read it back."""
    return int(text) if text.isdigit() else text


class _Heartbeat:
    """What every connection kind shares: the text heartbeat and our default liveness,
    the reply classifier, the send pace and one arg per request."""

    max_sends_per_second = MAX_SENDS_PER_SECOND
    max_topics_per_frame = TOPICS_PER_FRAME
    default_liveness = DEFAULT_LIVENESS

    def ping_frame(self) -> str:
        return "ping"

    def classify(self, frame: str | bytes) -> Control | None:
        return classify(frame)


class PublicEndpoint(_Heartbeat, LiveEndpoint):
    """`/ws/v5/public` or `/ws/v5/business`: topics `<channel>:<instId>`."""

    max_topics = MAX_TOPICS

    async def on_open(self, conn: WsRequester) -> None:
        return None

    def subscribe_frame(self, topics: Sequence[str], request_id: int) -> str:
        return request_frame("subscribe", [topic_arg(t) for t in topics], str(request_id))

    def unsubscribe_frame(self, topics: Sequence[str], request_id: int) -> str:
        return request_frame("unsubscribe", [topic_arg(t) for t in topics], str(request_id))


class PrivateEndpoint(_Heartbeat, PrivateSessionEndpoint):
    """`/ws/v5/private`: `login`, then each channel with its own request."""

    topic_noun = "channel"

    def login_frame(self) -> tuple[str, str]:
        # the login expires 30 s after its timestamp, in the venue's seconds (§3.2)
        key, secret, passphrase = self.credentials
        args = ws_login_args(key, secret, passphrase, self.now_ms() // 1000)
        return LOGIN_REQUEST_ID, msgspec.json.encode({"op": "login", "args": [args]}).decode()

    def topic_frame(self, topic: str, request_id: str) -> str:
        return request_frame("subscribe", [topic_arg(topic)], request_id)
