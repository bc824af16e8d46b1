"""ccxt's `bybit` class, an independent client, with its default options (every market
type, currencies, the unified-account lookups) pointed at the emulator: what it sends is
accepted and what it parses makes sense."""

from __future__ import annotations

from typing import Any

import ccxt.async_support as ccxt_async
import pytest

from tradeport.venues.bybit.ccxt_peer import ccxt_urls
from tradeport.venues.bybit.emulator import BybitEmulator

CASES = [("spot", "ETH/USDT", 0.01), ("swap", "ETH/USDT:USDT", 0.01)]


@pytest.mark.parametrize(("kind", "symbol", "amount"), CASES)
async def test_ccxt_loads_trades_and_reads_the_account(
    emu: BybitEmulator, kind: str, symbol: str, amount: float
) -> None:
    key, secret = emu.credentials(0)
    exchange: Any = ccxt_async.bybit(
        {
            "apiKey": key,
            "secret": secret,
            "enableRateLimit": False,
            "options": {"defaultType": kind},
        }
    )
    ccxt_urls(exchange, emu.base_url)
    try:
        markets = await exchange.load_markets()
        assert markets[symbol]["active"] and markets[symbol]["precision"]["amount"] > 0
        book = await exchange.fetch_order_book(symbol, 5)
        assert book["bids"][0][0] < book["asks"][0][0]
        ticker = await exchange.fetch_ticker(symbol)
        assert ticker["last"] > 0 and ticker["bid"] < ticker["ask"]
        balance = await exchange.fetch_balance()
        assert balance["USDT"]["total"] == 200_000
        price = float(exchange.price_to_precision(symbol, book["bids"][0][0] * 0.95))
        created = await exchange.create_order(symbol, "limit", "buy", amount, price)
        opened = await exchange.fetch_open_order(created["id"], symbol)
        assert (
            opened["status"] == "open" and opened["amount"] == amount and opened["price"] == price
        )
        assert [o["id"] for o in await exchange.fetch_open_orders(symbol)] == [created["id"]]
        await exchange.cancel_order(created["id"], symbol)
        closed = await exchange.fetch_closed_order(created["id"], symbol)
        assert closed["status"] == "canceled"
        if kind == "swap":
            await exchange.create_order(symbol, "market", "buy", amount)
            (position,) = await exchange.fetch_positions([symbol])
            assert position["side"] == "long" and position["contracts"] == amount
    finally:
        await exchange.close()
