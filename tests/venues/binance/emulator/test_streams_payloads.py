"""Payloads of the trade, aggTrade, kline, ticker and markPrice streams against the
engine's own record of the same trades and prices. The stream clock is driven by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest

from tradeport.emulator.orders import OrderRequest
from tradeport.venues.binance.emulator import BinanceEmulator
from tradeport.venues.binance.emulator.calls import Market
from tradeport.venues.binance.emulator.stream_hub import BASE_TICK_MS

from .conftest import advance, receive_json, running

WAIT = 5.0


@pytest.fixture
async def emu() -> AsyncIterator[BinanceEmulator]:
    async for emulator in running(seed=4, stream_time_scale=10_000):
        yield emulator


async def open_streams(
    emu: BinanceEmulator, session: aiohttp.ClientSession, market: Market, path: str
) -> aiohttp.ClientWebSocketResponse:
    ws = await session.ws_connect(emu.ws_url(market) + path)
    await ws.send_str('{"method":"LIST_SUBSCRIPTIONS","id":1}')
    assert "result" in await receive_json(ws)
    return ws


async def test_trades_aggregates_and_klines_match_the_tape(
    emu: BinanceEmulator, session: aiohttp.ClientSession
) -> None:
    path = "/stream?streams=btcusdt@trade/btcusdt@aggTrade/btcusdt@kline_1m"
    ws = await open_streams(emu, session, "spot", path)
    before = emu.spot.recent_trades("BTCUSDT", 1)[0].trade_id
    # one market buy sweeping several ask levels: several fills, several prices
    asks = emu.spot.depth("BTCUSDT", 4).asks
    size = sum(q for _, q in asks[:3]) + asks[3][1] / 2
    emu.spot.place(emu.keys.refs[0].engine_id, OrderRequest("BTCUSDT", "BUY", "MARKET", size))
    tape = [t for t in emu.spot.recent_trades("BTCUSDT", 1000) if t.trade_id > before]
    assert len({t.price for t in tape}) == 4
    last_id = tape[-1].trade_id
    trades: list[dict[str, Any]] = []
    aggs: list[dict[str, Any]] = []
    bars: list[dict[str, Any]] = []
    while not trades or trades[-1]["t"] < last_id or not aggs or aggs[-1]["l"] < last_id:
        wrapped = await receive_json(ws)
        {"btcusdt@trade": trades, "btcusdt@aggTrade": aggs, "btcusdt@kline_1m": bars}[
            wrapped["stream"]
        ].append(wrapped["data"])
    assert [t["t"] for t in trades] == [t.trade_id for t in tape]
    first = trades[0]
    assert first["e"] == "trade" and first["s"] == "BTCUSDT" and first["M"] is True
    assert Decimal(first["p"]) == tape[0].price and Decimal(first["q"]) == tape[0].qty
    assert first["m"] is tape[0].buyer_is_maker
    # aggregates cover the trades once, in order, each at one price
    covered = [i for a in aggs for i in range(a["f"], a["l"] + 1)]
    assert covered == [t.trade_id for t in tape]
    by_id = {t.trade_id: t for t in tape}
    for agg in aggs:
        group = [by_id[i] for i in range(agg["f"], agg["l"] + 1)]
        assert {t.price for t in group} == {Decimal(agg["p"])}
        assert sum(t.qty for t in group) == Decimal(agg["q"])
    assert [a["a"] for a in aggs] == list(range(aggs[0]["a"], aggs[0]["a"] + len(aggs)))
    # the kline pushed after the last trade closes at its price, still open
    while not bars or bars[-1]["k"]["L"] < last_id:
        bars.append((await receive_json(ws))["data"])
    bar = bars[-1]["k"]
    assert bar["i"] == "1m" and bar["x"] is False
    assert Decimal(bar["c"]) == tape[-1].price
    assert bar["T"] == bar["t"] + 59_999
    # once the minute is over, the bar is pushed closed
    emu.clock_skew_ms += 60_000
    advance(emu, "spot", BASE_TICK_MS)
    closed = (await receive_json(ws))["data"]["k"]
    assert closed["x"] is True and closed["t"] == bar["t"] and closed["c"] == bar["c"]
    await ws.close()


async def test_tickers_push_every_second(
    emu: BinanceEmulator, session: aiohttp.ClientSession
) -> None:
    ws = await open_streams(emu, session, "spot", "/ws/ethusdt@ticker/ethusdt@miniTicker")
    emu.step(3)
    advance(emu, "spot", 950)
    advance(emu, "spot", 50)  # the 1000 ms mark
    stats = emu.spot.ticker_24h("ETHUSDT")
    events = {e["e"]: e for e in [await receive_json(ws), await receive_json(ws)]}
    ticker, mini = events["24hrTicker"], events["24hrMiniTicker"]
    assert Decimal(ticker["c"]) == stats.last and Decimal(ticker["b"]) == stats.bid
    assert ticker["n"] == stats.count and ticker["F"] == stats.first_id
    assert {"x", "Q", "w", "p", "P", "O", "C", "L"} <= set(ticker)
    assert Decimal(mini["v"]) == stats.volume and Decimal(mini["o"]) == stats.open
    await ws.close()


async def test_futures_mark_price_every_three_seconds_or_one(
    emu: BinanceEmulator, session: aiohttp.ClientSession
) -> None:
    path = "/market/stream?streams=btcusdt@markPrice/btcusdt@markPrice@1s/btcusdt@ticker"
    ws = await open_streams(emu, session, "futures", path)
    advance(emu, "futures", 3000)
    streams = [(await receive_json(ws))["stream"] for _ in range(7)]
    # 1 s: three pushes; 3 s: one; ticker: three
    assert streams.count("btcusdt@markPrice@1s") == 3
    assert streams.count("btcusdt@markPrice") == 1
    assert streams.count("btcusdt@ticker") == 3
    await ws.send_str('{"method":"UNSUBSCRIBE","params":["btcusdt@ticker"],"id":2}')
    assert (await receive_json(ws))["id"] == 2
    advance(emu, "futures", 1000)
    event = (await receive_json(ws))["data"]
    mark = emu.futures.mark_price("BTCUSDT")
    assert event["e"] == "markPriceUpdate" and event["s"] == "BTCUSDT"
    assert Decimal(event["p"]) == mark.quantize(Decimal("0.00000001"))
    assert event["T"] % (8 * 3_600_000) == 0 and event["T"] > event["E"]
    futures_ticker_keys = {"e", "E", "s", "p", "P", "w", "c", "Q", "o", "h", "l", "v", "q"}
    ws2 = await open_streams(emu, session, "futures", "/market/ws/btcusdt@ticker")
    advance(emu, "futures", 1000)
    ticker = await receive_json(ws2)
    assert futures_ticker_keys <= set(ticker) and "b" not in ticker  # no bid/ask (§2.4)
    await ws.close()
    await ws2.close()


async def test_futures_agg_trade_on_the_market_path(
    emu: BinanceEmulator, session: aiohttp.ClientSession
) -> None:
    ws = await open_streams(emu, session, "futures", "/market/ws/ethusdt@aggTrade")
    emu.move_to("futures", "ETHUSDT", emu.futures.mark_price("ETHUSDT") * Decimal("0.998"))
    agg = await receive_json(ws)
    assert agg["e"] == "aggTrade" and agg["s"] == "ETHUSDT"
    assert agg["nq"] == agg["q"] and "M" not in agg
    trade = next(t for t in emu.futures.recent_trades("ETHUSDT", 1000) if t.trade_id == agg["f"])
    assert Decimal(agg["p"]) == trade.price and agg["T"] >= trade.ts_ms
    await ws.close()
