"""The OKX client's streams against the OKX emulator over loopback sockets: every
stream, spot and swap; verified books under a dropped update, a corrupted checksum and
checksums switched off; reconnects; private events in base units agreeing with REST;
readiness."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

import tradeport as tp
from tradeport.execution.quantize import quantize_price
from tradeport.model import (
    AssetType,
    Balance,
    Bar,
    BookState,
    Fill,
    MarkPrice,
    Order,
    OrderBook,
    OrderStatus,
    Position,
    Quote,
    Ticker,
    Trade,
)
from tradeport.model.errors import AuthError, BadParameter
from tradeport.venues.okx.client import OkxClient
from tradeport.venues.okx.emulator.app import OkxEmulator

SYMBOL, OTHER = "BTC-USDT", "ETH-USDT"
FAST = {"stream_ping_interval": 0.2, "stream_silence_timeout": 0.8}


@dataclass
class Setup:
    emulator: OkxEmulator
    client: OkxClient
    asset_type: AssetType

    @property
    def engine(self) -> Any:
        return self.emulator.engine_for(self.asset_type)

    async def inst_id(self, symbol: str = SYMBOL) -> str:
        return (await self.client.instrument(symbol)).venue_symbol

    async def engine_top(self, symbol: str = SYMBOL, depth: int = 100_000) -> tuple[Any, Any]:
        view = self.engine.depth(await self.inst_id(symbol), depth)
        return _floats(view.bids), _floats(view.asks)


def _floats(levels: list[tuple[Decimal, Decimal]]) -> list[tuple[float, float]]:
    return [(float(p), float(q)) for p, q in levels]


async def connect(emulator: OkxEmulator, asset_type: AssetType, **options: Any) -> OkxClient:
    key, secret = emulator.credentials(0)
    login = {
        "environment": "emulator",
        "base_url": emulator.base_url,
        "ws_url": emulator.stream_url(asset_type),
        "api_key": key,
        "secret": secret,
        "passphrase": emulator.passphrase(0),
    }
    client = await tp.create_client(f"OKX___{asset_type.name}", **{**login, **FAST, **options})
    assert isinstance(client, OkxClient)
    return client


@pytest.fixture(params=[AssetType.SPOT, AssetType.SWAP], ids=["spot", "swap"])
async def setup(request: pytest.FixtureRequest) -> AsyncIterator[Setup]:
    emulator = OkxEmulator(seed=11, step_interval=None)
    await emulator.start()
    client = await connect(emulator, request.param)
    try:
        yield Setup(emulator, client, request.param)
    finally:
        await client.close()
        await emulator.stop()


@pytest.fixture
async def swap() -> AsyncIterator[Setup]:
    emulator = OkxEmulator(seed=11, step_interval=None)
    await emulator.start()
    client = await connect(emulator, AssetType.SWAP)
    try:
        yield Setup(emulator, client, AssetType.SWAP)
    finally:
        await client.close()
        await emulator.stop()


async def eventually(check: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        await asyncio.sleep(0.02)


async def step_until_next(emulator: OkxEmulator, it: AsyncIterator[Any]) -> Any:
    pending = asyncio.ensure_future(anext(it))
    try:
        for _ in range(100):
            emulator.step()
            done, _ = await asyncio.wait({pending}, timeout=0.1)
            if done:
                return pending.result()
        raise AssertionError("nothing arrived while the market moved")
    finally:
        pending.cancel()


async def steps(emulator: OkxEmulator, n: int = 5) -> None:
    for _ in range(n):
        emulator.step()
        await asyncio.sleep(0.12)  # more than one 100 ms books interval


async def caught_up(s: Setup, symbol: str = SYMBOL) -> None:
    book = s.client.synced_book(symbol)
    assert book is not None
    s.emulator.step()
    truth = await s.engine_top(symbol)

    def same() -> bool:
        view = book.view()
        return book.state is BookState.LIVE and (view.bids, view.asks) == truth

    await eventually(same, f"the {symbol} book to equal the emulator's")


# -- every public stream ---------------------------------------------------------------
async def test_each_public_stream_delivers_its_events(setup: Setup) -> None:
    client, emulator = setup.client, setup.emulator
    wanted: list[tuple[Any, type]] = [
        (client.watch_ticker(SYMBOL), Ticker),
        (client.watch_trades(SYMBOL), Trade),
        (client.watch_klines(SYMBOL, "1m"), Bar),
        (client.watch_quotes(SYMBOL), Quote),
        (client.watch_partial_book(SYMBOL, 5), OrderBook),
    ]
    if setup.asset_type is AssetType.SWAP:
        wanted.append((client.watch_mark_price(SYMBOL), MarkPrice))
    for watch, kind in wanted:
        await watch.start()
        event = await step_until_next(emulator, watch)
        assert isinstance(event, kind) and event.symbol == SYMBOL, kind
        assert event.local_ts > 0, kind
        await watch.close()


async def test_partial_book_is_the_emulator_top_5_in_base_units(setup: Setup) -> None:
    seen: list[OrderBook] = []
    await setup.client.watch_partial_book(SYMBOL, 5, callback=seen.append)
    await steps(setup.emulator)
    await eventually(lambda: bool(seen), "a books5 push")
    # the market stands still now: the last push settles on the engine's top 5
    truth = await setup.engine_top(depth=5)
    await eventually(lambda: (seen[-1].bids, seen[-1].asks) == truth, "the top 5 to settle")
    assert seen[-1].bids[0][0] < seen[-1].asks[0][0]
    with pytest.raises(BadParameter, match="levels"):
        await setup.client.watch_partial_book(SYMBOL, 7).start()


async def test_order_book_is_live_and_equals_the_emulator_book(setup: Setup) -> None:
    seen: list[OrderBook] = []
    await setup.client.watch_order_book(SYMBOL, 10, callback=seen.append)
    await steps(setup.emulator)
    await caught_up(setup)
    assert seen and all(len(b.bids) <= 10 and b.state is BookState.LIVE for b in seen)
    book = setup.client.synced_book(SYMBOL)
    assert book is not None and book.stats.gaps == 0 and book.stats.checksum_mismatches == 0


# -- verified books under faults -------------------------------------------------------
async def two_live_books(s: Setup) -> tuple[Any, Any]:
    for symbol in (SYMBOL, OTHER):
        await s.client.watch_order_book(symbol, callback=lambda _b: None)
    btc, eth = s.client.synced_book(SYMBOL), s.client.synced_book(OTHER)
    assert btc is not None and eth is not None
    await eventually(lambda: btc.state is eth.state is BookState.LIVE, "both books LIVE")
    return btc, eth


async def test_dropped_update_resyncs_only_that_book(setup: Setup) -> None:
    btc, eth = await two_live_books(setup)
    setup.emulator.stream_faults.drop_depth(await setup.inst_id())
    for _ in range(20):
        await steps(setup.emulator, 1)
        if btc.stats.gaps:
            break
    await eventually(lambda: btc.stats.gaps == 1, "the gap to be seen")
    await caught_up(setup)
    assert btc.stats.snapshots == 2  # the first one and the resync's
    assert (eth.stats.snapshots, eth.stats.gaps, eth.stats.resyncs) == (1, 0, 0)
    depth_path = setup.client.config.rest_paths["get_depth"]
    assert setup.emulator.faults.seen[depth_path] == 0  # resubscribed, no REST snapshot


async def test_corrupted_checksum_resyncs_only_that_book(setup: Setup) -> None:
    btc, eth = await two_live_books(setup)
    setup.emulator.streams.corrupt_checksum(await setup.inst_id())
    for _ in range(20):
        await steps(setup.emulator, 1)
        if btc.stats.checksum_mismatches:
            break
    await eventually(lambda: btc.stats.checksum_mismatches == 1, "the mismatch to be seen")
    await caught_up(setup)
    assert btc.stats.snapshots == 2 and btc.stats.gaps == 0
    assert (eth.stats.snapshots, eth.stats.checksum_mismatches) == (1, 0)


async def test_books_sync_by_sequence_alone_when_checksums_are_off(setup: Setup) -> None:
    setup.emulator.checksum = False
    await setup.client.watch_order_book(SYMBOL, callback=lambda _b: None)
    await steps(setup.emulator)
    await caught_up(setup)
    setup.emulator.stream_faults.drop_depth(await setup.inst_id())
    await steps(setup.emulator, 10)
    book = setup.client.synced_book(SYMBOL)
    assert book is not None and book.stats.gaps >= 1  # seqId still catches the loss
    await caught_up(setup)
    assert book.stats.checksum_mismatches == 0


# -- connections -----------------------------------------------------------------------
async def test_reconnect_restores_public_and_private_channels(setup: Setup) -> None:
    client, emulator = setup.client, setup.emulator
    trades = await client.watch_trades(SYMBOL).start()
    orders = await client.watch_orders(SYMBOL).start()
    await client.watch_order_book(SYMBOL, callback=lambda _b: None)
    await step_until_next(emulator, trades)
    assert client.readiness.all_up()
    closed = await emulator.stream_faults.disconnect()
    assert closed >= 2
    trade: Trade = await step_until_next(emulator, trades)
    assert trade.symbol == SYMBOL
    await eventually(client.readiness.all_up, "readiness back up after re-login")
    bid = (await client.get_depth(SYMBOL, 5)).bids[0][0]
    inst = await client.instrument(SYMBOL)
    price = quantize_price(inst, Decimal(str(bid)) * Decimal("0.9"))
    placed = await client.make_order(SYMBOL, inst.min_qty * 10, price, "buy-limit")
    event: Order = await asyncio.wait_for(anext(orders), 10)
    assert event.order_id == placed.order_id and event.status is OrderStatus.NEW
    await caught_up(setup)
    reconnects = sum(s.reconnects for s in client.stream_stats().values())
    assert reconnects >= 2


async def test_bad_passphrase_is_refused_and_leaves_nothing(setup: Setup) -> None:
    client = await connect(setup.emulator, setup.asset_type, passphrase="wrong")
    try:
        with pytest.raises(AuthError):
            await client.watch_orders().start()
        assert client.stream_stats() == {}
        assert not client.streams.channels()
        assert "user" not in client.readiness.required
    finally:
        await client.close()


# -- private events --------------------------------------------------------------------
async def test_private_events_agree_with_rest_in_base_units(swap: Setup) -> None:
    client = swap.client
    orders: list[Order] = []
    fills: list[Fill] = []
    positions: list[Position] = []
    balances: list[Balance] = []
    await client.watch_orders(callback=orders.append)
    await client.watch_fills(callback=fills.append)
    await client.watch_positions(SYMBOL, callback=positions.append)
    await client.watch_balance(callback=balances.append)
    assert client.readiness.all_up()
    inst = await client.instrument(SYMBOL)
    assert (await client.contract(SYMBOL)).multiplier != 1  # sizes cross in contracts
    qty = inst.step_size * 3
    ask = (await client.get_depth(SYMBOL, 5)).asks[0][0]
    price = quantize_price(inst, Decimal(str(ask)) * Decimal("1.01"))
    taken = await client.make_order(SYMBOL, qty, price, "buy-limit")

    def closed() -> Order | None:
        mine = [o for o in orders if o.order_id == taken.order_id]
        return mine[-1] if mine and mine[-1].status.is_closed else None

    await eventually(lambda: closed() is not None, "the order to fill")
    event, rest = closed(), await client.query_order(SYMBOL, order_id=taken.order_id)
    assert event is not None
    assert (event.status, event.filled_qty, event.qty) == (rest.status, rest.filled_qty, qty)
    deals = await client.get_deals(SYMBOL, order_id=taken.order_id)
    await eventually(
        lambda: len([f for f in fills if f.order_id == taken.order_id]) == len(deals), "fills"
    )
    streamed = {f.trade_id: f for f in fills if f.order_id == taken.order_id}
    assert sum(f.qty for f in streamed.values()) == qty
    for deal in deals:
        f = streamed[deal.trade_id]
        assert (f.price, f.qty, f.fee, f.fee_asset, f.is_maker) == (
            deal.price,
            deal.qty,
            deal.fee,
            deal.fee_asset,
            deal.is_maker,
        )
    await eventually(lambda: bool(positions) and positions[-1].qty == qty, "the position")
    (held,) = await client.get_position(SYMBOL)
    assert (positions[-1].qty, positions[-1].entry_price) == (held.qty, held.entry_price)
    await eventually(lambda: any(b.asset == "USDT" for b in balances), "a balance event")
    rest_balance = (await client.get_balance())["USDT"]
    assert [b for b in balances if b.asset == "USDT"][-1].total == rest_balance.total
