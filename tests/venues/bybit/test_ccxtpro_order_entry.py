"""ccxt.pro's bybit at its default settings places, edits and cancels orders over the
emulator's WebSocket order entry (`/v5/trade`): `create_order_ws`, `edit_order_ws`,
`cancel_order_ws`, as a strategy using ccxt.pro's order calls does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import ccxt.pro as ccxtpro
import pytest

from tradeport.model import AssetType
from tradeport.venues.bybit.ccxt_peer import ccxt_client
from tradeport.venues.bybit.emulator import BybitEmulator


@pytest.fixture
async def emu() -> AsyncIterator[BybitEmulator]:
    async with BybitEmulator(step_interval=None, seed=11) as emulator:
        yield emulator


@pytest.mark.parametrize(
    ("asset_type", "symbol", "venue_symbol"),
    [(AssetType.SWAP, "BTC/USDT:USDT", "BTCUSDT"), (AssetType.SPOT, "ETH/USDT", "ETHUSDT")],
)
async def test_orders_over_the_trade_socket(
    emu: BybitEmulator, asset_type: AssetType, symbol: str, venue_symbol: str
) -> None:
    exchange: Any = ccxt_client(ccxtpro, emu, asset_type)
    engine = emu.linear if asset_type is AssetType.SWAP else emu.spot
    account = emu.keys.refs[0].engine_id
    try:
        await exchange.load_markets()
        bid = engine.depth(venue_symbol, 1).bids[0][0]
        first, second = (
            float(exchange.price_to_precision(symbol, bid * Decimal(f))) for f in ("0.99", "0.98")
        )
        amount = 0.01
        created = await exchange.create_order_ws(symbol, "limit", "buy", amount, first)
        (resting,) = engine.open_orders(account, venue_symbol)
        assert resting.price == Decimal(str(first))
        await exchange.edit_order_ws(created["id"], symbol, "limit", "buy", amount, second)
        (resting,) = engine.open_orders(account, venue_symbol)
        assert resting.price == Decimal(str(second))
        await exchange.cancel_order_ws(created["id"], symbol)
        assert engine.open_orders(account, venue_symbol) == []
    finally:
        await exchange.close()
