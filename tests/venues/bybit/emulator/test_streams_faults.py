"""Stream faults and connection lifetime on the Bybit emulator's WebSocket paths: depth
frames dropped / duplicated / reordered show in `u`, disconnects and shutdowns close the
matching connections only, silence loses frames, idle connections are cut."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from tradeport.model import AssetType
from tradeport.venues.bybit.emulator import BybitEmulator
from tradeport.venues.bybit.emulator.stream_public import BASE_TICK_MS

WAIT = 5.0
TOPIC = "orderbook.50.BTCUSDT"


@pytest.fixture
async def emu() -> AsyncIterator[BybitEmulator]:
    async with BybitEmulator(step_interval=None, seed=4, stream_time_scale=1000.0) as emulator:
        yield emulator


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


def url(emu: BybitEmulator, path: str) -> str:
    return emu.stream_url(AssetType.SPOT) + path


async def receive(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    msg = await ws.receive(timeout=WAIT)
    assert msg.type == aiohttp.WSMsgType.TEXT, msg
    body: dict[str, Any] = json.loads(msg.data)
    return body


async def subscribed(ws: aiohttp.ClientWebSocketResponse, topic: str) -> dict[str, Any]:
    await ws.send_json({"op": "subscribe", "args": [topic]})
    assert (await receive(ws))["success"] is True
    return await receive(ws)  # the snapshot


def push_change(emu: BybitEmulator, factor: str) -> None:
    """Move the linear BTCUSDT book and let one push period of its 50-level topic pass."""
    emu.move_to("linear", "BTCUSDT", emu.linear.mark_price("BTCUSDT") * Decimal(factor))
    for _ in range(20 // BASE_TICK_MS):
        emu.streams.hubs["linear"].tick()


async def closed_with(ws: aiohttp.ClientWebSocketResponse) -> int | None:
    """The close code, once the server closed the socket (no text frame may come first)."""
    msg = await ws.receive(timeout=WAIT)
    assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED), msg
    return ws.close_code


async def test_a_dropped_delta_shows_as_a_gap_in_u(
    emu: BybitEmulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(url(emu, "/v5/public/linear")) as ws:
        start = (await subscribed(ws, TOPIC))["data"]["u"]
        emu.stream_faults.drop_depth("BTCUSDT", prefix="linear:")
        push_change(emu, "1.001")  # lost
        push_change(emu, "0.998")
        after = await receive(ws)
        assert after["type"] == "delta" and after["data"]["u"] == start + 2


async def test_duplicated_and_reordered_deltas_show_in_u(
    emu: BybitEmulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(url(emu, "/v5/public/linear")) as ws:
        u = (await subscribed(ws, TOPIC))["data"]["u"]
        emu.stream_faults.duplicate_depth("BTCUSDT")
        push_change(emu, "1.001")
        first, copy = await receive(ws), await receive(ws)
        assert first == copy and first["data"]["u"] == u + 1
        emu.stream_faults.reorder_depth("BTCUSDT")
        push_change(emu, "0.999")  # held back ...
        push_change(emu, "1.0015")  # ... until this one has passed it
        late_first, early = await receive(ws), await receive(ws)
        assert [late_first["data"]["u"], early["data"]["u"]] == [u + 3, u + 2]


async def test_a_disconnect_fault_closes_only_the_matching_connections(
    emu: BybitEmulator, session: aiohttp.ClientSession
) -> None:
    async with (
        session.ws_connect(url(emu, "/v5/public/linear")) as linear,
        session.ws_connect(url(emu, "/v5/public/spot")) as spot,
    ):
        await subscribed(linear, "tickers.BTCUSDT")
        closed = await emu.stream_faults.disconnect("linear:")
        assert closed == 1
        assert await closed_with(linear) == 1001
        await spot.send_json({"op": "ping", "req_id": "alive"})
        assert (await receive(spot))["req_id"] == "alive"
        assert [c.name for c in emu.connections.matching()] == ["spot:/v5/public/spot"]


async def test_server_shutdown_closes_without_a_notice(
    emu: BybitEmulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(url(emu, "/v5/private")) as ws:
        assert await emu.stream_faults.server_shutdown("private:") == 1
        assert await closed_with(ws) == 1001  # Bybit announces nothing before it closes


async def test_a_silenced_connection_loses_its_frames(
    emu: BybitEmulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(url(emu, "/v5/public/spot")) as ws:
        (conn,) = emu.connections.matching("spot:")
        emu.stream_faults.silence("spot:")
        await ws.send_json({"op": "ping", "req_id": "lost"})
        await ws.send_json({"op": "subscribe", "args": ["publicTrade.BTCUSDT"], "req_id": "lost"})
        while conn.frames_received < 2:  # both answered (into the void) before the lift
            await asyncio.sleep(0.001)
        emu.stream_faults.clear()
        await ws.send_json({"op": "ping", "req_id": "heard"})
        assert (await receive(ws))["req_id"] == "heard"


async def test_stopping_the_emulator_closes_every_socket_going_away(
    session: aiohttp.ClientSession,
) -> None:
    emulator = BybitEmulator(step_interval=None, stream_time_scale=1000.0)
    await emulator.start()
    try:
        async with (
            session.ws_connect(url(emulator, "/v5/public/spot")) as spot,
            session.ws_connect(url(emulator, "/v5/private")) as private,
        ):
            await emulator.streams.stop()
            assert await closed_with(spot) == 1001
            assert await closed_with(private) == 1001
    finally:
        await emulator.stop()


async def test_a_connection_that_sends_nothing_is_cut(session: aiohttp.ClientSession) -> None:
    # stream time runs 50x fast: the private path's max_active_time=30s lasts 0.6 s
    emulator = BybitEmulator(step_interval=None, stream_time_scale=0.02)
    await emulator.start()
    try:
        async with session.ws_connect(url(emulator, "/v5/private?max_active_time=30s")) as ws:
            await ws.send_json({"op": "ping"})
            assert (await receive(ws))["op"] == "pong"
            assert await closed_with(ws) == 1000
    finally:
        await emulator.stop()


@pytest.mark.parametrize("value", ["10s", "11m", "abc", "30"])
async def test_an_out_of_range_max_active_time_is_refused_before_the_upgrade(
    emu: BybitEmulator, session: aiohttp.ClientSession, value: str
) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await session.ws_connect(url(emu, f"/v5/private?max_active_time={value}"))
    assert refused.value.status == 400


async def test_max_active_time_accepts_seconds_and_minutes(
    emu: BybitEmulator, session: aiohttp.ClientSession
) -> None:
    for value in ("30s", "600s", "1m", "10m"):
        async with session.ws_connect(url(emu, f"/v5/private?max_active_time={value}")) as ws:
            await ws.send_json({"op": "ping", "req_id": value})
            assert (await receive(ws))["req_id"] == value
