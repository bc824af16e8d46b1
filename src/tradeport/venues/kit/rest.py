"""The REST pipeline: how one call to any venue is made (DESIGN.md, "The venue kit").

A call is named by its venue.yaml `rest_paths` entry; absent, the venue does not offer
it (NotSupported). A signed call that changes something is guarded against mainnet
(unless allowed), needs the credentials, and is stamped with the venue's clock, sampled
once before the first signed call. The venue's dialect (kit/dialect.py) signs it and
unwraps its answer into data or a typed error.

Two refusals are answered by sending again, once, because the venue acted on neither:
a timestamp refusal (the clock is resampled first) and a throttled code (the
endpoint's rules stop for the window first). An order keeps its client id when sent
again, so a duplicate would be refused by the venue. A mutation whose outcome is
unknown (timeout, 5xx) raises UnknownOrderState and is never sent again here: the order
flow looks it up instead. An IP-stop status stops every request to the host. An answer
that does not read as the venue's (an HTML page, a body cut short) is MalformedMessage
naming the endpoint, whether the envelope (`unwrap`) or the data (`decode`) fails.
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
    MalformedMessage,
    NotSupported,
    RateLimitExceeded,
    TradeportError,
    UnknownOrderState,
)
from tradeport.transport import codec
from tradeport.transport.clock import ServerClock
from tradeport.transport.http import HttpTransport, Response, retry_after_seconds
from tradeport.transport.ratelimit import RateLimiter
from tradeport.transport.redact import redact
from tradeport.venues.errormap import ErrorMapper
from tradeport.venues.kit.dialect import Cursor, RestDialect, VenueError

P = TypeVar("P")
T = TypeVar("T")
MAX_PAGES = 200


class RestPipeline:
    def __init__(
        self,
        config: ResolvedAssetConfig,
        dialect: RestDialect,
        *,
        venue: str,
        base_url: str,
        check_trading_allowed: Callable[[str], None],
        rate_limit: bool = True,
        rate_limit_wait: bool = True,
        timeout: float | None = None,
        http_engine: str = "aiohttp",
    ) -> None:
        self.config = config
        self.dialect = dialect
        self.venue = venue
        self.log = logging.getLogger(f"tradeport.venues.{config.venue.id}")
        self._check_trading_allowed = check_trading_allowed
        conn = config.venue.connection
        self.clock = ServerClock()
        self.host = base_url.split("://", 1)[-1].split("/", 1)[0]
        # fixed windows start at whole minutes of the venue's clock, not ours
        self.limiter = RateLimiter(
            config.rate_limits,
            host=self.host,
            enabled=rate_limit,
            wall_clock=lambda: self.clock.now_ms() / 1000,
        )
        secrets = tuple(v for k, v in dialect.credentials.items() if k != "api_key")
        self._secrets = secrets
        self.http = HttpTransport(
            base_url,
            venue=venue,
            timeout=timeout or conn.timeout,
            retries=conn.retries,
            limiter=self.limiter,
            secrets=secrets,
            engine=http_engine,
            block_rules=lambda resp: dialect.broken_budget(resp, self.limiter.rules),
        )
        # over budget: wait for room (default) or raise RateLimitExceeded at once
        self.wait = rate_limit_wait
        self.errors = ErrorMapper(venue, config.error_map)
        self._throttled = {str(c) for c in dialect.throttled}
        self._timestamp_refused = {str(c) for c in dialect.timestamp_refused}
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
    def decode(self, name: str, data: bytes, type_: type[T], *, strict: bool = True) -> T:
        """The data of call `name` as `type_` (`strict=False`: numeric strings decode
        into numbers); data that does not read as one is MalformedMessage naming the
        endpoint."""
        try:
            return codec.decode(data, type_, strict=strict)
        except msgspec.DecodeError as exc:
            method, path = self.endpoint(name)
            raise self._malformed(f"{method} {path}", str(exc)) from None

    def _malformed(self, endpoint: str, why: str) -> MalformedMessage:
        why = redact(why, self._secrets)
        return MalformedMessage(f"{endpoint}: unreadable answer: {why}", venue=self.venue)

    async def call(
        self,
        name: str,
        params: Mapping[str, Any] | None = None,
        *,
        signed: bool = False,
        idempotent: bool | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> bytes:
        """One request, answered with its data. Parameters that are None are left out.
        `headers` go with an unsigned request (an API key alone, say)."""
        data, _ = await self.call_with_response(
            name, params, signed=signed, idempotent=idempotent, headers=headers
        )
        return data

    async def call_with_response(
        self,
        name: str,
        params: Mapping[str, Any] | None = None,
        *,
        signed: bool = False,
        idempotent: bool | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[bytes, Response]:
        """`call`, with the answer it came in (for its headers)."""
        method, path = self.endpoint(name)
        if signed:
            if method != "GET":  # nothing changes on mainnet unless allowed
                self._check_trading_allowed(name)
            self._check_credentials(name)
            await self._ensure_clock()
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        endpoint = f"{method} {path}"
        resynced = throttled = False
        while True:
            try:
                return await self._send(method, path, endpoint, clean, signed, idempotent, headers)
            except InvalidTimestamp as exc:
                if not signed or resynced or str(exc.code) not in self._timestamp_refused:
                    raise
                resynced = True
                self.log.info(
                    "%s: %s, resynchronising the clock and retrying once", self.venue, exc.code
                )
                await self.sync_clock()
            except RateLimitExceeded as exc:
                if str(exc.code) not in self._throttled or throttled or not self.limiter.enabled:
                    raise
                throttled = True
                await self._stop_endpoint(endpoint, exc)

    def _check_credentials(self, name: str) -> None:
        creds = self.dialect.credentials
        if not all(creds.values()):
            names = list(creds)
            needed = " and ".join(filter(None, [", ".join(names[:-1]), names[-1]]))
            raise BadParameter(f"{name} needs {needed}")

    def _rules(self, endpoint: str, scope: str | None = None) -> list[str]:
        """The rules of `scope` that cover `endpoint`; without a scope, the endpoint's
        own budgets (the rules that name it)."""
        if scope is None:
            return [r.name for r in self.limiter.rules if r.endpoints and endpoint in r.endpoints]
        return [
            r.name
            for r in self.limiter.rules
            if r.scope == scope and (not r.endpoints or endpoint in r.endpoints)
        ]

    async def _stop_endpoint(self, endpoint: str, exc: RateLimitExceeded) -> None:
        wait = exc.retry_after or 0.0
        self.log.info("%s: %s over its budget, retrying after %.3fs", self.venue, endpoint, wait)
        rules = self._rules(endpoint)
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
        headers: Mapping[str, str] | None,
    ) -> tuple[bytes, Response]:
        if signed:
            req = self.dialect.sign(method, path, params, self.clock.now_ms())
        else:
            req = self.dialect.encode(method, path, params)
        resp = await self.http.request(
            method,
            path,
            query=req.query,
            body=req.body,
            headers={**req.headers, **(headers or {})},
            endpoint=endpoint,
            weight_params=params,
            idempotent=idempotent,
            wait=self.wait,
        )
        now = self.clock.now_ms()
        self.dialect.observe(resp, now)
        # only a signed request changes anything (an API-key-only one manages streams)
        return self._data(resp, now, mutation=signed and method != "GET"), resp

    def _data(self, resp: Response, now_ms: int, *, mutation: bool) -> bytes:
        if resp.status == self.dialect.ip_stop_status:
            raise self._ip_stop(resp)
        reply = self.dialect.unwrap(resp)
        if not isinstance(reply, VenueError):
            return reply
        # a venue's text may echo what was sent (a listen key, a signed parameter)
        code, message = reply.code, redact(reply.message, self._secrets)
        if code is None and resp.status < 400:
            # a success status whose body is not the venue's answer: for a mutation the
            # outcome is unknown (MalformedMessage is a NetworkError, as a lost answer)
            raise self._malformed(resp.endpoint, f"HTTP {resp.status} {message[:80]!r}")
        if code is not None and resp.status >= 500 and mutation and self.dialect.unknown_on_5xx:
            raise UnknownOrderState(
                message or f"HTTP {resp.status}", venue=self.venue, code=code, raw_message=message
            )
        retry_after = retry_after_seconds(resp.headers)
        if code is not None and str(code) in self._throttled:
            retry_after = self.dialect.throttle_window(resp, retry_after, now_ms)
        raise self.errors.error(
            code, message, status=resp.status, retry_after=retry_after, mutation=mutation
        )

    def _ip_stop(self, resp: Response) -> IpBanned:
        """The IP budget is blown: every request to this host stops, and the caller
        hears at once (a ban of minutes is not for any call to sit through unasked)."""
        wait = self.dialect.ip_stop_s
        self.limiter.block(resp.endpoint, wait, banned=True, rules=self._rules(resp.endpoint, "ip"))
        return IpBanned(
            f"HTTP {resp.status} on {resp.endpoint}: requests to this host stop for {wait:.0f}s",
            retry_after=wait,
            venue=self.venue,
            code=resp.status,
            raw_message=redact(resp.body[:200].decode(errors="replace"), self._secrets),
        )

    async def pages(
        self,
        name: str,
        params: Mapping[str, Any],
        decode: Callable[[bytes], P],
        cursor: Cursor[P],
        *,
        signed: bool = True,
        enough: int | None = None,
    ) -> list[P]:
        """The pages of a cursor-paged list: all of them, or until `enough` rows came."""
        pages: list[P] = []
        token: str | None = None
        rows = 0
        for _ in range(MAX_PAGES):
            page = decode(await self.call(name, cursor.place(params, token), signed=signed))
            pages.append(page)
            added, token = cursor.advance(page)
            rows += added
            if not token or (enough is not None and rows >= enough):
                return pages
        raise TradeportError(f"{name}: more than {MAX_PAGES} pages", venue=self.venue)

    # -- clock -------------------------------------------------------------------------
    async def server_time(self) -> int:
        data = await self.call("get_server_time")
        try:
            return self.dialect.server_time(data)
        except (msgspec.DecodeError, ValueError) as exc:
            method, path = self.endpoint("get_server_time")
            raise self._malformed(f"{method} {path}", str(exc)) from None

    async def _ensure_clock(self) -> None:
        if "get_server_time" not in self.config.rest_paths:
            return  # a venue whose requests carry no timestamp has no clock to keep (BTCC)
        if not self._clock_synced:
            async with self._clock_lock:  # concurrent first calls sample the clock once
                if not self._clock_synced:
                    await self.sync_clock()

    async def sync_clock(self) -> float:
        offset = await self.clock.sync(self.server_time)
        self._clock_synced = True
        return offset
