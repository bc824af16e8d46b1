"""A loopback WebSocket server for the engine's tests, speaking a small protocol shaped
like Binance's market streams (PROTOCOLS.md §1.4):

- `{"method":"SUBSCRIBE"|"UNSUBSCRIBE","params":[topics],"id":N}` → `{"result":null,"id":N}`
  or, if any topic is refused, `{"error":{"code":2,"msg":…},"id":N}` for the whole frame;
- `{"method":"AUTH","params":{"key":K},"id":X}` → ack, or an error for a wrong key;
- data as `{"stream":topic,"data":…}`; a shutdown notice `{"e":"serverShutdown","E":…}`.

Controls let a test drop connections, make them silent, refuse topics, ping, and
read what every connection received and when.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from tradeport.model.errors import AuthError
from tradeport.transport.ws import Ack, Control, Reconnect, WsConnection


@dataclass
class ServerConn:
    serial: int
    ws: web.WebSocketResponse
    received: list[tuple[float, str]] = field(default_factory=list)  # (monotonic, text)
    topics: set[str] = field(default_factory=set)
    authed: bool = False
    silent: bool = False
    pongs: list[bytes] = field(default_factory=list)
    pings: list[bytes] = field(default_factory=list)  # pings the client sent
    events: list[str] = field(default_factory=list)  # "auth", "sub:<t>", "unsub:<t>"


class WsTestServer:
    def __init__(self, *, require_auth: str | None = None) -> None:
        self.require_auth = require_auth  # the key AUTH must carry, or None
        self.refused: set[str] = set()
        self.conns: list[ServerConn] = []
        self.silent_new = False  # new connections start silent
        self.hold_subscribes = asyncio.Event()  # cleared: SUBSCRIBE acks wait for it
        self.hold_subscribes.set()
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/ws"

    @property
    def live(self) -> list[ServerConn]:
        return [c for c in self.conns if not c.ws.closed]

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/ws", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for conn in self.conns:
            conn.silent = True
            if not conn.ws.closed:
                await conn.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- controls --------------------------------------------------------------------
    async def publish(self, topic: str, data: object) -> int:
        frame = json.dumps({"stream": topic, "data": data})
        sent = 0
        for conn in self.live:
            if topic in conn.topics and not conn.silent:
                await conn.ws.send_str(frame)
                sent += 1
        return sent

    async def send_to(self, conn: ServerConn, topic: str, data: object) -> None:
        await conn.ws.send_str(json.dumps({"stream": topic, "data": data}))

    async def send_all(self, frame: str | bytes) -> None:
        for conn in self.live:
            if isinstance(frame, bytes):
                await conn.ws.send_bytes(frame)
            else:
                await conn.ws.send_str(frame)

    async def shutdown_notice(self, conn: ServerConn) -> None:
        await conn.ws.send_str(json.dumps({"e": "serverShutdown", "E": int(time.time() * 1000)}))

    def drop(self, conn: ServerConn) -> None:
        """Cut the TCP connection with no close frame, as a network failure would."""
        transport = conn.ws._req.transport if conn.ws._req else None  # type: ignore[attr-defined]
        assert transport is not None
        transport.abort()

    async def ping(self, conn: ServerConn, payload: bytes) -> None:
        await conn.ws.ping(payload)

    # -- protocol --------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        conn = ServerConn(len(self.conns) + 1, ws, silent=self.silent_new)
        self.conns.append(conn)
        async for msg in ws:
            if msg.type is aiohttp.WSMsgType.PING:
                conn.pings.append(msg.data)
                if not conn.silent:
                    await ws.pong(msg.data)
            elif msg.type is aiohttp.WSMsgType.PONG:
                conn.pongs.append(msg.data)
            elif msg.type is aiohttp.WSMsgType.TEXT:
                conn.received.append((time.monotonic(), msg.data))
                request = json.loads(msg.data)
                if request.get("method") == "SUBSCRIBE":
                    await self.hold_subscribes.wait()
                reply = self._reply(conn, request)
                if not conn.silent:
                    await ws.send_str(json.dumps(reply))
        return ws

    def _reply(self, conn: ServerConn, req: dict[str, object]) -> dict[str, object]:
        request_id = req.get("id")
        method = req.get("method")
        if method == "AUTH":
            params = req.get("params")
            if isinstance(params, dict) and params.get("key") == self.require_auth:
                conn.authed = True
                conn.events.append("auth")
                return {"result": None, "id": request_id}
            return {"error": {"code": -1022, "msg": "bad key"}, "id": request_id}
        topics = [str(t) for t in req.get("params") or []]  # type: ignore[attr-defined]
        if self.require_auth is not None and not conn.authed:
            return {"error": {"code": -1002, "msg": "not authorized"}, "id": request_id}
        if method == "SUBSCRIBE":
            bad = [t for t in topics if t in self.refused]
            if bad:
                return {"error": {"code": 2, "msg": f"Invalid stream {bad[0]}"}, "id": request_id}
            conn.topics.update(topics)
            conn.events.extend(f"sub:{t}" for t in topics)
        elif method == "UNSUBSCRIBE":
            conn.topics.difference_update(topics)
            conn.events.extend(f"unsub:{t}" for t in topics)
        return {"result": None, "id": request_id}


class LoopbackEndpoint:
    """A `WsEndpoint` for `WsTestServer`."""

    def __init__(
        self,
        url: str,
        *,
        name: str = "loopback",
        max_topics: int = 100,
        max_sends_per_second: float = 50.0,
        ping_interval: float | None = None,
        silence_timeout: float = 5.0,
        max_lifetime: float | None = None,
        auth_key: str | None = None,
        max_topics_per_frame: int = 100,
    ) -> None:
        self.name = name
        self._url = url
        self.max_topics = max_topics
        self.max_sends_per_second = max_sends_per_second
        self.ping_interval = ping_interval
        self.silence_timeout = silence_timeout
        self.max_lifetime = max_lifetime
        self.max_topics_per_frame = max_topics_per_frame
        self.auth_key = auth_key
        self.urls_served = 0
        self._auth_ids = 0

    async def url(self) -> str:
        self.urls_served += 1
        return self._url

    async def on_open(self, conn: WsConnection) -> None:
        if self.auth_key is None:
            return
        self._auth_ids += 1
        request_id = f"auth{self._auth_ids}"
        frame = json.dumps({"method": "AUTH", "params": {"key": self.auth_key}, "id": request_id})
        ack = await conn.request(frame, request_id, timeout=2.0)
        if ack.error is not None:
            raise AuthError(f"login refused: {ack.error}", venue=self.name)

    def subscribe_frame(self, topics: Sequence[str], request_id: int) -> str:
        return json.dumps({"method": "SUBSCRIBE", "params": list(topics), "id": request_id})

    def unsubscribe_frame(self, topics: Sequence[str], request_id: int) -> str:
        return json.dumps({"method": "UNSUBSCRIBE", "params": list(topics), "id": request_id})

    def classify(self, frame: str | bytes) -> Control | None:
        if isinstance(frame, bytes) or frame.startswith('{"stream"'):
            return None
        msg = json.loads(frame)
        if msg.get("e") == "serverShutdown":
            return Reconnect("serverShutdown")
        if "id" not in msg:
            return None
        error = msg.get("error")
        return Ack(msg["id"], None if error is None else f"{error['code']}: {error['msg']}")


async def settle(predicate: object, *, limit: float = 5.0) -> None:
    """Yield to the loop until `predicate()` holds; fail the test if it never does.

    `limit` is a hang guard, not a timing assertion."""
    assert callable(predicate)
    deadline = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition never became true")
        await asyncio.sleep(0.01)
