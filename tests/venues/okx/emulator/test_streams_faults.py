"""Stream faults and the keepalive rule on the OKX emulator's sockets (PROTOCOLS.md §3.4;
docs-v5 close frames: 4004 "No data received in 30s"; notice 64008 before an upgrade)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tradeport.venues.okx.emulator import OkxEmulator

WAIT = 5.0
SWAP = "BTC-USDT-SWAP"


@pytest.fixture
async def emu() -> AsyncIterator[OkxEmulator]:
    async with OkxEmulator(step_interval=None, seed=9, stream_time_scale=1000.0) as emulator:
        yield emulator


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


def url(emu: OkxEmulator, path: str) -> str:
    return emu.base_url.replace("http", "ws", 1) + f"/ws/v5/{path}"


async def receive(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    msg = await ws.receive(timeout=WAIT)
    assert msg.type == aiohttp.WSMsgType.TEXT, msg
    body: dict[str, Any] = json.loads(msg.data)
    return body


async def closed(ws: aiohttp.ClientWebSocketResponse) -> int | None:
    """Wait for the server's close; its close code."""
    msg = await ws.receive(timeout=WAIT)
    assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED), msg
    return ws.close_code


async def test_disconnect_closes_only_the_connections_it_names(
    emu: OkxEmulator, session: aiohttp.ClientSession
) -> None:
    async with (
        session.ws_connect(url(emu, "public")) as public,
        session.ws_connect(url(emu, "business")) as business,
    ):
        await public.send_str("ping")
        await business.send_str("ping")
        assert (await public.receive(timeout=WAIT)).data == "pong"
        assert (await business.receive(timeout=WAIT)).data == "pong"
        assert await emu.stream_faults.disconnect("public:") == 1
        assert await closed(public) == 1001
        await business.send_str("ping")
        assert (await business.receive(timeout=WAIT)).data == "pong"


async def test_server_shutdown_sends_the_upgrade_notice_then_closes(
    emu: OkxEmulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(url(emu, "public")) as ws:
        await ws.send_str("ping")
        assert (await ws.receive(timeout=WAIT)).data == "pong"
        assert await emu.stream_faults.server_shutdown("public:") == 1
        notice = await receive(ws)
        assert notice["event"] == "notice" and notice["code"] == "64008"
        assert await closed(ws) == 1001


async def test_silence_drops_replies_while_the_socket_stays_open(
    emu: OkxEmulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(url(emu, "public")) as ws:
        await ws.send_str("ping")
        assert (await ws.receive(timeout=WAIT)).data == "pong"
        (conn,) = emu.streams.live
        emu.stream_faults.silence("public:")
        await ws.send_json(
            {"id": "a", "op": "subscribe", "args": [{"channel": "trades", "instId": SWAP}]}
        )
        while conn.frames_received < 2:  # the server has read (and not answered) it
            await asyncio.sleep(0.01)
        emu.stream_faults.clear()
        await ws.send_json(
            {"id": "b", "op": "subscribe", "args": [{"channel": "tickers", "instId": SWAP}]}
        )
        ack = await receive(ws)
        assert ack["id"] == "b" and not ws.closed  # "a" was answered into the void


async def test_a_client_that_sends_nothing_for_thirty_seconds_is_closed_with_4004(
    session: aiohttp.ClientSession,
) -> None:
    # 30 s of stream time at scale 0.01 is 0.3 s
    emulator = OkxEmulator(step_interval=None, seed=9, stream_time_scale=0.01)
    await emulator.start()
    try:
        async with session.ws_connect(url(emulator, "public")) as ws:
            assert await closed(ws) == 4004
            assert ws.close_code == 4004
    finally:
        await emulator.stop()
