"""HTTP transport: one aiohttp session per client, limiter, timeouts, safe retries.

The transport knows nothing of a venue's envelope or error codes: it returns the raw
response, and the venue maps it. It does know which requests may be repeated: only
those the caller marks `idempotent` (GETs by default). An order POST that timed out
is never sent again here; the venue layer decides it is UNKNOWN and reconciles.

Two engines send the bytes: "aiohttp" (the default) and "h1" (`transport/h1.py`, a
lean HTTP/1.1 client that costs less CPU per request). Only `_send` differs: limiter,
retries and `status_counts` are the same for both.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import re
import time
from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

from tradeport.model.errors import BadParameter, Disconnected, RequestTimeout
from tradeport.transport.h1 import H1Client
from tradeport.transport.ratelimit import RateLimiter
from tradeport.transport.redact import redact

log = logging.getLogger("tradeport.http")

_SECONDS = re.compile(r"\d+(\.\d+)?")

ENGINES = ("aiohttp", "h1")
# methods a server cannot have acted on twice when sent again (an order cancel, a PUT
# or DELETE at some venues, is not one of them)
_RESENDABLE = frozenset({"GET", "HEAD"})


@dataclass(slots=True)
class Response:
    status: int
    headers: Mapping[str, str]
    body: bytes
    endpoint: str


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    """`text` fit for a log line or an error: known secret values and whatever stands
    after a secret's name (a signature, a listen key) blanked (transport/redact.py)."""
    return redact(text, secrets)


class HttpTransport:
    def __init__(
        self,
        base_url: str,
        *,
        venue: str,
        timeout: float = 10.0,
        retries: int = 3,
        limiter: RateLimiter | None = None,
        secrets: tuple[str, ...] = (),
        backoff_base: float = 0.2,
        backoff_max: float = 5.0,
        engine: str = "aiohttp",
        block_rules: Callable[[Response], Collection[str] | None] | None = None,
    ) -> None:
        """`block_rules`: given a 429/418 response, the names of the limiter rules it
        stops (None: every rule covering the endpoint). Venues whose error body says
        which budget was broken use it."""
        if engine not in ENGINES:
            raise BadParameter(f"http engine {engine!r}: expected one of {ENGINES}")
        self.engine = engine
        self.base_url = base_url.rstrip("/")
        self.venue = venue
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self._timeout_s = timeout
        self.retries = retries
        self.limiter = limiter
        self.block_rules = block_rules
        self._secrets = secrets
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        self._session: aiohttp.ClientSession | None = None
        self.h1 = H1Client(limit_per_host=64) if engine == "h1" else None
        # responses seen, by HTTP status: how many 429/418 a run collected is observable
        self.status_counts: Counter[int] = Counter()

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            # one session (one connection pool) per client, created inside the running loop
            session = aiohttp.ClientSession(
                timeout=self.timeout, connector=aiohttp.TCPConnector(limit=64)
            )
            # aiohttp sends a PUT or DELETE (an order cancel) once more when the pooled
            # connection drops under it, though the venue may have acted on it; only
            # `request` decides what is resent. `_send` keeps its resend of a GET.
            session._retry_connection = False
            self._session = session
        return self._session

    @property
    def _limiter_on(self) -> bool:
        return self.limiter is not None and self.limiter.enabled

    async def close(self) -> None:
        if self.h1 is not None:
            await self.h1.close()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def request(
        self,
        method: str,
        path: str,
        *,
        query: str = "",
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        endpoint: str | None = None,
        weight_params: Mapping[str, Any] | None = None,
        idempotent: bool | None = None,
        wait: bool = True,
    ) -> Response:
        """Send once, or up to `retries` more times when `idempotent` and the failure is
        transient (network error, 5xx, 429/418 after the limiter's block has passed)."""
        key = endpoint or f"{method} {path}"
        if idempotent is None:
            idempotent = method == "GET"
        url = f"{self.base_url}{path}" + (f"?{query}" if query else "")
        attempt = 0
        while True:
            if self.limiter is not None:
                await self.limiter.acquire(key, weight_params, wait=wait)
            try:
                resp = await self._send(method, url, body, headers, key)
            except (RequestTimeout, Disconnected):
                if not idempotent or attempt >= self.retries:
                    raise
            else:
                if self.limiter is not None:
                    self.limiter.update_from_headers(key, resp.headers)
                    if resp.status in (429, 418):
                        self.limiter.block(
                            key,
                            retry_after_seconds(resp.headers) or 1.0,
                            banned=resp.status == 418,
                            rules=self.block_rules(resp) if self.block_rules else None,
                        )
                # a 429/418 is waited out only when a limiter holds the block; without one
                # the caller sees it at once
                limited = resp.status in (429, 418) and self._limiter_on
                transient = resp.status >= 500 or limited
                if not (transient and idempotent and attempt < self.retries):
                    return resp
            attempt += 1
            delay = min(self._backoff_max, self._backoff_base * 2**attempt)
            await asyncio.sleep(delay * (0.5 + random.random() / 2))  # jitter

    async def _send(
        self, method: str, url: str, body: bytes | None, headers: Mapping[str, str] | None, key: str
    ) -> Response:
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s %s %s", self.venue, method, scrub(url, self._secrets))
        if self.h1 is not None:
            return await self._send_h1(self.h1, method, url, body, headers, key)
        try:
            try:
                return await self._send_aiohttp(method, url, body, headers, key)
            except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
                if method not in _RESENDABLE or isinstance(exc, aiohttp.ClientConnectorError):
                    raise
                # a pooled connection the server had closed: once more on a new one
                return await self._send_aiohttp(method, url, body, headers, key)
        except TimeoutError as exc:
            raise RequestTimeout(f"{method} {key} timed out", venue=self.venue) from exc
        except aiohttp.ClientError as exc:
            # aiohttp's text may hold the URL with its signed query
            why = scrub(str(exc), self._secrets)
            raise Disconnected(f"{method} {key} failed: {why}", venue=self.venue) from None

    async def _send_aiohttp(
        self, method: str, url: str, body: bytes | None, headers: Mapping[str, str] | None, key: str
    ) -> Response:
        async with self.session.request(method, url, data=body, headers=headers) as r:
            payload = await r.read()
            self.status_counts[r.status] += 1
            return Response(r.status, r.headers, payload, key)

    async def _send_h1(
        self,
        client: H1Client,
        method: str,
        url: str,
        body: bytes | None,
        headers: Mapping[str, str] | None,
        key: str,
    ) -> Response:
        try:
            status, resp_headers, payload = await client.request(
                method, url, body, headers, self._timeout_s
            )
        except RequestTimeout as exc:
            raise RequestTimeout(f"{method} {key} timed out", venue=self.venue) from exc
        except Disconnected as exc:
            why = scrub(str(exc), self._secrets)
            raise Disconnected(f"{method} {key} failed: {why}", venue=self.venue) from None
        self.status_counts[status] += 1
        return Response(status, resp_headers, payload, key)


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """`Retry-After` in seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3, which
    proxies and CDNs send); None when absent or unreadable."""
    value = headers.get("Retry-After")
    if value is None:
        return None
    if _SECONDS.fullmatch(value.strip()):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
