"""Product names and quote stream names ↔ `BASE-QUOTE`, both ways, for every product
the emulator lists (PROTOCOLS.md §6.5)."""

import asyncio

import pytest

from tradeport.model.errors import UnknownSymbol
from tradeport.venues.btcc.emulator import BtccEmulator
from tradeport.venues.btcc.emulator.context import product_name, short_name
from tradeport.venues.btcc.symbols import SymbolTable, leverage_in_name, symbol_of_short_name

from .conftest import Connect


async def test_every_listed_product_maps_both_ways(
    connect: Connect, emulator: BtccEmulator
) -> None:
    client = await connect()
    instruments = await client.get_exchange_info()
    assert len(instruments) == len(emulator.symbols)
    for spec in emulator.symbols:
        standard = f"{spec.base}-{spec.quote}"
        assert client.to_venue_symbol(standard) == product_name(spec)
        assert client.from_venue_symbol(product_name(spec)) == standard
        assert symbol_of_short_name(short_name(spec)) == standard
        assert client.symbols.product(standard) == product_name(spec)
        assert (await client.instrument(standard)).max_leverage == spec.max_leverage


def test_the_quoted_product_name_reads_its_leverage() -> None:
    assert leverage_in_name("GWFX/USDT/GTS/MM/MIN/0/A/BTCUSDT5x") == 5
    assert leverage_in_name("BTCUSDT") is None


@pytest.mark.parametrize(
    ("short", "standard"),
    [("BTC/USDT.100x", "BTC-USDT"), ("BCH/USDTW", "BCH-USDT"), ("1000PEPE/USDT", "1000PEPE-USDT")],
)
def test_quote_stream_short_names(short: str, standard: str) -> None:
    assert symbol_of_short_name(short) == standard


@pytest.mark.parametrize("short", ["BTCUSDT", "BTC-USDT", "BTC/EUR.5x", ""])
def test_short_names_of_another_shape_are_unknown(short: str) -> None:
    with pytest.raises(UnknownSymbol):
        symbol_of_short_name(short)


def test_table_maps_products_and_quote_ids_both_ways() -> None:
    table = SymbolTable()
    table.add_product("BTC-USDT", "GWFX/USDT/GTS/MM/MIN/0/A/BTCUSDT5x")
    table.add_product("BTC-USDT", "GWFX/USDT/GTS/MM/MIN/0/A/BTCUSDT100x")
    assert table.add_quote_id("3289142", "BTC/USDT.100x") == "BTC-USDT"
    # the first product listed is the pair's; every product reads back as the pair
    assert table.product("BTC-USDT") == "GWFX/USDT/GTS/MM/MIN/0/A/BTCUSDT5x"
    assert table.symbol_of_product("GWFX/USDT/GTS/MM/MIN/0/A/BTCUSDT100x") == "BTC-USDT"
    assert table.sec_id("BTC-USDT") == "3289142"
    assert table.symbol_of_sec_id("3289142") == "BTC-USDT"
    with pytest.raises(UnknownSymbol):
        table.symbol_of_sec_id("1")
    with pytest.raises(UnknownSymbol):
        table.product("ETH-USDT")


async def test_every_quote_stream_id_maps_both_ways(
    connect: Connect, emulator: BtccEmulator
) -> None:
    client = await connect()
    async with client.watch_ticker("BTC-USDT") as ticks:
        await asyncio.wait_for(anext(ticks), 10)  # the Dict came before the first push
    for spec in emulator.symbols:
        standard = f"{spec.base}-{spec.quote}"
        sec_id = emulator.quotes.sec_ids[spec.symbol]
        assert client.symbols.sec_id(standard) == sec_id
        assert client.symbols.symbol_of_sec_id(sec_id) == standard
