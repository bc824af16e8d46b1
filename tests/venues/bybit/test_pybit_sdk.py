"""Bybit's own SDK, pybit, at its default settings against the emulator: market data,
wallet, leverage, an order placed, amended and cancelled, a linear position opened and
closed, executions, and a refused far-from-market spot order.

One client-side override, for the reason that pybit builds its host as
`https://{api}.{bybit}.{com}` from its `domain` / `tld` fields and can reach no other
scheme or port: `session.endpoint` is set to the emulator's URL after construction.
pybit's calls are blocking (requests): each runs in a worker thread while the emulator
serves on this test's event loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest
from pybit.exceptions import InvalidRequestError
from pybit.unified_trading import HTTP

from tradeport.venues.bybit.emulator import BybitEmulator


@pytest.fixture
async def session() -> AsyncIterator[tuple[BybitEmulator, Any]]:
    async with BybitEmulator(step_interval=None, seed=11) as emu:
        key, secret = emu.credentials(0)
        client = HTTP(api_key=key, api_secret=secret)
        client.endpoint = emu.base_url  # the one override (see the module docstring)
        yield emu, client


def result(reply: dict[str, Any]) -> dict[str, Any]:
    assert reply["retCode"] == 0, reply
    found: dict[str, Any] = reply["result"]
    return found


async def test_market_data_wallet_and_leverage(session: tuple[BybitEmulator, Any]) -> None:
    emu, client = session
    tickers = result(
        await asyncio.to_thread(client.get_tickers, category="linear", symbol="BTCUSDT")
    )
    book = result(
        await asyncio.to_thread(client.get_orderbook, category="linear", symbol="BTCUSDT")
    )
    assert tickers["list"][0]["bid1Price"] == book["b"][0][0]
    wallet = result(await asyncio.to_thread(client.get_wallet_balance, accountType="UNIFIED"))
    assert {c["coin"] for c in wallet["list"][0]["coin"]} >= {"USDT"}
    result(
        await asyncio.to_thread(
            client.set_leverage,
            category="linear",
            symbol="BTCUSDT",
            buyLeverage="5",
            sellLeverage="5",
        )
    )
    assert emu.linear.leverage(emu.keys.refs[0].engine_id, "BTCUSDT") == 5


async def test_order_placed_amended_cancelled_and_a_position_closed(
    session: tuple[BybitEmulator, Any],
) -> None:
    emu, client = session
    bid = emu.linear.depth("BTCUSDT", 1).bids[0][0]
    price = str((bid * Decimal("0.99")).quantize(Decimal("0.1")))
    placed = result(
        await asyncio.to_thread(
            client.place_order,
            category="linear",
            symbol="BTCUSDT",
            side="Buy",
            orderType="Limit",
            qty="0.01",
            price=price,
        )
    )
    lower = str((bid * Decimal("0.98")).quantize(Decimal("0.1")))
    result(
        await asyncio.to_thread(
            client.amend_order,
            category="linear",
            symbol="BTCUSDT",
            orderId=placed["orderId"],
            price=lower,
        )
    )
    (open_order,) = result(
        await asyncio.to_thread(client.get_open_orders, category="linear", symbol="BTCUSDT")
    )["list"]
    assert Decimal(open_order["price"]) == Decimal(lower)
    result(
        await asyncio.to_thread(
            client.cancel_order, category="linear", symbol="BTCUSDT", orderId=placed["orderId"]
        )
    )
    for side in ("Buy", "Sell"):
        result(
            await asyncio.to_thread(
                client.place_order,
                category="linear",
                symbol="BTCUSDT",
                side=side,
                orderType="Market",
                qty="0.01",
                reduceOnly=side == "Sell",
            )
        )
    executions = result(await asyncio.to_thread(client.get_executions, category="linear"))
    assert len(executions["list"]) == 2
    (flat,) = result(
        await asyncio.to_thread(client.get_positions, category="linear", symbol="BTCUSDT")
    )["list"]
    assert flat["size"] == "0"


async def test_far_from_market_spot_order_is_refused_with_170193(
    session: tuple[BybitEmulator, Any],
) -> None:
    emu, client = session
    ask = emu.spot.depth("BTCUSDT", 1).asks[0][0]
    with pytest.raises(InvalidRequestError) as refused:
        await asyncio.to_thread(
            client.place_order,
            category="spot",
            symbol="BTCUSDT",
            side="Buy",
            orderType="Limit",
            qty="0.001",
            price=str((ask * Decimal("1.5")).quantize(Decimal("0.01"))),
        )
    assert refused.value.status_code == 170193
