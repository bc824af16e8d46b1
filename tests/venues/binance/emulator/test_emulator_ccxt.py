"""ccxt, an independent client, drives the emulator: what it really sends is accepted."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import ccxt
import ccxt.async_support as ccxt_async
import pytest

from tradeport.model import AssetType
from tradeport.venues.binance.ccxt_peer import ccxt_client, ccxt_urls
from tradeport.venues.binance.emulator import DEFAULT_ACCOUNTS, BinanceEmulator

CASES = [
    ("binance", "spot", "BTC/USDT", 0.001),
    ("binanceusdm", "linear", "ETH/USDT:USDT", 0.01),
]


def point_at(exchange: Any, base_url: str) -> Any:
    """Every REST URL of the ccxt instance, re-rooted at the emulator (paths kept)."""
    ccxt_urls(exchange, base_url)
    return exchange


def config(market: str) -> dict[str, Any]:
    account = DEFAULT_ACCOUNTS[0]
    return {
        "apiKey": account.api_key,
        "secret": account.secret,
        "enableRateLimit": False,
        # ccxt's defaults but two: only this market, no currency (sapi) listing; margin
        # pairs are still fetched and served (see ccxt_peer for the leaner config)
        "options": {"fetchMarkets": {"types": [market]}, "fetchCurrencies": False},
    }


def exercise_checks(
    exchange_id: str, symbol: str, amount: float, markets: dict[str, Any], results: dict[str, Any]
) -> None:
    market = markets[symbol]
    assert market["active"] and market["precision"]["amount"] > 0
    ticker, book, bars = results["ticker"], results["book"], results["ohlcv"]
    assert ticker["last"] > 0 and ticker["high"] >= ticker["low"]
    if exchange_id == "binance":  # USDⓈ-M 24 h tickers carry no bid/ask (§2.3)
        assert ticker["bid"] < ticker["ask"]
    assert book["bids"][0][0] < book["asks"][0][0] and len(book["bids"]) == 5
    assert len(bars) == 10 and all(b[2] >= b[3] for b in bars)
    assert results["balance"]["USDT"]["free"] > 0
    created, fetched, cancelled = results["created"], results["fetched"], results["cancelled"]
    assert created["status"] == "open" and created["amount"] == amount
    assert created["clientOrderId"]  # ccxt's own broker id was accepted
    assert fetched["id"] == created["id"] and fetched["status"] == "open"
    assert cancelled["status"] == "canceled"


async def run_async(exchange: Any, symbol: str, amount: float) -> dict[str, Any]:
    await exchange.load_markets()
    book = await exchange.fetch_order_book(symbol, 5)
    price = exchange.price_to_precision(symbol, book["bids"][0][0] * 0.9)
    created = await exchange.create_order(symbol, "limit", "buy", amount, float(price))
    return {
        "ticker": await exchange.fetch_ticker(symbol),
        "book": book,
        "ohlcv": await exchange.fetch_ohlcv(symbol, "1m", limit=10),
        "balance": await exchange.fetch_balance(),
        "created": created,
        "fetched": await exchange.fetch_order(created["id"], symbol),
        "cancelled": await exchange.cancel_order(created["id"], symbol),
    }


@pytest.mark.parametrize(("exchange_id", "market", "symbol", "amount"), CASES)
async def test_ccxt_async_client(
    emu: BinanceEmulator, exchange_id: str, market: str, symbol: str, amount: float
) -> None:
    exchange = point_at(getattr(ccxt_async, exchange_id)(config(market)), emu.base_url)
    try:
        results = await run_async(exchange, symbol, amount)
        exercise_checks(exchange_id, symbol, amount, exchange.markets, results)
    finally:
        await exchange.close()


@pytest.fixture(scope="module")
def threaded_emulator() -> Iterator[BinanceEmulator]:
    """An emulator on its own loop in a background thread, for blocking clients."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="emulator-loop", daemon=True)
    thread.start()
    emu = BinanceEmulator(step_interval=None, seed=5)
    asyncio.run_coroutine_threadsafe(emu.start(), loop).result(timeout=30)
    try:
        yield emu
    finally:
        asyncio.run_coroutine_threadsafe(emu.stop(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)
        loop.close()


@pytest.mark.parametrize(("exchange_id", "market", "symbol", "amount"), CASES)
def test_ccxt_sync_client(
    threaded_emulator: BinanceEmulator,
    exchange_id: str,
    market: str,
    symbol: str,
    amount: float,
) -> None:
    exchange = point_at(getattr(ccxt, exchange_id)(config(market)), threaded_emulator.base_url)
    exchange.load_markets()
    book = exchange.fetch_order_book(symbol, 5)
    price = exchange.price_to_precision(symbol, book["bids"][0][0] * 0.9)
    created = exchange.create_order(symbol, "limit", "buy", amount, float(price))
    results = {
        "ticker": exchange.fetch_ticker(symbol),
        "book": book,
        "ohlcv": exchange.fetch_ohlcv(symbol, "1m", limit=10),
        "balance": exchange.fetch_balance(),
        "created": created,
        "fetched": exchange.fetch_order(created["id"], symbol),
        "cancelled": exchange.cancel_order(created["id"], symbol),
    }
    exercise_checks(exchange_id, symbol, amount, exchange.markets, results)


async def test_ccxt_sees_filter_errors_typed(emu: BinanceEmulator) -> None:
    exchange = point_at(ccxt_async.binanceusdm(config("linear")), emu.base_url)
    try:
        await exchange.load_markets()
        # below the 100 USDT minimum notional of BTCUSDT. ccxt picks its per-market error
        # table by hostname, so on a loopback URL it raises the generic ExchangeError.
        with pytest.raises(ccxt.ExchangeError, match="-4164"):
            await exchange.create_order("BTC/USDT:USDT", "limit", "buy", 0.001, 1000)
    finally:
        await exchange.close()


async def test_ccxt_usdm_history_and_settings_at_defaults(emu: BinanceEmulator) -> None:
    """binanceusdm at its default options: open-interest history, mark and index price
    candles, margin modes (symbolConfig), funding intervals (fundingInfo)."""
    exchange = ccxt_client(ccxt_async, emu, AssetType.SWAP)
    symbol = "BTC/USDT:USDT"
    try:
        history = await exchange.fetch_open_interest_history(symbol, "5m", limit=3)
        assert len(history) == 3 and history[0]["openInterestAmount"] == 0.0
        candles = await exchange.fetch_ohlcv(symbol, "1m", limit=3)
        marks = await exchange.fetch_mark_ohlcv(symbol, "1m", limit=3)
        assert [c[:5] for c in marks] == [c[:5] for c in candles]
        assert await exchange.fetch_index_ohlcv(symbol, "1m", limit=3) == marks
        modes = await exchange.fetch_margin_modes()
        assert modes[symbol]["marginMode"] == "cross"
        await exchange.set_leverage(7, symbol)
        assert (await exchange.fetch_leverage(symbol))["longLeverage"] == 7
        assert await exchange.fetch_funding_intervals() == {}
    finally:
        await exchange.close()
