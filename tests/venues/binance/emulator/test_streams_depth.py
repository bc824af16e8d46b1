"""Diff-depth streams keep a client's book equal to the engine's (§1.5 spot, §2.5 USDⓈ-M).

A client follows the documented procedure: open the stream, buffer events, take the REST
snapshot, drop what the snapshot already holds, then apply the rest. After the market
moves and the stream catches up to the engine's update id, the client's book must be
the engine's level for level.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from tradeport.venues.binance.emulator import BinanceEmulator
from tradeport.venues.binance.emulator.calls import Market

from .conftest import receive_json, running

WAIT = 5.0
Book = dict[str, dict[Decimal, Decimal]]


@pytest.fixture
async def emu() -> AsyncIterator[BinanceEmulator]:
    # stream time runs 10x fast: a 1000 ms depth stream pushes every 100 ms
    async for emulator in running(seed=5, stream_time_scale=0.1):
        yield emulator


def apply(book: Book, event: dict[str, Any]) -> None:
    for side, key in (("bids", "b"), ("asks", "a")):
        for price, qty in event[key]:
            if Decimal(qty) == 0:
                book[side].pop(Decimal(price), None)
            else:
                book[side][Decimal(price)] = Decimal(qty)


def engine_book(emu: BinanceEmulator, market: str, symbol: str) -> tuple[int, Book]:
    engine = emu.spot if market == "spot" else emu.futures
    view = engine.depth(symbol, 5000)
    return view.update_id, {"bids": dict(view.bids), "asks": dict(view.asks)}


async def snapshot(session: aiohttp.ClientSession, url: str) -> tuple[int, Book]:
    async with session.get(url) as resp:
        body = await resp.json()
    book: Book = {
        side: {Decimal(p): Decimal(q) for p, q in body[side]} for side in ("bids", "asks")
    }
    return body["lastUpdateId"], book


async def test_spot_diff_depth_rebuilds_the_engine_book(
    emu: BinanceEmulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(emu.ws_url("spot") + "/ws/btcusdt@depth@100ms") as ws:
        emu.step(3)
        first = await receive_json(ws)
        buffered = [first]
        last_id, book = await snapshot(
            session, emu.base_url + "/api/v3/depth?symbol=BTCUSDT&limit=5000"
        )
        assert last_id >= first["U"]  # else the procedure says: fetch the snapshot again
        local = last_id
        for _ in range(4):
            emu.step(2)
            emu.move_to("spot", "BTCUSDT", emu.spot.mark_price("BTCUSDT") * Decimal("1.0004"))
        target, expected = engine_book(emu, "spot", "BTCUSDT")
        applied = 0
        while local < target:
            event = buffered.pop(0) if buffered else await receive_json(ws)
            assert event["e"] == "depthUpdate" and event["s"] == "BTCUSDT"
            assert "pu" not in event  # spot has no pu (§1.5)
            if event["u"] <= local:
                continue
            assert event["U"] == local + 1, "a gap in a stream that had no fault"
            apply(book, event)
            local = event["u"]
            applied += 1
        assert local == target and applied >= 1
        assert book == expected


async def test_futures_diff_depth_chains_pu_and_rebuilds_the_engine_book(
    emu: BinanceEmulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(emu.ws_url("futures") + "/public/ws/btcusdt@depth") as ws:
        emu.step(3)
        first = await receive_json(ws)
        buffered = [first]
        last_id, book = await snapshot(
            session, emu.base_url + "/fapi/v1/depth?symbol=BTCUSDT&limit=1000"
        )
        for _ in range(4):
            emu.step(2)
            emu.move_to("futures", "BTCUSDT", emu.futures.mark_price("BTCUSDT") * Decimal("0.9996"))
        target, expected = engine_book(emu, "futures", "BTCUSDT")
        previous_u: int | None = None
        synced = False
        while previous_u is None or previous_u < target:
            event = buffered.pop(0) if buffered else await receive_json(ws)
            assert set(event) >= {"e", "E", "T", "s", "U", "u", "pu", "b", "a"}
            if previous_u is not None:
                assert event["pu"] == previous_u  # §2.5 step 5, on every event
            previous_u = event["u"]
            if event["u"] < last_id:
                continue
            if not synced:
                assert event["U"] <= last_id <= event["u"]
                synced = True
            apply(book, event)
        assert previous_u == target and synced
        assert book == expected


async def test_partial_depth_spot_and_futures_shapes(
    emu: BinanceEmulator, session: aiohttp.ClientSession
) -> None:
    async with session.ws_connect(emu.ws_url("spot") + "/ws/ethusdt@depth5@100ms") as ws:
        event = await receive_json(ws)
        view = emu.spot.depth("ETHUSDT", 5)
        assert set(event) == {"lastUpdateId", "bids", "asks"}
        assert event["lastUpdateId"] == view.update_id
        assert [[Decimal(p), Decimal(q)] for p, q in event["bids"]] == [list(x) for x in view.bids]
        assert len(event["asks"]) == 5
    url = emu.ws_url("futures") + "/public/stream?streams=ethusdt@depth10@100ms"
    async with session.ws_connect(url) as ws:
        emu.step()
        wrapped = await receive_json(ws)
        assert wrapped["stream"] == "ethusdt@depth10@100ms"
        event = wrapped["data"]
        assert event["e"] == "depthUpdate" and event["s"] == "ETHUSDT"
        assert event["U"] <= event["u"] and len(event["b"]) == 10 and len(event["a"]) == 10
        best_bid = Decimal(event["b"][0][0])
        assert best_bid < Decimal(event["a"][0][0])


async def last_book_ticker(
    emu: BinanceEmulator, session: aiohttp.ClientSession, market: Market, path: str
) -> dict[str, Any]:
    """Move the market, then read bookTicker events up to the engine's current top."""
    engine = emu.spot if market == "spot" else emu.futures
    async with session.ws_connect(emu.ws_url(market) + path) as ws:
        await ws.send_str('{"method":"LIST_SUBSCRIPTIONS","id":1}')
        assert (await receive_json(ws))["result"] == ["btcusdt@bookTicker"]
        emu.move_to(market, "BTCUSDT", engine.mark_price("BTCUSDT") * Decimal("1.001"))
        view = engine.depth("BTCUSDT", 1)
        top = [view.bids[0][0], view.bids[0][1], view.asks[0][0], view.asks[0][1]]
        event = await receive_json(ws)
        # every top-of-book change is pushed, so the last push shows the current top
        while [Decimal(event[k]) for k in "bBaA"] != top:
            event = await receive_json(ws)
    assert event["u"] <= view.update_id
    return event


async def test_book_ticker_follows_the_top_of_book(
    emu: BinanceEmulator, session: aiohttp.ClientSession
) -> None:
    spot_event = await last_book_ticker(emu, session, "spot", "/ws/btcusdt@bookTicker")
    spot_view = emu.spot.depth("BTCUSDT", 1)
    assert set(spot_event) == {"u", "s", "b", "B", "a", "A"}
    assert Decimal(spot_event["b"]) == spot_view.bids[0][0]
    assert Decimal(spot_event["A"]) == spot_view.asks[0][1]
    path = "/public/ws/btcusdt@bookTicker"
    futures_event = await last_book_ticker(emu, session, "futures", path)
    futures_view = emu.futures.depth("BTCUSDT", 1)
    assert futures_event["e"] == "bookTicker" and {"E", "T"} <= set(futures_event)
    assert Decimal(futures_event["a"]) == futures_view.asks[0][0]


async def test_depth_streams_of_other_symbols_do_not_interfere(
    emu: BinanceEmulator, session: aiohttp.ClientSession
) -> None:
    url = emu.ws_url("spot") + "/stream?streams=btcusdt@depth@100ms/ethusdt@depth@100ms"
    async with session.ws_connect(url) as ws:
        emu.step(2)
        seen: dict[str, dict[str, Any]] = {}
        async with asyncio.timeout(WAIT):
            while len(seen) < 2:
                wrapped = await receive_json(ws)
                seen[wrapped["stream"]] = wrapped["data"]
    assert seen["btcusdt@depth@100ms"]["s"] == "BTCUSDT"
    assert seen["ethusdt@depth@100ms"]["s"] == "ETHUSDT"
