"""The OKX emulator's order entry on `/ws/v5/private` (docs-v5 "WebSocket / Trade") over a
real socket: an order placed (by `instId` and by `instIdCode`), amended and cancelled,
batches with their per-order outcomes, and the refusals (before login, a far price)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from tradeport.venues.okx.emulator import OkxEmulator

WAIT = 5.0
SPOT, SWAP = "BTC-USDT", "BTC-USDT-SWAP"
Socket = aiohttp.ClientWebSocketResponse


@pytest.fixture
async def emu() -> AsyncIterator[OkxEmulator]:
    async with OkxEmulator(step_interval=None, seed=5) as emulator:
        yield emulator


@pytest.fixture
async def ws(emu: OkxEmulator) -> AsyncIterator[Socket]:
    url = emu.base_url.replace("http", "ws", 1) + "/ws/v5/private"
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as socket:
        yield socket


async def send(ws: Socket, frame: dict[str, Any]) -> dict[str, Any]:
    await ws.send_json(frame)
    msg = await ws.receive(timeout=WAIT)
    assert msg.type == aiohttp.WSMsgType.TEXT, msg
    body: dict[str, Any] = json.loads(msg.data)
    return body


async def login(emu: OkxEmulator, ws: Socket) -> None:
    key, secret = emu.credentials(0)
    stamp = str(int(time.time()))
    mac = hmac.new(secret.encode(), f"{stamp}GET/users/self/verify".encode(), hashlib.sha256)
    sign = base64.b64encode(mac.digest()).decode()
    arg = {"apiKey": key, "passphrase": emu.passphrase(0), "timestamp": stamp, "sign": sign}
    reply = await send(ws, {"op": "login", "args": [arg]})
    assert reply["code"] == "0", reply


def limit_buy(emu: OkxEmulator, fraction: str, **extra: Any) -> dict[str, Any]:
    bid = emu.spot.depth(SPOT, 1).bids[0][0]
    price = (bid * Decimal(fraction)).quantize(Decimal("0.1"))
    order = {"instId": SPOT, "tdMode": "cash", "side": "buy", "ordType": "limit"}
    return {**order, "sz": "0.001", "px": str(price), **extra}


async def test_placed_amended_and_cancelled(emu: OkxEmulator, ws: Socket) -> None:
    await login(emu, ws)
    placed = await send(ws, {"id": "p1", "op": "order", "args": [limit_buy(emu, "0.99")]})
    assert list(placed) == ["id", "op", "data", "code", "msg", "inTime", "outTime"]
    assert (placed["id"], placed["op"], placed["code"]) == ("p1", "order", "0")
    (item,) = placed["data"]
    assert item["sCode"] == "0" and item["ordId"]
    (resting,) = emu.spot.open_orders(emu.keys.refs[0].engine_id, SPOT)
    new_px = limit_buy(emu, "0.98")["px"]
    amend = {"instId": SPOT, "ordId": item["ordId"], "newPx": new_px}
    amended = await send(ws, {"id": "a1", "op": "amend-order", "args": [amend]})
    assert amended["code"] == "0" and amended["data"][0]["sCode"] == "0"
    (resting,) = emu.spot.open_orders(emu.keys.refs[0].engine_id, SPOT)
    assert resting.price == Decimal(new_px)
    cancel = {"instId": SPOT, "ordId": item["ordId"]}
    cancelled = await send(ws, {"id": "c1", "op": "cancel-order", "args": [cancel]})
    assert cancelled["code"] == "0"
    assert emu.spot.open_orders(emu.keys.refs[0].engine_id, SPOT) == []


async def test_batches_and_instrument_codes(emu: OkxEmulator, ws: Socket) -> None:
    await login(emu, ws)
    instruments = await send_rest_instruments(emu)
    code = next(i["instIdCode"] for i in instruments if i["instId"] == SPOT)
    by_code = {k: v for k, v in limit_buy(emu, "0.99").items() if k != "instId"}
    far = limit_buy(emu, "2")  # far above the price limit: 51006 live
    reply = await send(
        ws, {"id": "b1", "op": "batch-orders", "args": [{**by_code, "instIdCode": code}, far]}
    )
    assert reply["code"] == "2"  # some went through
    assert [i["sCode"] for i in reply["data"]] == ["0", "51006"]
    ord_id = reply["data"][0]["ordId"]
    amend = {"instId": SPOT, "ordId": ord_id, "newSz": "0.002"}
    amended = await send(ws, {"id": "b2", "op": "batch-amend-orders", "args": [amend]})
    assert amended["code"] == "0"
    cancel = [{"instId": SPOT, "ordId": ord_id}]
    assert (await send(ws, {"id": "b3", "op": "batch-cancel-orders", "args": cancel}))[
        "code"
    ] == "0"
    assert emu.spot.open_orders(emu.keys.refs[0].engine_id, SPOT) == []


async def test_order_ops_wait_for_login(emu: OkxEmulator, ws: Socket) -> None:
    early = await send(ws, {"id": "e1", "op": "order", "args": [limit_buy(emu, "0.99")]})
    assert (early["event"], early["code"]) == ("error", "60011")
    await login(emu, ws)
    two = [limit_buy(emu, "0.99"), limit_buy(emu, "0.98")]
    refused = await send(ws, {"id": "e2", "op": "order", "args": two})
    assert (refused["event"], refused["code"]) == ("error", "60012")


async def send_rest_instruments(emu: OkxEmulator) -> list[dict[str, Any]]:
    async with aiohttp.ClientSession() as session:
        url = emu.base_url + "/api/v5/public/instruments?instType=SPOT"
        async with session.get(url) as reply:
            data: list[dict[str, Any]] = (await reply.json())["data"]
            return data
