"""The market-data load mode (`emulator/load.py`): deep books moved level by level with
no order matching, published through the engine like any operation."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from decimal import Decimal
from itertools import pairwise

import pytest
from tests.emulated import login

import tradeport as tp
from tradeport.emulator.engine import BookDelta, Engine, OrderRequest, PublicTrade, Reject
from tradeport.emulator.load import LoadMarket
from tradeport.model import AssetType, BookState
from tradeport.venues import registry
from tradeport.venues.capability import Capability

from .builders import BTC, DOGE, Clock

# the load drives the derivatives market's made-up contracts (perpetuals)
STREAMING = [
    s.key
    for s in registry.list_venues()
    if Capability.EMULATOR in s.capabilities
    and Capability.WATCH_ORDER_BOOK in s.capabilities
    and s.asset_type is AssetType.SWAP
]
LOAD_SYMBOL = "SYM001-USDT"


def test_load_steps_keep_a_full_uncrossed_book_and_chained_update_ids(clock: Clock) -> None:
    engine = Engine("perp", [BTC, DOGE], clock=clock)
    deltas: list[BookDelta] = []
    trades: list[PublicTrade] = []
    engine.subscribe(lambda e: deltas.append(e) if isinstance(e, BookDelta) else None)
    engine.subscribe(lambda e: trades.append(e) if isinstance(e, PublicTrade) else None)
    load = LoadMarket(engine, [DOGE.symbol], seed=3, levels=50)
    for _ in range(300):
        load.step()
    view = engine.depth(DOGE.symbol, 10_000)
    assert len(view.bids) == len(view.asks) == 50
    assert view.bids[0][0] < view.asks[0][0]
    assert all(a[0] > b[0] for a, b in zip(view.bids, view.bids[1:], strict=False))
    assert all(a[0] < b[0] for a, b in zip(view.asks, view.asks[1:], strict=False))
    # one delta per step (and the initial fill), each continuing the previous one
    assert len(deltas) == 301
    for previous, delta in pairwise(deltas):
        assert delta.prev_update_id == previous.last_update_id
        assert delta.first_update_id == previous.last_update_id + 1
    assert deltas[-1].last_update_id == view.update_id
    assert trades and engine.recent_trades(DOGE.symbol, 1)[0] == trades[-1]
    # the untouched symbol stayed empty and tradable
    assert engine.depth(BTC.symbol, 5).bids == []


def test_orders_on_a_load_symbol_are_refused(clock: Clock) -> None:
    engine = Engine("perp", [BTC, DOGE], clock=clock)
    engine.open_account("alice", {"USDT": Decimal(100_000)})
    LoadMarket(engine, [DOGE.symbol], levels=5)
    with pytest.raises(Reject) as refused:
        engine.place("alice", OrderRequest(DOGE.symbol, "BUY", "LIMIT", Decimal(10), Decimal(1)))
    assert refused.value.reason == "not_supported"


async def eventually(check: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        await asyncio.sleep(0.02)


def _floats(levels: list[tuple[Decimal, Decimal]]) -> list[tuple[float, float]]:
    return [(float(p), float(q)) for p, q in levels]


@pytest.mark.parametrize(
    ("key", "depth"),
    [("BINANCE___SWAP", 1000)] + [(key, 20) for key in STREAMING if key != "BINANCE___SWAP"],
)
async def test_verified_book_follows_the_load_over_loopback(key: str, depth: int) -> None:
    """A client's verified book (snapshot + diffs) equals the emulator's after many
    load steps: Binance USDⓈ-M with 1000 levels a side, every other streaming venue
    with 20 (within each venue's deepest book topic)."""
    spec = registry.get_venue(key)
    assert spec.emulator_factory is not None
    emulator = spec.emulator_factory(seed=7, step_interval=None, extra_symbols=2, load_depth=depth)
    await emulator.start()
    client = await tp.create_client(key, **login(emulator, spec.asset_type))
    try:
        engine = emulator.engine_for(spec.asset_type)
        venue_symbol = (await client.instrument(LOAD_SYMBOL)).venue_symbol
        assert engine.is_load_only(venue_symbol)
        await client.watch_order_book(LOAD_SYMBOL)
        book = client.synced_book(LOAD_SYMBOL)
        assert book is not None
        await eventually(lambda: book.state is BookState.LIVE, "the first snapshot")
        for _ in range(20):
            for _ in range(10):
                emulator.step()
            await asyncio.sleep(0.05)  # let the timed depth pushes interleave with steps

        def caught_up() -> bool:
            view = book.view()
            truth = engine.depth(venue_symbol, 100_000)
            return book.state is BookState.LIVE and (view.bids, view.asks) == (
                _floats(truth.bids),
                _floats(truth.asks),
            )

        await eventually(caught_up, f"{key}: the verified book to equal the emulator's")
        assert len(book.view().bids) == depth
        assert book.stats.gaps == 0
    finally:
        await client.close()
        await emulator.stop()


def test_load_mode_leaves_the_standard_symbols_to_the_matching_market() -> None:
    spec = registry.get_venue("BINANCE___SWAP")
    assert spec.emulator_factory is not None
    emulator = spec.emulator_factory(step_interval=None, extra_symbols=2, load_depth=10)
    engine = emulator.engine_for(AssetType.SWAP)
    assert not engine.is_load_only("BTCUSDT")
    assert engine.is_load_only("SYM002USDT")
    assert len(engine.depth("BTCUSDT", 100).bids) == 20  # the market maker's ladder
    # spot's made-up symbols are neither loaded nor quoted
    spot = emulator.engine_for(AssetType.SPOT)
    assert not spot.is_load_only("SYM002USDT")
    assert spot.depth("SYM002USDT", 5).bids == []
    assert len(spot.depth("BTCUSDT", 100).bids) == 20
