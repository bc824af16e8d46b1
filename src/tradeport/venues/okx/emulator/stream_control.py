"""Client requests on OKX's WebSocket paths and the replies to them (PROTOCOLS.md §3.4;
docs-v5 "WebSocket / Overview", "Subscribe", "Login", error codes 60000-64008).

The text `ping` is answered with the text `pong`. Anything else is a JSON request
`{"id"?, "op", "args"}`: `subscribe` / `unsubscribe` answer each argument on its own (an
ack echoing the argument, or an error naming it), `login` answers once; on the private
path the order ops (`order`, `batch-orders`, …) go to the order entry (stream_orders.py).
A request that is no JSON object, has no `args` list or an `id` that is not up to 32
letters and digits is refused with 60012 "Invalid request: <the request>"; an unknown
op with 60019.
Replies carry the request's `id` when it had one, and the connection's `connId`.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Protocol

import msgspec

from tradeport.emulator.host.decoding import decode_json
from tradeport.venues.okx.emulator import stream_payloads as out
from tradeport.venues.okx.emulator.stream_orders import ORDER_OPS, OrderEntry
from tradeport.venues.okx.emulator.stream_private import PrivateStreams
from tradeport.venues.okx.emulator.stream_session import Session
from tradeport.venues.okx.emulator.stream_topics import Refused, Topic, parse_arg

PING = "ping"
PONG = "pong"
_REQUEST_ID = re.compile(r"[A-Za-z0-9]{1,32}")


class Channels(Protocol):
    def subscribe(self, session: Session, topic: Topic) -> None: ...

    def unsubscribe(self, session: Session, topic: Topic) -> None: ...

    def drop(self, session: Session) -> None: ...


class Control:
    """Answers one connection's requests."""

    def __init__(
        self,
        session: Session,
        channels: Channels,
        private: PrivateStreams,
        *,
        instruments: Collection[str],
        swaps: Collection[str],
        bars: Collection[str],
        orders: OrderEntry | None = None,
    ) -> None:
        """`orders`: the order entry of the private path (None elsewhere)."""
        self.session = session
        self.orders = orders
        self.channels = channels
        self.private = private
        self.instruments = instruments
        self.swaps = swaps
        self.bars = bars

    def handle(self, text: str) -> None:
        """Answer one client text frame (replies and first pushes go out in order)."""
        if text == PING:
            self.session.send(PONG)
            return
        req_id: str | None = None
        try:
            request, req_id = self._decode(text)
            op, args = request.get("op"), request.get("args")
            if not isinstance(op, str) or not isinstance(args, list) or not args:
                raise Refused("60012", f"Invalid request: {text}")
            if op == "login":
                self.private.login(self.session, args)
                self.session.send(out.login_ok(self.session.conn_id))
            elif op in ("subscribe", "unsubscribe"):
                for raw in args:
                    self._one(op, raw, text, req_id)
            elif op in ORDER_OPS and self.orders is not None:
                self.orders.handle(self.session, op, args, req_id)
            else:
                raise Refused("60019", f"Invalid op: {op}")
        except Refused as exc:
            self._refuse(exc, req_id)

    def _one(self, op: str, raw: object, text: str, req_id: str | None) -> None:
        try:
            topic = parse_arg(
                raw,
                self.session.path,
                instruments=self.instruments,
                swaps=self.swaps,
                bars=self.bars,
                request_text=text,
            )
            conn_id = self.session.conn_id
            if op == "subscribe":
                # the ack goes first: a channel's snapshot follows it
                if self.session.path == "private" and self.session.account is None:
                    raise Refused("60011", "Please log in")
                self.session.send(out.ack(op, topic.arg_dict(), conn_id, req_id))
                self.channels.subscribe(self.session, topic)
            else:
                self.channels.unsubscribe(self.session, topic)
                self.session.send(out.ack(op, topic.arg_dict(), conn_id, req_id))
        except Refused as exc:
            self._refuse(exc, req_id)

    def _refuse(self, exc: Refused, req_id: str | None) -> None:
        self.session.send(out.error(exc.code, exc.msg, self.session.conn_id, req_id))

    @staticmethod
    def _decode(text: str) -> tuple[dict[str, object], str | None]:
        """The request object and its `id` (None when it has none)."""
        try:
            request = decode_json(text)
        except msgspec.DecodeError:
            raise Refused("60012", f"Invalid request: {text}") from None
        if not isinstance(request, dict):
            raise Refused("60012", f"Invalid request: {text}")
        req_id = request.get("id")
        if req_id is None:
            return request, None
        if not isinstance(req_id, str) or not _REQUEST_ID.fullmatch(req_id):
            raise Refused("60012", f"Invalid request: {text}")
        return request, req_id
