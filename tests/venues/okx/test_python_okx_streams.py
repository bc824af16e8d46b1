"""python-okx's stream clients at their default settings against the emulator:
`WsPublicAsync` (books, trades, tickers) and `WsPrivateAsync` (login, then the orders,
positions and account channels following a filled swap order; an order placed, amended
and cancelled over the private socket).

Both take the stream URL as an argument, so they reach the emulator's paths as given.
One client-side override, for the reason that python-okx's `WebSocketFactory` always
connects with a TLS context holding certifi's CA bundle: the websockets library refuses
a TLS context for a `ws://` URL, and no certificate the emulator could serve verifies
against certifi's public CAs, so no argument reaches a non-production host. The tests
replace the factory's `websockets` reference (pytest's monkeypatch) with one whose
`connect` drops the TLS context for `ws://` URLs; everything else is python-okx's own.
`WsPrivateAsync.subscribe` logs in and then waits 5 s by itself before subscribing.

The python-okx clients run on this test's event loop; their callbacks queue each
message for the test."""

from __future__ import annotations

import asyncio
import json
import types
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import okx.websocket.WebSocketFactory as okx_factory
import pytest
import websockets
from okx.websocket.WsPrivateAsync import WsPrivateAsync
from okx.websocket.WsPublicAsync import WsPublicAsync

from tradeport.emulator.engine import OrderRequest
from tradeport.venues.okx.emulator import OkxEmulator

WAIT = 15.0  # above the 5 s python-okx waits between its login and its subscribe
Message = dict[str, Any]
SPOT, SWAP = "BTC-USDT", "BTC-USDT-SWAP"


def _connect(url: str, ssl: object = None, **kwargs: Any) -> Any:
    """websockets.connect without the TLS context python-okx adds to a ws:// URL."""
    if url.startswith("ws://"):
        return websockets.connect(url, **kwargs)
    return websockets.connect(url, ssl=ssl, **kwargs)


class Inbox:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[Message] = asyncio.Queue()

    def __call__(self, text: str) -> None:
        self.queue.put_nowait(json.loads(text))

    async def until(self, match: Callable[[Message], bool]) -> Message:
        while True:
            message = await asyncio.wait_for(self.queue.get(), WAIT)
            assert message.get("event") != "error", message
            if match(message):
                return message

    async def each(self, *matches: Callable[[Message], bool]) -> list[Message]:
        """The first message matching each of `matches`, in whatever order they come."""
        found: dict[int, Message] = {}
        while len(found) < len(matches):
            message = await self.until(lambda m: any(f(m) for f in matches))
            for index, match in enumerate(matches):
                if index not in found and match(message):
                    found[index] = message
        return [found[i] for i in range(len(matches))]


def channel(name: str, event: str | None = None) -> Callable[[Message], bool]:
    return lambda m: m.get("arg", {}).get("channel") == name and m.get("event") == event


@pytest.fixture
async def emu(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[OkxEmulator]:
    # the one override (see the module docstring)
    monkeypatch.setattr(okx_factory, "websockets", types.SimpleNamespace(connect=_connect))
    async with OkxEmulator(step_interval=None, seed=11) as emulator:
        yield emulator


def ws_url(emu: OkxEmulator, path: str) -> str:
    return emu.base_url.replace("http://", "ws://", 1) + path


async def test_public_books_trades_and_tickers(emu: OkxEmulator) -> None:
    inbox = Inbox()
    client = WsPublicAsync(url=ws_url(emu, "/ws/v5/public"))
    await client.start()
    try:
        args = [
            {"channel": "books", "instId": SPOT},
            {"channel": "tickers", "instId": SPOT},
            {"channel": "trades", "instId": SWAP},
        ]
        await client.subscribe(args, inbox)
        book = await inbox.until(channel("books"))
        assert book["action"] == "snapshot"
        best_bid = emu.spot.depth(SPOT, 1).bids[0][0]
        assert Decimal(book["data"][0]["bids"][0][0]) == best_bid
        ticker = await inbox.until(channel("tickers"))
        assert Decimal(ticker["data"][0]["bidPx"]) == best_bid
        await inbox.until(channel("trades", "subscribe"))
        emu.swap.place(emu.keys.refs[1].engine_id, _market_buy(SWAP, Decimal("0.5")))
        trade = await inbox.until(channel("trades"))
        assert trade["data"][0]["side"] == "buy" and trade["data"][0]["instId"] == SWAP
    finally:
        await client.stop()


async def test_private_login_and_account_channels(emu: OkxEmulator) -> None:
    inbox = Inbox()
    key, secret = emu.credentials(0)
    url = ws_url(emu, "/ws/v5/private")
    client = WsPrivateAsync(apiKey=key, passphrase=emu.passphrase(0), secretKey=secret, url=url)
    await client.start()
    try:
        args = [
            {"channel": "orders", "instType": "ANY"},
            {"channel": "positions", "instType": "ANY"},
            {"channel": "account"},
        ]
        await client.subscribe(args, inbox)
        login = await inbox.until(lambda m: m.get("event") == "login")
        assert login["code"] == "0"
        for name in ("orders", "positions", "account"):
            await inbox.until(channel(name, "subscribe"))
        emu.swap.place(emu.keys.refs[0].engine_id, _market_buy(SWAP, Decimal("0.02")))
        filled, position, account = await inbox.each(
            lambda m: channel("orders")(m) and m["data"][0]["state"] == "filled",
            lambda m: channel("positions")(m) and m["data"] != [],
            lambda m: channel("account")(m) and m["eventType"] == "event_update",
        )
        assert filled["data"][0]["instId"] == SWAP
        assert position["data"][0]["instId"] == SWAP and Decimal(position["data"][0]["pos"]) > 0
        assert {d["ccy"] for d in account["data"][0]["details"]} >= {"USDT"}
    finally:
        await client.stop()


def _market_buy(inst_id: str, qty: Decimal) -> OrderRequest:
    return OrderRequest(symbol=inst_id, side="BUY", type="MARKET", qty=qty)


async def test_orders_placed_amended_and_cancelled_over_the_private_socket(
    emu: OkxEmulator,
) -> None:
    inbox = Inbox()
    key, secret = emu.credentials(0)
    url = ws_url(emu, "/ws/v5/private")
    client = WsPrivateAsync(apiKey=key, passphrase=emu.passphrase(0), secretKey=secret, url=url)
    await client.start()
    try:
        # python-okx logs in as part of subscribe; its order calls send on the socket
        await client.subscribe([{"channel": "orders", "instType": "SPOT"}], inbox)
        await inbox.until(channel("orders", "subscribe"))
        bid = emu.spot.depth(SPOT, 1).bids[0][0]
        first, second = ((bid * Decimal(f)).quantize(Decimal("0.1")) for f in ("0.99", "0.98"))
        order = {"instId": SPOT, "tdMode": "cash", "side": "buy", "ordType": "limit"}
        await client.place_order([{**order, "sz": "0.001", "px": str(first)}], id="p1")
        placed = await inbox.until(lambda m: m.get("op") == "order")
        assert (placed["id"], placed["code"]) == ("p1", "0")
        ord_id = placed["data"][0]["ordId"]
        await client.amend_order([{"instId": SPOT, "ordId": ord_id, "newPx": str(second)}])
        amended = await inbox.until(lambda m: m.get("op") == "amend-order")
        assert amended["code"] == "0"
        (resting,) = emu.spot.open_orders(emu.keys.refs[0].engine_id, SPOT)
        assert resting.price == second
        await client.cancel_order([{"instId": SPOT, "ordId": ord_id}])
        cancelled = await inbox.until(lambda m: m.get("op") == "cancel-order")
        assert cancelled["code"] == "0"
        assert emu.spot.open_orders(emu.keys.refs[0].engine_id, SPOT) == []
    finally:
        await client.stop()
