"""OKX's own SDK, python-okx, at its default settings against the emulator: market
data, balance, leverage, maximum size, an order placed, amended and cancelled, a batch,
a swap position opened and closed.

python-okx defaults to demo trading (`flag="1"`, the `x-simulated-trading: 1` header),
so the emulator's keys are demo keys here (`OkxEmulator(demo_keys=True)`). Its `domain`
argument is the SDK's own way to reach another host. Its calls are blocking (httpx):
each runs in a worker thread while the emulator serves on this test's event loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import okx.Account as okx_account
import okx.MarketData as okx_market
import okx.Trade as okx_trade
import pytest

from tradeport.venues.okx.emulator import OkxEmulator

SPOT, SWAP = "BTC-USDT", "BTC-USDT-SWAP"


@dataclass
class Sdk:
    emu: OkxEmulator
    market: Any
    account: Any
    trade: Any


def ok(reply: dict[str, Any]) -> list[dict[str, Any]]:
    assert reply["code"] == "0", reply
    data: list[dict[str, Any]] = reply["data"]
    return data


@pytest.fixture
async def sdk() -> AsyncIterator[Sdk]:
    async with OkxEmulator(step_interval=None, seed=11, demo_keys=True) as emu:
        key, secret = emu.credentials(0)
        login = (key, secret, emu.passphrase(0))
        clients = (
            okx_market.MarketAPI(domain=emu.base_url),
            okx_account.AccountAPI(*login, domain=emu.base_url),
            okx_trade.TradeAPI(*login, domain=emu.base_url),
        )
        try:
            yield Sdk(emu, *clients)
        finally:
            for client in clients:
                client.close()


async def test_market_data_and_account_views(sdk: Sdk) -> None:
    (ticker,) = ok(await asyncio.to_thread(sdk.market.get_ticker, SPOT))
    (book,) = ok(await asyncio.to_thread(sdk.market.get_orderbook, SPOT, "5"))
    assert Decimal(book["bids"][0][0]) == Decimal(ticker["bidPx"])
    older = ok(await asyncio.to_thread(sdk.market.get_history_trades, SPOT))
    assert older and all(t["instId"] == SPOT for t in older)
    (balance,) = ok(await asyncio.to_thread(sdk.account.get_account_balance))
    assert {d["ccy"] for d in balance["details"]} >= {"BTC", "USDT"}
    ok(await asyncio.to_thread(sdk.account.set_leverage, "5", "cross", SWAP))
    (size,) = ok(await asyncio.to_thread(sdk.account.get_max_order_size, SWAP, "cross"))
    assert Decimal(size["maxBuy"]) > 0


async def test_order_placed_amended_and_cancelled(sdk: Sdk) -> None:
    bid = sdk.emu.spot.depth(SPOT, 1).bids[0][0]
    px = str((bid * Decimal("0.99")).quantize(Decimal("0.1")))
    (placed,) = ok(
        await asyncio.to_thread(sdk.trade.place_order, SPOT, "cash", "buy", "limit", "0.001", px=px)
    )
    lower = str((bid * Decimal("0.98")).quantize(Decimal("0.1")))
    ok(await asyncio.to_thread(sdk.trade.amend_order, SPOT, ordId=placed["ordId"], newPx=lower))
    (state,) = ok(await asyncio.to_thread(sdk.trade.get_order, SPOT, placed["ordId"]))
    assert Decimal(state["px"]) == Decimal(lower) and state["state"] == "live"
    ok(await asyncio.to_thread(sdk.trade.cancel_order, SPOT, placed["ordId"]))
    batch = [
        {
            "instId": SPOT,
            "tdMode": "cash",
            "side": "buy",
            "ordType": "limit",
            "sz": "0.001",
            "px": p,
        }
        for p in (px, lower)
    ]
    rows = ok(await asyncio.to_thread(sdk.trade.place_multiple_orders, batch))
    assert [r["sCode"] for r in rows] == ["0", "0"]


async def test_swap_position_opened_and_closed(sdk: Sdk) -> None:
    ok(await asyncio.to_thread(sdk.trade.place_order, SWAP, "cross", "buy", "market", "2"))
    (held,) = ok(await asyncio.to_thread(sdk.account.get_positions, "SWAP", SWAP))
    assert held["pos"] == "2"
    ok(await asyncio.to_thread(sdk.trade.close_positions, SWAP, "cross"))
    assert ok(await asyncio.to_thread(sdk.account.get_positions, "SWAP", SWAP)) == []
