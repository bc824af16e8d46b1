"""`get_tick` on BTCC: no REST ticker is known, so each call asks a quote connection of
its own for the product's `tickinfo` [?]."""

from decimal import Decimal

import pytest

from tradeport.model import AssetType
from tradeport.model.errors import UnknownSymbol
from tradeport.venues.btcc.emulator import BtccEmulator

from .conftest import Connect

SYMBOL = "BTC-USDT"


def top(emulator: BtccEmulator) -> tuple[Decimal, Decimal]:
    book = emulator.engine_for(AssetType.SWAP).depth("BTCUSDT", 1)
    return Decimal(book.bids[0][0]), Decimal(book.asks[0][0])


async def test_get_tick_is_the_books_top_asked_afresh_on_each_call(
    connect: Connect, emulator: BtccEmulator
) -> None:
    client = await connect()
    bid, ask = top(emulator)
    tick = await client.get_tick(SYMBOL)
    assert tick.symbol == SYMBOL and tick.local_ts > 0
    assert (Decimal(str(tick.bid)), Decimal(str(tick.ask))) == (bid, ask)
    emulator.move_market(AssetType.SWAP, SYMBOL, bid * Decimal("1.01"))
    moved = top(emulator)
    assert moved != (bid, ask)
    again = await client.get_tick(SYMBOL)  # never the earlier push
    assert (Decimal(str(again.bid)), Decimal(str(again.ask))) == moved


async def test_get_tick_of_an_unknown_symbol_is_refused_before_connecting(
    connect: Connect,
) -> None:
    client = await connect()
    with pytest.raises(UnknownSymbol, match="NOPE-USDT"):
        await client.get_tick("NOPE-USDT")
