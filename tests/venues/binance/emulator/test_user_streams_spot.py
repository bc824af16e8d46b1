"""Spot user data over the WS API, against orders placed over REST (real sockets)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from tradeport.venues.binance.emulator import DEFAULT_ACCOUNTS, BinanceEmulator

from .conftest import RawClient, best_bid, limit_buy

D = Decimal
WAIT_S = 5.0  # a guard against a hung test, not a timing assertion


class WsApiClient:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse, emu: BinanceEmulator) -> None:
        self.ws = ws
        self.emu = emu
        self.early: list[dict[str, Any]] = []  # frames read while waiting for an answer
        self._ids = 0

    async def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send a request and return its answer, keeping any event that came first."""
        self._ids += 1
        request_id = f"q{self._ids}"
        frame: dict[str, Any] = {"id": request_id, "method": method}
        if params is not None:
            frame["params"] = params
        await self.ws.send_str(json.dumps(frame))
        while True:
            msg = await self.next()
            if msg.get("id") == request_id:
                return msg
            self.early.append(msg)

    async def next(self) -> dict[str, Any]:
        return json.loads(await self.ws.receive_str(timeout=WAIT_S))

    async def subscribe(self, account: int = 0, offset_ms: int = 0) -> dict[str, Any]:
        api_key, secret = DEFAULT_ACCOUNTS[account].api_key, DEFAULT_ACCOUNTS[account].secret
        params: dict[str, Any] = {"apiKey": api_key, "timestamp": self.emu.now_ms() + offset_ms}
        payload = "&".join(f"{k}={params[k]}" for k in sorted(params))
        params["signature"] = hmac.new(
            secret.encode(), payload.encode(), hashlib.sha256
        ).hexdigest()
        return await self.call("userDataStream.subscribe.signature", params)

    async def events(self, n: int) -> list[dict[str, Any]]:
        got, self.early = self.early[:n], self.early[n:]
        while len(got) < n:
            got.append(await self.next())
        return got

    async def events_until(self, done: Any) -> list[dict[str, Any]]:
        got: list[dict[str, Any]] = []
        while not got or not done(got[-1]):
            got.extend(await self.events(1))
        return got


@pytest.fixture
async def ws_api(emu: BinanceEmulator) -> AsyncIterator[Any]:
    async with aiohttp.ClientSession() as session:

        async def connect() -> WsApiClient:
            ws = await session.ws_connect(emu.ws_url("spot") + "/ws-api/v3")
            return WsApiClient(ws, emu)

        yield connect


def kind(frame: dict[str, Any]) -> str:
    return str(frame["event"]["e"])


async def test_fill_events_agree_with_rest_order_trades_and_account(
    raw: RawClient, ws_api: Any
) -> None:
    client = await ws_api()
    answer = await client.subscribe()
    assert answer == {"id": answer["id"], "status": 200, "result": {"subscriptionId": 0}}

    price = (await best_bid(raw, "/api/v3/depth", "BTCUSDT") * D("0.995")).quantize(D("0.01"))
    placed = await raw.signed("POST", "/api/v3/order", limit_buy("BTCUSDT", "0.02", price, "us-1"))
    assert placed.status == 200, placed.body
    new, funds = await client.events(2)
    assert (kind(new), kind(funds)) == ("executionReport", "outboundAccountPosition")
    assert {new["subscriptionId"], funds["subscriptionId"]} == {0}
    report = new["event"]
    assert (report["x"], report["X"], report["c"], report["i"]) == (
        "NEW",
        "NEW",
        "us-1",
        placed.body["orderId"],
    )
    assert (report["w"], report["z"], report["t"], report["N"]) == (True, "0.00000000", -1, None)
    assert [b["a"] for b in funds["event"]["B"]] == ["USDT"]
    assert D(funds["event"]["B"][0]["l"]) == price * D("0.02")

    raw.emu.move_to("spot", "BTCUSDT", price * D("0.99"))
    frames = await client.events_until(
        lambda f: (
            kind(f) == "outboundAccountPosition" and any(b["a"] == "BTC" for b in f["event"]["B"])
        )
    )
    trades = [f["event"] for f in frames if kind(f) == "executionReport"]
    assert trades and all(t["x"] == "TRADE" for t in trades)
    assert kind(frames[-1]) == "outboundAccountPosition"  # after the order's events

    ref = [("symbol", "BTCUSDT"), ("orderId", str(placed.body["orderId"]))]
    rest = (await raw.signed("GET", "/api/v3/order", ref)).body
    last = trades[-1]
    assert (last["X"], last["z"], last["Z"], last["q"], last["p"]) == (
        rest["status"],
        rest["executedQty"],
        rest["cummulativeQuoteQty"],
        rest["origQty"],
        rest["price"],
    )
    assert (last["O"], last["T"], last["o"], last["f"], last["S"]) == (
        rest["time"],
        rest["updateTime"],
        rest["type"],
        rest["timeInForce"],
        rest["side"],
    )
    assert last["w"] is False
    cumulative = D(0)
    for t in trades:
        cumulative += D(t["l"])
        assert D(t["z"]) == cumulative
    my_trades = (await raw.signed("GET", "/api/v3/myTrades", ref)).body
    assert [(t["t"], t["l"], t["L"], t["n"], t["N"], t["m"]) for t in trades] == [
        (m["id"], m["qty"], m["price"], m["commission"], m["commissionAsset"], m["isMaker"])
        for m in my_trades
    ]

    account = (await raw.signed("GET", "/api/v3/account")).body
    rest_balances = {b["asset"]: (b["free"], b["locked"]) for b in account["balances"]}
    streamed = {b["a"]: (b["f"], b["l"]) for b in frames[-1]["event"]["B"]}
    assert streamed == {a: rest_balances[a] for a in streamed}
    assert set(streamed) == {"BTC", "USDT"}


async def test_cancel_event_names_the_canceled_order(raw: RawClient, ws_api: Any) -> None:
    client = await ws_api()
    await client.subscribe()
    price = (await best_bid(raw, "/api/v3/depth", "ETHUSDT") * D("0.9")).quantize(D("0.01"))
    placed = (
        await raw.signed("POST", "/api/v3/order", limit_buy("ETHUSDT", "1", price, "c-1"))
    ).body
    await client.events(2)
    ref = [("symbol", "ETHUSDT"), ("orderId", str(placed["orderId"]))]
    assert (await raw.signed("DELETE", "/api/v3/order", ref)).status == 200
    canceled, funds = await client.events(2)
    rest = (await raw.signed("GET", "/api/v3/order", ref)).body
    event = canceled["event"]
    assert (event["x"], event["X"], event["C"], event["i"]) == (
        "CANCELED",
        rest["status"],
        "c-1",
        rest["orderId"],
    )
    assert event["T"] == rest["updateTime"]
    assert kind(funds) == "outboundAccountPosition"
    assert {b["a"]: b["l"] for b in funds["event"]["B"]} == {"USDT": "0.00000000"}


async def test_one_connection_holds_two_accounts_and_another_sees_only_its_own(
    raw: RawClient, ws_api: Any
) -> None:
    both, only_second = await ws_api(), await ws_api()
    assert (await both.subscribe(0))["result"] == {"subscriptionId": 0}
    assert (await both.subscribe(1))["result"] == {"subscriptionId": 1}
    assert (await only_second.subscribe(1))["result"] == {"subscriptionId": 0}
    listed = await both.call("session.subscriptions", {})
    assert listed["result"] == [{"subscriptionId": 0}, {"subscriptionId": 1}]

    price = (await best_bid(raw, "/api/v3/depth", "BTCUSDT") * D("0.9")).quantize(D("0.01"))
    first = (
        await raw.signed("POST", "/api/v3/order", limit_buy("BTCUSDT", "0.01", price, "a1"))
    ).body
    second_key, second_secret = DEFAULT_ACCOUNTS[1].api_key, DEFAULT_ACCOUNTS[1].secret
    second = (
        await raw.signed(
            "POST",
            "/api/v3/order",
            limit_buy("BTCUSDT", "0.01", price, "b1"),
            api_key=second_key,
            secret=second_secret,
        )
    ).body

    seen = await both.events(4)
    assert [(f["subscriptionId"], kind(f)) for f in seen] == [
        (0, "executionReport"),
        (0, "outboundAccountPosition"),
        (1, "executionReport"),
        (1, "outboundAccountPosition"),
    ]
    assert [f["event"]["i"] for f in seen if kind(f) == "executionReport"] == [
        first["orderId"],
        second["orderId"],
    ]
    # the first frame this connection gets is the second account's: none of the first's
    report, _ = await only_second.events(2)
    assert (report["subscriptionId"], report["event"]["c"]) == (0, "b1")


async def test_unsubscribe_ends_the_stream_and_stops_events(raw: RawClient, ws_api: Any) -> None:
    client = await ws_api()
    await client.subscribe()
    answer = await client.call("userDataStream.unsubscribe")
    assert answer["status"] == 200 and answer["result"] == {}
    (terminated,) = client.early
    assert terminated["subscriptionId"] == 0
    assert terminated["event"]["e"] == "eventStreamTerminated"
    client.early = []

    price = (await best_bid(raw, "/api/v3/depth", "BTCUSDT") * D("0.9")).quantize(D("0.01"))
    placed = await raw.signed("POST", "/api/v3/order", limit_buy("BTCUSDT", "0.01", price, "u1"))
    assert placed.status == 200
    # events are queued before the REST answer; the ping's answer arriving first proves none
    pong = await client.call("ping")
    assert pong == {"id": pong["id"], "status": 200, "result": {}}
    assert client.early == []


@pytest.mark.parametrize(
    ("account", "offset_ms", "tamper", "code"),
    [
        (0, 0, "signature", -1022),
        (0, -10_000, None, -1021),
        (0, 2_000, None, -1021),
        (0, 0, "apiKey", -2015),
    ],
)
async def test_bad_subscriptions_are_refused_in_the_ws_api_envelope(
    ws_api: Any, account: int, offset_ms: int, tamper: str | None, code: int
) -> None:
    client = await ws_api()
    api_key, secret = DEFAULT_ACCOUNTS[account].api_key, DEFAULT_ACCOUNTS[account].secret
    params: dict[str, Any] = {"apiKey": api_key, "timestamp": client.emu.now_ms() + offset_ms}
    payload = "&".join(f"{k}={params[k]}" for k in sorted(params))
    params["signature"] = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
    if tamper == "signature":
        params["signature"] = params["signature"][::-1]
    elif tamper == "apiKey":
        params["apiKey"] = "not-a-key"
    answer = await client.call("userDataStream.subscribe.signature", params)
    assert answer["status"] in (400, 401)
    assert answer["error"]["code"] == code
    assert "result" not in answer
