"""How one OKX v5 REST call is made (PROTOCOLS.md §3.2, §3.6, §3.7): built from the
venue.yaml `rest_paths`, signed over the bytes sent, paced by the rate limiter, and
answered with its `data` or a typed error.

Two refusals are answered by sending again, once: 50102/50112 (the timestamp was
expired or unreadable; the clock is resampled first) and 50011 (over the endpoint's
budget, HTTP 200 or 429; the endpoint stops for one 2-second window, since OKX
reports no usage or reset time). The venue acted on neither, so repeating is safe
even for an order: it keeps its clOrdId, and a duplicate would be refused with 51016.
An order whose outcome is unknown (timeout, 5xx, 50004) is never sent again here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import msgspec

from tradeport.config.schema import ResolvedAssetConfig
from tradeport.model.errors import (
    BadParameter,
    InvalidTimestamp,
    NotSupported,
    RateLimitExceeded,
    TradeportError,
    UnknownOrderState,
)
from tradeport.transport import codec
from tradeport.transport.clock import ServerClock
from tradeport.transport.http import HttpTransport, Response, retry_after_seconds
from tradeport.transport.ratelimit import RateLimiter
from tradeport.venues.errormap import ErrorMapper
from tradeport.venues.okx import messages as m
from tradeport.venues.okx.auth import SIMULATED_HEADER, signed_headers

T = TypeVar("T")
log = logging.getLogger("tradeport.venues.okx")

THROTTLED = ("50011", "50061")
TIMESTAMP_REFUSED = ("50102", "50112")
# OKX budgets are per 2 s and no answer says when room frees up: one window
THROTTLE_WAIT_S = 2.0
# an answer whose `code` says the operation (or part of a batch) failed: the reason is
# in the items' sCode/sMsg
_ITEM_FAILURE = ("1", "2")
_MAX_PAGES = 200


class RestCalls:
    def __init__(
        self,
        config: ResolvedAssetConfig,
        *,
        venue: str,
        base_url: str,
        api_key: str,
        secret: str,
        passphrase: str,
        simulated: bool,
        check_trading_allowed: Callable[[str], None],
        rate_limit: bool = True,
        rate_limit_wait: bool = True,
        timeout: float | None = None,
        http_engine: str = "aiohttp",
    ) -> None:
        self.config = config
        self.venue = venue
        self._api_key = api_key
        self._secret = secret
        self._passphrase = passphrase
        self._check_trading_allowed = check_trading_allowed
        # demo trading: the live host, told by a header to use the demo account
        self._base_headers = {SIMULATED_HEADER: "1"} if simulated else {}
        conn = config.venue.connection
        self.clock = ServerClock()
        self.host = base_url.split("://", 1)[-1].split("/", 1)[0]
        self.limiter = RateLimiter(
            config.rate_limits,
            host=self.host,
            enabled=rate_limit,
            wall_clock=lambda: self.clock.now_ms() / 1000,
        )
        self.http = HttpTransport(
            base_url,
            venue=venue,
            timeout=timeout or conn.timeout,
            retries=conn.retries,
            limiter=self.limiter,
            secrets=(secret, passphrase),
            engine=http_engine,
        )
        # over budget: wait for room (default) or raise RateLimitExceeded at once
        self.wait = rate_limit_wait
        self.errors = ErrorMapper(venue, config.error_map)
        self._clock_synced = False
        self._clock_lock = asyncio.Lock()

    async def close(self, *, forget_host: bool) -> None:
        await self.http.close()
        if forget_host:
            # an emulator that goes away must not leave its address's shared budgets
            # behind (a new one may reuse the port)
            RateLimiter.forget_host(self.host)

    def endpoint(self, name: str) -> tuple[str, str]:
        spec = self.config.rest_paths.get(name)
        if spec is None:
            raise NotSupported(f"{name} is not supported on {self.venue}")
        method, _, path = spec.partition(" ")
        return method, path

    # -- calls -------------------------------------------------------------------------
    async def rows(
        self,
        name: str,
        params: Mapping[str, Any],
        type_: type[T],
        *,
        signed: bool = False,
        idempotent: bool | None = None,
    ) -> list[T]:
        """The `data` rows of one call, decoded as `type_`."""
        raw = await self.call(name, params, signed=signed, idempotent=idempotent)
        return codec.decode(raw, list[type_])  # type: ignore[valid-type]

    async def call(
        self,
        name: str,
        params: Mapping[str, Any],
        *,
        signed: bool = False,
        idempotent: bool | None = None,
    ) -> bytes:
        """One request, answered with its raw `data` (see the module docstring for what
        is sent again). Parameters that are None are left out."""
        method, path = self.endpoint(name)
        if signed:
            if method != "GET":  # nothing changes on mainnet unless allowed
                self._check_trading_allowed(name)
            if not self._api_key or not self._secret or not self._passphrase:
                raise BadParameter(f"{name} needs api_key, secret and passphrase")
            await self._ensure_clock()
        clean = {k: v for k, v in params.items() if v is not None}
        endpoint = f"{method} {path}"
        resynced = throttled = False
        while True:
            try:
                return await self._send(method, path, endpoint, clean, signed, idempotent)
            except InvalidTimestamp as exc:
                if not signed or resynced or str(exc.code) not in TIMESTAMP_REFUSED:
                    raise
                resynced = True
                log.info("%s: %s, resynchronising the clock, retrying once", self.venue, exc.code)
                await self.sync_clock()
            except RateLimitExceeded as exc:
                if str(exc.code) not in THROTTLED or throttled or not self.limiter.enabled:
                    raise
                throttled = True
                await self._stop_endpoint(endpoint, exc)

    async def _stop_endpoint(self, endpoint: str, exc: RateLimitExceeded) -> None:
        wait = exc.retry_after or THROTTLE_WAIT_S
        log.info("%s: %s over its budget, retrying after %.3fs", self.venue, endpoint, wait)
        rules = [r.name for r in self.limiter.rules if r.endpoints and endpoint in r.endpoints]
        if rules:
            # the next acquire waits this out (or raises, if told not to wait)
            self.limiter.block(endpoint, wait, rules=rules)
        elif self.wait:
            await asyncio.sleep(wait)
        else:
            raise exc

    async def _send(
        self,
        method: str,
        path: str,
        endpoint: str,
        params: dict[str, Any],
        signed: bool,
        idempotent: bool | None,
    ) -> bytes:
        query, body = "", None
        if method == "GET":
            query = codec.encode_query(params.items())
        else:
            body = msgspec.json.encode(params)
        headers = dict(self._base_headers)
        if signed:
            # what is signed is exactly what is sent: the path with its query string,
            # and the body's bytes
            request_path = f"{path}?{query}" if query else path
            headers.update(
                signed_headers(
                    self._api_key,
                    self._secret,
                    self._passphrase,
                    self.clock.now_ms(),
                    method,
                    request_path,
                    "" if body is None else body.decode(),
                )
            )
        if body is not None:
            headers["Content-Type"] = "application/json"
        resp = await self.http.request(
            method,
            path,
            query=query,
            body=body,
            headers=headers,
            endpoint=endpoint,
            weight_params=params,
            idempotent=idempotent,
            wait=self.wait,
        )
        return self._result(resp, mutation=method != "GET")

    def _result(self, resp: Response, *, mutation: bool) -> bytes:
        try:
            env = codec.decode(resp.body, m.Envelope)
        except msgspec.DecodeError:  # a proxy's HTML page or an empty body
            raise self.errors.error(
                None,
                resp.body[:200].decode(errors="replace"),
                status=resp.status,
                retry_after=retry_after_seconds(resp.headers),
                mutation=mutation,
            ) from None
        if resp.status >= 500 and mutation:
            # the gateway failed after the request may have reached the engine
            raise UnknownOrderState(
                env.msg or f"HTTP {resp.status}",
                venue=self.venue,
                code=env.code,
                raw_message=env.msg,
            )
        if env.code == "0" and resp.status < 400:
            return bytes(env.data)
        code, message = env.code, env.msg
        if code in _ITEM_FAILURE:
            failed = item_failure(bytes(env.data))
            if failed is not None:
                code, message = failed.sCode, failed.sMsg
        raise self.errors.error(
            code,
            message,
            status=resp.status,
            retry_after=retry_after_seconds(resp.headers)
            or (THROTTLE_WAIT_S if code in THROTTLED else None),
            mutation=mutation,
        )

    def item_error(self, item: m.ItemResult) -> TradeportError:
        """The typed error of one order-entry item that the venue refused."""
        return self.errors.error(item.sCode, item.sMsg, mutation=True)

    async def pages(
        self,
        name: str,
        params: Mapping[str, Any],
        type_: type[T],
        cursor: Callable[[T], str],
        *,
        signed: bool = True,
        page_size: int = 100,
        enough: int | None = None,
    ) -> list[T]:
        """The rows of a list paged backwards with `after` (newest first; `after` = the
        id of the oldest row seen, `cursor(row)`): all of them, or until `enough`."""
        rows: list[T] = []
        seen: set[str] = set()
        after: str | None = None
        for _ in range(_MAX_PAGES):
            page = await self.rows(
                name, {**params, "limit": page_size, "after": after}, type_, signed=signed
            )
            fresh = [r for r in page if cursor(r) not in seen]
            rows.extend(fresh)
            seen.update(cursor(r) for r in fresh)
            if len(page) < page_size or not fresh or (enough is not None and len(rows) >= enough):
                return rows
            after = cursor(page[-1])
        raise TradeportError(f"{name}: more than {_MAX_PAGES} pages", venue=self.venue)

    # -- clock -------------------------------------------------------------------------
    async def server_time(self) -> int:
        (row,) = await self.rows("get_server_time", {}, m.ServerTime)
        return int(row.ts)

    async def _ensure_clock(self) -> None:
        if not self._clock_synced:
            async with self._clock_lock:  # concurrent first calls sample the clock once
                if not self._clock_synced:
                    await self.sync_clock()

    async def sync_clock(self) -> float:
        offset = await self.clock.sync(self.server_time)
        self._clock_synced = True
        return offset


def item_failure(data: bytes) -> m.ItemResult | None:
    """The first refused item of an order-entry answer's `data`, if any."""
    try:
        items = codec.decode(data, list[m.ItemResult])
    except msgspec.DecodeError:
        return None
    return next((i for i in items if i.sCode not in ("", "0")), None)
