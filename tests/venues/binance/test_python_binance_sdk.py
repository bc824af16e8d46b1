"""python-binance at its default settings against the Binance emulator: spot and
USDⓈ-M market data, account, an order placed, queried and cancelled, a far-from-market
order refused with the live code, and a USDⓈ-M position opened and read.

One client-side override, for the reason that python-binance builds its hosts from
`https://api.binance.{tld}` templates and can reach no other scheme or port: a subclass
whose URL templates are the emulator's. Everything else is the SDK's default, its
connection ping at construction included. Its calls are blocking (requests): each runs
in a worker thread while the emulator serves on this test's event loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from binance.client import Client
from binance.exceptions import BinanceAPIException

from tradeport.venues.binance.emulator import BinanceEmulator


def emulator_client(emu: BinanceEmulator, key: str, secret: str) -> Any:
    base = emu.base_url.rstrip("/")
    hosts = {
        "API_URL": f"{base}/api",
        "MARGIN_API_URL": f"{base}/sapi",
        "FUTURES_URL": f"{base}/fapi",
    }
    return type("EmulatorClient", (Client,), hosts)(key, secret)


@pytest.fixture
async def client() -> AsyncIterator[tuple[BinanceEmulator, Any]]:
    async with BinanceEmulator(step_interval=None, seed=11) as emu:
        sdk = await asyncio.to_thread(emulator_client, emu, *emu.credentials(0))
        try:
            yield emu, sdk
        finally:
            sdk.close_connection()


async def test_spot_market_data_account_and_an_order(client: tuple[BinanceEmulator, Any]) -> None:
    _emu, sdk = client
    book = await asyncio.to_thread(sdk.get_order_book, symbol="BTCUSDT", limit=5)
    ticker = await asyncio.to_thread(sdk.get_ticker, symbol="BTCUSDT")
    assert ticker["bidPrice"] == book["bids"][0][0]
    trades = await asyncio.to_thread(sdk.get_aggregate_trades, symbol="BTCUSDT", limit=3)
    assert len(trades) == 3
    account = await asyncio.to_thread(sdk.get_account)
    assert {b["asset"] for b in account["balances"]} >= {"BTC", "USDT"}
    price = str((Decimal(book["bids"][0][0]) * Decimal("0.99")).quantize(Decimal("0.01")))
    placed = await asyncio.to_thread(
        sdk.order_limit_buy, symbol="BTCUSDT", quantity="0.001", price=price
    )
    queried = await asyncio.to_thread(sdk.get_order, symbol="BTCUSDT", orderId=placed["orderId"])
    assert queried["status"] == "NEW"
    await asyncio.to_thread(sdk.cancel_order, symbol="BTCUSDT", orderId=placed["orderId"])
    assert await asyncio.to_thread(sdk.get_open_orders, symbol="BTCUSDT") == []


async def test_far_from_market_futures_order_is_refused_with_4016(
    client: tuple[BinanceEmulator, Any],
) -> None:
    emu, sdk = client
    mark = emu.futures.mark_price("BTCUSDT")
    with pytest.raises(BinanceAPIException) as refused:
        await asyncio.to_thread(
            sdk.futures_create_order,
            symbol="BTCUSDT",
            side="BUY",
            type="LIMIT",
            timeInForce="GTC",
            quantity="0.002",
            price=str((mark * Decimal("1.5")).quantize(Decimal("0.1"))),
        )
    assert refused.value.code == -4016


async def test_futures_position_opened_and_read(client: tuple[BinanceEmulator, Any]) -> None:
    _emu, sdk = client
    await asyncio.to_thread(sdk.futures_change_leverage, symbol="BTCUSDT", leverage=5)
    await asyncio.to_thread(
        sdk.futures_create_order, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.002"
    )
    (position,) = await asyncio.to_thread(sdk.futures_position_information, symbol="BTCUSDT")
    assert Decimal(position["positionAmt"]) == Decimal("0.002")
    balances = await asyncio.to_thread(sdk.futures_account_balance)
    assert any(b["asset"] == "USDT" for b in balances)
    funding = await asyncio.to_thread(sdk.futures_funding_rate, symbol="BTCUSDT", limit=2)
    assert [f["fundingRate"] for f in funding] == ["0.00010000"] * 2
