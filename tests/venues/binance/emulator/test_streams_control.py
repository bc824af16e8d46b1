"""Live control messages, stream caps, message-rate limits, path routing and pings."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import WSMsgType

from tradeport.venues.binance.emulator import BinanceEmulator

from .conftest import running

WAIT = 5.0


@pytest.fixture
async def emu() -> AsyncIterator[BinanceEmulator]:
    async for emulator in running(stream_time_scale=10_000, spot_ping_interval=0.02):
        yield emulator


@pytest.fixture
async def many() -> AsyncIterator[BinanceEmulator]:
    """23 USDⓈ-M symbols: enough distinct streams to pass the 200-stream cap."""
    async for emulator in running(stream_time_scale=10_000, extra_symbols=20):
        yield emulator


async def ask(ws: aiohttp.ClientWebSocketResponse, request: object) -> dict[str, Any]:
    await ws.send_str(request if isinstance(request, str) else json.dumps(request))
    msg = await ws.receive(timeout=WAIT)
    assert msg.type == WSMsgType.TEXT, msg
    body: dict[str, Any] = json.loads(msg.data)
    return body


async def test_subscribe_list_unsubscribe(
    emu: BinanceEmulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(emu.ws_url("spot") + "/ws") as ws:
        params = ["btcusdt@aggTrade", "btcusdt@depth", "ethusdt@kline_1m"]
        assert await ask(ws, {"method": "SUBSCRIBE", "params": params, "id": 1}) == {
            "result": None,
            "id": 1,
        }
        listed = await ask(ws, {"method": "LIST_SUBSCRIPTIONS", "id": "abc"})
        assert listed == {"result": params, "id": "abc"}
        unsub = {"method": "UNSUBSCRIBE", "params": ["btcusdt@depth"], "id": 2}
        assert (await ask(ws, unsub))["result"] is None
        listed = await ask(ws, {"method": "LIST_SUBSCRIPTIONS", "id": 3})
        assert listed["result"] == ["btcusdt@aggTrade", "ethusdt@kline_1m"]


@pytest.mark.parametrize(
    ("request_", "code", "msg_part"),
    [
        ({"method": "SUBSCRIBE", "params": ["btcusdt@nope"], "id": 1}, 2, "btcusdt@nope"),
        ({"method": "SUBSCRIBE", "params": ["BTCUSDT@trade"], "id": 1}, 2, "BTCUSDT@trade"),
        ({"method": "SUBSCRIBE", "params": ["xyzusdt@trade"], "id": 1}, 2, "xyzusdt@trade"),
        ({"method": "SUBSCRIBE", "params": ["btcusdt@depth7"], "id": 1}, 2, "depth7"),
        ({"method": "SUBSCRIBE", "params": ["btcusdt@markPrice"], "id": 1}, 2, "markPrice"),
        ({"method": "SUBSCRIBES", "params": [], "id": 1}, 2, "unknown variant `SUBSCRIBES`"),
        ({"params": [], "id": 1}, 2, "missing field `method`"),
        ({"method": "LIST_SUBSCRIPTIONS", "id": 1.5}, 2, "request ID"),
        ({"method": "GET_PROPERTY", "params": ["colour"], "id": 1}, 0, "Unknown property"),
        ({"method": "SET_PROPERTY", "params": ["combined", "yes"], "id": 1}, 1, "Boolean"),
        ({"method": "GET_PROPERTY", "params": [7], "id": 1}, 2, "property name"),
        ("{not json", 3, "Invalid JSON"),
    ],
)
async def test_bad_requests_get_binance_errors(
    emu: BinanceEmulator,
    session: aiohttp.ClientSession,
    request_: object,
    code: int,
    msg_part: str,
) -> None:
    async with session.ws_connect(emu.ws_url("spot") + "/ws") as ws:
        reply = await ask(ws, request_)
        assert reply["error"]["code"] == code
        assert msg_part in reply["error"]["msg"]
        assert reply["id"] == (1 if code != 3 and "request ID" not in msg_part else None)
        listed = await ask(ws, {"method": "LIST_SUBSCRIPTIONS", "id": 9})
        assert listed["result"] == []  # a failed request subscribes nothing


async def test_set_property_combined_wraps_events(
    emu: BinanceEmulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(emu.ws_url("spot") + "/ws/btcusdt@depth5") as ws:
        assert (await ask(ws, {"method": "GET_PROPERTY", "params": ["combined"], "id": 1}))[
            "result"
        ] is False
        set_ = {"method": "SET_PROPERTY", "params": ["combined", True], "id": 2}
        assert (await ask(ws, set_))["result"] is None
        get = {"method": "GET_PROPERTY", "params": ["combined"], "id": 3}
        assert (await ask(ws, get))["result"] is True
        hub = emu.public_streams.hubs["spot"]
        for _ in range(20):  # 1000 ms of stream time
            hub.tick()
        msg = await ws.receive(timeout=WAIT)
        wrapped = json.loads(msg.data)
        assert wrapped["stream"] == "btcusdt@depth5"
        assert set(wrapped["data"]) == {"lastUpdateId", "bids", "asks"}


def public_names(emu: BinanceEmulator, count: int) -> list[str]:
    suffixes = ["depth", "depth@100ms", "depth@500ms", "bookTicker", "trade"]
    suffixes += [f"depth{n}{s}" for n in (5, 10, 20) for s in ("", "@100ms", "@500ms")]
    names = [f"{s.symbol.lower()}@{x}" for s in emu.futures_symbols for x in suffixes]
    assert len(names) >= count
    return names[:count]


async def test_futures_connection_holds_at_most_200_streams(
    many: BinanceEmulator, session: aiohttp.ClientSession
) -> None:
    names = public_names(many, 201)
    async with session.ws_connect(many.ws_url("futures") + "/public/ws") as ws:
        ok = await ask(ws, {"method": "SUBSCRIBE", "params": names[:200], "id": 1})
        assert ok == {"result": None, "id": 1}
        over = await ask(ws, {"method": "SUBSCRIBE", "params": names[200:], "id": 2})
        assert over["error"]["code"] == 2 and "200" in over["error"]["msg"]
        listed = await ask(ws, {"method": "LIST_SUBSCRIPTIONS", "id": 3})
        assert len(listed["result"]) == 200
        # re-subscribing to a held stream does not count twice
        again = await ask(ws, {"method": "SUBSCRIBE", "params": names[:1], "id": 4})
        assert again["result"] is None


async def test_url_with_too_many_streams_is_refused(
    many: BinanceEmulator, session: aiohttp.ClientSession
) -> None:
    url = many.ws_url("futures") + "/stream?streams=" + "/".join(public_names(many, 201))
    with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
        await session.ws_connect(url)
    assert caught.value.status == 400


async def test_more_than_five_messages_a_second_disconnects_spot(
    emu: BinanceEmulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(emu.ws_url("spot") + "/ws") as ws:
        for n in range(6):
            await ws.send_str(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": n}))
        answered = []
        while (msg := await ws.receive(timeout=WAIT)).type == WSMsgType.TEXT:
            answered.append(json.loads(msg.data)["id"])
        assert answered == [0, 1, 2, 3, 4]
        assert msg.type == WSMsgType.CLOSE and msg.data == 1008


@pytest.mark.parametrize(
    ("path", "stream", "allowed"),
    [
        ("/public/ws", "btcusdt@depth@100ms", True),
        ("/public/ws", "btcusdt@aggTrade", False),
        ("/market/ws", "btcusdt@aggTrade", True),
        ("/market/ws", "btcusdt@markPrice@1s", True),
        ("/market/ws", "btcusdt@bookTicker", False),
        ("/ws", "btcusdt@bookTicker", True),  # legacy unrouted: the /public streams only
        ("/ws", "btcusdt@kline_1m", False),
        ("/market/stream", "btcusdt@kline_1s", False),  # 1s bars are spot-only
    ],
)
async def test_futures_routed_paths_serve_their_own_streams(
    emu: BinanceEmulator, session: aiohttp.ClientSession, path: str, stream: str, allowed: bool
) -> None:
    async with session.ws_connect(emu.ws_url("futures") + path) as ws:
        reply = await ask(ws, {"method": "SUBSCRIBE", "params": [stream], "id": 1})
        assert ("error" not in reply) is allowed


async def test_unknown_names_in_the_url_are_ignored(
    emu: BinanceEmulator, session: aiohttp.ClientSession
) -> None:
    # ccxt opens /ws/<connection index> and subscribes afterwards
    async with session.ws_connect(emu.ws_url("spot") + "/ws/0") as ws:
        assert (await ask(ws, {"method": "LIST_SUBSCRIPTIONS", "id": 1}))["result"] == []


async def test_server_pings_and_answers_pings(
    emu: BinanceEmulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(emu.ws_url("spot") + "/ws", autoping=False) as ws:
        msg = await ws.receive(timeout=WAIT)
        assert msg.type == WSMsgType.PING
        await ws.pong(msg.data)
        await ws.ping(b"payload")
        while (msg := await ws.receive(timeout=WAIT)).type == WSMsgType.PING:
            continue
        assert msg.type == WSMsgType.PONG and msg.data == b"payload"


async def test_stop_closes_every_stream_with_1001(session: aiohttp.ClientSession) -> None:
    emulator = BinanceEmulator(step_interval=None)
    await emulator.start()
    ws = await session.ws_connect(emulator.ws_url("futures") + "/market/ws/btcusdt@markPrice")
    await ask(ws, {"method": "LIST_SUBSCRIPTIONS", "id": 1})
    await emulator.stop()
    msg = await ws.receive(timeout=WAIT)
    assert msg.type == WSMsgType.CLOSE and msg.data == 1001
    assert len(emulator.connections) == 0
