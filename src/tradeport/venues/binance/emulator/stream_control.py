"""Binance's live stream control messages: SUBSCRIBE, UNSUBSCRIBE, LIST_SUBSCRIPTIONS,
SET_PROPERTY, GET_PROPERTY (web-socket-streams.md, "Live Subscribing/Unsubscribing").

A request is `{"method", "params", "id"}`; success answers `{"result": …, "id"}`, failure
`{"error": {"code", "msg"}, "id"}` with the documented codes: 0 unknown property, 1 a
non-boolean property value, 2 an invalid request, 3 invalid JSON.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import msgspec

from tradeport.emulator.host.decoding import decode_json
from tradeport.venues.binance.emulator.stream_hub import MarketStreams, Session
from tradeport.venues.binance.emulator.stream_topics import Category, Topic, parse_topic

METHODS = ("SUBSCRIBE", "UNSUBSCRIBE", "LIST_SUBSCRIPTIONS", "SET_PROPERTY", "GET_PROPERTY")
_STRING_ID = re.compile(r"^[A-Za-z0-9]{1,36}$")
_INT64 = (-(2**63), 2**63 - 1)
RequestId = int | str | None


class ControlError(Exception):
    def __init__(self, code: int, msg: str) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg


def invalid(reason: str) -> ControlError:
    return ControlError(2, f"Invalid request: {reason}")


class Control:
    """Answers one connection's control messages against its market's streams.

    `category` restricts a routed USDⓈ-M path (/public or /market) to its streams; None
    allows every stream of the market. `max_streams` is the per-connection cap.
    """

    def __init__(
        self,
        hub: MarketStreams,
        session: Session,
        category: Category | None,
        max_streams: int,
    ) -> None:
        self.hub = hub
        self.session = session
        self.category = category
        self.max_streams = max_streams

    def topic(self, name: object) -> Topic:
        if not isinstance(name, str):
            raise invalid("stream names must be strings")
        topic = parse_topic(name, self.hub.market, self.hub.symbols)
        if topic is None:
            raise invalid(f"invalid stream name `{name}`")
        if self.category is not None and topic.category != self.category:
            raise invalid(f"stream `{name}` is not served on the /{self.category} path")
        return topic

    def answer(self, text: str) -> str:
        """The reply frame to one client text frame."""
        request_id: RequestId = None
        try:
            try:
                message = decode_json(text)
            except msgspec.DecodeError as exc:
                raise ControlError(3, f"Invalid JSON: {exc}") from exc
            if not isinstance(message, dict):
                raise invalid("expected a JSON object")
            request_id = _request_id(message.get("id"))
            method = message.get("method")
            if method is None:
                raise invalid("missing field `method`")
            handler = self._handlers().get(method) if isinstance(method, str) else None
            if handler is None:
                expected = ", ".join(f"`{m}`" for m in METHODS)
                raise invalid(f"unknown variant `{method}`, expected one of {expected}")
            result = handler(message.get("params"))
        except ControlError as exc:
            reply = {"error": {"code": exc.code, "msg": exc.msg}, "id": request_id}
            return msgspec.json.encode(reply).decode()
        return msgspec.json.encode({"result": result, "id": request_id}).decode()

    def _handlers(self) -> dict[str, Callable[[object], object]]:
        return {
            "SUBSCRIBE": self._subscribe,
            "UNSUBSCRIBE": self._unsubscribe,
            "LIST_SUBSCRIPTIONS": self._list,
            "SET_PROPERTY": self._set_property,
            "GET_PROPERTY": self._get_property,
        }

    def _subscribe(self, params: object) -> None:
        topics = [self.topic(name) for name in _names(params)]
        wanted = set(self.session.topics) | {t.name for t in topics}
        if len(wanted) > self.max_streams:
            raise invalid(f"too many streams; at most {self.max_streams} per connection")
        for topic in topics:
            self.hub.subscribe(self.session, topic)

    def _unsubscribe(self, params: object) -> None:
        for name in _names(params):
            if not isinstance(name, str):
                raise invalid("stream names must be strings")
            self.hub.unsubscribe(self.session, name)

    def _list(self, params: object) -> list[str]:
        return list(self.session.topics)

    def _set_property(self, params: object) -> None:
        args = _property_args(params, 2)
        value = args[1] if len(args) == 2 else None
        if not isinstance(value, bool):
            raise ControlError(1, "Invalid value type: expected Boolean")
        if args[0] != "combined":
            raise ControlError(0, "Unknown property")
        self.session.combined = value

    def _get_property(self, params: object) -> bool:
        if _property_args(params, 1)[0] != "combined":
            raise ControlError(0, "Unknown property")
        return self.session.combined


def _request_id(value: object) -> RequestId:
    # "64-bit signed integer, alphanumeric strings; max length 36, null"
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and _INT64[0] <= value <= _INT64[1]:
        return value
    if isinstance(value, str) and _STRING_ID.match(value):
        return value
    raise invalid("request ID must be an unsigned integer")


def _names(params: object) -> list[object]:
    if not isinstance(params, list):
        raise invalid("params must be a list of stream names")
    return params


def _property_args(params: object, most: int) -> list[object]:
    """`params` of a property request: a property name first, at most `most` items."""
    if not isinstance(params, list) or not params or not isinstance(params[0], str):
        raise invalid("property name must be a string")
    if len(params) > most:
        raise invalid("too many parameters")
    return params
