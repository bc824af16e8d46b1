"""The Bybit client's streams against the Bybit emulator over loopback sockets, spot and
linear: every public stream, a dropped delta resyncing that book alone by resubscribing
its topic, reconnects restoring public and private topics, private events feeding the
order-id map and the positions cache, an outage's fills reconciled once, readiness
following the private session, and the JSON heartbeat."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from decimal import ROUND_UP, Decimal
from typing import Any

import pytest

import tradeport as tp
from tradeport.book.view import BookView
from tradeport.execution.quantize import quantize, quantize_price
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
    PositionSide,
    Quote,
    Ticker,
    Trade,
)
from tradeport.model.errors import BadParameter, NotReady, NotSupported
from tradeport.transport.ws import TopicState
from tradeport.venues.bybit.client import BybitClient
from tradeport.venues.bybit.emulator import BybitEmulator

SYMBOL = "BTC-USDT"
OTHER = "ETH-USDT"
KEYS = {"spot": "BYBIT___SPOT", "linear": "BYBIT___SWAP"}
ASSETS = {"spot": AssetType.SPOT, "linear": AssetType.SWAP}
# short liveness so a lost connection is noticed within a test's patience
FAST: dict[str, Any] = {"stream_ping_interval": 0.2, "stream_silence_timeout": 0.8}


async def eventually(check: Callable[[], object], what: str, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        await asyncio.sleep(0.02)


async def step_until(emu: BybitEmulator, check: Callable[[], object], what: str) -> None:
    """Move the market until `check()` holds."""
    for _ in range(200):
        if check():
            return
        emu.step()
        await asyncio.sleep(0.05)
    raise AssertionError(f"nothing while the market moved: {what}")


@pytest.fixture
async def emulator() -> AsyncIterator[BybitEmulator]:
    async with BybitEmulator(step_interval=None, seed=13) as emu:
        yield emu


async def connect(emu: BybitEmulator, category: str, **options: Any) -> BybitClient:
    key, secret = emu.credentials()
    client = await tp.create_client(
        KEYS[category],
        environment="emulator",
        base_url=emu.base_url,
        ws_url=emu.stream_url(ASSETS[category]),
        api_key=key,
        secret=secret,
        **{**FAST, **options},
    )
    assert isinstance(client, BybitClient)
    return client


@pytest.fixture(params=["spot", "linear"])
async def client(request: pytest.FixtureRequest, emulator: BybitEmulator) -> AsyncIterator[Any]:
    c = await connect(emulator, request.param)
    try:
        yield c
    finally:
        await c.close()


@pytest.fixture
async def linear(emulator: BybitEmulator) -> AsyncIterator[BybitClient]:
    c = await connect(emulator, "linear")
    try:
        yield c
    finally:
        await c.close()


async def small_qty(client: BybitClient) -> Decimal:
    inst = await client.instrument(SYMBOL)
    bid = Decimal(str((await client.get_depth(SYMBOL, 5)).bids[0][0]))
    return max(inst.min_qty, quantize(inst.min_notional * 2 / bid, inst.step_size, ROUND_UP))


async def price_at(client: BybitClient, side: str, factor: str) -> Decimal:
    """A price `factor` times the best bid (side "bid") or ask ("ask")."""
    book = await client.get_depth(SYMBOL, 5)
    touch = book.bids[0][0] if side == "bid" else book.asks[0][0]
    return quantize_price(await client.instrument(SYMBOL), Decimal(str(touch)) * Decimal(factor))


# -- public ----------------------------------------------------------------------------
async def test_every_public_stream_delivers_its_events(
    client: BybitClient, emulator: BybitEmulator
) -> None:
    got: dict[str, list[Any]] = {}
    watches = {
        "ticker": client.watch_ticker(SYMBOL, callback=got.setdefault("ticker", []).append),
        "trades": client.watch_trades(SYMBOL, callback=got.setdefault("trades", []).append),
        "klines": client.watch_klines(SYMBOL, "1m", callback=got.setdefault("klines", []).append),
        "book": client.watch_order_book(SYMBOL, 10, callback=got.setdefault("book", []).append),
        "partial": client.watch_partial_book(
            SYMBOL, 50, callback=got.setdefault("partial", []).append
        ),
        "quotes": client.watch_quotes(SYMBOL, callback=got.setdefault("quotes", []).append),
    }
    if client.asset_type is AssetType.SWAP:
        watches["mark"] = client.watch_mark_price(
            SYMBOL, callback=got.setdefault("mark", []).append
        )
    for watch in watches.values():
        await watch.start()
    await step_until(emulator, lambda: all(got.get(k) for k in watches), "every stream")
    kinds = {
        "ticker": Ticker,
        "trades": Trade,
        "klines": Bar,
        "book": BookView,
        "partial": BookView,
        "quotes": Quote,
        "mark": MarkPrice,
    }
    for name in watches:
        event = got[name][-1]
        assert isinstance(event, kinds[name]) and event.symbol == SYMBOL, name
        assert event.local_ts > 0, name
    book: OrderBook = got["book"][-1]
    assert book.state is BookState.LIVE and 1 <= len(book.bids) <= 10
    assert book.bids[0][0] < book.asks[0][0]
    quote: Quote = got["quotes"][-1]
    assert quote.bid < quote.ask
    bar: Bar = got["klines"][-1]
    assert bar.period == "1m" and bar.close_ts - bar.open_ts == 59_999


async def test_streams_the_venue_lacks_or_parameters_it_refuses_are_named(
    client: BybitClient,
) -> None:
    with pytest.raises(BadParameter, match="levels"):
        await client.watch_partial_book(SYMBOL, 7).start()
    with pytest.raises(BadParameter, match="period"):
        await client.watch_klines(SYMBOL, "7m").start()
    with pytest.raises(BadParameter, match="depth"):
        await client.watch_order_book(SYMBOL, 0).start()
    if client.asset_type is AssetType.SPOT:
        with pytest.raises(NotSupported, match="mark"):
            await client.watch_mark_price(SYMBOL).start()
        with pytest.raises(NotSupported, match="positions"):
            await client.watch_positions().start()
    assert client.streams.channels() == []
    assert all(not s.topics for s in client.public_streams._sockets.values())


async def test_a_dropped_delta_resyncs_that_book_alone_by_resubscribing(
    client: BybitClient, emulator: BybitEmulator
) -> None:
    for symbol in (SYMBOL, OTHER):
        await client.watch_order_book(symbol, callback=lambda book: None).start()
    btc, eth = client.synced_book(SYMBOL), client.synced_book(OTHER)
    assert btc is not None and eth is not None
    await eventually(lambda: btc.state is eth.state is BookState.LIVE, "both books LIVE")
    emulator.stream_faults.drop_depth("BTCUSDT")
    await step_until(emulator, lambda: btc.stats.gaps == 1, "the gap")
    await step_until(emulator, lambda: btc.state is BookState.LIVE, "the BTC book resynced")
    assert (btc.stats.snapshots, btc.stats.resyncs) == (2, 1)
    assert (eth.stats.snapshots, eth.stats.gaps, eth.stats.resyncs) == (1, 0, 0)
    assert client.public_streams.resubscribes == 1
    (stats,) = client.stream_stats().values()
    assert (stats.connects, stats.reconnects) == (1, 0)  # the same connection
    assert emulator.faults.seen[client.config.rest_paths["get_depth"]] == 0  # no REST


async def test_json_pings_keep_the_connections_alive(
    client: BybitClient, emulator: BybitEmulator
) -> None:
    await client.watch_klines(SYMBOL, "1d", callback=lambda bar: None).start()
    await client.watch_balance(callback=lambda balance: None).start()
    stats = client.stream_stats()
    assert len(stats) == 2  # the public path and the private session
    await eventually(lambda: all(s.pongs >= 3 for s in stats.values()), "pongs on both")
    assert all(s.watchdog_replacements == 0 for s in stats.values())


# -- reconnects ------------------------------------------------------------------------
async def test_a_disconnect_restores_public_and_private_topics(
    client: BybitClient, emulator: BybitEmulator
) -> None:
    books: list[OrderBook] = []
    trades: list[Trade] = []
    orders: list[Order] = []
    await client.watch_order_book(SYMBOL, 50, callback=books.append).start()
    await client.watch_trades(SYMBOL, callback=trades.append).start()
    await client.watch_orders(SYMBOL, callback=orders.append).start()
    await step_until(emulator, lambda: books and trades, "books and trades")
    book = client.synced_book(SYMBOL)
    assert book is not None
    assert await emulator.stream_faults.disconnect() == 2
    await eventually(lambda: client.readiness.all_up() and book.stats.snapshots == 2, "back up")
    count = len(trades)
    await step_until(emulator, lambda: len(trades) > count, "trades again")
    placed = await client.make_order(
        SYMBOL, await small_qty(client), await price_at(client, "bid", "0.9"), "buy-limit"
    )
    await eventually(lambda: any(o.order_id == placed.order_id for o in orders), "the order")
    assert book.state is BookState.LIVE
    assert all(s.reconnects == 1 for s in client.stream_stats().values())


async def test_orders_and_fills_of_an_outage_are_reconciled_once(
    client: BybitClient, emulator: BybitEmulator
) -> None:
    orders: list[Order] = []
    fills: list[Fill] = []
    # history is asked per symbol: those named in a watch are covered
    await client.watch_orders(SYMBOL, callback=orders.append).start()
    await client.watch_fills(SYMBOL, callback=fills.append).start()
    other = await connect(emulator, "spot" if client.asset_type is AssetType.SPOT else "linear")
    try:
        emulator.stream_faults.silence("private", seconds=1.5)
        taken = await other.make_order(
            SYMBOL, await small_qty(other), await price_at(other, "ask", "1.01"), "buy-limit"
        )
        stream = client.user_stream
        await eventually(lambda: stream.reconciled >= 1, "a reconciliation")
        await eventually(lambda: any(f.order_id == taken.order_id for f in fills), "the fill")
        deals = await client.get_deals(SYMBOL, order_id=taken.order_id)
        mine = [f for f in fills if f.order_id == taken.order_id]
        assert sorted(f.trade_id for f in mine) == sorted(d.trade_id for d in deals)
        final = [o for o in orders if o.order_id == taken.order_id][-1]
        assert final.status is OrderStatus.FILLED
        assert client.order_ids.order_id(final.client_order_id or "") == taken.order_id
    finally:
        await other.close()


# -- private ---------------------------------------------------------------------------
async def test_private_events_feed_order_ids_positions_and_balances(
    linear: BybitClient, emulator: BybitEmulator
) -> None:
    positions: list[Position] = []
    balances: list[Balance] = []
    await linear.watch_positions(SYMBOL, callback=positions.append).start()
    await linear.watch_balance(callback=balances.append).start()
    # another client of the account trades: only the stream tells this one
    other = await connect(emulator, "linear")
    try:
        taken = await other.make_order(
            SYMBOL,
            await small_qty(other),
            await price_at(other, "ask", "1.01"),
            "buy-limit",
            client_order_id="streamed-1",
        )
    finally:
        await other.close()
    await eventually(lambda: linear.order_ids.order_id("streamed-1") == taken.order_id, "ids")
    (held,) = await linear.get_position(SYMBOL)
    cache = linear.user_stream.positions
    await eventually(lambda: (SYMBOL, PositionSide.BOTH) in cache, "the cached position")
    cached = cache[(SYMBOL, PositionSide.BOTH)]
    assert (cached.qty, cached.entry_price) == (held.qty, held.entry_price)
    assert positions[-1] == cached
    usdt = (await linear.get_balance())["USDT"]
    await eventually(lambda: any(b.asset == "USDT" for b in balances), "a USDT balance")
    assert [b for b in balances if b.asset == "USDT"][-1].total == usdt.total


async def test_readiness_follows_the_private_session(emulator: BybitEmulator) -> None:
    client = await connect(emulator, "linear", readiness="refuse")
    try:
        await client.watch_orders(callback=lambda order: None).start()
        assert client.readiness.required >= {"user", "orders", "executions", "wallet", "positions"}
        assert client.readiness.all_up()
        qty, price = await small_qty(client), await price_at(client, "bid", "0.9")
        emulator.stream_faults.silence("private", seconds=2.5)
        await eventually(lambda: not client.readiness.is_up("user"), "the session down")
        with pytest.raises(NotReady) as refused:
            await client.make_order(SYMBOL, qty, price, "buy-limit")
        assert {"user", "orders", "executions"} <= set(refused.value.down)
        await eventually(client.readiness.all_up, "the session back up", timeout=15.0)
        placed = await client.make_order(SYMBOL, qty, price, "buy-limit")
        assert placed.status is OrderStatus.NEW
    finally:
        await client.close()
    # closed on purpose: orders no longer wait for the private streams
    assert client.readiness.required == {"instruments"}


async def test_spot_resubscribes_many_topics_ten_per_request() -> None:
    # Bybit spot takes at most 10 args per subscribe request; a reconnect resubscribes
    # every topic of the connection at once
    emulator = BybitEmulator(step_interval=None, seed=13, extra_symbols=10)
    await emulator.start()
    client = await connect(emulator, "spot")
    try:
        symbols = [s for s in await client.instruments() if s.endswith("-USDT")][:12]
        assert len(symbols) == 12
        for symbol in symbols:
            await client.watch_trades(symbol, callback=lambda trade: None).start()
        (socket,) = client.public_streams._sockets.values()
        assert await emulator.stream_faults.disconnect() == 1
        await eventually(lambda: socket.stats.reconnects == 1, "the reconnect")
        await eventually(
            lambda: all(s is TopicState.CONFIRMED for s in socket.topics.values()),
            "every topic confirmed again",
        )
        assert len(socket.topics) == 12 and socket.stats.acks_failed == 0
    finally:
        await client.close()
        await emulator.stop()
