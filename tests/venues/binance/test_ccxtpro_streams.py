"""ccxt.pro, an independent client, builds its books and trade lists from the emulator's
streams: its book at update id N equals the engine's book at N."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import ccxt.pro as ccxtpro
import pytest

from tradeport.venues.binance.ccxt_peer import ccxt_config, ccxt_urls
from tradeport.venues.binance.emulator import DEFAULT_ACCOUNTS, BinanceEmulator
from tradeport.venues.binance.emulator.calls import Market

WAIT = 10.0
CASES = [
    ("binance", "spot", "BTC/USDT", "BTCUSDT"),
    ("binanceusdm", "linear", "BTC/USDT:USDT", "BTCUSDT"),
]


@pytest.fixture
async def emu() -> AsyncIterator[BinanceEmulator]:
    emulator = BinanceEmulator(step_interval=None, seed=9, stream_time_scale=0.2)
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


@pytest.fixture
async def exchange(emu: BinanceEmulator, request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    exchange_id, market = request.param
    account = DEFAULT_ACCOUNTS[0]
    client = getattr(ccxtpro, exchange_id)(ccxt_config(account.api_key, account.secret, market))
    ccxt_urls(client, emu.base_url)
    ws_market: Market = "spot" if market == "spot" else "futures"
    # ccxt appends /<connection index>; for linear it rewrites .../ws to .../public/ws or
    # .../market/ws by channel, as on fstream.binance.com
    client.urls["api"]["ws"][market] = emu.ws_url(ws_market) + "/ws"
    try:
        yield client
    finally:
        await client.close()


def engine_levels(emu: BinanceEmulator, market: str, symbol: str) -> tuple[int, Any, Any]:
    engine = emu.spot if market == "spot" else emu.futures
    view = engine.depth(symbol, 20)
    as_floats = (
        [[float(p), float(q)] for p, q in view.bids],
        [[float(p), float(q)] for p, q in view.asks],
    )
    return view.update_id, *as_floats


def move(emu: BinanceEmulator, market: str, symbol: str, factor: str) -> None:
    engine = emu.spot if market == "spot" else emu.futures
    target = engine.mark_price(symbol) * Decimal(factor)
    emu.move_to("spot" if market == "spot" else "futures", symbol, target)


@pytest.mark.parametrize(
    ("exchange", "market", "symbol", "venue_symbol"),
    [((e, m), m, s, v) for e, m, s, v in CASES],
    indirect=["exchange"],
)
async def test_watch_order_book_equals_the_engine_book(
    emu: BinanceEmulator, exchange: Any, market: str, symbol: str, venue_symbol: str
) -> None:
    async with asyncio.timeout(WAIT):
        book = await exchange.watch_order_book(symbol)
        for factor in ("1.0005", "0.999", "1.0002"):
            emu.step(2)
            move(emu, market, venue_symbol, factor)
        target, bids, asks = engine_levels(emu, market, venue_symbol)
        while book["nonce"] != target:
            assert book["nonce"] < target
            book = await exchange.watch_order_book(symbol)
    assert book["bids"][:20] == bids
    assert book["asks"][:20] == asks


@pytest.mark.parametrize(
    ("exchange", "market", "symbol", "venue_symbol"),
    [((e, m), m, s, v) for e, m, s, v in CASES],
    indirect=["exchange"],
)
async def test_watch_trades_sees_the_engine_trades(
    emu: BinanceEmulator, exchange: Any, market: str, symbol: str, venue_symbol: str
) -> None:
    engine = emu.spot if market == "spot" else emu.futures
    async with asyncio.timeout(WAIT):
        watching = asyncio.ensure_future(exchange.watch_trades(symbol))
        factor = "1.002"
        while not watching.done():
            # trade until the subscription is in place and a push reaches ccxt
            move(emu, market, venue_symbol, factor)
            factor = "0.998" if factor == "1.002" else "1.002"
            await asyncio.wait({watching}, timeout=0.05)
        trades = watching.result()
    last = engine.recent_trades(venue_symbol, 1)[0]
    assert trades, "no trades were pushed"
    assert all(t["symbol"] == symbol for t in trades)
    ids = {int(t["id"]) for t in trades}
    assert ids <= {t.trade_id for t in engine.recent_trades(venue_symbol, 1000)}
    assert max(ids) <= last.trade_id
