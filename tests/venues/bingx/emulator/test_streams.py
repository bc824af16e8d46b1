"""The BingX emulator's public WebSocket (PROTOCOLS.md §5.4-5.5) read off the wire with
a plain WebSocket client: gzip frames, the subscription answer, `@incrDepth` starting
with `all` and continuing one `lastUpdateId` at a time to the engine's book, trades,
bookTicker, the `Ping` heartbeat, and refused dataTypes."""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from tradeport.model import AssetType
from tradeport.venues.bingx.emulator import BingxEmulator
from tradeport.venues.bingx.emulator.streams import MISSED_PINGS, PATH

SYMBOL = "BTC-USDT"


async def receive(ws: aiohttp.ClientWebSocketResponse) -> Any:
    """The next frame, which must be gzip binary: its JSON, or the text `Ping`."""
    msg = await ws.receive(timeout=10)
    assert msg.type is aiohttp.WSMsgType.BINARY, msg
    text = gzip.decompress(msg.data)
    return text.decode() if text == b"Ping" else json.loads(text)


async def receive_data(ws: aiohttp.ClientWebSocketResponse) -> Any:
    """The next frame that is not a `Ping`: its JSON."""
    frame = await receive(ws)
    while frame == "Ping":
        frame = await receive(ws)
    return frame


@asynccontextmanager
async def public_ws(emulator: BingxEmulator) -> AsyncIterator[aiohttp.ClientWebSocketResponse]:
    """A plain WebSocket on the emulator's swap market stream."""
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(emulator.stream_url(AssetType.SWAP) + PATH) as ws,
    ):
        yield ws


def venue_symbol(emulator: BingxEmulator) -> str:
    return next(s.symbol for s in emulator.symbols if f"{s.base}-{s.quote}" == SYMBOL)


async def subscribe(ws: aiohttp.ClientWebSocketResponse, data_type: str) -> Any:
    await ws.send_str(json.dumps({"id": "req-1", "reqType": "sub", "dataType": data_type}))
    return await receive(ws)


def apply(book: dict[Decimal, Decimal], levels: list[list[str]]) -> None:
    for price, qty in levels:
        if Decimal(qty) == 0:
            book.pop(Decimal(price), None)
        else:
            book[Decimal(price)] = Decimal(qty)


def as_dict(levels: list[tuple[Decimal, Decimal]]) -> dict[Decimal, Decimal]:
    return dict(levels)


async def test_incr_depth_all_then_contiguous_updates_equal_to_the_engine(
    emulator: BingxEmulator,
) -> None:
    symbol = venue_symbol(emulator)
    async with public_ws(emulator) as ws:
        answer = await subscribe(ws, f"{SYMBOL}@incrDepth")
        assert answer == {"id": "req-1", "code": 0, "msg": "", "dataType": "", "data": None}
        first = await receive(ws)
        assert first["dataType"] == f"{SYMBOL}@incrDepth"
        assert first["data"]["action"] == "all"
        bids, asks = as_dict([]), as_dict([])
        apply(bids, first["data"]["bids"])
        apply(asks, first["data"]["asks"])
        last = first["data"]["lastUpdateId"]
        for _ in range(5):
            emulator.step()
        view = emulator.swap.depth(symbol, 1000)
        while (bids, asks) != (as_dict(view.bids), as_dict(view.asks)):
            frame = await receive_data(ws)
            data = frame["data"]
            assert data["action"] == "update"
            assert data["lastUpdateId"] == last + 1, "each update one past the previous"
            last = data["lastUpdateId"]
            apply(bids, data["bids"])
            apply(asks, data["asks"])


async def test_trades_and_book_ticker(emulator: BingxEmulator) -> None:
    symbol = venue_symbol(emulator)
    async with public_ws(emulator) as ws:
        assert (await subscribe(ws, f"{SYMBOL}@trade"))["code"] == 0
        mid = emulator.markets["swap"].mid(symbol)
        emulator.markets["swap"].move_to(symbol, mid * Decimal("1.002"))
        frame = await receive(ws)
        assert frame["dataType"] == f"{SYMBOL}@trade"
        row = frame["data"][0]
        assert set(row) == {"q", "p", "T", "m", "s"} and row["s"] == SYMBOL
        assert Decimal(row["p"]) > 0 and Decimal(row["q"]) > 0
        assert (await subscribe(ws, f"{SYMBOL}@bookTicker"))["code"] == 0
        emulator.markets["swap"].move_to(symbol, mid * Decimal("0.998"))
        top = emulator.swap.depth(symbol, 1)
        best = (top.bids[0][0], top.asks[0][0])
        # the operation's book changes each push the top they left; the last is the book's
        seen: tuple[Decimal, Decimal] | None = None
        while seen != best:
            frame = await receive(ws)
            if frame["dataType"] == f"{SYMBOL}@bookTicker":
                data = frame["data"]
                assert Decimal(data["b"]) < Decimal(data["a"])
                seen = (Decimal(data["b"]), Decimal(data["a"]))


@pytest.mark.parametrize("data_type", ["BTC-USDT@nonsense", "NOPE-USDT@trade"])
async def test_unknown_data_type_is_refused(emulator: BingxEmulator, data_type: str) -> None:
    async with public_ws(emulator) as ws:
        answer = await subscribe(ws, data_type)
        assert answer["code"] == 80015 and answer["id"] == "req-1"


async def test_ping_heartbeat(fast_emulator: BingxEmulator) -> None:
    async with public_ws(fast_emulator) as ws:
        assert await receive(ws) == "Ping"
        await ws.send_str("Pong")
        assert await receive(ws) == "Ping"


async def test_a_connection_that_stops_answering_pings_is_closed(
    fast_emulator: BingxEmulator,
) -> None:
    async with public_ws(fast_emulator) as ws:
        assert await receive(ws) == "Ping"
        await ws.send_str("Pong")  # answered once, then never again
        pings = 0
        while (msg := await ws.receive(timeout=10)).type is aiohttp.WSMsgType.BINARY:
            assert gzip.decompress(msg.data) == b"Ping"
            pings += 1
        assert msg.type is aiohttp.WSMsgType.CLOSE
        assert pings == MISSED_PINGS
    assert fast_emulator.streams.hub.unanswering == 1


async def test_a_connection_that_answers_every_ping_stays_open(
    fast_emulator: BingxEmulator,
) -> None:
    async with public_ws(fast_emulator) as ws:
        for _ in range(MISSED_PINGS * 3):
            assert await receive(ws) == "Ping"
            await ws.send_str("Pong")
        assert not ws.closed
    assert fast_emulator.streams.hub.unanswering == 0


async def test_ticker_is_the_engines_24h_statistics(emulator: BingxEmulator) -> None:
    symbol = venue_symbol(emulator)
    async with public_ws(emulator) as ws:
        assert (await subscribe(ws, f"{SYMBOL}@ticker"))["code"] == 0
        frame = await receive_data(ws)
        assert frame["dataType"] == f"{SYMBOL}@ticker"
        data = frame["data"]
        stats = emulator.swap.ticker_24h(symbol)
        assert (data["e"], data["s"]) == ("24hTicker", SYMBOL)
        assert Decimal(data["c"]) == stats.last and Decimal(data["v"]) == stats.volume
        assert (Decimal(data["B"]), Decimal(data["A"])) == (stats.bid, stats.ask)


async def test_kline_pushes_the_current_bar_and_its_changes(emulator: BingxEmulator) -> None:
    symbol = venue_symbol(emulator)
    async with public_ws(emulator) as ws:
        assert (await subscribe(ws, f"{SYMBOL}@kline_1m"))["code"] == 0
        first = await receive_data(ws)
        assert (first["dataType"], first["s"]) == (f"{SYMBOL}@kline_1m", SYMBOL)
        (bar,) = first["data"]
        now = emulator.swap.now_ms()
        assert bar["T"] == now - now % 60_000
        market = emulator.markets["swap"]
        market.move_to(symbol, market.mid(symbol) * Decimal("1.003"))
        (current,) = emulator.swap.klines(symbol, 60_000, bar["T"], bar["T"], 1)
        while True:  # the bar as it moved (a turn of the minute pushes the next one)
            frame = await receive_data(ws)
            (moved,) = frame["data"]
            if moved["T"] != bar["T"] or Decimal(moved["c"]) == current.close:
                break
        assert moved["T"] != bar["T"] or Decimal(moved["h"]) == current.high
