"""BingX swap WebSocket connection kind, as the venue-neutral engine needs it (§5.4).

Every server frame is gzip-compressed (`decode_frame` inflates it once). The venue's
heartbeat is its `Ping` frame, about every 5 s, which must be answered with the text
`Pong`; we send no pings of our own. A request is `{"id", "reqType": "sub" | "unsub",
"dataType"}`, one dataType each, answered `{"id", "code", "msg"}` (code 0: done).
At most 200 topics per connection and 10 subscriptions a second.

The account stream is the same path with `?listenKey=<key>`: a key fetched anew at every
(re)connect, events that need no subscription, and `listenKeyExpired`, which moves the
session to a new connection with a new key.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

import msgspec

from tradeport.transport.ws import Ack, Control, Reconnect, WsRequester
from tradeport.transport.ws_endpoint import Answer
from tradeport.venues.bingx import stream_messages as sm
from tradeport.venues.kit.liveness import LiveEndpoint, Liveness

MAX_TOPICS = 200
MAX_SENDS_PER_SECOND = 10.0  # "subscription rate ≤ 10/s"
PATH = "/swap-market"
_PONG = Answer(sm.PONG)
_reply = msgspec.json.Decoder(sm.Reply)
_PUSH = b'{"code":0,"dataType":"'  # how a push begins (an answer names no dataType)
_NAMED = len(_PUSH)  # where a push's dataType begins


def request_frame(req_type: str, data_type: str, request_id: int) -> str:
    frame = {"id": str(request_id), "reqType": req_type, "dataType": data_type}
    return msgspec.json.encode(frame).decode()


def classify(text: str | bytes) -> Control | None:
    """`Ping` as the `Pong` to answer it with, an answer to a request as its Ack; None
    for a push (or anything unreadable, which the data path reports as malformed)."""
    # a push first: the hot path, nearly every frame
    if type(text) is bytes and text.startswith(_PUSH) and not text.startswith(b'",', _NAMED):
        return None
    if text == sm.PING or text == "Ping":
        return _PONG
    if isinstance(text, str):
        text = text.encode()
        if text.startswith(_PUSH) and not text.startswith(b'",', _NAMED):
            return None
    try:
        reply = _reply.decode(text)
    except msgspec.DecodeError:
        return None
    if reply.id is None or reply.dataType:
        return None
    text_id = str(reply.id)
    request_id: int | str = int(text_id) if text_id.isdigit() else text_id
    if reply.code != 0:
        return Ack(request_id, f"{reply.code}: {reply.msg or 'refused'}")
    return Ack(request_id, None, reply.msg)


class PublicEndpoint(LiveEndpoint):
    """`/swap-market`: the public market data topics."""

    max_topics = MAX_TOPICS
    max_topics_per_frame = 1
    max_sends_per_second = MAX_SENDS_PER_SECOND

    def __init__(self, name: str, url: str, liveness: Liveness | None = None) -> None:
        super().__init__(name, url, liveness)
        self.ping_interval = None  # the venue pings; we answer

    async def on_open(self, conn: WsRequester) -> None:
        return None

    def decode_frame(self, frame: str | bytes) -> bytes:
        return sm.inflate(frame)

    def classify(self, frame: str | bytes) -> Control | None:
        # a push, `classify`'s first case, answered here: one call fewer on the hot path
        if type(frame) is bytes and frame.startswith(_PUSH) and not frame.startswith(b'",', _NAMED):
            return None
        return classify(frame)

    def subscribe_frame(self, topics: Sequence[str], request_id: int) -> str:
        return request_frame("sub", topics[0], request_id)

    def unsubscribe_frame(self, topics: Sequence[str], request_id: int) -> str:
        return request_frame("unsub", topics[0], request_id)


class AccountEndpoint(PublicEndpoint):
    """`/swap-market?listenKey=<key>`: the account's events, pushed unasked; the key is
    the owner's (created, kept alive and deleted over REST)."""

    max_topics = 0  # a session: no topics to subscribe

    def __init__(
        self,
        name: str,
        url_template: str,
        listen_key: Callable[[], Awaitable[str]],
        liveness: Liveness | None = None,
    ) -> None:
        super().__init__(name, url_template, liveness)
        self._listen_key = listen_key

    async def url(self) -> str:
        return self._url.replace("<listenKey>", await self._listen_key())

    def classify(self, frame: str | bytes) -> Control | None:
        text = frame.encode() if isinstance(frame, str) else frame
        if b'"listenKeyExpired"' in text:
            return Reconnect("listenKeyExpired", refresh_url=True)
        return classify(text)

    def subscribe_frame(self, topics: Sequence[str], request_id: int) -> str:
        raise TypeError("the account stream carries no topics")

    def unsubscribe_frame(self, topics: Sequence[str], request_id: int) -> str:
        raise TypeError("the account stream carries no topics")
