"""Stream faults as a Binance client sees them: gaps in U/u/pu, repeated and swapped
events, closes, silence and the serverShutdown notice, armed directly or through the
admin endpoint.

The stream clock is driven by hand (`hub.tick()`), so each depth event holds exactly
the book changes made since the previous one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import WSMsgType

from tradeport.emulator.stream_faults import DropDepth
from tradeport.venues.binance.emulator import BinanceEmulator

from .conftest import advance, receive_json, running

WAIT = 5.0
FUTURES_DEPTH = "/public/ws/btcusdt@depth"  # 250 ms diffs


@pytest.fixture
async def emu() -> AsyncIterator[BinanceEmulator]:
    async for emulator in running(seed=3, stream_time_scale=10_000):
        yield emulator


def change_and_push(emu: BinanceEmulator) -> None:
    """One book change on USDⓈ-M BTCUSDT, then one 250 ms depth event."""
    emu.futures_market.step()
    advance(emu, "futures", 250)


async def connect(
    emu: BinanceEmulator, session: aiohttp.ClientSession, path: str = FUTURES_DEPTH
) -> aiohttp.ClientWebSocketResponse:
    ws = await session.ws_connect(emu.ws_url("futures") + path, autoping=False)
    # a round trip: the server has registered the connection and its streams
    await ws.send_str('{"method":"LIST_SUBSCRIPTIONS","id":0}')
    assert (await receive_json(ws))["id"] == 0
    return ws


async def test_dropped_depth_event_shows_as_a_pu_gap(
    emu: BinanceEmulator, session: aiohttp.ClientSession
) -> None:
    ws = await connect(emu, session)
    change_and_push(emu)
    first = await receive_json(ws)
    emu.stream_faults.drop_depth("BTCUSDT")
    change_and_push(emu)  # this event is lost
    change_and_push(emu)
    third = await receive_json(ws)
    assert third["pu"] != first["u"] and third["U"] > first["u"] + 1
    assert emu.stream_faults.armed == 0


async def test_duplicated_depth_event_arrives_twice(
    emu: BinanceEmulator, session: aiohttp.ClientSession
) -> None:
    ws = await connect(emu, session)
    emu.stream_faults.duplicate_depth("BTCUSDT")
    change_and_push(emu)
    change_and_push(emu)
    one, two, three = await receive_json(ws), await receive_json(ws), await receive_json(ws)
    assert one == two
    assert three["pu"] == two["u"]


async def test_reordered_depth_events_swap(
    emu: BinanceEmulator, session: aiohttp.ClientSession
) -> None:
    ws = await connect(emu, session)
    emu.stream_faults.reorder_depth("BTCUSDT")
    change_and_push(emu)
    change_and_push(emu)
    later, earlier = await receive_json(ws), await receive_json(ws)
    assert later["pu"] == earlier["u"]


async def test_disconnect_closes_only_the_matching_host(
    emu: BinanceEmulator, session: aiohttp.ClientSession
) -> None:
    futures_ws = await connect(emu, session)
    spot_ws = await session.ws_connect(emu.ws_url("spot") + "/ws/btcusdt@depth")
    await spot_ws.send_str('{"method":"GET_PROPERTY","params":["combined"],"id":1}')
    assert (await receive_json(spot_ws))["result"] is False
    assert await emu.stream_faults.disconnect("futures:") == 1
    msg = await futures_ws.receive(timeout=WAIT)
    assert msg.type == WSMsgType.CLOSE and msg.data == 1001
    await spot_ws.send_str('{"method":"LIST_SUBSCRIPTIONS","id":2}')
    assert (await receive_json(spot_ws))["result"] == ["btcusdt@depth"]
    await spot_ws.close()


async def test_silenced_connection_sends_nothing_and_stays_open(
    emu: BinanceEmulator, session: aiohttp.ClientSession
) -> None:
    ws = await connect(emu, session)
    (conn,) = emu.connections.matching("futures:/public/ws")
    emu.stream_faults.silence("futures:")
    received = conn.frames_received
    await ws.ping(b"anyone")
    await ws.send_str('{"method":"LIST_SUBSCRIPTIONS","id":1}')
    async with asyncio.timeout(WAIT):
        while conn.frames_received < received + 2:
            await asyncio.sleep(0.005)
    change_and_push(emu)
    assert not ws.closed and not conn.closed
    emu.stream_faults.clear()
    await ws.send_str('{"method":"LIST_SUBSCRIPTIONS","id":2}')
    # no pong, no depth event and no answer from the silent period came through:
    # the first frame after it is this answer
    assert await receive_json(ws) == {"result": ["btcusdt@depth"], "id": 2}


async def test_server_shutdown_notice_then_close(
    emu: BinanceEmulator, session: aiohttp.ClientSession
) -> None:
    ws = await session.ws_connect(emu.ws_url("spot") + "/ws/btcusdt@trade")
    await ws.send_str('{"method":"LIST_SUBSCRIPTIONS","id":1}')
    await receive_json(ws)
    before = emu.now_ms()
    assert await emu.stream_faults.server_shutdown("spot:") == 1
    notice = await receive_json(ws)
    assert notice["e"] == "serverShutdown" and notice["E"] >= before
    msg = await ws.receive(timeout=WAIT)
    assert msg.type == WSMsgType.CLOSE and msg.data == 1001


async def test_admin_endpoint_arms_stream_faults(
    emu: BinanceEmulator, session: aiohttp.ClientSession
) -> None:
    ws = await connect(emu, session)
    url = emu.base_url + "/_emulator/stream_fault"
    admin = emu.admin_headers()
    async with session.post(
        url, json={"kind": "drop_depth", "symbol": "BTCUSDT"}, headers=admin
    ) as resp:
        assert resp.status == 200
        assert (await resp.json())["fault"]["kind"] == "drop_depth"
    assert emu.stream_faults.history == [DropDepth("BTCUSDT")]
    async with session.post(url + "/clear", headers=admin) as resp:
        assert (await resp.json()) == {"disarmed": 1}
    async with session.post(
        url, json={"kind": "disconnect", "prefix": "futures:"}, headers=admin
    ) as resp:
        assert (await resp.json())["connections"] == 1
    msg = await ws.receive(timeout=WAIT)
    assert msg.type == WSMsgType.CLOSE


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"kind": "drop_depth", "symbol": "BTCUSDT", "n": 0}, "$.n"),
        ({"kind": "silence", "seconds": "later"}, "$.seconds"),
        ({"kind": "drop_depth"}, "symbol"),
        ({"kind": "melt"}, "kind"),
    ],
)
async def test_admin_endpoint_rejects_a_malformed_spec(
    emu: BinanceEmulator, session: aiohttp.ClientSession, spec: dict[str, object], field: str
) -> None:
    async with session.post(
        emu.base_url + "/_emulator/stream_fault", json=spec, headers=emu.admin_headers()
    ) as resp:
        assert resp.status == 400
        assert field in (await resp.json())["error"]
    assert emu.stream_faults.armed == 0
