"""Client requests on Bybit's WebSocket paths and the replies to them (PROTOCOLS.md §4.4;
ws/connect "How to Send the Heartbeat Packet", "Understanding the Subscription Response").

A request is `{"req_id"?, "op", "args"?}`. Reply shapes differ by path, as the docs'
samples show: linear acks always carry `req_id` (`""` when none was sent) and an empty
`ret_msg`; spot's `ret_msg` names the op ("subscribe"); private acks and the auth reply
are `{success, ret_msg, op, conn_id}` with `req_id` only when one was sent; a public
ping is answered `{success, ret_msg:"pong", conn_id, req_id, op:"ping"}`, a private one
`{req_id, op:"pong", args:[<server ms>], conn_id}`.

Refusals name the bad topic as Bybit does (`error:handler not found,topic:<t>`, seen in
live replies for an unknown topic, depth or symbol); a request with one bad topic
subscribes none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import msgspec

from tradeport.emulator.host.decoding import decode_json
from tradeport.venues.bybit.emulator.stream_payloads import encode
from tradeport.venues.bybit.emulator.stream_public import PublicStreams
from tradeport.venues.bybit.emulator.stream_session import Session
from tradeport.venues.bybit.emulator.stream_topics import PublicTopic, parse_public

Path = Literal["spot", "linear", "private"]
RequestId = str | int | float | None
MAX_SPOT_ARGS = 10  # "Spot can input up to 10 args for each subscription request"
MAX_ARGS_CHARS = 21_000  # "you cannot have length of "args" array over 21,000 characters"


class Refused(Exception):
    """A request answered with `success: false` and this `ret_msg`."""

    def __init__(self, ret_msg: str) -> None:
        super().__init__(ret_msg)
        self.ret_msg = ret_msg


class Request(msgspec.Struct):
    op: str
    args: list[object] | None = None
    req_id: RequestId = None


_REQUEST = msgspec.json.Decoder(Request)


def decode(text: str) -> Request:
    try:
        return decode_json(text, _REQUEST)
    except msgspec.DecodeError as exc:
        raise Refused(f"error:invalid request, {exc}") from exc


def topic_names(args: list[object] | None) -> list[str]:
    if not args or not all(isinstance(a, str) for a in args):
        raise Refused("error:args must be a non-empty list of topic names")
    names = [str(a) for a in args]
    if sum(len(n) for n in names) > MAX_ARGS_CHARS:
        raise Refused(f"error:args longer than {MAX_ARGS_CHARS} characters")
    return names


def handler_not_found(name: str) -> Refused:
    return Refused(f"error:handler not found,topic:{name}")


# -- replies ---------------------------------------------------------------------------
def ack(
    path: Path, session: Session, op: str, req_id: RequestId, *, ok: bool, ret_msg: str = ""
) -> str:
    """The reply to `subscribe`, `unsubscribe`, `auth` (or a refused request)."""
    if path == "private":
        head: dict[str, object] = {} if req_id is None else {"req_id": req_id}
        body = {"success": ok, "ret_msg": ret_msg, "op": op, "conn_id": session.conn_id}
        return encode({**head, **body})
    if path == "spot" and ok and not ret_msg:
        ret_msg = op
    return encode(
        {
            "success": ok,
            "ret_msg": ret_msg,
            "conn_id": session.conn_id,
            "req_id": "" if req_id is None else req_id,
            "op": op,
        }
    )


def pong(path: Path, session: Session, req_id: RequestId, now_ms: int) -> str:
    if path == "private":
        head: dict[str, object] = {} if req_id is None else {"req_id": req_id}
        return encode({**head, "op": "pong", "args": [str(now_ms)], "conn_id": session.conn_id})
    frame: dict[str, object] = {"success": True, "ret_msg": "pong", "conn_id": session.conn_id}
    if path == "linear" or req_id is not None:
        frame["req_id"] = "" if req_id is None else req_id
    frame["op"] = "ping"
    return encode(frame)


# -- requests --------------------------------------------------------------------------
# an op's handler does its work and may return what must follow the ack (a subscription's
# first snapshots go out after it)
Op = Callable[[Request], Callable[[], None] | None]


def answer(path: Path, session: Session, text: str, ops: dict[str, Op], now_ms: int) -> None:
    """Answer one client text frame on `path`: `ping` here, other ops by `ops`, a
    refusal with its `ret_msg`."""
    req_id: RequestId = None
    op = ""
    try:
        request = decode(text)
        req_id, op = request.req_id, request.op
        if op == "ping":
            session.send(pong(path, session, req_id, now_ms))
            return
        handler = ops.get(op)
        if handler is None:
            raise Refused("error:invalid op")
        after = handler(request)
        session.send(ack(path, session, op, req_id, ok=True))
        if after is not None:
            after()
    except Refused as exc:
        session.send(ack(path, session, op, req_id, ok=False, ret_msg=exc.ret_msg))


# -- public paths ----------------------------------------------------------------------
class PublicControl:
    """Answers one public connection's requests against its category's topics."""

    def __init__(self, hub: PublicStreams, session: Session, now_ms: Callable[[], int]) -> None:
        self.hub = hub
        self.session = session
        self.now_ms = now_ms
        self.path: Path = hub.category

    def handle(self, text: str) -> None:
        """Answer one client text frame (replies and first snapshots go out in order)."""
        ops: dict[str, Op] = {"subscribe": self._subscribe, "unsubscribe": self._unsubscribe}
        answer(self.path, self.session, text, ops, self.now_ms())

    def _subscribe(self, request: Request) -> Callable[[], None]:
        topics = self._topics(request.args, subscribing=True)

        def subscribe() -> None:
            for topic in topics:
                self.hub.subscribe(self.session, topic)

        return subscribe

    def _unsubscribe(self, request: Request) -> None:
        for topic in self._topics(request.args, subscribing=False):
            self.hub.unsubscribe(self.session, topic.name)

    def _topics(self, args: list[object] | None, *, subscribing: bool) -> list[PublicTopic]:
        names = topic_names(args)
        if self.path == "spot" and len(names) > MAX_SPOT_ARGS:
            raise Refused(f"error:args size {len(names)} exceeds {MAX_SPOT_ARGS}")
        topics: list[PublicTopic] = []
        for name in names:
            topic = parse_public(name, self.hub.symbols)
            if topic is None:
                raise handler_not_found(name)
            if subscribing and (name in self.session.public or name in {t.name for t in topics}):
                raise Refused(f"error:already subscribed,topic:{name}")
            topics.append(topic)
        return topics
