"""Streams against every emulated venue that streams: verified books under injected
faults, subscriptions that survive disconnects and silence, private events that agree
with REST."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tradeport.emulator.engine import BookDelta
from tradeport.emulator.handle import EmulatorHandle
from tradeport.execution.quantize import quantize_price
from tradeport.model import (
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
from tradeport.venues import registry
from tradeport.venues.capability import Capability

from .conftest import EMULATED, SYMBOL, Venue, start_venue

STREAMING = [s.key for s in EMULATED if Capability.WATCH_ORDER_BOOK in s.capabilities]
PRIVATE = [s.key for s in EMULATED if Capability.WATCH_ORDERS in s.capabilities]
OTHER = "ETH-USDT"  # a second symbol every emulator lists
# short liveness so a silent connection is replaced within a test's patience
FAST = {"stream_ping_interval": 0.2, "stream_silence_timeout": 0.8}

Levels = list[tuple[float, float]]


async def eventually(check: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        await asyncio.sleep(0.02)


async def next_of(it: AsyncIterator[Any], timeout: float = 10.0) -> Any:
    return await asyncio.wait_for(anext(it), timeout)


async def step_until_next(emulator: EmulatorHandle, it: AsyncIterator[Any]) -> Any:
    """Move the market until `it` yields (frames sent while a connection is being
    replaced are gone, as on a real venue)."""
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


class EngineBooks:
    """Every state the emulator's book of one symbol went through, in order.

    Venues number their book updates differently (Binance's ids are the engine's, Bybit
    counts pushes per topic), so a delivered book is matched by its levels: it must be a
    state the engine had, never earlier than the previous delivered one.
    """

    def __init__(self, emulator: EmulatorHandle, venue: registry.VenueSpec, venue_symbol: str):
        self.engine = emulator.engine_for(venue.asset_type)
        self.symbol = venue_symbol
        self.states: list[tuple[Levels, Levels]] = []
        self._record()
        self.engine.subscribe(self._on_event)

    def _record(self) -> None:
        view = self.engine.depth(self.symbol, 100_000)
        self.states.append((_floats(view.bids), _floats(view.asks)))

    def _on_event(self, event: object) -> None:
        if isinstance(event, BookDelta) and event.symbol == self.symbol:
            self._record()

    def current(self) -> tuple[Levels, Levels]:
        view = self.engine.depth(self.symbol, 100_000)
        return _floats(view.bids), _floats(view.asks)

    def position(self, book: OrderBook, after: int = 0, depth: int | None = None) -> int:
        """The first state at or after `after` whose top `depth` levels equal `book`'s;
        AssertionError if there is none."""
        seen = (book.bids, book.asks)
        for index in range(after, len(self.states)):
            bids, asks = self.states[index]
            if depth is not None:
                bids, asks = bids[:depth], asks[:depth]
            if (bids, asks) == seen:
                return index
        raise AssertionError(f"book at update {book.update_id} is no engine state since #{after}")


def _floats(levels: list[tuple[Decimal, Decimal]]) -> Levels:
    return [(float(p), float(q)) for p, q in levels]


async def fast_venue(key: str) -> AsyncIterator[Venue]:
    emulator, client = await start_venue(key, client_options=FAST)
    try:
        yield Venue(registry.get_venue(key), emulator, client)
    finally:
        await client.close()
        await emulator.stop()


@pytest.fixture(params=STREAMING)
async def streaming(request: pytest.FixtureRequest) -> AsyncIterator[Venue]:
    async for venue in fast_venue(request.param):
        yield venue


@pytest.fixture(params=PRIVATE)
async def private(request: pytest.FixtureRequest) -> AsyncIterator[Venue]:
    async for venue in fast_venue(request.param):
        yield venue


# -- verified books -------------------------------------------------------------------
FAULTS = st.lists(
    st.sampled_from(["drop", "duplicate", "reorder", "disconnect", "calm"]),
    min_size=2,
    max_size=6,
)


@pytest.mark.parametrize("key", STREAMING)
@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(faults=FAULTS)
async def test_every_live_book_equals_the_emulator_book_at_its_update_id(
    key: str, faults: list[str]
) -> None:
    emulator, client = await start_venue(key, client_options=FAST)
    try:
        spec = registry.get_venue(key)
        venue_symbol = (await client.instrument(SYMBOL)).venue_symbol
        truth = EngineBooks(emulator, spec, venue_symbol)
        seen: list[OrderBook] = []
        await client.watch_order_book(SYMBOL, callback=seen.append)
        book = client.synced_book(SYMBOL)
        assert book is not None
        # faults hit a LIVE book (a frame lost before the snapshot is covered by it)
        await eventually(lambda: book.state is BookState.LIVE, "the first snapshot")
        for fault in faults:
            plan = emulator.stream_faults
            if fault == "drop":
                plan.drop_depth(venue_symbol)
            elif fault == "duplicate":
                plan.duplicate_depth(venue_symbol)
            elif fault == "reorder":
                plan.reorder_depth(venue_symbol)
            elif fault == "disconnect":
                await plan.disconnect()
            # a depth fault waits for the next depth frame (deep topics push every
            # 200 ms, and only when the book changed): move until it has hit one, so
            # that a later disconnect cannot hide it behind a fresh snapshot
            for _ in range(50):
                if not plan.armed:
                    break
                emulator.step()
                await asyncio.sleep(0.05)
            for _ in range(3):
                emulator.step()
                await asyncio.sleep(0.25)  # more than one diff interval of every venue
        # the stream settles: the book is LIVE with the emulator's latest levels
        emulator.step()

        def caught_up() -> bool:
            view = book.view()
            return book.state is BookState.LIVE and (view.bids, view.asks) == truth.current()

        await eventually(caught_up, "the book to catch up with the emulator")
        assert seen, "no LIVE book was delivered"
        at = 0
        for live in seen:
            assert live.state is BookState.LIVE
            at = truth.position(live, at)  # an engine state, never going back in time
        if "drop" in faults:
            assert book.stats.gaps >= 1
    finally:
        await client.close()
        await emulator.stop()


async def test_dropped_frame_resyncs_only_that_book_with_one_snapshot(streaming: Venue) -> None:
    client, emulator = streaming.client, streaming.emulator
    for symbol in (SYMBOL, OTHER):
        await client.watch_order_book(symbol, callback=lambda book: None)
    btc, eth = client.synced_book(SYMBOL), client.synced_book(OTHER)
    assert btc is not None and eth is not None
    await eventually(lambda: btc.state is eth.state is BookState.LIVE, "both books LIVE")
    assert (btc.stats.snapshots, eth.stats.snapshots) == (1, 1)

    emulator.stream_faults.drop_depth((await client.instrument(SYMBOL)).venue_symbol)
    for _ in range(10):
        emulator.step()
        await asyncio.sleep(0.05)
        if btc.stats.gaps:
            break
    await eventually(lambda: btc.stats.gaps == 1, "the gap to be seen")
    await eventually(lambda: btc.state is BookState.LIVE, "the BTC book to resync")
    assert btc.stats.snapshots == 2  # the initial one and one resync
    assert eth.stats.snapshots == 1 and eth.stats.gaps == 0  # untouched
    depth_requests = emulator.faults.seen[client.config.rest_paths["get_depth"]]
    # from REST, each snapshot is one request; otherwise the resync resubscribed the topic
    assert depth_requests == (3 if client.book_snapshots_from_rest else 0)


# -- connections ----------------------------------------------------------------------
async def test_disconnect_restores_every_subscription(private: Venue) -> None:
    client, emulator = private.client, private.emulator
    trades = client.watch_trades(SYMBOL)
    orders = client.watch_orders(SYMBOL)
    books = client.watch_order_book(SYMBOL, 5)
    await trades.start()
    await orders.start()
    await books.start()
    await next_of(books)
    closed = await emulator.stream_faults.disconnect()
    assert closed >= 2  # the public and the private connections

    trade: Trade = await step_until_next(emulator, trades)
    assert trade.symbol == SYMBOL
    order = await client.make_order(
        SYMBOL, await private.small_qty(), await private.price_under_bid("0.9"), "buy-limit"
    )
    event: Order = await next_of(orders)
    assert event.order_id == order.order_id and event.status is OrderStatus.NEW
    book: OrderBook = await next_of(books)
    assert book.state is BookState.LIVE
    reconnects = sum(s.reconnects for s in client.stream_stats().values())
    assert reconnects >= 2


async def test_silent_connection_is_replaced_by_the_watchdog(streaming: Venue) -> None:
    client, emulator = streaming.client, streaming.emulator
    trades = await client.watch_trades(SYMBOL).start()
    await step_until_next(emulator, trades)
    emulator.stream_faults.silence(seconds=1.5)  # no data, no pings, no pongs
    await asyncio.sleep(1.6)
    replaced = sum(s.watchdog_replacements for s in client.stream_stats().values())
    assert replaced >= 1
    trade: Trade = await step_until_next(emulator, trades)  # the replacement resubscribed
    assert trade.symbol == SYMBOL


# -- private events --------------------------------------------------------------------
async def test_private_events_agree_with_rest(private: Venue) -> None:
    client = private.client
    orders: list[Order] = []
    fills: list[Fill] = []
    await client.watch_orders(callback=orders.append)
    await client.watch_fills(callback=fills.append)
    qty = await private.small_qty()
    resting = await client.make_order(
        SYMBOL, qty, await private.price_under_bid("0.9"), "buy-limit"
    )
    _, ask = await private.touch()
    crossing = quantize_price(await private.inst(), ask * Decimal("1.01"))
    taken = await client.make_order(SYMBOL, qty, crossing, "buy-limit")
    await client.cancel_order(SYMBOL, order_id=resting.order_id)

    def final(order_id: str | None) -> Order | None:
        mine = [o for o in orders if o.order_id == order_id]
        return mine[-1] if mine and mine[-1].status.is_closed else None

    await eventually(lambda: final(resting.order_id) and final(taken.order_id), "both closed")
    for placed in (resting, taken):
        event, rest = (
            final(placed.order_id),
            await client.query_order(SYMBOL, order_id=placed.order_id),
        )
        assert event is not None
        assert (event.status, event.filled_qty, event.client_order_id) == (
            rest.status,
            rest.filled_qty,
            rest.client_order_id,
        )
        if rest.avg_price is not None:
            assert event.avg_price == rest.avg_price
    deals = await client.get_deals(SYMBOL, order_id=taken.order_id)
    await eventually(
        lambda: len([f for f in fills if f.order_id == taken.order_id]) == len(deals), "fills"
    )
    streamed = {f.trade_id: f for f in fills if f.order_id == taken.order_id}
    for deal in deals:
        f = streamed[deal.trade_id]
        assert (f.price, f.qty, f.fee, f.fee_asset, f.is_maker) == (
            deal.price,
            deal.qty,
            deal.fee,
            deal.fee_asset,
            deal.is_maker,
        )
    assert len(streamed) == len(fills_of(fills, taken.order_id))  # each trade id once


def fills_of(fills: list[Fill], order_id: str | None) -> list[Fill]:
    return [f for f in fills if f.order_id == order_id]


async def test_orders_placed_while_disconnected_are_reconciled(private: Venue) -> None:
    client, emulator = private.client, private.emulator
    seen: list[Order] = []
    await client.watch_orders(callback=seen.append)
    # a second client places orders while the first one's stream is down
    other = await private.connect(0)
    try:
        emulator.stream_faults.silence(seconds=1.2)
        placed = [
            await other.make_order(
                SYMBOL, await private.small_qty(), await private.price_under_bid("0.9"), "buy-limit"
            )
            for _ in range(2)
        ]
        await eventually(
            lambda: {o.order_id for o in seen} >= {p.order_id for p in placed},
            "the orders placed during the outage",
        )
    finally:
        await other.close()


async def test_partial_book_is_the_emulator_top_n(streaming: Venue) -> None:
    client, emulator = streaming.client, streaming.emulator
    truth = EngineBooks(emulator, streaming.spec, (await streaming.inst()).venue_symbol)
    levels = min(client.partial_book_levels)
    books = await client.watch_partial_book(SYMBOL, levels).start()
    book: OrderBook = await step_until_next(emulator, books)
    truth.position(book, depth=levels)
    assert 1 <= len(book.bids) <= levels and 1 <= len(book.asks) <= levels
    assert book.bids[0][0] < book.asks[0][0]
    assert [p for p, _ in book.bids] == sorted((p for p, _ in book.bids), reverse=True)
    assert [p for p, _ in book.asks] == sorted(p for p, _ in book.asks)
    with pytest.raises(BadParameter, match="levels"):
        await client.watch_partial_book(SYMBOL, 7).start()


async def test_private_stream_with_a_bad_key_is_refused_and_leaves_nothing(private: Venue) -> None:
    client = await private.connect(0, api_key="not-a-key", secret="nor-a-secret")
    try:
        with pytest.raises(AuthError):
            await client.watch_orders().start()
        assert client.stream_stats() == {}  # no half-started user stream left behind
        assert not client.streams.channels()
    finally:
        await client.close()


# -- every advertised stream delivers ------------------------------------------------
async def test_each_listed_public_stream_delivers_events_of_its_type(streaming: Venue) -> None:
    client, emulator, caps = streaming.client, streaming.emulator, streaming.spec.capabilities
    wanted: list[tuple[Capability, Any, type]] = [
        (Capability.WATCH_TICKER, client.watch_ticker(SYMBOL), Ticker),
        (Capability.WATCH_KLINES, client.watch_klines(SYMBOL, "1m"), Bar),
        (Capability.WATCH_QUOTES, client.watch_quotes(SYMBOL), Quote),
        (Capability.WATCH_MARK_PRICE, client.watch_mark_price(SYMBOL), MarkPrice),
    ]
    for cap, watch, kind in wanted:
        if cap not in caps:
            continue
        await watch.start()
        event = await step_until_next(emulator, watch)
        assert isinstance(event, kind) and event.symbol == SYMBOL, cap
        assert event.local_ts > 0, cap
        await watch.close()


async def test_a_fill_streams_balances_and_positions(private: Venue) -> None:
    client, caps = private.client, private.spec.capabilities
    balances: list[Balance] = []
    positions: list[Position] = []
    await client.watch_balance(callback=balances.append)
    if Capability.WATCH_POSITIONS in caps:
        await client.watch_positions(SYMBOL, callback=positions.append)
    _, ask = await private.touch()
    crossing = quantize_price(await private.inst(), ask * Decimal("1.01"))
    await client.make_order(SYMBOL, await private.small_qty(), crossing, "buy-limit")
    rest = await client.get_balance()
    settle = (await private.inst()).quote
    await eventually(lambda: any(b.asset == settle for b in balances), "a balance event")
    streamed = [b for b in balances if b.asset == settle][-1]
    assert streamed.total == rest[settle].total
    if Capability.WATCH_POSITIONS in caps:
        await eventually(lambda: bool(positions), "a position event")
        (held,) = await client.get_position(SYMBOL)
        assert (positions[-1].qty, positions[-1].entry_price) == (held.qty, held.entry_price)
