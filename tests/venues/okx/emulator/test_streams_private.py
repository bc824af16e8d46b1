"""The OKX emulator's `/ws/v5/private` over real sockets: login (PROTOCOLS.md §3.2, vector
O5) and the `orders`, `positions` and `account` channels (§3.4) driven by the engine and
the synthetic market."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tradeport.emulator.engine import OrderRequest
from tradeport.venues.okx.emulator import OkxEmulator

WAIT = 5.0
SWAP = "ETH-USDT-SWAP"
SPOT = "BTC-USDT"


def okx_login_sign(secret: str, timestamp: str) -> str:
    """Base64(HMAC-SHA256(secret, timestamp + "GET" + "/users/self/verify")), written
    here independently of the emulator."""
    prehash = f"{timestamp}GET/users/self/verify".encode()
    return base64.b64encode(hmac.new(secret.encode(), prehash, hashlib.sha256).digest()).decode()


def test_login_sign_matches_vector_o5() -> None:
    secret = "22582BD0CFF14C41EDBF1AB98506286D"
    assert okx_login_sign(secret, "1704876947") == "5/36BgGV6m/6pmdc20zdqk0mzF5ZalmzzPD2fo3wavU="


@pytest.fixture
async def emu() -> AsyncIterator[OkxEmulator]:
    async with OkxEmulator(step_interval=None, seed=5, stream_time_scale=1000.0) as emulator:
        yield emulator


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


def url(emu: OkxEmulator, path: str = "private") -> str:
    return emu.base_url.replace("http", "ws", 1) + f"/ws/v5/{path}"


async def receive(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    msg = await ws.receive(timeout=WAIT)
    assert msg.type == aiohttp.WSMsgType.TEXT, msg
    body: dict[str, Any] = json.loads(msg.data)
    return body


async def barrier(ws: aiohttp.ClientWebSocketResponse) -> None:
    await ws.send_str("ping")
    msg = await ws.receive(timeout=WAIT)
    assert msg.type == aiohttp.WSMsgType.TEXT and msg.data == "pong", msg


def doc_sample(name: str) -> dict[str, Any]:
    """A documented OKX push kept in tests/venues/okx/data (docs-v5 WS channel pages)."""
    sample: dict[str, Any] = json.loads((Path(__file__).parent.parent / "data" / name).read_text())
    return sample


def login_args(emu: OkxEmulator, index: int = 0, **override: str) -> dict[str, str]:
    api_key, secret = emu.credentials(index)
    timestamp = override.pop("timestamp", str(int(time.time())))
    args = {
        "apiKey": api_key,
        "passphrase": emu.passphrase(index),
        "timestamp": timestamp,
        "sign": okx_login_sign(override.pop("secret", secret), timestamp),
    }
    args.update(override)
    return args


async def login(ws: aiohttp.ClientWebSocketResponse, args: dict[str, Any]) -> dict[str, Any]:
    await ws.send_json({"op": "login", "args": [args]})
    return await receive(ws)


async def subscribe(ws: aiohttp.ClientWebSocketResponse, arg: dict[str, str]) -> dict[str, Any]:
    await ws.send_json({"op": "subscribe", "args": [arg]})
    return await receive(ws)


# -- login -----------------------------------------------------------------------------
async def test_login_succeeds_with_the_documented_reply(
    emu: OkxEmulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(url(emu)) as ws:
        reply = await login(ws, login_args(emu))
        documented = doc_sample("ws_events.json")["login"]
        assert list(reply) == list(documented)
        assert reply["event"] == "login" and reply["code"] == "0" and reply["msg"] == ""
        again = await login(ws, login_args(emu))
        assert again["event"] == "error" and again["code"] == "60031"


async def test_login_with_a_numeric_timestamp_as_python_okx_sends_it(
    emu: OkxEmulator, session: aiohttp.ClientSession
) -> None:
    # python-okx's login frame: the timestamp a JSON number, the sign over its text
    stamp = int(time.time())
    args: dict[str, Any] = {**login_args(emu, timestamp=str(stamp)), "timestamp": stamp}
    async with session.ws_connect(url(emu)) as ws:
        reply = await login(ws, args)
        assert reply["event"] == "login" and reply["code"] == "0", reply


@pytest.mark.parametrize(
    ("override", "code"),
    [
        ({"secret": "not-the-secret"}, "60007"),
        ({"passphrase": "wrong"}, "60024"),
        ({"apiKey": "nobody"}, "60005"),
        ({"timestamp": str(int(time.time()) - 120)}, "60006"),
        ({"timestamp": "2024-01-10T08:55:47Z"}, "60004"),
        ({"sign": ""}, "60027"),
    ],
)
async def test_a_failed_login_names_the_reason_and_unlocks_nothing(
    emu: OkxEmulator, session: aiohttp.ClientSession, override: dict[str, str], code: str
) -> None:
    async with session.ws_connect(url(emu)) as ws:
        reply = await login(ws, login_args(emu, **override))
        assert list(reply) == ["event", "code", "msg", "connId"]
        assert reply["event"] == "error" and reply["code"] == code, reply
        refused = await subscribe(ws, {"channel": "account"})
        assert refused["event"] == "error" and refused["code"] == "60011"
        user = emu.keys.refs[0].engine_id
        emu.spot.place(user, OrderRequest(SPOT, "BUY", "MARKET", Decimal("0.001")))
        await barrier(ws)  # no push reached the connection


async def test_subscribing_before_login_is_refused(
    emu: OkxEmulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(url(emu)) as ws:
        reply = await subscribe(ws, {"channel": "orders", "instType": "ANY"})
        assert reply["event"] == "error" and reply["code"] == "60011"
        assert (await login(ws, login_args(emu)))["code"] == "0"
        ack = await subscribe(ws, {"channel": "orders", "instType": "ANY"})
        assert ack["event"] == "subscribe" and ack["arg"] == {
            "channel": "orders",
            "instType": "ANY",
        }


# -- channels --------------------------------------------------------------------------
async def test_account_and_positions_send_a_snapshot_on_subscribe(
    emu: OkxEmulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(url(emu)) as ws:
        await login(ws, login_args(emu))
        await subscribe(ws, {"channel": "account"})
        account = await receive(ws)
        assert list(account) == list(doc_sample("ws_account.json"))
        assert account["arg"] == {"channel": "account", "uid": str(emu.keys.refs[0].uid)}
        assert account["eventType"] == "snapshot"
        usdt = {d["ccy"]: d for d in account["data"][0]["details"]}["USDT"]
        expected = emu.accounts[0].spot_balances["USDT"] + emu.accounts[0].futures_balances["USDT"]
        assert Decimal(usdt["cashBal"]) == expected
        await subscribe(ws, {"channel": "positions", "instType": "SWAP"})
        positions = await receive(ws)
        assert positions["eventType"] == "snapshot" and positions["data"] == []


async def test_a_swap_order_pushes_orders_then_positions_and_account_as_it_fills(
    emu: OkxEmulator, session: aiohttp.ClientSession
) -> None:
    user = emu.keys.refs[0].engine_id
    engine = emu.swap
    async with session.ws_connect(url(emu)) as ws:
        await login(ws, login_args(emu))
        assert (await subscribe(ws, {"channel": "orders", "instType": "ANY"}))[
            "event"
        ] == "subscribe"
        for arg in (
            {"channel": "positions", "instType": "SWAP", "instId": SWAP},
            {"channel": "account", "ccy": "USDT"},
        ):
            assert (await subscribe(ws, arg))["event"] == "subscribe"
            assert (await receive(ws))["eventType"] == "snapshot"
        bid = engine.depth(SWAP, 1).bids[0][0]
        price = bid - engine.instruments[SWAP].tick_size * 5
        order, _ = engine.place(user, OrderRequest(SWAP, "BUY", "LIMIT", Decimal("0.5"), price))
        live = await receive(ws)
        assert live["arg"] == {
            "channel": "orders",
            "instType": "ANY",
            "uid": str(emu.keys.refs[0].uid),
        }
        row = live["data"][0]
        assert set(doc_sample("ws_orders.json")["data"][0]) <= set(row) | {"fillPnl", "notionalUsd"}
        assert row["state"] == "live" and row["instId"] == SWAP and row["fillSz"] == "0"
        assert Decimal(row["sz"]) == emu.sizing.to_venue(SWAP, Decimal("0.5"))
        assert row["px"] == str(price.normalize()) or Decimal(row["px"]) == price
        balance = await receive(ws)  # the order froze margin; no position yet, none pushed
        assert balance["arg"]["channel"] == "account" and balance["eventType"] == "event_update"
        usdt = balance["data"][0]["details"][0]
        assert usdt["ccy"] == "USDT" and Decimal(usdt["ordFrozen"]) > 0
        await barrier(ws)
        emu.move_to("swap", SWAP, price - engine.instruments[SWAP].tick_size * 10)
        fills: list[dict[str, Any]] = []
        positions: list[dict[str, Any]] = []
        while not fills or fills[-1]["state"] != "filled" or not positions:
            frame = await receive(ws)
            if frame["arg"]["channel"] == "orders":
                fills.append(frame["data"][0])
            elif frame["arg"]["channel"] == "positions":
                positions.append(frame)
        done = fills[-1]
        assert done["ordId"] == row["ordId"] and done["execType"] == "M"
        assert Decimal(done["accFillSz"]) == Decimal(row["sz"])
        assert all(Decimal(f["fillPx"]) == price for f in fills)
        assert sum(Decimal(f["fillSz"]) for f in fills) == Decimal(row["sz"])
        assert Decimal(done["fillFee"]) < 0 and done["fillFeeCcy"] == "USDT"
        held = positions[-1]
        assert held["eventType"] == "event_update"
        position = held["data"][0]
        assert position["instId"] == SWAP and position["posSide"] == "net"
        assert Decimal(position["pos"]) == Decimal(row["sz"])
        assert Decimal(position["avgPx"]) == price
        del order


async def test_orders_filter_by_inst_type_and_a_cancel_is_pushed(
    emu: OkxEmulator, session: aiohttp.ClientSession
) -> None:
    user = emu.keys.refs[0].engine_id
    async with session.ws_connect(url(emu)) as ws:
        await login(ws, login_args(emu))
        await subscribe(ws, {"channel": "orders", "instType": "SPOT"})
        bid = emu.swap.depth(SWAP, 1).bids[0][0]
        emu.swap.place(
            user, OrderRequest(SWAP, "BUY", "LIMIT", Decimal("0.1"), bid * Decimal("0.9"))
        )
        spot_bid = emu.spot.depth(SPOT, 1).bids[0][0]
        price = (spot_bid * Decimal("0.9")).quantize(emu.spot.instruments[SPOT].tick_size)
        order, _ = emu.spot.place(user, OrderRequest(SPOT, "BUY", "LIMIT", Decimal("0.01"), price))
        live = (await receive(ws))["data"][0]
        assert (
            live["instType"] == "SPOT" and live["state"] == "live"
        )  # the swap order was not pushed
        emu.spot.cancel(user, SPOT, order.order_id)
        canceled = (await receive(ws))["data"][0]
        assert canceled["ordId"] == live["ordId"] and canceled["state"] == "canceled"
        assert canceled["cancelSource"] == "1" and canceled["fillSz"] == "0"


async def test_a_closed_position_is_pushed_flat_once(
    emu: OkxEmulator, session: aiohttp.ClientSession
) -> None:
    user = emu.keys.refs[0].engine_id
    async with session.ws_connect(url(emu)) as ws:
        await login(ws, login_args(emu))
        await subscribe(ws, {"channel": "positions", "instType": "ANY"})
        assert (await receive(ws))["data"] == []
        emu.swap.place(user, OrderRequest(SWAP, "BUY", "MARKET", Decimal("0.3")))
        opened = (await receive(ws))["data"]
        assert [Decimal(p["pos"]) for p in opened] == [emu.sizing.to_venue(SWAP, Decimal("0.3"))]
        emu.swap.place(user, OrderRequest(SWAP, "SELL", "MARKET", Decimal("0.3")))
        closed = (await receive(ws))["data"]
        assert [(p["instId"], p["pos"]) for p in closed] == [(SWAP, "0")]
        emu.spot.place(user, OrderRequest(SPOT, "BUY", "MARKET", Decimal("0.001")))
        emu.swap.place(user, OrderRequest("BTC-USDT-SWAP", "BUY", "MARKET", Decimal("0.01")))
        later = (await receive(ws))["data"]
        assert [p["instId"] for p in later] == ["BTC-USDT-SWAP"]  # the flat row went once
