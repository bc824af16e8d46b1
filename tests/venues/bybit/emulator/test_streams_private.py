"""The Bybit emulator's private path `/v5/private` over real sockets (PROTOCOLS.md §4.2,
§4.4): login, refusals, and the order / execution / position / wallet topics fed by
orders placed on the engine and filled by moving the market."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from tradeport.emulator.engine import OrderRequest
from tradeport.model import AssetType
from tradeport.venues.bybit.emulator import BybitEmulator, payloads
from tradeport.venues.bybit.emulator.ids import exec_id_text, order_id_text
from tradeport.venues.bybit.emulator.stream_private import ws_signature

WAIT = 5.0


@pytest.fixture
async def emu() -> AsyncIterator[BybitEmulator]:
    async with BybitEmulator(step_interval=None, seed=9, stream_time_scale=1000.0) as emulator:
        yield emulator


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


def private_url(emu: BybitEmulator) -> str:
    return emu.stream_url(AssetType.SWAP) + "/v5/private"


def sign(secret: str, expires: int) -> str:
    return hmac.new(secret.encode(), f"GET/realtime{expires}".encode(), hashlib.sha256).hexdigest()


async def receive(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    msg = await ws.receive(timeout=WAIT)
    assert msg.type == aiohttp.WSMsgType.TEXT, msg
    body: dict[str, Any] = json.loads(msg.data)
    return body


async def send(ws: aiohttp.ClientWebSocketResponse, frame: dict[str, Any]) -> dict[str, Any]:
    await ws.send_json(frame)
    return await receive(ws)


async def login(emu: BybitEmulator, ws: aiohttp.ClientWebSocketResponse, *topics: str) -> None:
    key, secret = emu.credentials(0)
    expires = emu.now_ms() + 10_000
    reply = await send(ws, {"op": "auth", "args": [key, expires, sign(secret, expires)]})
    assert reply["success"] is True, reply
    if topics:
        ack = await send(ws, {"op": "subscribe", "args": list(topics)})
        assert ack["success"] is True, ack


async def until_pong(ws: aiohttp.ClientWebSocketResponse) -> list[dict[str, Any]]:
    """Every frame before the reply to a ping sent now: what the emulator had queued."""
    await ws.send_json({"op": "ping", "req_id": "fence"})
    frames = []
    while (frame := await receive(ws)).get("op") != "pong":
        frames.append(frame)
    return frames


def by_topic(frames: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for frame in frames:
        assert list(frame) == ["id", "topic", "creationTime", "data"]
        out.setdefault(frame["topic"], []).append(frame)
    return out


def test_login_signature_is_vector_y3() -> None:
    expected = "3d6cbbfa4569aab894f661add824ff3f06090d0edba388f1e47dc15e6a7b5a8b"
    assert ws_signature("XXXXXXXXXX", "1662350400000") == expected
    assert sign("XXXXXXXXXX", 1662350400000) == expected


# -- login -----------------------------------------------------------------------------
async def test_login_succeeds_with_a_valid_signature_and_echoes_req_id(
    emu: BybitEmulator, session: aiohttp.ClientSession
) -> None:
    key, secret = emu.credentials(1)
    expires = emu.now_ms() + 5_000
    async with session.ws_connect(private_url(emu)) as ws:
        reply = await send(
            ws,
            {"req_id": "10001", "op": "auth", "args": [key, str(expires), sign(secret, expires)]},
        )
        assert list(reply) == ["req_id", "success", "ret_msg", "op", "conn_id"]
        assert reply["req_id"] == "10001" and reply["success"] is True
        assert reply["ret_msg"] == "" and reply["op"] == "auth"
        ack = await send(ws, {"op": "subscribe", "args": ["wallet"]})
        assert list(ack) == ["success", "ret_msg", "op", "conn_id"] and ack["success"] is True


@pytest.mark.parametrize(
    ("case", "ret_msg"),
    [
        ("expired", "Params Error"),
        ("bad signature", "Request not authorized"),
        ("unknown key", "Request not authorized"),
        ("missing args", "Params Error"),
    ],
)
async def test_a_failed_login_gets_bybits_reply_and_no_data(
    emu: BybitEmulator, session: aiohttp.ClientSession, case: str, ret_msg: str
) -> None:
    key, secret = emu.credentials(0)
    expires = emu.now_ms() + 5_000
    args: list[object] = {
        "expired": [key, emu.now_ms() - 1, sign(secret, emu.now_ms() - 1)],
        "bad signature": [key, expires, sign("not-the-secret", expires)],
        "unknown key": ["no-such-key", expires, sign(secret, expires)],
        "missing args": [key, expires],
    }[case]
    async with session.ws_connect(private_url(emu)) as ws:
        reply = await send(ws, {"op": "auth", "args": args})
        assert reply["success"] is False and reply["ret_msg"] == ret_msg and reply["op"] == "auth"
        refused = await send(ws, {"op": "subscribe", "args": ["order", "wallet"]})
        assert refused["success"] is False and refused["ret_msg"] == "Request not authorized"
        account = emu.keys.refs[0].engine_id
        emu.linear.place(account, OrderRequest("BTCUSDT", "BUY", "MARKET", Decimal("0.01")))
        assert await until_pong(ws) == []


async def test_private_ping_is_answered_with_the_server_time(
    emu: BybitEmulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(private_url(emu)) as ws:
        before = emu.now_ms()
        pong = await send(ws, {"req_id": "test", "op": "ping"})
        assert list(pong) == ["req_id", "op", "args", "conn_id"] and pong["op"] == "pong"
        assert pong["req_id"] == "test" and before <= int(pong["args"][0]) <= emu.now_ms()
        bare = await send(ws, {"op": "ping"})
        assert list(bare) == ["op", "args", "conn_id"]


async def test_topic_refusals_on_the_private_path(
    emu: BybitEmulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(private_url(emu)) as ws:
        await login(emu, ws)
        mixed = await send(ws, {"op": "subscribe", "args": ["order", "order.spot"]})
        assert mixed["success"] is False and "order.spot" in mixed["ret_msg"]
        public = await send(ws, {"op": "subscribe", "args": ["wallet", "tickers.BTCUSDT"]})
        assert public["ret_msg"] == "error:handler not found,topic:tickers.BTCUSDT"
        spot_position = await send(ws, {"op": "subscribe", "args": ["position.spot"]})
        assert spot_position["ret_msg"] == "error:handler not found,topic:position.spot"
        # one form per request: in separate requests both are fine
        assert (await send(ws, {"op": "subscribe", "args": ["order"]}))["success"] is True
        assert (await send(ws, {"op": "subscribe", "args": ["order.spot"]}))["success"] is True


# -- account topics --------------------------------------------------------------------
async def test_a_linear_order_filled_by_the_market_streams_every_account_topic(
    emu: BybitEmulator, session: aiohttp.ClientSession
) -> None:
    account = emu.keys.refs[0].engine_id
    engine = emu.linear
    tick = engine.instruments["BTCUSDT"].tick_size
    price = (engine.mark_price("BTCUSDT") * Decimal("0.995")).quantize(tick)
    qty = Decimal("0.02")
    async with session.ws_connect(private_url(emu)) as ws:
        await login(emu, ws, "order", "execution", "position", "wallet")
        order, _ = engine.place(
            account,
            OrderRequest("BTCUSDT", "BUY", "LIMIT", qty, price=price, client_order_id="cid-1"),
        )
        placed = by_topic(await until_pong(ws))
        assert set(placed) == {"order", "position", "wallet"}  # no fill, no execution
        (new_row,) = placed["order"][0]["data"]
        assert new_row["orderId"] == order_id_text("linear", order.order_id)
        assert new_row["orderLinkId"] == "cid-1" and new_row["orderStatus"] == "New"
        assert new_row["category"] == "linear" and new_row["leavesQty"] == "0.02"
        (flat,) = placed["position"][0]["data"]
        assert flat["size"] == "0" and flat["side"] == "" and flat["category"] == "linear"
        wallet = placed["wallet"][0]["data"][0]
        assert wallet == payloads.wallet_account(emu, account)
        assert Decimal(wallet["totalInitialMargin"]) > 0  # the order's margin

        emu.move_to("linear", "BTCUSDT", price - 20 * tick)
        filled = by_topic(await until_pong(ws))
        assert list(filled) == ["order", "execution", "position", "wallet"]
        (done,) = filled["order"][0]["data"]
        assert done["orderStatus"] == "Filled" and done["cumExecQty"] == "0.02"
        assert Decimal(done["avgPrice"]) == price
        (execution,) = filled["execution"][0]["data"]
        (fill,) = engine.fills(account, "BTCUSDT", order.order_id)
        assert execution["category"] == "linear"
        assert execution["execId"] == exec_id_text("linear", fill.trade_id, True)
        assert execution["isMaker"] is True and execution["closedSize"] == "0"
        assert Decimal(execution["execQty"]) == qty and Decimal(execution["execPrice"]) == price
        assert Decimal(execution["execFee"]) == fill.fee and Decimal(done["cumExecFee"]) == fill.fee
        (held,) = filled["position"][0]["data"]
        assert held["side"] == "Buy" and Decimal(held["size"]) == qty
        assert Decimal(held["entryPrice"]) == price == Decimal(held["avgPrice"])
        assert filled["wallet"][0]["data"][0] == payloads.wallet_account(emu, account)

        # closing it: the execution says how much it closed, the position goes flat
        engine.place(account, OrderRequest("BTCUSDT", "SELL", "MARKET", qty, reduce_only=True))
        closed = by_topic(await until_pong(ws))
        sizes = [Decimal(r["closedSize"]) for f in closed["execution"] for r in f["data"]]
        assert sum(sizes) == qty
        (gone,) = closed["position"][0]["data"]
        assert gone["size"] == "0" and gone["side"] == ""
        last = closed["order"][-1]["data"][-1]
        assert last["orderStatus"] == "Filled" and last["reduceOnly"] is True
        assert Decimal(last["closedPnl"]) != 0


async def test_categorised_topics_carry_only_their_category(
    emu: BybitEmulator, session: aiohttp.ClientSession
) -> None:
    account = emu.keys.refs[0].engine_id
    async with session.ws_connect(private_url(emu)) as ws:
        await login(emu, ws, "order.spot", "execution.spot")
        emu.linear.place(account, OrderRequest("ETHUSDT", "BUY", "MARKET", Decimal("0.1")))
        assert await until_pong(ws) == []  # a linear order: nothing on the spot topics
        tick = emu.spot.instruments["ETHUSDT"].tick_size
        price = (emu.spot.mark_price("ETHUSDT") * Decimal("1.004")).quantize(tick)
        order, _ = emu.spot.place(
            account, OrderRequest("ETHUSDT", "SELL", "LIMIT", Decimal("0.5"), price=price)
        )
        emu.move_to("spot", "ETHUSDT", price + 10 * tick)
        frames = by_topic(await until_pong(ws))
        assert set(frames) == {"order.spot", "execution.spot"}
        rows = [r for f in frames["order.spot"] for r in f["data"]]
        statuses = [r["orderStatus"] for r in rows]
        assert statuses[0] == "New" and statuses[-1] == "Filled"
        assert set(statuses[1:-1]) <= {"PartiallyFilled"}  # the market may take it in parts
        assert all(r["category"] == "spot" for r in rows)
        assert {r["orderId"] for r in rows} == {order_id_text("spot", order.order_id)}
        assert rows[-1]["feeCurrency"] == "USDT"  # a spot sell pays its fee in the quote coin
        executions = [r for f in frames["execution.spot"] for r in f["data"]]
        assert len(executions) == len(rows) - 1  # one per fill
        assert all(e["category"] == "spot" and e["side"] == "Sell" for e in executions)
        assert sum(Decimal(e["execQty"]) for e in executions) == Decimal("0.5")
        assert [e["leavesQty"] for e in executions] == [r["leavesQty"] for r in rows[1:]]


async def test_unsubscribed_topics_stop_and_other_accounts_stay_private(
    emu: BybitEmulator, session: aiohttp.ClientSession
) -> None:
    mine, theirs = (ref.engine_id for ref in emu.keys.refs[:2])
    async with session.ws_connect(private_url(emu)) as ws:
        await login(emu, ws, "order", "wallet")
        emu.spot.place(theirs, OrderRequest("BTCUSDT", "BUY", "MARKET", Decimal("0.001")))
        assert await until_pong(ws) == []
        ack = await send(ws, {"op": "unsubscribe", "args": ["order"]})
        assert ack["success"] is True and ack["op"] == "unsubscribe"
        emu.spot.place(mine, OrderRequest("BTCUSDT", "BUY", "MARKET", Decimal("0.001")))
        frames = by_topic(await until_pong(ws))
        assert list(frames) == ["wallet"]
        coins = {c["coin"]: c for c in frames["wallet"][0]["data"][0]["coin"]}
        balances = emu.spot.balances(mine)
        assert Decimal(coins["BTC"]["walletBalance"]) == sum(balances["BTC"])
