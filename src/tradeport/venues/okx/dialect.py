"""OKX v5 REST conventions for the pipeline (PROTOCOLS.md §3.2, §3.6, §3.7).

A request is signed over timestamp, method, the path with its query string and the
JSON body, and answered in an envelope with `code` and `data`; an order-entry answer
that failed carries the reason per item (sCode/sMsg). 50102/50112 refuse the
timestamp; 50011/50061 refuse the rate (HTTP 200 or 429), for one 2-second window since
OKX reports no usage or reset time. The venue acted on neither, so sending again is
safe even for an order: it keeps its clOrdId, and a duplicate would be refused with
51016. Demo trading is the live host, told by a header to use the demo account.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

import msgspec

from tradeport.config.schema import RateLimitRule
from tradeport.transport import codec
from tradeport.transport.http import Response
from tradeport.venues.kit.dialect import Request, VenueError, foreign_answer
from tradeport.venues.okx import messages as m
from tradeport.venues.okx.auth import SIMULATED_HEADER, signed_headers

T = TypeVar("T")

THROTTLED = ("50011", "50061")
TIMESTAMP_REFUSED = ("50102", "50112")
# OKX budgets are per 2 s and no answer says when room frees up: one window
THROTTLE_WAIT_S = 2.0
# an answer whose `code` says the operation (or part of a batch) failed: the reason is
# in the items' sCode/sMsg
_ITEM_FAILURE = ("1", "2")


class OkxDialect:
    throttled = THROTTLED
    timestamp_refused = TIMESTAMP_REFUSED
    unknown_on_5xx = True
    ip_stop_status: int | None = None
    ip_stop_s = 0.0

    def __init__(self, api_key: str, secret: str, passphrase: str, *, simulated: bool) -> None:
        self.credentials = {"api_key": api_key, "secret": secret, "passphrase": passphrase}
        self._base_headers = {SIMULATED_HEADER: "1"} if simulated else {}

    def encode(self, method: str, path: str, params: Mapping[str, Any]) -> Request:
        headers = dict(self._base_headers)
        if method == "GET":
            return Request(query=codec.encode_query(params.items()), headers=headers)
        headers["Content-Type"] = "application/json"
        return Request(body=msgspec.json.encode(params), headers=headers)

    def sign(self, method: str, path: str, params: Mapping[str, Any], timestamp_ms: int) -> Request:
        req = self.encode(method, path, params)
        # what is signed is exactly what is sent: the path with its query string, and
        # the body's bytes
        request_path = f"{path}?{req.query}" if req.query else path
        req.headers.update(
            signed_headers(
                self.credentials["api_key"],
                self.credentials["secret"],
                self.credentials["passphrase"],
                timestamp_ms,
                method,
                request_path,
                "" if req.body is None else req.body.decode(),
            )
        )
        return req

    def unwrap(self, resp: Response) -> bytes | VenueError:
        try:
            env = codec.decode(resp.body, m.Envelope)
        except msgspec.DecodeError:
            return foreign_answer(resp)
        if env.code == "0" and resp.status < 400:
            return bytes(env.data)
        if env.code in _ITEM_FAILURE and resp.status < 500:
            failed = item_failure(bytes(env.data))
            if failed is not None:
                return VenueError(failed.sCode, failed.sMsg)
        return VenueError(env.code, env.msg)

    def server_time(self, data: bytes) -> int:
        (row,) = codec.decode(data, list[m.ServerTime])
        return int(row.ts)

    def observe(self, resp: Response, now_ms: int) -> None:
        """OKX reports no usage in its headers."""

    def throttle_window(self, resp: Response, retry_after: float | None, now_ms: int) -> float:
        return retry_after or THROTTLE_WAIT_S

    def broken_budget(self, resp: Response, rules: Sequence[RateLimitRule]) -> list[str] | None:
        return None


def item_failure(data: bytes) -> m.ItemResult | None:
    """The first refused item of an order-entry answer's `data`, if any."""
    try:
        items = codec.decode(data, list[m.ItemResult])
    except msgspec.DecodeError:
        return None
    return next((i for i in items if i.sCode not in ("", "0")), None)


class AfterCursor(Generic[T]):
    """OKX lists page backwards, newest first: `after` = the id of the oldest row seen
    (`key(row)`). A page that repeats what was seen, or comes short, is the last. The
    rows, each once, collect in `rows`."""

    def __init__(self, key: Callable[[T], str], page_size: int = 100) -> None:
        self.key = key
        self.page_size = page_size
        self.rows: list[T] = []
        self._seen: set[str] = set()

    def place(self, params: Mapping[str, Any], token: str | None) -> dict[str, Any]:
        return {**params, "limit": self.page_size, "after": token}

    def advance(self, page: list[T]) -> tuple[int, str | None]:
        fresh = [r for r in page if self.key(r) not in self._seen]
        self.rows.extend(fresh)
        self._seen.update(self.key(r) for r in fresh)
        if len(page) < self.page_size or not fresh:
            return len(fresh), None
        return len(fresh), self.key(page[-1])
