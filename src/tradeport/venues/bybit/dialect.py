"""Bybit v5 REST conventions for the pipeline (PROTOCOLS.md §4.2, §4.6, §4.7).

A request is signed over the bytes sent (the query string of a GET, the JSON body of a
POST) and answered in an envelope with `retCode` and `result`. 10002 refuses the
timestamp; 10006/10429 refuse the rate, the endpoint closing until the reset time the
limit headers name. The venue acted on neither, so sending again is safe even for an
order, which keeps its orderLinkId (a duplicate would be refused with 110072). An HTTP
403 is the IP limit: Bybit bans for minutes, so every request to the host stops.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from tradeport.config.schema import RateLimitRule
from tradeport.transport import codec
from tradeport.transport.http import Response
from tradeport.venues.bybit import messages as m
from tradeport.venues.bybit.auth import signed_headers
from tradeport.venues.bybit.limits import EndpointUsage, LimitWatch
from tradeport.venues.kit.dialect import Request, VenueError, foreign_answer

# retCodes of a request refused for its rate: not acted upon, so safe to send again
THROTTLED = ("10006", "10429")


class BybitDialect:
    timestamp_refused = ("10002",)
    throttled = THROTTLED
    unknown_on_5xx = True
    ip_stop_status = 403

    def __init__(
        self, venue: str, api_key: str, secret: str, recv_window_ms: int, ip_ban_wait: float
    ) -> None:
        self.credentials = {"api_key": api_key, "secret": secret}
        self.recv_window_ms = recv_window_ms
        self.ip_stop_s = ip_ban_wait
        self.limits = LimitWatch(venue)
        # the reading of the answer being unwrapped (observe and unwrap run back to
        # back, with nothing awaited between them)
        self._usage: EndpointUsage | None = None

    def encode(self, method: str, path: str, params: Mapping[str, Any]) -> Request:
        if method == "GET":
            return Request(query=codec.encode_query(params.items()))
        return Request(
            body=msgspec.json.encode(params), headers={"Content-Type": "application/json"}
        )

    def sign(self, method: str, path: str, params: Mapping[str, Any], timestamp_ms: int) -> Request:
        req = self.encode(method, path, params)
        # what is signed is exactly what is sent: the query string or the body
        payload = req.query if req.body is None else req.body.decode()
        headers = signed_headers(
            self.credentials["api_key"],
            self.credentials["secret"],
            timestamp_ms,
            self.recv_window_ms,
            payload,
        )
        return Request(query=req.query, body=req.body, headers={**headers, **req.headers})

    def unwrap(self, resp: Response) -> bytes | VenueError:
        try:
            env = codec.decode(resp.body, m.Envelope)
        except msgspec.DecodeError:
            return foreign_answer(resp)
        if env.retCode == 0 and resp.status < 400:
            return bytes(env.result)
        return VenueError(env.retCode, env.retMsg)

    def server_time(self, data: bytes) -> int:
        return int(codec.decode(data, m.ServerTime).timeNano) // 1_000_000

    def observe(self, resp: Response, now_ms: int) -> None:
        self._usage = self.limits.observe(resp.endpoint, resp.headers, now_ms)

    def throttle_window(self, resp: Response, retry_after: float | None, now_ms: int) -> float:
        # the limit headers' reset time, not Retry-After: it is the endpoint's own
        return self.limits.wait_seconds(self._usage, now_ms)

    def broken_budget(self, resp: Response, rules: Sequence[RateLimitRule]) -> list[str] | None:
        return None


class NextPageCursor:
    """Bybit's lists page forward with `cursor` = the last page's `nextPageCursor`."""

    def place(self, params: Mapping[str, Any], token: str | None) -> dict[str, Any]:
        return {**params, "cursor": token}

    def advance(self, page: object) -> tuple[int, str | None]:
        rows = len(getattr(page, "rows", ()))
        return rows, getattr(page, "nextPageCursor", "") or None


PAGE_CURSOR = NextPageCursor()
