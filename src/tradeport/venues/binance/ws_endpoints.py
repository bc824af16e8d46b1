"""Binance WebSocket connection kinds, as the venue-neutral engine needs them.

Market streams (§1.4, §2.4): SUBSCRIBE/UNSUBSCRIBE with numeric ids, acks
`{"result":null,"id":N}`, errors `{"error":{"code","msg"},"id":N}`, combined frames
`{"stream":…,"data":…}`, server ping frames, a 24 h lifetime and `serverShutdown`.
User data: spot through the WS API (`userDataStream.subscribe.signature`, events
wrapped as `{"subscriptionId":N,"event":…}`; the spot listen-key flow was removed on
2026-02-20), USDⓈ-M through a listen key in the connection URL.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import msgspec

from tradeport.model.errors import AuthError
from tradeport.transport.ws import Ack, Control, Reconnect, WsRequester
from tradeport.venues.binance.auth import sign_ws_params
from tradeport.venues.kit.liveness import LiveEndpoint, Liveness
from tradeport.venues.kit.private_endpoint import Credentials

# Limits per connection (§1.4 spot, §2.4 USDⓈ-M). Pings: spot servers ping every 20 s,
# USDⓈ-M every 3 min; we ping too, so a quiet but healthy connection stays provably
# alive and the watchdog only replaces dead ones.
SPOT_LIMITS = {"max_topics": 1024, "max_sends_per_second": 4.0}
FUTURES_LIMITS = {"max_topics": 200, "max_sends_per_second": 8.0}
LIFETIME = 24 * 3600 - 15 * 60  # reconnect a quarter hour before the 24 h cutoff


# our defaults: spot servers ping every 20 s, USDⓈ-M every 3 min; we ping too
DEFAULT_LIVENESS = Liveness(15.0, 45.0)


class _Control(msgspec.Struct):
    """Any non-data frame: an ack, an error, a WS-API response or a venue notice."""

    id: int | str | None = None
    result: Any = None
    error: dict[str, Any] | None = None
    status: int | None = None
    e: str | None = None
    event: dict[str, Any] | None = None


_control = msgspec.json.Decoder(_Control)
# venue notices that mean: move to a fresh connection now
_MOVE = {"serverShutdown": False, "listenKeyExpired": True, "eventStreamTerminated": True}


def _text(frame: str | bytes) -> str:
    return frame if isinstance(frame, str) else frame.decode("utf-8", "replace")


def _control_of(frame: str) -> Control | None:
    """A non-data frame as the engine's Control; None when it is not one."""
    try:
        msg = _control.decode(frame)
    except msgspec.DecodeError:
        return None  # not ours to judge: the data path reports a malformed frame
    notice = msg.e or (msg.event or {}).get("e")
    if notice in _MOVE:
        return Reconnect(str(notice), refresh_url=_MOVE[notice])
    if msg.id is None:
        return None
    if msg.error is not None:
        return Ack(msg.id, f"{msg.error.get('code')}: {msg.error.get('msg')}", msg.result)
    if msg.status is not None and msg.status != 200:
        return Ack(msg.id, f"status {msg.status}", msg.result)
    return Ack(msg.id, None, msg.result)


class _Endpoint(LiveEndpoint):
    """What every Binance connection kind shares: the 24 h lifetime; a user-data
    session carries no topics."""

    max_topics = 0
    max_sends_per_second = SPOT_LIMITS["max_sends_per_second"]
    max_lifetime: float | None = LIFETIME
    default_liveness = DEFAULT_LIVENESS

    async def on_open(self, conn: WsRequester) -> None:
        return None

    def subscribe_frame(self, topics: Sequence[str], request_id: int) -> str:
        raise TypeError("a user-data session carries no topics")

    def unsubscribe_frame(self, topics: Sequence[str], request_id: int) -> str:
        raise TypeError("a user-data session carries no topics")


class MarketEndpoint(_Endpoint):
    """One Binance market-stream host path (`/stream`, `/public/stream`, …)."""

    def __init__(
        self,
        name: str,
        url: str,
        *,
        max_topics: int,
        max_sends_per_second: float,
        liveness: Liveness | None = None,
    ):
        super().__init__(name, url, liveness)
        self.max_topics = max_topics
        self.max_sends_per_second = max_sends_per_second

    def subscribe_frame(self, topics: Sequence[str], request_id: int) -> str:
        return _frame("SUBSCRIBE", topics, request_id)

    def unsubscribe_frame(self, topics: Sequence[str], request_id: int) -> str:
        return _frame("UNSUBSCRIBE", topics, request_id)

    def classify(self, frame: str | bytes) -> Control | None:
        text = _text(frame)
        if text.startswith('{"stream"'):  # the hot path: a combined-stream data frame
            return None
        return _control_of(text)


def _frame(method: str, topics: Sequence[str], request_id: int) -> str:
    return msgspec.json.encode(
        {"method": method, "params": list(topics), "id": request_id}
    ).decode()


class SpotUserEndpoint(_Endpoint):
    """Spot user data over the WS API: subscribe with a signed request on every
    (re)connect (§1.4)."""

    def __init__(
        self,
        name: str,
        url: str,
        credentials: Credentials,
        now_ms: Callable[[], int],
        liveness: Liveness | None = None,
    ) -> None:
        super().__init__(name, url, liveness)
        self.credentials = credentials
        self.now_ms = now_ms  # the venue's clock, for the request's timestamp
        self._ids = 0

    async def on_open(self, conn: WsRequester) -> None:
        self._ids += 1
        request_id = f"tpuser{self._ids}"
        params = {"apiKey": self.credentials.api_key, "timestamp": str(self.now_ms())}
        params["signature"] = sign_ws_params(self.credentials.secret, params)
        frame = msgspec.json.encode(
            {"id": request_id, "method": "userDataStream.subscribe.signature", "params": params}
        ).decode()
        # a venue that does not answer within the silence budget is a dead connection
        ack = await conn.request(frame, request_id, timeout=self.silence_timeout)
        if ack.error is not None:
            raise AuthError(f"user data subscription refused: {ack.error}", venue=self.name)

    def classify(self, frame: str | bytes) -> Control | None:
        text = _text(frame)
        if text.startswith('{"subscriptionId"') and "eventStreamTerminated" not in text:
            return None
        return _control_of(text)


class FuturesUserEndpoint(_Endpoint):
    """USDⓈ-M user data: a listen key, fetched anew at every (re)connect, in the URL
    (§2.3–2.4). The key is kept alive by the owner (PUT every `keepalive` s)."""

    max_sends_per_second = FUTURES_LIMITS["max_sends_per_second"]

    def __init__(
        self,
        name: str,
        url_template: str,
        listen_key: Callable[[], Awaitable[str]],
        liveness: Liveness | None = None,
    ):
        super().__init__(name, url_template, liveness)
        self._listen_key = listen_key

    async def url(self) -> str:
        return self._url.replace("<listenKey>", await self._listen_key())

    def classify(self, frame: str | bytes) -> Control | None:
        text = _text(frame)
        if "listenKeyExpired" not in text and "serverShutdown" not in text:
            return None
        return _control_of(text)
