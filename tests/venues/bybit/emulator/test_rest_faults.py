"""Injected REST faults answer in Bybit's envelope, and the fault plan counts requests by
"METHOD /path" (as the conformance suite reads them)."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from tradeport.emulator.faults import DropAfter, ErrorAfter, ErrorBefore, Latency, TimeoutAfter
from tradeport.venues.bybit.emulator import BybitEmulator

from .conftest import RawClient, touch

CREATE = "POST /v5/order/create"


async def open_orders(raw: RawClient, symbol: str) -> list[dict[str, object]]:
    reply = await raw.get("/v5/order/realtime", category="linear", symbol=symbol)
    rows: list[dict[str, object]] = reply.result["list"]
    return rows


async def test_error_before_answers_the_envelope_and_places_nothing(
    emu: BybitEmulator, raw: RawClient
) -> None:
    emu.faults.arm(CREATE, ErrorBefore(503, 10016, "Internal System Error.", retry_after=2))
    bid, _ = touch(emu, "linear", "BTCUSDT")
    reply = await raw.order("linear", "BTCUSDT", "Buy", "0.01", str(bid - 100))
    assert reply.status == 503 and reply.headers["Retry-After"] == "2"
    assert (reply.body["retCode"], reply.body["retMsg"], reply.body["result"]) == (
        10016,
        "Internal System Error.",
        {},
    )
    assert await open_orders(raw, "BTCUSDT") == []
    assert emu.faults.seen[CREATE] == 1


async def test_error_after_places_the_order_behind_the_error(
    emu: BybitEmulator, raw: RawClient
) -> None:
    emu.faults.arm(CREATE, ErrorAfter(500, "10016", "Internal System Error."))
    bid, _ = touch(emu, "linear", "BTCUSDT")
    reply = await raw.order("linear", "BTCUSDT", "Buy", "0.01", str(bid - 100), orderLinkId="kept")
    assert (reply.status, reply.body["retCode"]) == (500, 10016)
    (row,) = await open_orders(raw, "BTCUSDT")
    assert row["orderLinkId"] == "kept"
    # the retry a careful client makes with the same link id is refused as a duplicate
    retry = await raw.order("linear", "BTCUSDT", "Buy", "0.01", str(bid - 100), orderLinkId="kept")
    assert retry.code == 110072
    assert emu.faults.seen[CREATE] == 2


async def test_drop_after_closes_the_connection_once_the_order_exists(
    emu: BybitEmulator, raw: RawClient
) -> None:
    emu.faults.arm(CREATE, DropAfter())
    bid, _ = touch(emu, "linear", "ETHUSDT")
    with pytest.raises(aiohttp.ClientError):
        await raw.order("linear", "ETHUSDT", "Buy", "0.1", str(bid - 10), orderLinkId="dropped")
    (row,) = await open_orders(raw, "ETHUSDT")
    assert row["orderLinkId"] == "dropped"


async def test_timeout_after_holds_the_answer_past_the_clients_patience(
    emu: BybitEmulator, raw: RawClient
) -> None:
    emu.faults.arm(CREATE, TimeoutAfter(30))
    bid, _ = touch(emu, "linear", "ETHUSDT")
    with pytest.raises(asyncio.TimeoutError):
        async with asyncio.timeout(0.5):
            await raw.order("linear", "ETHUSDT", "Buy", "0.1", str(bid - 10), orderLinkId="late")
    (row,) = await open_orders(raw, "ETHUSDT")
    assert row["orderLinkId"] == "late"
    emu.faults.clear()  # releases the held answer


async def test_latency_delays_but_answers(emu: BybitEmulator, raw: RawClient) -> None:
    emu.faults.arm("GET /v5/market/orderbook", Latency(0.05))
    reply = await raw.public("/v5/market/orderbook", category="linear", symbol="BTCUSDT")
    assert reply.code == 0 and reply.result["s"] == "BTCUSDT"
    assert emu.faults.seen["GET /v5/market/orderbook"] == 1
    assert [f.request for f in emu.faults.fired] == ["GET /v5/market/orderbook"]


async def test_faults_armed_over_the_admin_endpoint(emu: BybitEmulator, raw: RawClient) -> None:
    async with raw.session.post(
        emu.base_url + "/_emulator/fault",
        headers=emu.admin_headers(),
        json={"match": "GET /v5/market/time", "kind": "error_before", "status": 429,
              "code": 10429, "msg": "System frequency protection", "times": 2},
    ) as resp:  # fmt: skip
        assert resp.status == 200
    statuses = [(await raw.public("/v5/market/time")).status for _ in range(3)]
    assert statuses == [429, 429, 200]
