"""How one Bybit v5 REST call is made (PROTOCOLS.md §4.2, §4.6, §4.7): built from the
venue.yaml `rest_paths`, signed over the bytes sent, paced by the rate limiter, and
answered with its `result` or a typed error.

Two refusals are answered by sending again, once: 10002 (the timestamp was outside
the window; the clock is resampled first) and 10006/10429 (over the endpoint's
budget; the endpoint stops until its reset time). The venue acted on neither, so
repeating is safe even for an order, which keeps its orderLinkId (a duplicate would
be refused with 110072). An HTTP 403 is the IP limit: every request to the host
stops for `ip_ban_wait` seconds and the caller gets IpBanned at once, since Bybit's
ban lasts minutes, which no call should sit through unasked.
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
    IpBanned,
    NotSupported,
    RateLimitExceeded,
    TradeportError,
    UnknownOrderState,
)
from tradeport.transport import codec
from tradeport.transport.clock import ServerClock
from tradeport.transport.http import HttpTransport, Response, retry_after_seconds
from tradeport.transport.ratelimit import RateLimiter
from tradeport.venues.bybit import messages as m
from tradeport.venues.bybit.auth import signed_headers
from tradeport.venues.bybit.limits import EndpointUsage, LimitWatch
from tradeport.venues.errormap import ErrorMapper

T = TypeVar("T")
log = logging.getLogger("tradeport.venues.bybit")

# retCodes of a request refused for its rate: not acted upon, so safe to send again
THROTTLED = (10006, 10429)
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
        check_trading_allowed: Callable[[str], None],
        rate_limit: bool = True,
        rate_limit_wait: bool = True,
        recv_window_ms: int | None = None,
        timeout: float | None = None,
        http_engine: str = "aiohttp",
        ip_ban_wait: float = 600.0,
    ) -> None:
        self.config = config
        self.venue = venue
        self._api_key = api_key
        self._secret = secret
        self._check_trading_allowed = check_trading_allowed
        conn = config.venue.connection
        self.recv_window_ms = recv_window_ms or conn.recv_window_ms
        self.ip_ban_wait = ip_ban_wait
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
            secrets=(secret,),
            engine=http_engine,
        )
        # over budget: wait for room (default) or raise RateLimitExceeded at once
        self.wait = rate_limit_wait
        self.errors = ErrorMapper(venue, config.error_map)
        self.limits = LimitWatch(venue)
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

    def _rules(self, endpoint: str, scope: str) -> list[str]:
        return [
            r.name
            for r in self.limiter.rules
            if r.scope == scope and (not r.endpoints or endpoint in r.endpoints)
        ]

    # -- calls -------------------------------------------------------------------------
    async def public(self, name: str, params: Mapping[str, Any], type_: type[T]) -> T:
        """Market data: numeric strings decode into float fields."""
        return codec.decode(await self.call(name, params), type_, strict=False)

    async def signed(
        self,
        name: str,
        params: Mapping[str, Any],
        type_: type[T],
        *,
        idempotent: bool | None = None,
    ) -> T:
        raw = await self.call(name, params, signed=True, idempotent=idempotent)
        return codec.decode(raw, type_)

    async def call(
        self,
        name: str,
        params: Mapping[str, Any],
        *,
        signed: bool = False,
        idempotent: bool | None = None,
    ) -> bytes:
        """One request, answered with its raw `result` (see the module docstring for
        what is sent again). Parameters that are None are left out."""
        method, path = self.endpoint(name)
        if signed:
            if method != "GET":  # nothing changes on mainnet unless allowed
                self._check_trading_allowed(name)
            if not self._api_key or not self._secret:
                raise BadParameter(f"{name} needs api_key and secret")
            await self._ensure_clock()
        clean = {k: v for k, v in params.items() if v is not None}
        endpoint = f"{method} {path}"
        resynced = throttled = False
        while True:
            try:
                return await self._send(method, path, endpoint, clean, signed, idempotent)
            except InvalidTimestamp:
                if not signed or resynced:
                    raise
                resynced = True
                log.info("%s: 10002, resynchronising the clock and retrying once", self.venue)
                await self.sync_clock()
            except RateLimitExceeded as exc:
                if exc.code not in THROTTLED or throttled or not self.limiter.enabled:
                    raise
                throttled = True
                await self._stop_endpoint(endpoint, exc)

    async def _stop_endpoint(self, endpoint: str, exc: RateLimitExceeded) -> None:
        wait = exc.retry_after or 0.0
        log.info("%s: %s over its budget, retrying after %.3fs", self.venue, endpoint, wait)
        rules = self._rules(endpoint, "endpoint")
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
        headers: dict[str, str] = {}
        if signed:
            # what is signed is exactly what is sent: the query string or the body
            payload = query if body is None else body.decode()
            headers = signed_headers(
                self._api_key, self._secret, self.clock.now_ms(), self.recv_window_ms, payload
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
        now = self.clock.now_ms()
        usage = self.limits.observe(endpoint, resp.headers, now)
        return self._result(resp, usage, now, mutation=method != "GET")

    def _result(
        self, resp: Response, usage: EndpointUsage | None, now_ms: int, *, mutation: bool
    ) -> bytes:
        if resp.status == 403:
            raise self._ip_stop(resp)
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
                env.retMsg or f"HTTP {resp.status}",
                venue=self.venue,
                code=env.retCode,
                raw_message=env.retMsg,
            )
        if env.retCode == 0 and resp.status < 400:
            return bytes(env.result)
        retry_after = retry_after_seconds(resp.headers)
        if env.retCode in THROTTLED:
            retry_after = self.limits.wait_seconds(usage, now_ms)
        raise self.errors.error(
            env.retCode, env.retMsg, status=resp.status, retry_after=retry_after, mutation=mutation
        )

    def _ip_stop(self, resp: Response) -> IpBanned:
        """HTTP 403: the IP budget is blown (§4.6); every request to this host stops."""
        self.limiter.block(
            resp.endpoint, self.ip_ban_wait, banned=True, rules=self._rules(resp.endpoint, "ip")
        )
        return IpBanned(
            f"HTTP 403 on {resp.endpoint}: requests to this host stop for {self.ip_ban_wait:.0f}s",
            retry_after=self.ip_ban_wait,
            venue=self.venue,
            code=403,
            raw_message=resp.body[:200].decode(errors="replace"),
        )

    async def pages(
        self,
        name: str,
        params: dict[str, Any],
        type_: type[T],
        *,
        signed: bool = True,
        enough: int | None = None,
    ) -> list[T]:
        """The pages of a cursor-paged list (`nextPageCursor`): all of them, or until
        `enough` rows have come."""
        pages: list[T] = []
        cursor = ""
        rows = 0
        for _ in range(_MAX_PAGES):
            query = {**params, "cursor": cursor or None}
            if signed:
                page = await self.signed(name, query, type_)
            else:
                page = await self.public(name, query, type_)
            pages.append(page)
            rows += len(getattr(page, "rows", ()))
            cursor = getattr(page, "nextPageCursor", "")
            if not cursor or (enough is not None and rows >= enough):
                return pages
        raise TradeportError(f"{name}: more than {_MAX_PAGES} pages", venue=self.venue)

    # -- clock -------------------------------------------------------------------------
    async def server_time(self) -> int:
        raw = await self.call("get_server_time", {})
        return int(codec.decode(raw, m.ServerTime).timeNano) // 1_000_000

    async def _ensure_clock(self) -> None:
        if not self._clock_synced:
            async with self._clock_lock:  # concurrent first calls sample the clock once
                if not self._clock_synced:
                    await self.sync_clock()

    async def sync_clock(self) -> float:
        offset = await self.clock.sync(self.server_time)
        self._clock_synced = True
        return offset
