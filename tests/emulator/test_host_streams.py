"""The core stream host over real sockets: accepted connections are live for faults
while served, a silent one is cut with the venue's close code, stop closes the rest."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp import WSMsgType, web

from tradeport.emulator.host.streams import HeldTrades, IdleCutoff, StreamHost
from tradeport.emulator.server import EmulatorServer
from tradeport.emulator.stream_faults import StreamFaultPlan
from tradeport.emulator.ws import StreamConnection, StreamConnections

WAIT = 5.0


@dataclass
class Rig:
    url: str
    host: StreamHost
    connections: StreamConnections
    session: aiohttp.ClientSession
    closed: asyncio.Event  # set by `serve`'s on_close


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    connections = StreamConnections()
    host = StreamHost(StreamFaultPlan(connections), connections, "toy")
    closed = asyncio.Event()

    async def serve(request: web.Request) -> web.StreamResponse:
        idle = IdleCutoff(float(request.query["idle"]), 4004, b"idle") if request.query else None
        ws, conn = await host.accept(request, f"toy:{request.path}")

        async def echo(c: StreamConnection, text: str) -> None:
            c.send(f"echo:{text}")

        await host.serve(conn, echo, idle, on_close=closed.set)
        return ws

    app = web.Application()
    app.router.add_get("/ws", serve)
    server = EmulatorServer(app)
    url = await server.start()
    async with aiohttp.ClientSession() as session:
        try:
            yield Rig(url.replace("http", "ws") + "/ws", host, connections, session, closed)
        finally:
            await host.stop()
            await server.stop()


async def test_a_served_connection_is_live_for_faults_and_answers(rig: Rig) -> None:
    async with rig.session.ws_connect(rig.url) as ws:
        await ws.send_str("hi")
        assert await ws.receive_str(timeout=WAIT) == "echo:hi"
        assert [c.name for c in rig.connections.matching("toy:")] == ["toy:/ws"]
        assert len(rig.host.live) == 1


async def test_a_silent_connection_is_cut_with_the_venues_code(rig: Rig) -> None:
    async with rig.session.ws_connect(rig.url + "?idle=0.05") as ws:
        msg = await ws.receive(timeout=WAIT)
        assert msg.type == WSMsgType.CLOSE
        assert msg.data == 4004 and msg.extra == "idle"


async def test_stop_closes_every_live_connection_going_away(rig: Rig) -> None:
    async with rig.session.ws_connect(rig.url) as ws:
        await ws.send_str("hi")
        assert await ws.receive_str(timeout=WAIT) == "echo:hi"
        await rig.host.stop()
        msg = await ws.receive(timeout=WAIT)
        assert msg.type == WSMsgType.CLOSE and msg.data == 1001


async def test_on_close_runs_once_the_connection_is_no_longer_live(rig: Rig) -> None:
    async with rig.session.ws_connect(rig.url) as ws:
        await ws.send_str("hi")
        assert await ws.receive_str(timeout=WAIT) == "echo:hi"
        assert not rig.closed.is_set()
    await asyncio.wait_for(rig.closed.wait(), WAIT)
    assert rig.host.live == []


def test_held_trades_go_out_with_the_book_change_that_closes_their_operation() -> None:
    published: list[tuple[str, list[int], int]] = []
    held: HeldTrades[int] = HeldTrades(lambda s, trades, seq: published.append((s, trades, seq)))
    held.hold("BTC", 1)
    held.hold("BTC", 2)
    held.hold("ETH", 3)
    assert published == []
    held.release("BTC", 10)
    held.release("BTC", 11)  # nothing held any more: nothing to publish
    assert published == [("BTC", [1, 2], 10)]
    held.release_all(lambda symbol: 99)
    assert published[-1] == ("ETH", [3], 99)
    held.release_all(lambda symbol: 100)
    assert len(published) == 2
