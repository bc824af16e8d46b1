"""Binance REST conventions for the pipeline (PROTOCOLS.md §1.2, §1.6, §2.2).

A SIGNED request carries `recvWindow`, `timestamp` and, last, the HMAC `signature` in
its query string (a POST or PUT: in its form body); a USER_STREAM one only the API key
header. An answer is the data itself, or, from HTTP 400 on, `{"code", "msg"}`. -1021
refuses the timestamp. A 429/418 stops the limiter's rules in the transport: -1015 is
the account's order rate, so only the order-count rules stop for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from tradeport.config.schema import RateLimitRule
from tradeport.transport import codec
from tradeport.transport.http import Response
from tradeport.venues.binance import messages as m
from tradeport.venues.binance.auth import signed_query
from tradeport.venues.kit.dialect import Request, VenueError, foreign_answer

API_KEY_HEADER = "X-MBX-APIKEY"
ORDER_RATE_CODE = -1015


class BinanceDialect:
    throttled: tuple[str, ...] = ()  # a 429 is waited out by the limiter, not resent here
    timestamp_refused = ("-1021",)
    # a 5xx is classified by its code: -1006/-1007 say the outcome is unknown, -1008
    # that the venue was overloaded and did not act
    unknown_on_5xx = False
    ip_stop_status: int | None = None  # a 418 ban is the transport's and the error map's
    ip_stop_s = 0.0

    def __init__(self, api_key: str, secret: str, recv_window_ms: int) -> None:
        self.credentials = {"api_key": api_key, "secret": secret}
        self.recv_window_ms = recv_window_ms

    def key_headers(self) -> dict[str, str]:
        """A USER_STREAM request's only credential (§2.3)."""
        return {API_KEY_HEADER: self.credentials["api_key"]}

    def encode(self, method: str, path: str, params: Mapping[str, Any]) -> Request:
        return Request(query=codec.encode_query(params.items()) if params else "")

    def sign(self, method: str, path: str, params: Mapping[str, Any], timestamp_ms: int) -> Request:
        pairs = [(k, str(v)) for k, v in params.items()]
        pairs += [("recvWindow", str(self.recv_window_ms)), ("timestamp", str(timestamp_ms))]
        signed = signed_query(self.credentials["secret"], pairs)
        headers = self.key_headers()
        if method in ("POST", "PUT"):
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            return Request(body=signed.encode(), headers=headers)
        return Request(query=signed, headers=headers)

    def unwrap(self, resp: Response) -> bytes | VenueError:
        if resp.status < 400:
            return resp.body
        try:
            err = codec.decode(resp.body, m.ErrorBody)
        except msgspec.DecodeError:
            return foreign_answer(resp)
        return VenueError(err.code, err.msg)

    def server_time(self, data: bytes) -> int:
        return codec.decode(data, m.ServerTime).serverTime

    def observe(self, resp: Response, now_ms: int) -> None:
        """The usage headers feed the limiter in the transport."""

    def throttle_window(self, resp: Response, retry_after: float | None, now_ms: int) -> float:
        return retry_after or 0.0

    def broken_budget(self, resp: Response, rules: Sequence[RateLimitRule]) -> list[str] | None:
        """-1015 is the account's order rate (§1.7): only the order-count rules stop;
        anything else stops every rule."""
        try:
            code = codec.decode(resp.body, m.ErrorBody).code
        except msgspec.DecodeError:
            return None
        if code == ORDER_RATE_CODE:
            return [r.name for r in rules if r.endpoints]
        return None
