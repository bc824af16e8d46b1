"""The emulator's WebSocket frames against the samples of the Bybit v5 docs
(`tests/venues/bybit/data/emu_ws_doc_samples.json`, each entry naming its page).

Envelopes and control replies must have the sample's keys in the sample's order; rows
must carry every field of the sample with the same JSON type (they may carry more:
fields the docs list but that sample does not show).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tradeport.emulator.engine import OrderRequest
from tradeport.model import AssetType
from tradeport.venues.bybit.emulator import BybitEmulator
from tradeport.venues.bybit.emulator.stream_public import BASE_TICK_MS

WAIT = 5.0
SAMPLES: dict[str, Any] = json.loads(
    (Path(__file__).parents[1] / "data" / "emu_ws_doc_samples.json").read_text()
)["samples"]


def sample(name: str) -> dict[str, Any]:
    frame: dict[str, Any] = SAMPLES[name]["frame"]
    return frame


@pytest.fixture
async def emu() -> AsyncIterator[BybitEmulator]:
    async with BybitEmulator(step_interval=None, seed=21, stream_time_scale=1000.0) as emulator:
        yield emulator


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


async def receive(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    msg = await ws.receive(timeout=WAIT)
    assert msg.type == aiohttp.WSMsgType.TEXT, msg
    body: dict[str, Any] = json.loads(msg.data)
    return body


async def send(ws: aiohttp.ClientWebSocketResponse, frame: dict[str, Any]) -> dict[str, Any]:
    await ws.send_json(frame)
    return await receive(ws)


def advance(emu: BybitEmulator, category: str, ms: int) -> None:
    hub = emu.streams.hubs["spot" if category == "spot" else "linear"]
    for _ in range(ms // BASE_TICK_MS):
        hub.tick()


def assert_row_like(ours: dict[str, Any], documented: dict[str, Any], where: str) -> None:
    missing = set(documented) - set(ours)
    assert not missing, f"{where}: fields of the docs' sample missing: {sorted(missing)}"
    for key, value in documented.items():
        assert type(ours[key]) is type(value), f"{where}.{key}: {ours[key]!r} vs {value!r}"


def assert_same_keys(ours: dict[str, Any], documented: dict[str, Any], where: str) -> None:
    assert list(ours) == list(documented), where


async def test_public_linear_frames_match_the_docs_samples(
    emu: BybitEmulator, session: aiohttp.ClientSession
) -> None:
    topics = ["orderbook.50.BTCUSDT", "tickers.BTCUSDT", "publicTrade.BTCUSDT", "kline.5.BTCUSDT"]
    async with session.ws_connect(emu.stream_url(AssetType.SWAP) + "/v5/public/linear") as ws:
        ack = await send(ws, {"op": "subscribe", "args": topics})
        assert_same_keys(ack, sample("ack_linear"), "ack")
        assert ack["req_id"] == ""  # as the sample: none was sent
        frames = {f["topic"]: f for f in [await receive(ws), await receive(ws)]}
        book = frames["orderbook.50.BTCUSDT"]
        assert_same_keys(book, sample("orderbook_snapshot"), "orderbook snapshot")
        assert_same_keys(book["data"], sample("orderbook_snapshot")["data"], "orderbook data")
        assert_same_keys(frames["tickers.BTCUSDT"], sample("ticker_linear"), "ticker")
        assert_row_like(
            frames["tickers.BTCUSDT"]["data"], sample("ticker_linear")["data"], "ticker"
        )

        account = emu.keys.refs[0].engine_id
        emu.linear.place(account, OrderRequest("BTCUSDT", "SELL", "MARKET", Decimal("0.5")))
        trade = await receive(ws)
        assert_same_keys(trade, sample("public_trade"), "publicTrade")
        assert_row_like(trade["data"][0], sample("public_trade")["data"][0], "publicTrade")
        advance(emu, "linear", 1000)
        seen: dict[str, dict[str, Any]] = {}
        while len(seen) < 3:
            frame = await receive(ws)
            seen[frame["topic"]] = frame
        delta = seen["orderbook.50.BTCUSDT"]
        assert delta["type"] == "delta"
        assert_same_keys(delta, sample("orderbook_delta"), "orderbook delta")
        assert_same_keys(delta["data"], sample("orderbook_delta")["data"], "orderbook delta data")
        kline = seen["kline.5.BTCUSDT"]
        assert_same_keys(kline, sample("kline"), "kline")
        assert_same_keys(kline["data"][0], sample("kline")["data"][0], "kline row")
        assert_same_keys(await send(ws, {"op": "ping"}), sample("pong_linear"), "pong")


async def test_public_spot_frames_match_the_docs_samples(
    emu: BybitEmulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(emu.stream_url(AssetType.SPOT) + "/v5/public/spot") as ws:
        ack = await send(ws, {"op": "subscribe", "args": ["tickers.BTCUSDT"], "req_id": "10001"})
        assert ack == {**sample("ack_spot"), "conn_id": ack["conn_id"]}
        ticker = await receive(ws)
        assert_same_keys(ticker, sample("ticker_spot"), "spot ticker")
        assert set(ticker["data"]) == set(sample("ticker_spot")["data"])
        assert_row_like(ticker["data"], sample("ticker_spot")["data"], "spot ticker")
        assert_same_keys(await send(ws, {"op": "ping"}), sample("pong_spot"), "spot pong")


async def test_private_frames_match_the_docs_samples(
    emu: BybitEmulator, session: aiohttp.ClientSession
) -> None:
    key, secret = emu.credentials(0)
    expires = emu.now_ms() + 10_000
    signature = hmac.new(
        secret.encode(), f"GET/realtime{expires}".encode(), hashlib.sha256
    ).hexdigest()
    account = emu.keys.refs[0].engine_id
    async with session.ws_connect(emu.stream_url(AssetType.SWAP) + "/v5/private") as ws:
        auth = await send(ws, {"op": "auth", "args": [key, expires, signature]})
        assert_same_keys(auth, sample("auth_ok"), "auth")
        topics = ["order", "execution", "position", "wallet"]
        assert_same_keys(
            await send(ws, {"op": "subscribe", "args": topics}), sample("ack_private"), "ack"
        )
        pong = await send(ws, {"op": "ping", "req_id": "test"})
        assert_same_keys(pong, sample("pong_private"), "private pong")

        emu.linear.place(account, OrderRequest("BTCUSDT", "BUY", "MARKET", Decimal("0.01")))
        seen: dict[str, dict[str, Any]] = {}
        while len(seen) < 4:
            frame = await receive(ws)
            seen[frame["topic"]] = frame
        for topic in topics:
            # the samples' envelopes agree on the keys, not on their order
            assert set(seen[topic]) == set(sample(topic)), topic
            assert_row_like(seen[topic]["data"][0], sample(topic)["data"][0], topic)
        coins = {c["coin"]: c for c in seen["wallet"]["data"][0]["coin"]}
        assert_row_like(coins["USDT"], sample("wallet")["data"][0]["coin"][0], "wallet coin")
        assert seen["execution"]["data"][0]["category"] == "linear"
        assert seen["position"]["data"][0]["size"] == "0.01"
