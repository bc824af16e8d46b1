"""The Bybit emulator's order entry over WebSocket, `/v5/trade` (websocket/trade/
guideline.mdx), over a real socket: login, an order created, amended and cancelled, a
batch, and the refusals (before login, unknown op, reused reqId, stale timestamp, a
far-from-market spot price)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from tradeport.model import AssetType
from tradeport.venues.bybit.emulator import BybitEmulator
from tradeport.venues.bybit.emulator.stream_private import ws_signature

WAIT = 5.0
Socket = aiohttp.ClientWebSocketResponse


@pytest.fixture
async def emu() -> AsyncIterator[BybitEmulator]:
    async with BybitEmulator(step_interval=None, seed=9) as emulator:
        yield emulator


@pytest.fixture
async def ws(emu: BybitEmulator) -> AsyncIterator[Socket]:
    async with (
        aiohttp.ClientSession() as session,
        session.ws_connect(emu.stream_url(AssetType.SWAP) + "/v5/trade") as socket,
    ):
        yield socket


async def send(ws: Socket, frame: dict[str, Any]) -> dict[str, Any]:
    await ws.send_json(frame)
    msg = await ws.receive(timeout=WAIT)
    assert msg.type == aiohttp.WSMsgType.TEXT, msg
    body: dict[str, Any] = json.loads(msg.data)
    return body


async def login(emu: BybitEmulator, ws: Socket) -> dict[str, Any]:
    key, secret = emu.credentials(0)
    expires = emu.now_ms() + 10_000
    signature = ws_signature(secret, str(expires))
    return await send(ws, {"op": "auth", "args": [key, expires, signature]})


def order_op(
    emu: BybitEmulator, op: str, args: dict[str, Any], req_id: str | None = None
) -> dict[str, Any]:
    frame: dict[str, Any] = {"header": {"X-BAPI-TIMESTAMP": str(emu.now_ms())}, "op": op}
    frame["args"] = [args]
    if req_id is not None:
        frame["reqId"] = req_id
    return frame


def limit_buy(emu: BybitEmulator, fraction: str) -> dict[str, Any]:
    bid = emu.linear.depth("BTCUSDT", 1).bids[0][0]
    price = (bid * Decimal(fraction)).quantize(Decimal("0.1"))
    return {
        "category": "linear",
        "symbol": "BTCUSDT",
        "side": "Buy",
        "orderType": "Limit",
        "qty": "0.01",
        "price": str(price),
    }


async def test_login_then_create_amend_cancel(emu: BybitEmulator, ws: Socket) -> None:
    auth = await login(emu, ws)
    assert {k: auth[k] for k in ("retCode", "retMsg", "op")} == {
        "retCode": 0,
        "retMsg": "OK",
        "op": "auth",
    }
    assert auth["connId"] and "reqId" not in auth
    created = await send(ws, order_op(emu, "order.create", limit_buy(emu, "0.99"), "r-1"))
    assert list(created) == [
        "reqId",
        "retCode",
        "retMsg",
        "op",
        "data",
        "retExtInfo",
        "header",
        "connId",
    ]
    assert (created["reqId"], created["retCode"], created["op"]) == ("r-1", 0, "order.create")
    assert created["header"]["X-Bapi-Limit"] == "10"
    assert created["header"]["Timenow"].isdigit() and created["header"]["Traceid"]
    order_id = created["data"]["orderId"]
    (resting,) = emu.linear.open_orders(emu.keys.refs[0].engine_id, "BTCUSDT")
    new_price = limit_buy(emu, "0.98")["price"]
    amend = {"category": "linear", "symbol": "BTCUSDT", "orderId": order_id, "price": new_price}
    amended = await send(ws, order_op(emu, "order.amend", amend))
    assert amended["retCode"] == 0 and amended["data"]["orderId"] == order_id
    assert "reqId" not in amended
    (resting,) = emu.linear.open_orders(emu.keys.refs[0].engine_id, "BTCUSDT")
    assert resting.price == Decimal(new_price)
    cancel = {"category": "linear", "symbol": "BTCUSDT", "orderId": order_id}
    cancelled = await send(ws, order_op(emu, "order.cancel", cancel))
    assert cancelled["retCode"] == 0
    assert emu.linear.open_orders(emu.keys.refs[0].engine_id, "BTCUSDT") == []


async def test_a_batch_reports_each_item(emu: BybitEmulator, ws: Socket) -> None:
    await login(emu, ws)
    good = {k: v for k, v in limit_buy(emu, "0.99").items() if k != "category"}
    bad = {**good, "symbol": "NOPEUSDT"}
    reply = await send(
        ws, order_op(emu, "order.create-batch", {"category": "linear", "request": [good, bad]})
    )
    assert reply["retCode"] == 0
    assert [item["code"] for item in reply["retExtInfo"]["list"]] == [0, 10001]
    assert reply["data"]["list"][0]["orderId"]


async def test_refusals(emu: BybitEmulator, ws: Socket) -> None:
    early = await send(ws, order_op(emu, "order.create", limit_buy(emu, "0.99")))
    assert early["retCode"] == 10003
    key, _secret = emu.credentials(0)
    expires = emu.now_ms() + 10_000
    forged = await send(ws, {"op": "auth", "args": [key, expires, "0" * 64]})
    assert forged["retCode"] == 10004
    assert (await login(emu, ws))["retCode"] == 0
    assert (await login(emu, ws))["retCode"] == 20001  # repeat auth
    unknown = await send(ws, order_op(emu, "order.teleport", {"category": "linear"}))
    assert (unknown["retCode"], unknown["op"]) == (10404, "order.teleport")
    first = await send(ws, order_op(emu, "order.create", limit_buy(emu, "0.99"), "same"))
    again = await send(ws, order_op(emu, "order.create", limit_buy(emu, "0.99"), "same"))
    assert (first["retCode"], again["retCode"]) == (0, 20006)
    stale = order_op(emu, "order.create", limit_buy(emu, "0.99"))
    stale["header"]["X-BAPI-TIMESTAMP"] = str(emu.now_ms() - 60_000)
    assert (await send(ws, stale))["retCode"] == 10002
    ask = emu.spot.depth("BTCUSDT", 1).asks[0][0]
    far = {
        "category": "spot",
        "symbol": "BTCUSDT",
        "side": "Buy",
        "orderType": "Limit",
        "qty": "0.001",
        "price": str((ask * Decimal("1.5")).quantize(Decimal("0.01"))),
    }
    assert (await send(ws, order_op(emu, "order.create", far)))["retCode"] == 170193


async def test_ping_is_answered_with_pong(emu: BybitEmulator, ws: Socket) -> None:
    pong = await send(ws, {"op": "ping", "reqId": "p"})
    assert (pong["op"], pong["retCode"], pong["reqId"]) == ("pong", 0, "p")
    assert pong["data"][0].isdigit()
