"""The tradeport client's private streams against the emulator's user streams."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

import tradeport as tp
from tradeport.model import AssetType, OrderStatus
from tradeport.venues.binance.client import BinanceClient
from tradeport.venues.binance.emulator import DEFAULT_ACCOUNTS, BinanceEmulator

D = Decimal
WAIT_S = 10.0  # a guard against a hung test, not a timing assertion


@pytest.mark.parametrize(
    ("key", "asset_type", "market"),
    [("BINANCE___SPOT", AssetType.SPOT, "spot"), ("BINANCE___SWAP", AssetType.SWAP, "futures")],
)
async def test_client_sees_its_order_fill_as_rest_reports_it(
    emu: BinanceEmulator, key: str, asset_type: AssetType, market: str
) -> None:
    account = DEFAULT_ACCOUNTS[0]
    client = await tp.create_client(
        key,
        environment="emulator",
        base_url=emu.base_url,
        ws_url=emu.stream_url(asset_type),
        api_key=account.api_key,
        secret=account.secret,
    )
    assert isinstance(client, BinanceClient)
    try:
        orders = await client.watch_orders("BTC-USDT").start()
        fills = await client.watch_fills("BTC-USDT").start()
        book = await client.get_depth("BTC-USDT", 5)
        price = D(str(book.bids[0][0]))
        placed = await client.make_order(
            "BTC-USDT", vol=D("0.01"), price=price, order_type="buy-limit", offset="open"
        )
        emu.move_to(market, "BTCUSDT", price * D("0.99"))

        async def until_filled() -> list[OrderStatus]:
            seen = []
            async for order in orders:
                assert order.order_id == placed.order_id
                seen.append(order.status)
                if order.status is OrderStatus.FILLED:
                    return seen
            raise AssertionError(f"the order stream ended after {seen}")

        statuses = await asyncio.wait_for(until_filled(), WAIT_S)
        assert statuses[0] is OrderStatus.NEW and statuses[-1] is OrderStatus.FILLED
        fill = await asyncio.wait_for(fills.__anext__(), WAIT_S)
        rest = await client.query_order("BTC-USDT", placed.order_id)
        assert (rest.status, rest.filled_qty) == (OrderStatus.FILLED, D("0.01"))
        assert (fill.order_id, fill.price, fill.qty) == (placed.order_id, price, D("0.01"))
    finally:
        await client.close()
    if market == "futures":
        # closing the stream deleted its listen key
        assert len(emu.user_streams.listen_keys) == 0
