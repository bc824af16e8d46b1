"""python-binance's AsyncClient and BinanceSocketManager at their defaults against the
Binance emulator's WebSocket hosts: depth, trade and kline streams and the user data
socket, on spot and on USDⓈ-M.

Client-side overrides, for the reason that python-binance builds every host from
`wss://stream.binance.{tld}:9443/`, `wss://fstream.binance.{tld}/`,
`wss://ws-api.binance.{tld}/ws-api/v3` and `https://api.binance.{tld}` templates (its
`testnet=True` points at Binance's own testnet hosts, not at a chosen one): subclasses of
AsyncClient and BinanceSocketManager whose URL templates are the emulator's. The socket
paths, stream names, listen-key and WS API calls are all the SDK's own. Streams push on
the emulator's clock, sped up tenfold (`stream_time_scale`), a server setting. Leaving a
socket takes the SDK up to its 10 s read timeout when the socket is quiet (it waits for
its read loop to notice), so these tests spend most of their time closing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from binance import AsyncClient, BinanceSocketManager

from tradeport.venues.binance.emulator import BinanceEmulator

WAIT = 10.0  # seconds an expected frame may take before the test fails


async def emulator_client(emu: BinanceEmulator) -> tuple[Any, Any]:
    base = emu.base_url.rstrip("/")
    spot_ws, futures_ws = emu.ws_url("spot"), emu.ws_url("futures")
    client_cls = type(
        "EmulatorAsyncClient",
        (AsyncClient,),
        {
            "API_URL": f"{base}/api",
            "MARGIN_API_URL": f"{base}/sapi",
            "FUTURES_URL": f"{base}/fapi",
            "FUTURES_DATA_URL": f"{base}/futures/data",
            "WS_API_URL": f"{spot_ws}/ws-api/v3",
        },
    )
    client = await client_cls.create(*emu.credentials(0))
    manager_cls = type(
        "EmulatorSocketManager",
        (BinanceSocketManager,),
        {"STREAM_URL": f"{spot_ws}/", "FSTREAM_URL": f"{futures_ws}/"},
    )
    return client, manager_cls(client)


@pytest.fixture
async def sdk() -> AsyncIterator[tuple[BinanceEmulator, Any, Any]]:
    async with BinanceEmulator(step_interval=None, seed=11, stream_time_scale=0.1) as emu:
        client, manager = await emulator_client(emu)
        try:
            yield emu, client, manager
        finally:
            await client.close_connection()


async def next_event(socket: Any, event: str) -> dict[str, Any]:
    """The socket's next message whose event type is `event` (others pass by)."""

    async def find() -> dict[str, Any]:
        while True:
            msg = await socket.recv()
            body = msg.get("data", msg) if isinstance(msg, dict) else msg
            if isinstance(body, dict) and body.get("e") == event:
                return body

    return await asyncio.wait_for(find(), WAIT)


async def test_spot_streams_and_user_socket(sdk: tuple[BinanceEmulator, Any, Any]) -> None:
    _emu, client, bsm = sdk
    async with (
        bsm.trade_socket("BTCUSDT") as trades,
        bsm.depth_socket("BTCUSDT") as depth,
        bsm.kline_socket("BTCUSDT") as klines,
        bsm.user_socket() as user,
    ):
        order = await client.create_order(
            symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.001"
        )
        assert order["status"] == "FILLED"
        trade = await next_event(trades, "trade")
        assert trade["s"] == "BTCUSDT" and trade["p"] == order["fills"][0]["price"]
        assert {"E", "t", "q", "T", "m", "M"} <= set(trade)
        diff = await next_event(depth, "depthUpdate")
        assert diff["u"] >= diff["U"] and {"b", "a"} <= set(diff)
        bar = await next_event(klines, "kline")
        assert bar["k"]["i"] == "1m" and bar["k"]["s"] == "BTCUSDT"
        report = await next_event(user, "executionReport")
        assert report["i"] == order["orderId"] and report["X"] in ("NEW", "FILLED")
        balance = await next_event(user, "outboundAccountPosition")
        assert {b["a"] for b in balance["B"]} >= {"BTC", "USDT"}


async def test_futures_streams_and_user_socket(sdk: tuple[BinanceEmulator, Any, Any]) -> None:
    _emu, client, bsm = sdk
    async with (
        bsm.aggtrade_futures_socket("BTCUSDT") as trades,
        bsm.futures_depth_socket("BTCUSDT") as depth,
        bsm.kline_futures_socket("BTCUSDT") as klines,
        bsm.futures_user_socket() as user,
    ):
        order = await client.futures_create_order(
            symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.002"
        )
        trade = await next_event(trades, "aggTrade")
        assert trade["s"] == "BTCUSDT" and {"a", "p", "q", "f", "l", "T", "m"} <= set(trade)
        book = await next_event(depth, "depthUpdate")
        assert book["s"] == "BTCUSDT" and len(book["b"]) == 10
        bar = await next_event(klines, "continuous_kline")
        assert bar["ps"] == "BTCUSDT" and bar["ct"] == "PERPETUAL"
        update = await next_event(user, "ORDER_TRADE_UPDATE")
        assert update["o"]["i"] == order["orderId"]
        account = await next_event(user, "ACCOUNT_UPDATE")
        assert any(p["s"] == "BTCUSDT" for p in account["a"]["P"])
