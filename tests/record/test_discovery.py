"""Discovery against every emulator with a swap market, and the selection rules on
the instrument model."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import aiohttp
import pytest
from tests.record.conftest import Market

import tradeport as tp
from tradeport.emulator.listing import ListingState
from tradeport.model import AssetType, Instrument, InstrumentStatus
from tradeport.model.errors import BadParameter, UnknownSymbol
from tradeport.record import (
    BookEvent,
    Marker,
    ParquetSink,
    Recorder,
    discover,
    read_events,
    select_perpetuals,
)
from tradeport.record.discovery import parse_shard, precision_of, shard, shard_of
from tradeport.record.events import Channel, MarkerKind
from tradeport.record.follow import ContractFollower
from tradeport.venues import registry
from tradeport.venues.capability import Capability

# what the recorder uses of a venue: 24 h tickers to rank, verified books and trades
RECORDED = {
    Capability.EMULATOR,
    Capability.GET_TICK,
    Capability.WATCH_ORDER_BOOK,
    Capability.WATCH_TRADES,
}
SWAPS = [
    s.key
    for s in registry.list_venues()
    if s.asset_type is AssetType.SWAP and s.capabilities >= RECORDED
]


def test_every_registered_swap_market_is_covered() -> None:
    assert {"BINANCE___SWAP", "BYBIT___SWAP", "OKX___SWAP"} <= set(SWAPS)


@pytest.mark.parametrize("key", SWAPS)
async def test_discover_lists_the_emulators_perpetuals_with_their_maps(key: str) -> None:
    async with tp.connect_async(key, environment="emulator") as client:
        found = await discover(key, client=client, quote="USDT")
        listed = await client.instruments()
    assert found.venue == key
    assert "BTC-USDT" in found.symbols
    assert found.symbols == sorted(found.symbols)
    for contract in found.contracts:
        inst = listed[contract.symbol]
        assert contract.venue_symbol == inst.venue_symbol
        assert found.tick_sizes[contract.symbol] == inst.tick_size
        assert found.min_qty[contract.symbol] == inst.min_qty
        assert found.min_notional[contract.symbol] == inst.min_notional
        assert contract.quote == "USDT"
        # the precision map prints a price on the tick grid exactly
        assert Decimal(f"{inst.tick_size:.{contract.price_precision}f}") == inst.tick_size


@pytest.mark.parametrize("key", SWAPS)
async def test_top_n_ranks_by_24h_quote_volume_and_filters_apply(key: str) -> None:
    async with tp.connect_async(key, environment="emulator") as client:
        everything = await discover(key, client=client)
        top = await discover(key, client=client, top=2)
        venue_name = everything.venue_symbols["ETH-USDT"]
        picked = await discover(key, client=client, include=["BTC-USDT", venue_name])
        rest = await discover(key, client=client, exclude=["BTC-USDT"])
        with pytest.raises(UnknownSymbol, match="NOPE-USDT"):
            await discover(key, client=client, include=["NOPE-USDT"])
    assert len(top.contracts) == 2
    volumes = [c.quote_volume for c in top.contracts]
    assert all(v is not None for v in volumes)
    assert volumes == sorted(volumes, reverse=True)  # type: ignore[type-var]
    assert picked.symbols == ["BTC-USDT", "ETH-USDT"]
    assert "BTC-USDT" not in rest.symbols
    assert len(rest.symbols) == len(everything.symbols) - 1


async def test_discover_connects_by_itself_and_refuses_a_spot_market() -> None:
    found = await discover("BINANCE___SWAP", connect_options={"environment": "emulator"})
    assert "BTC-USDT" in found.symbols
    with pytest.raises(BadParameter, match="spot"):
        await discover("BINANCE___SPOT")
    with pytest.raises(BadParameter, match="top"):
        await discover("BINANCE___SWAP", top=0)


def _inst(symbol: str, **fields: object) -> Instrument:
    base, quote = symbol.split("-")
    values: dict[str, object] = {
        "symbol": symbol,
        "venue_symbol": base + quote,
        "asset_type": AssetType.SWAP,
        "base": base,
        "quote": quote,
        "settle": quote,
        "tick_size": Decimal("0.1"),
        "step_size": Decimal("0.001"),
        "min_qty": Decimal("0.001"),
        "min_notional": Decimal("5"),
        **fields,
    }
    return Instrument(**values)  # type: ignore[arg-type]


def test_only_trading_perpetuals_are_selected() -> None:
    instruments = [
        _inst("BTC-USDT"),
        _inst("NEW-USDT", status=InstrumentStatus.PRE_TRADING),
        _inst("OLD-USDT", status=InstrumentStatus.DELISTED),
        _inst("HALT-USDT", status=InstrumentStatus.HALTED),
        _inst("ETH-USDT", asset_type=AssetType.FUTURES),
        _inst("ETH-USDC"),
        _inst("SOL-USDT", asset_type=AssetType.SPOT),
    ]
    assert [c.symbol for c in select_perpetuals(instruments)] == ["BTC-USDT", "ETH-USDC"]
    assert [c.symbol for c in select_perpetuals(instruments, quote="usdc")] == ["ETH-USDC"]
    assert [c.symbol for c in select_perpetuals(instruments, include=["btcusdt"])] == ["BTC-USDT"]
    with pytest.raises(BadParameter, match="list of symbols"):
        select_perpetuals(instruments, include="BTC-USDT")


@pytest.mark.parametrize(
    ("tick", "digits"), [("0.01", 2), ("0.5", 1), ("10", 0), ("1E+1", 0), ("0.00010", 4)]
)
def test_price_precision_comes_from_the_tick(tick: str, digits: int) -> None:
    assert precision_of(Decimal(tick)) == digits


async def test_shards_split_the_set_disjointly_and_the_same_way_in_every_process() -> None:
    async with tp.connect_async("BINANCE___SWAP", environment="emulator") as client:
        everything = await discover("BINANCE___SWAP", client=client)
    for count in (1, 2, 3):
        parts = [shard(everything, i, count).symbols for i in range(count)]
        assert sorted(s for part in parts for s in part) == everything.symbols
        assert sum(len(p) for p in parts) == len(everything.symbols)
    here = [shard_of("BINANCE___SWAP", s, 7) for s in everything.symbols]
    code = (
        "import sys; from tradeport.record.discovery import shard_of; "
        "print([shard_of('BINANCE___SWAP', s, 7) for s in sys.argv[1:]])"
    )
    for seed in ("1", "2"):
        other = subprocess.run(
            [sys.executable, "-c", code, *everything.symbols],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        )
        assert other.stdout.strip() == str(here)


@pytest.mark.parametrize("text", ["4/4", "-1/2", "1", "a/b", "0/0"])
def test_a_bad_shard_is_refused(text: str) -> None:
    with pytest.raises(BadParameter, match="shard"):
        parse_shard(text)
    assert parse_shard("3/4") == (3, 4)


async def _admin_listing(market: Market, symbol: str, state: str, expect: int = 200) -> None:
    """The admin endpoint, as a test harness outside the process would use it."""
    body = {"market": market.emulator.market_name(AssetType.SWAP), "symbol": symbol}
    async with (
        aiohttp.ClientSession(headers=market.emulator.admin_headers()) as session,
        session.post(
            f"{market.emulator.base_url}/_emulator/listing", json={**body, "state": state}
        ) as answer,
    ):
        assert answer.status == expect, await answer.text()


async def test_close_only_and_pre_launch_contracts_are_left_out(market: Market) -> None:
    client = market.client
    before = await discover(market.key, client=client)
    assert {"ETH-USDT", "DOGE-USDT"} <= set(before.symbols)
    await _admin_listing(market, client.to_venue_symbol("ETH-USDT"), "halfway", expect=400)
    await _admin_listing(market, client.to_venue_symbol("ETH-USDT"), "close_only")
    market.emulator.set_listing_state(AssetType.SWAP, "DOGE-USDT", ListingState.PRE_LAUNCH)

    after = await discover(market.key, client=client, refresh=True)
    assert set(after.symbols) == set(before.symbols) - {"ETH-USDT", "DOGE-USDT"}
    # the venue's own status values reach the instrument model
    status = {i.symbol: i.status for i in await client.get_exchange_info()}
    assert status["ETH-USDT"] is InstrumentStatus.HALTED
    assert status["DOGE-USDT"] is InstrumentStatus.PRE_TRADING
    assert status["BTC-USDT"] is InstrumentStatus.TRADING


async def test_a_new_listing_appears_on_re_check_and_a_delisting_stops(
    market: Market, tmp_path: Path
) -> None:
    emulator, client = market.emulator, market.client
    emulator.set_listing_state(AssetType.SWAP, "DOGE-USDT", ListingState.UNLISTED)
    found = await discover(market.key, client=client, refresh=True)
    assert "DOGE-USDT" not in found.symbols
    with pytest.raises(ValueError, match="listed already"):
        emulator.add_listing(AssetType.SWAP, "BTC-USDT")

    recorder = Recorder(client, ["BTC-USDT"], [ParquetSink(tmp_path)], books=False)
    await recorder.start()
    follower = ContractFollower(
        recorder,
        lambda: discover(market.key, client=client, refresh=True),
        interval=3600,
        known=found.symbols,
        add_new=True,
    )
    assert await follower.check() == ([], [])
    emulator.add_listing(AssetType.SWAP, "DOGE-USDT")
    emulator.set_listing_state(AssetType.SWAP, "BTC-USDT", ListingState.DELISTED)
    assert await follower.check() == (["DOGE-USDT"], ["BTC-USDT"])
    assert recorder.symbols == ["DOGE-USDT"]
    await recorder.stop()


NEW_CONTRACT = {
    "symbol": "NEW-USDT",
    "base": "NEW",
    "quote": "USDT",
    "tick_size": "0.001",
    "step_size": "0.1",
    "min_qty": "0.1",
    "min_notional": "5",
    "start_price": "2.5",
}


async def _admin_contract(market: Market, contract: dict[str, str], expect: int = 200) -> None:
    """List a brand-new contract through the admin endpoint."""
    body = {"market": market.emulator.market_name(AssetType.SWAP), **contract}
    async with (
        aiohttp.ClientSession(headers=market.emulator.admin_headers()) as session,
        session.post(f"{market.emulator.base_url}/_emulator/contract", json=body) as answer,
    ):
        assert answer.status == expect, await answer.text()


async def test_a_contract_listed_while_recording_is_added_by_the_re_check(
    market: Market, tmp_path: Path
) -> None:
    client = market.client
    found = await discover(market.key, client=client, refresh=True)
    recorder = Recorder(client, ["BTC-USDT"], [ParquetSink(tmp_path)], trades=False)
    await recorder.start()
    follower = ContractFollower(
        recorder,
        lambda: discover(market.key, client=client, refresh=True),
        interval=3600,
        known=found.symbols,
        add_new=True,
    )
    await _admin_contract(market, {**NEW_CONTRACT, "tick_size": "-1"}, expect=400)
    await _admin_contract(market, NEW_CONTRACT)
    await _admin_contract(market, NEW_CONTRACT, expect=400)  # listed already
    assert await follower.check() == (["NEW-USDT"], [])
    fresh = await discover(market.key, client=client)
    assert fresh.tick_sizes["NEW-USDT"] == Decimal("0.001")
    assert fresh.min_qty["NEW-USDT"] == Decimal("0.1")

    # the new contract's book streams into the recording
    live = asyncio.Event()
    await client.watch_order_book("NEW-USDT", callback=lambda book: live.set())
    await asyncio.wait_for(live.wait(), 30)
    await recorder.stop()
    events = list(read_events(tmp_path, channel=Channel.BOOK, symbol="NEW-USDT"))
    assert isinstance(events[0], Marker) and events[0].kind is MarkerKind.START
    assert any(isinstance(e, BookEvent) for e in events)
