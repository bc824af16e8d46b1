"""A lean HTTP/1.1 client on asyncio Protocols: keep-alive pools, TLS, no extras.

It exists because a venue REST request is small and its CPU cost on the client is
mostly machinery; this client does only what venue APIs need:

- HTTP/1.1 with keep-alive, one bounded LIFO pool per (scheme, host, port);
- `https` through `ssl.create_default_context()`: certificates are verified and SNI
  is the host, always (a context may be passed in, e.g. one trusting a test CA);
- bodies framed by Content-Length, chunked or the close; gzip/deflate bodies are
  decoded should a server ignore `Accept-Encoding: identity`.

Not supported: proxies, HTTP/2, redirects (a 3xx is returned as is), request
pipelining, `Expect: 100-continue`, brotli/zstd bodies, cookies.

Failures are the unified network errors: `Disconnected` (refused, reset, closed
mid-response, TLS failure, malformed response) and `RequestTimeout` (the connection is
then dropped, never reused). One retry happens here, and only one kind: a GET or HEAD
that met a pooled connection the server had already closed (the write failed, or the
connection ended before any response byte) is sent once more on a new connection. No
other method is ever resent here, because the server may have acted on it; retry
policy belongs to the transport above (`HttpTransport`).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Mapping
from typing import NamedTuple
from urllib.parse import urlsplit

from tradeport import __version__
from tradeport.model.errors import BadParameter, Disconnected, RequestTimeout
from tradeport.transport.h1_pool import ClosedEarly, Connection, Pool
from tradeport.transport.h1_response import ResponseParser
from tradeport.transport.redact import redact

USER_AGENT = f"tradeport/{__version__}"
_DEFAULT_PORTS = {"http": 80, "https": 443}
# methods whose request the server cannot have acted on twice by a resend (RFC 9110 §9.2.1
# calls PUT and DELETE idempotent too, but an order cancel is not something to repeat
# below the layer that decides retries)
_RESENDABLE = frozenset({"GET", "HEAD"})
# these describe the message framing or the connection, which this client owns
_RESERVED = frozenset({"host", "content-length", "transfer-encoding", "connection"})
# methods that define a meaning for content: an empty one still gets Content-Length: 0
# (RFC 9110 §8.6), or some servers answer 411
_CONTENT_METHODS = frozenset({"POST", "PUT", "PATCH"})


class _Origin(NamedTuple):
    scheme: str
    host: str
    port: int
    authority: str  # the Host header


class H1Client:
    def __init__(
        self,
        *,
        limit_per_host: int = 64,
        ssl_context: ssl.SSLContext | None = None,
        keepalive_timeout: float = 15.0,
        user_agent: str = USER_AGENT,
    ) -> None:
        """`keepalive_timeout`: an idle connection older than this is closed rather than
        reused; servers close idle connections on their own schedule, and a request
        written just as that happens is lost."""
        if limit_per_host < 1:
            raise BadParameter("limit_per_host must be at least 1")
        self.limit_per_host = limit_per_host
        self._ssl = ssl_context
        self._keepalive = keepalive_timeout
        self._user_agent = user_agent
        self._pools: dict[tuple[str, str, int], Pool] = {}
        self._origins: dict[str, _Origin] = {}

    def pool(self, url: str) -> Pool | None:
        """The pool serving `url`'s origin, if one was opened."""
        o = self._origin(_split_target(url)[0])
        return self._pools.get((o.scheme, o.host, o.port))

    async def close(self) -> None:
        pools, self._pools = self._pools, {}
        for pool in pools.values():
            await pool.close()

    async def request(
        self,
        method: str,
        url: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 10.0,
    ) -> tuple[int, Mapping[str, str], bytes]:
        """Send one request; (status, case-insensitive headers, body). `timeout` covers
        waiting for a connection, connecting, sending and the whole response."""
        scheme_host, target = _split_target(url)
        origin = self._origin(scheme_host)
        data = self._encode(method, origin, target, body, headers)
        pool = self._pool_for(origin)
        try:
            async with asyncio.timeout(timeout):
                parser = await self._exchange(pool, method, data, (origin, target))
        except TimeoutError as exc:
            where = _where(method, origin, target)
            raise RequestTimeout(f"{where}: no complete response within {timeout} s") from exc
        return parser.status, parser.headers, parser.body

    async def _exchange(
        self, pool: Pool, method: str, data: bytes, dest: tuple[_Origin, str]
    ) -> ResponseParser:
        head_request = method == "HEAD"
        fresh = False
        while True:
            conn, reused = await _acquire(pool, method, dest, fresh=fresh)
            done = False
            try:
                parser = await conn.send(data, head_request=head_request)
                done = True
            except ClosedEarly as exc:
                stale = reused and not exc.received_any
                if stale and not fresh and method in _RESENDABLE:
                    pool.drop_idle_older_than(conn.idle_since)
                    fresh = True
                    continue
                raise Disconnected(f"{_where(method, *dest)}: {exc}") from exc
            finally:
                # a timeout or cancellation lands here with done False: the connection
                # may still receive the late answer, so it is never reused
                if not done:
                    conn.abort()
                pool.release(conn, reuse=done)
            return parser

    def _pool_for(self, origin: _Origin) -> Pool:
        key = (origin.scheme, origin.host, origin.port)
        pool = self._pools.get(key)
        if pool is None:
            context = None
            if origin.scheme == "https":
                context = self._ssl or _default_context()
            pool = Pool(
                origin.host,
                origin.port,
                ssl_context=context,
                limit=self.limit_per_host,
                keepalive_timeout=self._keepalive,
            )
            self._pools[key] = pool
        return pool

    def _origin(self, scheme_host: str) -> _Origin:
        origin = self._origins.get(scheme_host)
        if origin is None:
            origin = _parse_origin(scheme_host)
            self._origins[scheme_host] = origin
        return origin

    def _encode(
        self,
        method: str,
        origin: _Origin,
        target: str,
        body: bytes | None,
        headers: Mapping[str, str] | None,
    ) -> bytes:
        user_agent, accept_encoding = self._user_agent, "identity"
        # one CRLF per list item: the check below relies on it
        lines = [
            f"{method} {target} HTTP/1.1\r\n",
            f"Host: {origin.authority}\r\n",
            "Connection: keep-alive\r\n",
        ]
        for name, value in (headers or {}).items():
            lower = name.lower()
            if lower in _RESERVED:
                raise BadParameter(f"header {name!r} is set by the HTTP client itself")
            if lower == "user-agent":
                user_agent = value
            elif lower == "accept-encoding":
                accept_encoding = value
            else:
                lines.append(f"{name}: {value}\r\n")
        lines.append(f"User-Agent: {user_agent}\r\n")
        lines.append(f"Accept-Encoding: {accept_encoding}\r\n")
        if body is not None or method in _CONTENT_METHODS:
            lines.append(f"Content-Length: {len(body) if body else 0}\r\n")
        lines.append("\r\n")
        head = "".join(lines)
        # every CR and LF must be one written here, so no caller value can start a
        # header or a request of its own
        if head.count("\n") != len(lines) or head.count("\r") != len(lines):
            where = redact(f"{method} {target}")
            raise BadParameter(f"CR or LF in the request line or a header of {where}")
        try:
            raw = head.encode("latin-1")
        except UnicodeEncodeError:
            where = redact(f"{method} {target}")
            raise BadParameter(f"non-latin-1 text in a header of {where}") from None
        return raw + body if body else raw


async def _acquire(
    pool: Pool, method: str, dest: tuple[_Origin, str], *, fresh: bool
) -> tuple[Connection, bool]:
    try:
        return await pool.acquire(fresh=fresh)
    except ssl.SSLCertVerificationError as exc:
        where = _where(method, *dest)
        raise Disconnected(
            f"{where}: TLS certificate verification failed: {exc.verify_message}"
        ) from exc
    except TimeoutError:
        raise  # a connect that timed out in the OS is a timeout too
    except OSError as exc:
        raise Disconnected(f"{_where(method, *dest)}: cannot connect: {exc}") from exc


def _where(method: str, origin: _Origin, target: str) -> str:
    """The request named in an error: no query, since it may carry a signature."""
    return f"{method} {origin.scheme}://{origin.authority}{target.split('?', 1)[0]}"


def _split_target(url: str) -> tuple[str, str]:
    """("scheme://authority", "/path?query") without parsing the query."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise BadParameter(f"not an absolute URL: {redact(url)!r}")
    cut = len(rest)
    for mark in "/?#":
        i = rest.find(mark)
        if 0 <= i < cut:
            cut = i
    target = rest[cut:].split("#", 1)[0]
    if not target.startswith("/"):
        target = "/" + target
    return f"{scheme}://{rest[:cut]}", target


def _parse_origin(scheme_host: str) -> _Origin:
    parts = urlsplit(scheme_host)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise BadParameter(f"unsupported URL scheme {scheme!r} in {scheme_host!r}")
    if parts.username is not None or not parts.hostname:
        raise BadParameter(f"expected scheme://host[:port], got {scheme_host!r}")
    try:
        port = parts.port or _DEFAULT_PORTS[scheme]
    except ValueError as exc:
        raise BadParameter(f"bad port in {scheme_host!r}") from exc
    return _Origin(scheme, parts.hostname, port, parts.netloc)


def _default_context() -> ssl.SSLContext:
    # verification and hostname checking stay on: this is the only context built here
    return ssl.create_default_context()
