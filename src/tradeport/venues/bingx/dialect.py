"""BingX swap REST conventions for the pipeline (PROTOCOLS.md §5.2, §5.3, §5.6, §5.7).

Every parameter travels in the query string, also for POST and DELETE, signed over its
unencoded text with `timestamp` last. Answers come in `{code, msg, data}`. 100410
("too many error requests", or "system busy") is the venue's throttle: not acted
upon, so sending once more after a pause is safe even for an order. HTTP 429 / 418
are the per-endpoint and IP restrictions the pipeline maps by status; 403 is the
firewall, which bans the IP for about five minutes, so every request to the host stops.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from tradeport.config.schema import RateLimitRule
from tradeport.transport import codec
from tradeport.transport.http import Response
from tradeport.venues.bingx import messages as m
from tradeport.venues.bingx.auth import API_KEY_HEADER, signed_query, to_send
from tradeport.venues.kit.dialect import Request, VenueError, foreign_answer

THROTTLED = ("100410",)
# when the venue names no expiry: its restrictions last minutes, but a throttled
# request is sent once more only after a short pause (§5.6)
DEFAULT_THROTTLE_S = 1.0
EXPIRE_HEADER = "X-RateLimit-Requests-Expire"
# answered outside the envelope: `{"listenKey"}`, or nothing but the HTTP status (§5.3)
BARE_PATHS = ("/openApi/user/auth/userDataStream",)


class BingxDialect:
    timestamp_refused = ("109400",)
    throttled = THROTTLED
    unknown_on_5xx = True
    ip_stop_status = 403

    def __init__(self, api_key: str, secret: str, recv_window_ms: int, ip_ban_wait: float) -> None:
        self.credentials = {"api_key": api_key, "secret": secret}
        self.recv_window_ms = recv_window_ms
        self.ip_stop_s = ip_ban_wait

    def encode(self, method: str, path: str, params: Mapping[str, Any]) -> Request:
        return Request(query=to_send(params.items()))

    def sign(self, method: str, path: str, params: Mapping[str, Any], timestamp_ms: int) -> Request:
        pairs = [*params.items(), ("recvWindow", self.recv_window_ms), ("timestamp", timestamp_ms)]
        query = signed_query(self.credentials["secret"], pairs)
        return Request(query=query, headers={API_KEY_HEADER: self.credentials["api_key"]})

    def unwrap(self, resp: Response) -> bytes | VenueError:
        try:
            env = codec.decode(resp.body, m.Envelope)
        except msgspec.DecodeError:
            if resp.status < 400 and resp.endpoint.endswith(BARE_PATHS):
                return resp.body or b"{}"
            return foreign_answer(resp)
        if env.code == 0 and resp.status < 400:
            return bytes(env.data)
        return VenueError(env.code, env.msg)

    def server_time(self, data: bytes) -> int:
        return codec.decode(data, m.ServerTime).serverTime

    def observe(self, resp: Response, now_ms: int) -> None:
        # X-RateLimit-Requests-Remain is adopted by the limiter (venue.yaml rules)
        return None

    def throttle_window(self, resp: Response, retry_after: float | None, now_ms: int) -> float:
        """Until the window the venue names expires (`X-RateLimit-Requests-Expire`, ms
        left or an epoch in ms), else Retry-After, else a short pause."""
        raw = resp.headers.get(EXPIRE_HEADER)
        if raw is not None and raw.strip().isdigit():
            value = int(raw.strip())
            left_ms = value - now_ms if value > 10**12 else value
            return max(0.0, left_ms / 1000)
        return DEFAULT_THROTTLE_S if retry_after is None else retry_after

    def broken_budget(self, resp: Response, rules: Sequence[RateLimitRule]) -> list[str] | None:
        return None
