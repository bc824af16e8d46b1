"""ccxt's `okx` class, an independent client, with its default options (every market
type, currencies, orders through `batch-orders`) pointed at the emulator: what it sends
is accepted and what it parses makes sense."""

from __future__ import annotations

from typing import Any

import ccxt.async_support as ccxt_async
import pytest

from tradeport.venues.okx.emulator import OkxEmulator

CASES = [("spot", "ETH/USDT", 0.01), ("swap", "ETH/USDT:USDT", 0.5)]


@pytest.mark.parametrize(("kind", "symbol", "amount"), CASES)
async def test_ccxt_loads_trades_and_reads_the_account(
    emu: OkxEmulator, kind: str, symbol: str, amount: float
) -> None:
    key, secret = emu.credentials(0)
    exchange: Any = ccxt_async.okx(
        {
            "apiKey": key,
            "secret": secret,
            "password": emu.passphrase(0),
            "enableRateLimit": False,
            "options": {"defaultType": kind},
        }
    )
    exchange.urls["api"] = {"rest": emu.base_url}
    try:
        markets = await exchange.load_markets()
        market = markets[symbol]
        assert market["active"] and market["precision"]["amount"] > 0
        if kind == "swap":
            assert market["contractSize"] == 0.1 and market["linear"]
        book = await exchange.fetch_order_book(symbol, 5)
        assert book["bids"][0][0] < book["asks"][0][0]
        ticker = await exchange.fetch_ticker(symbol)
        assert ticker["last"] > 0 and ticker["bid"] < ticker["ask"]
        balance = await exchange.fetch_balance()
        assert balance["USDT"]["total"] == 200_000
        price = float(exchange.price_to_precision(symbol, book["bids"][0][0] * 0.95))
        created = await exchange.create_order(symbol, "limit", "buy", amount, price)
        fetched = await exchange.fetch_order(created["id"], symbol)
        assert fetched["status"] == "open" and fetched["amount"] == amount
        assert fetched["price"] == price
        assert [o["id"] for o in await exchange.fetch_open_orders(symbol)] == [created["id"]]
        await exchange.cancel_order(created["id"], symbol)
        assert (await exchange.fetch_order(created["id"], symbol))["status"] == "canceled"
        if kind == "swap":
            await exchange.create_order(symbol, "market", "buy", amount)
            (position,) = await exchange.fetch_positions([symbol])
            assert position["side"] == "long" and position["contracts"] == amount
            assert position["contractSize"] == 0.1
    finally:
        await exchange.close()
