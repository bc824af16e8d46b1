"""USDⓈ-M listen keys and user-data sockets, against orders placed over REST."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import make_mocked_request

from tradeport.venues.binance.emulator import DEFAULT_ACCOUNTS, BinanceEmulator

from .conftest import RawClient, Reply, best_bid, limit_buy

D = Decimal
WAIT_S = 5.0  # a guard against a hung test, not a timing assertion
PATH = "/fapi/v1/listenKey"


async def keyed(raw: RawClient, method: str, account: int = 0, query: str = "") -> Reply:
    headers = {"X-MBX-APIKEY": DEFAULT_ACCOUNTS[account].api_key}
    return await raw.send(method, PATH, query=query, headers=headers)


async def new_key(raw: RawClient, account: int = 0) -> str:
    reply = await keyed(raw, "POST", account)
    assert reply.status == 200, reply.body
    return str(reply.body["listenKey"])


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


async def frames(ws: aiohttp.ClientWebSocketResponse, n: int) -> list[dict[str, Any]]:
    return [json.loads(await ws.receive_str(timeout=WAIT_S)) for _ in range(n)]


async def frames_until(ws: aiohttp.ClientWebSocketResponse, event: str) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    while not got or got[-1]["e"] != event:
        got.extend(await frames(ws, 1))
    return got


async def test_listen_key_create_keepalive_delete_and_recreate(raw: RawClient) -> None:
    key = await new_key(raw)
    assert len(key) == 64 and key.isalnum()
    assert await new_key(raw) == key  # an account with a live key gets the same one
    assert await new_key(raw, account=1) != key
    kept = await keyed(raw, "PUT")
    assert (kept.status, kept.body) == (200, {"listenKey": key})
    assert "X-MBX-USED-WEIGHT-1M" in kept.headers
    deleted = await keyed(raw, "DELETE")
    assert (deleted.status, deleted.body) == (200, {})
    missing = await keyed(raw, "PUT")
    assert (missing.status, missing.body) == (
        400,
        {"code": -1125, "msg": "This listenKey does not exist."},
    )
    assert await new_key(raw) != key


async def test_listen_key_needs_an_api_key_but_no_signature(raw: RawClient) -> None:
    anonymous = await raw.send("POST", PATH)
    assert anonymous.status == 401 and anonymous.body["code"] == -2014
    unknown = await raw.send("POST", PATH, headers={"X-MBX-APIKEY": "nobody"})
    assert unknown.status == 401 and unknown.body["code"] == -2015
    wrong = await keyed(raw, "PUT", query="listenKey=" + "A" * 64)
    assert wrong.body == {"code": -1125, "msg": "This listenKey does not exist."}


async def test_order_and_account_events_agree_with_rest(
    raw: RawClient, session: aiohttp.ClientSession
) -> None:
    key = await new_key(raw)
    ws = await session.ws_connect(f"{raw.emu.ws_url('futures')}/private/ws?listenKey={key}")
    bid = await best_bid(raw, "/fapi/v1/depth", "ETHUSDT")
    placed = await raw.signed("POST", "/fapi/v1/order", limit_buy("ETHUSDT", "0.5", bid, "f-1"))
    assert placed.status == 200, placed.body

    (new,) = await frames(ws, 1)  # a resting order moves no wallet: no ACCOUNT_UPDATE
    assert (new["e"], new["o"]["x"], new["o"]["X"], new["o"]["c"], new["o"]["i"]) == (
        "ORDER_TRADE_UPDATE",
        "NEW",
        "NEW",
        "f-1",
        placed.body["orderId"],
    )
    assert D(new["o"]["b"]) == bid * D("0.5") and new["o"]["a"] == "0"

    raw.emu.move_to("futures", "ETHUSDT", bid * D("0.99"))
    got = await frames_until(ws, "ACCOUNT_UPDATE")
    trades = [f["o"] for f in got if f["e"] == "ORDER_TRADE_UPDATE"]
    assert trades and all(t["x"] == "TRADE" for t in trades)
    assert [f["e"] for f in got][-1] == "ACCOUNT_UPDATE"

    ref = [("symbol", "ETHUSDT"), ("orderId", str(placed.body["orderId"]))]
    rest = (await raw.signed("GET", "/fapi/v1/order", ref)).body
    last = trades[-1]
    assert (last["X"], last["z"], last["ap"], last["q"], last["p"], last["T"]) == (
        rest["status"],
        rest["executedQty"],
        rest["avgPrice"],
        rest["origQty"],
        rest["price"],
        rest["updateTime"],
    )
    assert (last["S"], last["o"], last["f"], last["ps"], last["R"], last["ot"]) == (
        rest["side"],
        rest["type"],
        rest["timeInForce"],
        rest["positionSide"],
        rest["reduceOnly"],
        rest["origType"],
    )
    user_trades = (await raw.signed("GET", "/fapi/v1/userTrades", ref)).body
    assert [(t["t"], t["l"], t["L"], t["n"], t["N"], t["m"], t["rp"]) for t in trades] == [
        (
            u["id"],
            u["qty"],
            u["price"],
            u["commission"],
            u["commissionAsset"],
            u["maker"],
            u["realizedPnl"],
        )
        for u in user_trades
    ]

    update = got[-1]["a"]
    assert update["m"] == "ORDER"
    (usdt,) = (await raw.signed("GET", "/fapi/v2/balance")).body
    assert update["B"] == [{"a": "USDT", "wb": usdt["balance"], "cw": usdt["balance"], "bc": "0"}]
    (risk,) = (await raw.signed("GET", "/fapi/v2/positionRisk", [("symbol", "ETHUSDT")])).body
    (leg,) = update["P"]
    assert (leg["s"], leg["ps"], leg["pa"], leg["ep"], leg["cr"]) == (
        "ETHUSDT",
        risk["positionSide"],
        risk["positionAmt"],
        risk["entryPrice"],
        "0",
    )

    closed = await raw.signed(
        "POST",
        "/fapi/v1/order",
        [("symbol", "ETHUSDT"), ("side", "SELL"), ("type", "MARKET"), ("quantity", "0.5")],
    )
    assert closed.status == 200, closed.body
    got = await frames_until(ws, "ACCOUNT_UPDATE")
    (flat,) = got[-1]["a"]["P"]
    realized = sum(D(f["o"]["rp"]) for f in got if f["e"] == "ORDER_TRADE_UPDATE")
    assert (flat["pa"], flat["ep"], D(flat["cr"])) == ("0", "0", realized)
    await ws.close()


async def test_events_filter_combined_frames_and_account_isolation(
    raw: RawClient, session: aiohttp.ClientSession
) -> None:
    base = raw.emu.ws_url("futures")
    key1, key2 = await new_key(raw), await new_key(raw, account=1)
    filtered = await session.ws_connect(
        f"{base}/private/ws?listenKey={key1}&events=ORDER_TRADE_UPDATE"
    )
    combined = await session.ws_connect(f"{base}/private/stream?listenKey={key1}")
    second = await session.ws_connect(f"{base}/private/ws?listenKey={key2}")

    bid = await best_bid(raw, "/fapi/v1/depth", "BTCUSDT")
    low = (bid * D("0.9")).quantize(D("0.1"))
    placed = await raw.signed("POST", "/fapi/v1/order", limit_buy("BTCUSDT", "0.01", bid, "i-1"))
    assert placed.status == 200
    raw.emu.move_to("futures", "BTCUSDT", bid * D("0.99"))
    other = await raw.signed(
        "POST",
        "/fapi/v1/order",
        limit_buy("BTCUSDT", "0.01", low, "i-2"),
        api_key=DEFAULT_ACCOUNTS[1].api_key,
        secret=DEFAULT_ACCOUNTS[1].secret,
    )
    assert other.status == 200, other.body

    wrapped: list[dict[str, Any]] = []
    while not wrapped or wrapped[-1]["data"]["e"] != "ACCOUNT_UPDATE":
        wrapped.extend(await frames(combined, 1))
    assert {w["stream"] for w in wrapped} == {key1}
    orders = [w["data"] for w in wrapped if w["data"]["e"] == "ORDER_TRADE_UPDATE"]
    # the filtered socket gets the same order events and no ACCOUNT_UPDATE
    assert await frames(filtered, len(orders)) == orders
    assert all(o["o"]["c"] == "i-1" for o in orders)
    # account 2's socket sees its own order first: nothing of account 1 came before it
    (mine,) = await frames(second, 1)
    assert (mine["o"]["c"], mine["o"]["x"]) == ("i-2", "NEW")
    # and nothing of account 2 reached account 1's filtered socket: a new account-1 order is next
    again = await raw.signed("POST", "/fapi/v1/order", limit_buy("BTCUSDT", "0.01", low, "i-3"))
    assert again.status == 200
    (after,) = await frames(filtered, 1)
    assert after["o"]["c"] == "i-3"


async def test_a_lapsed_key_announces_itself_closes_and_answers_1125(
    raw: RawClient, session: aiohttp.ClientSession
) -> None:
    raw.emu.user_streams.set_listen_key_validity(0.3)
    key = await new_key(raw)
    ws = await session.ws_connect(f"{raw.emu.ws_url('futures')}/private/ws?listenKey={key}")
    notice = json.loads(await ws.receive_str(timeout=WAIT_S))
    assert notice["e"] == "listenKeyExpired" and notice["listenKey"] == key
    assert isinstance(notice["E"], str) and notice["E"].isdigit()
    closing = await ws.receive(timeout=WAIT_S)
    assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    missing = await keyed(raw, "PUT")
    assert missing.body == {"code": -1125, "msg": "This listenKey does not exist."}
    raw.emu.user_streams.set_listen_key_validity(3600)
    fresh = await new_key(raw)
    assert fresh != key
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await session.ws_connect(f"{raw.emu.ws_url('futures')}/private/ws?listenKey={key}")
    assert refused.value.status == 400


async def test_forced_expiry_reaches_the_legacy_path_and_keepalive_cannot_revive(
    raw: RawClient, session: aiohttp.ClientSession
) -> None:
    key = await new_key(raw)
    other = await new_key(raw, account=1)
    legacy = await session.ws_connect(f"{raw.emu.ws_url('futures')}/ws/{key}")
    routed = await session.ws_connect(f"{raw.emu.ws_url('futures')}/private/ws/{other}")
    raw.emu.stream_faults.expire_listen_key()
    for ws, expected in ((legacy, key), (routed, other)):
        notice = json.loads(await ws.receive_str(timeout=WAIT_S))
        assert (notice["e"], notice["listenKey"]) == ("listenKeyExpired", expected)
        closing = await ws.receive(timeout=WAIT_S)
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    assert (await keyed(raw, "PUT")).body["code"] == -1125
    assert (await keyed(raw, "PUT", account=1)).body["code"] == -1125
    assert await new_key(raw) != key


async def test_deleted_key_closes_its_socket(
    raw: RawClient, session: aiohttp.ClientSession
) -> None:
    key = await new_key(raw)
    ws = await session.ws_connect(f"{raw.emu.ws_url('futures')}/private/ws?listenKey={key}")
    assert (await keyed(raw, "DELETE")).status == 200
    closing = await ws.receive(timeout=WAIT_S)
    assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


async def test_listen_key_route_wins_only_for_key_shaped_segments(emu: BinanceEmulator) -> None:
    router = emu.fstream_app.router
    key_route = await router.resolve(make_mocked_request("GET", "/ws/" + "a1" * 32))
    stream_route = await router.resolve(make_mocked_request("GET", "/ws/btcusdt@depth"))
    assert key_route.route.resource is not None
    assert key_route.route.resource.canonical == "/ws/{key}"
    # the public streams' `/ws/<stream>` route still gets stream names
    assert stream_route.http_exception is None
    assert stream_route.route.resource is not None
    assert stream_route.route.resource.canonical != "/ws/{key}"
