"""StreamConnection and StreamFaultPlan over real sockets, without any venue skin.

A minimal server wraps every accepted socket in a StreamConnection that echoes text
frames; the tests push frames through the server side and read them with aiohttp's
client, so drops, duplicates, reordering, silence and closes are seen on the wire.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp import WSMsgType, web

from tradeport.emulator.server import EmulatorServer
from tradeport.emulator.stream_faults import (
    DropDepth,
    ExpireListenKey,
    ServerShutdown,
    Silence,
    StreamFaultPlan,
    parse_stream_fault,
)
from tradeport.emulator.ws import StreamConnection, StreamConnections

WAIT = 5.0  # upper bound for something that must happen; never reached when it works


@dataclass
class Rig:
    server: EmulatorServer
    connections: StreamConnections
    plan: StreamFaultPlan
    session: aiohttp.ClientSession
    max_queue: int = 1000

    async def connect(self, path: str = "/a") -> aiohttp.ClientWebSocketResponse:
        return await self.session.ws_connect(self.server.base_url + path, autoping=False)

    async def server_side(self, count: int = 1) -> list[StreamConnection]:
        await until(lambda: len(self.connections) >= count)
        return self.connections.matching()


async def until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(WAIT):
        while not condition():
            await asyncio.sleep(0.005)


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    connections = StreamConnections()
    plan = StreamFaultPlan(
        connections, shutdown_notice=lambda: '{"e":"serverShutdown"}', shutdown_grace=0.01
    )
    holder: list[Rig] = []

    async def handle(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=False)
        await ws.prepare(request)
        conn = StreamConnection(
            ws,
            name=f"test:{request.path}",
            faults=plan,
            ping_interval=float(request.query.get("ping", "60")),
            max_queue=holder[0].max_queue,
            incoming_limit=int(request.query["limit"]) if "limit" in request.query else None,
            pong_timeout=float(request.query["pong_timeout"])
            if "pong_timeout" in request.query
            else None,
        )
        connections.add(conn)

        async def echo(c: StreamConnection, text: str) -> None:
            c.send(f"echo:{text}")

        try:
            await conn.serve(echo)
        finally:
            connections.discard(conn)
        return ws

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    server = EmulatorServer(app)
    await server.start()
    async with aiohttp.ClientSession() as session:
        holder.append(Rig(server, connections, plan, session))
        try:
            yield holder[0]
        finally:
            await connections.close_all()
            await server.stop()


async def text(ws: aiohttp.ClientWebSocketResponse) -> str:
    msg = await ws.receive(timeout=WAIT)
    assert msg.type == WSMsgType.TEXT, msg
    return str(msg.data)


async def test_frames_arrive_in_order_and_text_is_answered(rig: Rig) -> None:
    ws = await rig.connect()
    (conn,) = await rig.server_side()
    for n in range(3):
        conn.send(f"f{n}", depth_symbol="BTCUSDT")
    assert [await text(ws) for _ in range(3)] == ["f0", "f1", "f2"]
    await ws.send_str("hi")
    assert await text(ws) == "echo:hi"


async def test_drop_depth_loses_the_next_frames_of_that_symbol_only(rig: Rig) -> None:
    ws = await rig.connect()
    (conn,) = await rig.server_side()
    rig.plan.drop_depth("btcusdt", n=2)
    conn.send("b1", depth_symbol="BTCUSDT")
    conn.send("e1", depth_symbol="ETHUSDT")
    conn.send("b2", depth_symbol="BTCUSDT")
    conn.send("b3", depth_symbol="BTCUSDT")
    conn.send("other")  # not a depth frame: never dropped
    assert [await text(ws) for _ in range(3)] == ["e1", "b3", "other"]
    assert rig.plan.armed == 0
    assert rig.plan.history == [DropDepth("btcusdt", 2)]


async def test_duplicate_and_reorder_depth(rig: Rig) -> None:
    ws = await rig.connect()
    (conn,) = await rig.server_side()
    rig.plan.duplicate_depth("BTCUSDT")
    conn.send("d1", depth_symbol="BTCUSDT")
    rig.plan.reorder_depth("BTCUSDT")
    conn.send("r1", depth_symbol="BTCUSDT")
    conn.send("r2", depth_symbol="BTCUSDT")
    conn.send("r3", depth_symbol="BTCUSDT")
    assert [await text(ws) for _ in range(5)] == ["d1", "d1", "r2", "r1", "r3"]


async def test_depth_faults_match_connections_by_name_prefix(rig: Rig) -> None:
    ws_a = await rig.connect("/a")
    ws_b = await rig.connect("/b")
    conns = {c.name: c for c in await rig.server_side(2)}
    rig.plan.drop_depth("BTCUSDT", prefix="test:/b")
    conns["test:/a"].send("a1", depth_symbol="BTCUSDT")
    conns["test:/b"].send("b1", depth_symbol="BTCUSDT")
    conns["test:/b"].send("b2", depth_symbol="BTCUSDT")
    assert await text(ws_a) == "a1"
    assert await text(ws_b) == "b2"


async def test_disconnect_closes_matching_connections_only(rig: Rig) -> None:
    ws_a = await rig.connect("/a")
    ws_b = await rig.connect("/b")
    await rig.server_side(2)
    assert await rig.plan.disconnect("test:/a") == 1
    msg = await ws_a.receive(timeout=WAIT)
    assert msg.type == WSMsgType.CLOSE and msg.data == 1001
    await ws_b.send_str("still here")
    assert await text(ws_b) == "echo:still here"


async def test_silence_stops_frames_and_pongs_but_keeps_the_socket(rig: Rig) -> None:
    ws = await rig.connect("/a?ping=0.01")
    (conn,) = await rig.server_side()
    rig.plan.silence("test:")
    pings_before = conn.pings_sent
    await ws.ping(b"p1")
    await ws.send_str("unanswered")
    await until(lambda: conn.frames_received >= 2)
    conn.send("lost", depth_symbol="BTCUSDT")
    assert conn.pings_sent == pings_before  # the timer fires but sends nothing
    assert not ws.closed and not conn.closed
    rig.plan.clear()
    await ws.ping(b"p2")
    # nothing from the silent period was kept: the first answer is the pong to p2
    while True:
        msg = await ws.receive(timeout=WAIT)
        if msg.type != WSMsgType.PING:  # server pings resume once the silence ends
            break
    assert msg.type == WSMsgType.PONG and msg.data == b"p2"


async def test_timed_silence_ends_by_itself(rig: Rig) -> None:
    ws = await rig.connect()
    (conn,) = await rig.server_side()
    rig.plan.silence("", seconds=0.05)
    assert conn.silenced
    await until(lambda: not conn.silenced)
    conn.send("back")
    assert await text(ws) == "back"


async def test_server_pings_on_its_interval_and_echoes_client_pings(rig: Rig) -> None:
    ws = await rig.connect("/a?ping=0.01")
    msg = await ws.receive(timeout=WAIT)
    assert msg.type == WSMsgType.PING
    await ws.pong(msg.data)
    await ws.ping(b"echo me")
    while (msg := await ws.receive(timeout=WAIT)).type == WSMsgType.PING:
        continue
    assert msg.type == WSMsgType.PONG and msg.data == b"echo me"
    (conn,) = await rig.server_side()
    await until(lambda: conn.pongs_received >= 1)


async def test_server_shutdown_sends_the_notice_then_closes(rig: Rig) -> None:
    ws = await rig.connect()
    await rig.server_side()
    assert await rig.plan.server_shutdown() == 1
    assert await text(ws) == '{"e":"serverShutdown"}'
    msg = await ws.receive(timeout=WAIT)
    assert msg.type == WSMsgType.CLOSE and msg.data == 1001
    assert rig.plan.history == [ServerShutdown()]


async def test_slow_reader_overflow_closes_with_1008(rig: Rig) -> None:
    rig.max_queue = 3
    ws = await rig.connect()
    (conn,) = await rig.server_side()
    for n in range(10):  # all queued before the writer task runs once
        conn.send(f"f{n}")
    msg = await ws.receive(timeout=WAIT)
    assert msg.type == WSMsgType.CLOSE and msg.data == 1008
    await until(lambda: len(rig.connections) == 0)


async def test_too_many_incoming_messages_disconnect(rig: Rig) -> None:
    ws = await rig.connect("/a?limit=2")
    for n in range(3):
        await ws.send_str(str(n))
    replies = []
    while (msg := await ws.receive(timeout=WAIT)).type == WSMsgType.TEXT:
        replies.append(msg.data)
    assert replies == ["echo:0", "echo:1"]
    assert msg.type == WSMsgType.CLOSE and msg.data == 1008


async def test_expire_listen_key_calls_every_hook(rig: Rig) -> None:
    calls: list[str] = []
    rig.plan.on_listen_key_expired(lambda: calls.append("a"))
    rig.plan.on_listen_key_expired(lambda: calls.append("b"))
    assert await rig.plan.apply(parse_stream_fault({"kind": "expire_listen_key"})) == 0
    assert calls == ["a", "b"]
    assert rig.plan.history == [ExpireListenKey()]


def test_parse_stream_fault_accepts_each_kind() -> None:
    assert parse_stream_fault({"kind": "silence", "prefix": "spot:", "seconds": 2}) == Silence(
        "spot:", 2.0
    )
    assert parse_stream_fault({"kind": "drop_depth", "symbol": "BTCUSDT"}) == DropDepth("BTCUSDT")


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"kind": "drop_depth", "symbol": "BTCUSDT", "n": 0}, "$.n"),
        ({"kind": "drop_depth"}, "symbol"),
        ({"kind": "silence", "seconds": "soon"}, "$.seconds"),
        ({"kind": "silence", "seconds": -1}, "$.seconds"),
        ({"kind": "explode"}, "kind"),
        ({"kind": "disconnect", "prefix": 5}, "$.prefix"),
    ],
)
def test_parse_stream_fault_names_the_bad_field(spec: dict[str, object], field: str) -> None:
    with pytest.raises(ValueError, match=field.replace("$", r"\$")):
        parse_stream_fault(spec)


def test_arming_rejects_bad_counts() -> None:
    plan = StreamFaultPlan(StreamConnections())
    with pytest.raises(ValueError, match="n must be at least 1"):
        plan.drop_depth("BTCUSDT", n=0)
    with pytest.raises(ValueError, match="seconds"):
        plan.silence(seconds=-1)


async def test_a_client_that_never_pongs_is_dropped(rig: Rig) -> None:
    ws = await rig.connect("/a?ping=0.01&pong_timeout=0.02")
    await ws.pong(b"unsolicited")  # does not count: it echoes no ping of ours
    while (msg := await ws.receive(timeout=WAIT)).type == WSMsgType.PING:
        continue  # never answered
    assert msg.type == WSMsgType.CLOSE and msg.data == 1008


async def test_a_client_that_pongs_stays(rig: Rig) -> None:
    ws = await rig.connect("/a?ping=0.05&pong_timeout=0.2")
    (conn,) = await rig.server_side()
    for _ in range(8):  # twice the pong timeout
        msg = await ws.receive(timeout=WAIT)
        assert msg.type == WSMsgType.PING
        await ws.pong(msg.data)
    assert not conn.closed
