"""What a venue tells the WebSocket engine, and what the engine tells back.

A venue describes one kind of connection with a `WsEndpoint` (limits, heartbeat,
frames, how to tell control frames from data); the engine (`transport/ws.py`) does the
rest. Nothing here knows a venue.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import msgspec


class Ack(msgspec.Struct):
    """A response to a request the client sent."""

    request_id: int | str
    error: str | None = None  # None = success
    result: object = None


class Reconnect(msgspec.Struct):
    """The venue asked us to move to a new connection (serverShutdown, listenKeyExpired…)."""

    reason: str
    # informational: the engine calls `endpoint.url()` at every (re)connect anyway, so a
    # fresh listen key is always fetched
    refresh_url: bool = False


class Pong(msgspec.Struct):
    """The venue's answer to an application-level ping (`ping_frame`): liveness only."""


class Answer(msgspec.Struct):
    """The venue's own heartbeat, to be answered with `frame` at once (BingX sends
    `Ping` and expects the text `Pong`): liveness, and a reply that cannot wait."""

    frame: str


Control = Ack | Reconnect | Pong | Answer


class WsRequester(Protocol):
    """What an endpoint's `on_open` may do on the socket it was given (the engine's
    `WsConnection`): send a frame, or send one and await the venue's answer."""

    async def send(self, frame: str) -> None: ...

    async def request(self, frame: str, request_id: int | str, timeout: float = 10.0) -> Ack: ...


# (raw frame, local receipt time `time.time_ns()`) for every data frame
Sink = Callable[[str | bytes, int], None]


class WsEndpoint(Protocol):
    """What a venue tells the engine about one kind of connection.

    An endpoint may also define `max_topics_per_frame: int` (how many topics one
    subscribe frame may carry, e.g. Bybit spot allows 10); without it the engine uses
    `DEFAULT_TOPICS_PER_FRAME`. A venue whose heartbeat is a text frame rather than a
    WS ping frame (Bybit `{"op":"ping"}`) defines `ping_frame() -> str`: the engine then
    sends that every `ping_interval` instead, and `classify` returns `Pong` for the reply.
    A venue whose frames come compressed (BingX: gzip) defines `decode_frame(frame) ->
    str | bytes`: every frame goes through it once, before `classify` and the sink.
    """

    name: str  # for logs, e.g. "binance.swap.public"
    max_topics: int  # per connection; 0 = a session connection with no topics (user data)
    max_sends_per_second: float  # client→server frames per connection, paced
    ping_interval: float | None  # send a ping (frame, or `ping_frame()`) this often; None: never
    silence_timeout: float  # no frame of any kind this long → replace the connection
    max_lifetime: float | None  # venue cutoff (Binance 24 h): move before it

    async def url(self) -> str: ...

    async def on_open(self, conn: WsRequester) -> None: ...

    def subscribe_frame(self, topics: Sequence[str], request_id: int) -> str: ...

    def unsubscribe_frame(self, topics: Sequence[str], request_id: int) -> str: ...

    def classify(self, frame: str | bytes) -> Control | None: ...


DEFAULT_TOPICS_PER_FRAME = 100


def topics_per_frame(endpoint: WsEndpoint) -> int:
    limit = getattr(endpoint, "max_topics_per_frame", DEFAULT_TOPICS_PER_FRAME)
    return max(1, int(limit))


class TopicState(enum.Enum):
    PENDING = "pending"  # sent (or waiting for a connection), no ack yet
    CONFIRMED = "confirmed"  # the venue acknowledged it on the current connection
    FAILED = "failed"  # the venue refused it; retried with backoff in the background


@dataclass
class WsStats:
    """Counters over the life of one `WsStream` (all connections)."""

    connects: int = 0  # connections opened and authenticated
    connect_failures: int = 0  # attempts that failed to open or in on_open
    reconnects: int = 0  # connections opened to replace one that was lost
    watchdog_replacements: int = 0  # connections closed for silence
    moves: int = 0  # make-before-break replacements (venue notice or lifetime)
    frames: int = 0  # data frames handed to the sink
    sink_errors: int = 0  # frames whose sink (or classify) raised
    sends: int = 0  # client frames sent: requests, pings, pongs
    pings_answered: int = 0  # server ping frames answered with a pong
    pongs: int = 0  # application-level pongs received (answers to `ping_frame()`)
    acks_failed: int = 0  # requests the venue refused
    unmatched_acks: int = 0  # acks for no request in flight (late after a timeout)
