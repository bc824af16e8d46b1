"""Binance stream quirks against the emulator over loopback sockets: an expired USDⓈ-M
listen key, a spot `serverShutdown`, a malformed depth frame, and subscriptions the
client must refuse before anything is sent."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from decimal import ROUND_UP, Decimal
from typing import Any

import pytest
from tests.book.conftest import STORES, using_store

from tradeport.emulator.faults import Latency
from tradeport.execution.quantize import quantize, quantize_price
from tradeport.model import BookState, Fill, Order, OrderBook, OrderStatus, Trade
from tradeport.model.errors import BadParameter, MalformedMessage, NotSupported, UnknownSymbol
from tradeport.venues.binance.client import BinanceClient
from tradeport.venues.binance.emulator import BinanceEmulator

from .conftest import connect

SYMBOL = "BTC-USDT"
OTHER = "ETH-USDT"
# short liveness so a lost connection is noticed within a test's patience
FAST: dict[str, Any] = {"stream_ping_interval": 0.2, "stream_silence_timeout": 0.8}


async def eventually(check: Callable[[], object], what: str, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        await asyncio.sleep(0.02)


async def step_until(emu: BinanceEmulator, check: Callable[[], object], what: str) -> None:
    """Move the market until `check()` holds."""
    for _ in range(200):
        if check():
            return
        emu.step()
        await asyncio.sleep(0.05)
    raise AssertionError(f"nothing while the market moved: {what}")


@pytest.fixture
async def fast_swap(emulator: BinanceEmulator) -> AsyncIterator[BinanceClient]:
    client = await connect(emulator, "BINANCE___SWAP", ws_url=emulator.ws_url("futures"), **FAST)
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
async def fast_spot(emulator: BinanceEmulator) -> AsyncIterator[BinanceClient]:
    client = await connect(emulator, "BINANCE___SPOT", ws_url=emulator.ws_url("spot"), **FAST)
    try:
        yield client
    finally:
        await client.close()


async def small_qty(client: BinanceClient) -> Decimal:
    inst = await client.instrument(SYMBOL)
    bid = Decimal(str((await client.get_depth(SYMBOL, 5)).bids[0][0]))
    by_notional = inst.min_notional * Decimal("1.5") / (bid * inst.contract_size)
    return max(inst.min_qty, quantize(by_notional, inst.step_size, ROUND_UP))


async def price_at(client: BinanceClient, side: str, factor: str) -> Decimal:
    """A price `factor` times the best bid (side "bid") or ask ("ask")."""
    book = await client.get_depth(SYMBOL, 5)
    touch = book.bids[0][0] if side == "bid" else book.asks[0][0]
    return quantize_price(await client.instrument(SYMBOL), Decimal(str(touch)) * Decimal(factor))


# -- USDⓈ-M listen key expiry ---------------------------------------------------------
class PrivateLog:
    """What a client's watch_orders / watch_fills delivered."""

    def __init__(self) -> None:
        self.orders: list[Order] = []
        self.fills: list[Fill] = []

    async def watch(self, client: BinanceClient, symbol: str | None = None) -> None:
        await client.watch_orders(symbol, callback=self.orders.append)
        await client.watch_fills(symbol, callback=self.fills.append)

    def latest(self, order_id: str | None) -> Order | None:
        mine = [o for o in self.orders if o.order_id == order_id]
        return mine[-1] if mine else None

    def agrees(self, rest: Order) -> bool:
        event = self.latest(rest.order_id)
        return event is not None and (event.status, event.filled_qty, event.client_order_id) == (
            rest.status,
            rest.filled_qty,
            rest.client_order_id,
        )


def expire_key_slowly(emu: BinanceEmulator) -> None:
    """Expire every listen key; the replacement key is answered late, so what happens
    next lands while no private socket listens."""
    emu.faults.arm("POST /fapi/v1/listenKey", Latency(0.5))
    emu.stream_faults.expire_listen_key()


async def test_expired_listen_key_loses_no_event_of_a_known_or_open_order(
    emulator: BinanceEmulator, fast_swap: BinanceClient
) -> None:
    client, seen = fast_swap, PrivateLog()
    await seen.watch(client)
    before = client.user_stream._listen_key
    other = await connect(emulator, "BINANCE___SWAP")  # the same account, REST only
    try:
        qty = await small_qty(other)
        known = await other.make_order(
            SYMBOL, qty, await price_at(other, "bid", "0.99"), "buy-limit"
        )
        await eventually(lambda: seen.latest(known.order_id), "the first order's NEW event")
        expire_key_slowly(emulator)
        # the known order fills while the stream is down; another one is placed and rests
        assert known.price is not None
        emulator.move_to("futures", "BTCUSDT", known.price * Decimal("0.998"))
        opened = await other.make_order(
            SYMBOL, qty, await price_at(other, "bid", "0.9"), "buy-limit"
        )
        finals = [await other.query_order(SYMBOL, order_id=o.order_id) for o in (known, opened)]
        assert [o.status for o in finals] == [OrderStatus.FILLED, OrderStatus.NEW]
        deals = await other.get_deals(SYMBOL, order_id=known.order_id)
        assert deals

        await eventually(
            lambda: all(seen.agrees(o) for o in finals) and len(seen.fills) >= len(deals),
            "both orders' REST state and the fills",
        )
        trade_ids = [f.trade_id for f in seen.fills]
        assert len(trade_ids) == len(set(trade_ids))  # each fill once
        assert set(trade_ids) == {d.trade_id for d in deals}
        after = client.user_stream._listen_key
        assert before is not None and after is not None and after != before
        assert client.stream_stats()[f"{client.key}.user"].connects == 2
    finally:
        await other.close()


async def test_expired_listen_key_loses_no_order_opened_and_closed_meanwhile(
    emulator: BinanceEmulator, fast_swap: BinanceClient
) -> None:
    client, seen = fast_swap, PrivateLog()
    # nothing of SYMBOL was seen before the outage: naming it in the watch is what
    # tells the reconciliation to ask its history (Binance answers it per symbol)
    await seen.watch(client, SYMBOL)
    other = await connect(emulator, "BINANCE___SWAP")
    try:
        qty = await small_qty(other)
        expire_key_slowly(emulator)
        taken = await other.make_order(
            SYMBOL, qty, await price_at(other, "ask", "1.01"), "buy-limit"
        )
        gone = await other.make_order(SYMBOL, qty, await price_at(other, "bid", "0.8"), "buy-limit")
        await other.cancel_order(SYMBOL, order_id=gone.order_id)
        finals = [await other.query_order(SYMBOL, order_id=o.order_id) for o in (taken, gone)]
        assert [o.status for o in finals] == [OrderStatus.FILLED, OrderStatus.CANCELED]
        deals = await other.get_deals(SYMBOL, order_id=taken.order_id)
        await eventually(
            lambda: client.user_stream.reconciled >= 1, "the reconciliation after the outage"
        )
        await eventually(
            lambda: all(seen.agrees(o) for o in finals) and len(seen.fills) >= len(deals),
            "the orders' REST state and the fills",
            timeout=1.0,
        )
    finally:
        await other.close()


# -- spot serverShutdown ----------------------------------------------------------------
async def test_server_shutdown_moves_public_streams_and_keeps_them(
    emulator: BinanceEmulator, fast_spot: BinanceClient
) -> None:
    client = fast_spot
    trades: list[Trade] = []
    await client.watch_trades(SYMBOL, callback=trades.append)
    await client.watch_order_book(SYMBOL, 10, callback=lambda book: None)
    book = client.synced_book(SYMBOL)
    assert book is not None
    await step_until(emulator, lambda: book.state is BookState.LIVE and trades, "a LIVE book")

    async def trade_on() -> None:  # the market keeps moving through the move
        while True:
            emulator.step()
            await asyncio.sleep(0.02)

    stepping = asyncio.create_task(trade_on())
    try:
        told = await emulator.stream_faults.server_shutdown()
        assert told == 1  # the one public connection
        stats = client.stream_stats()[f"{client.key}/stream"]
        await eventually(lambda: stats.connects == 2, "the replacement connection")
        # after the notice: make-before-break, not a loss and a reconnect
        assert (stats.moves, stats.reconnects) == (1, 0)
        after_move = emulator.spot.recent_trades("BTCUSDT", 1)[0].trade_id
        await eventually(
            lambda: trades and int(trades[-1].trade_id) > after_move + 5,
            "trades on the new connection",
        )
    finally:
        stepping.cancel()
        await asyncio.gather(stepping, return_exceptions=True)

    ids = [int(t.trade_id) for t in trades]
    # the two sockets overlapped: nothing may come twice or out of order
    assert ids == sorted(set(ids))
    since = {t.trade_id for t in emulator.spot.recent_trades("BTCUSDT", 1000)}
    assert {i for i in since if after_move < i <= ids[-1]} <= set(ids)  # none lost since
    engine_id = emulator.spot.depth("BTCUSDT", 1).update_id
    await eventually(
        lambda: book.state is BookState.LIVE and book.update_id >= engine_id,
        "the book LIVE at the engine's update id",
    )
    topics = client.public_streams._sockets["/stream"].topics
    assert sorted(topics) == ["btcusdt@depth@100ms", "btcusdt@trade"]


# -- a malformed depth frame ----------------------------------------------------------
def unreadable(update_id: int) -> str:
    return '{"stream":"btcusdt@depth@100ms","data":{"e":"depthUpdate","U":"x"}}'


def not_a_level(update_id: int) -> str:
    """The next diff of the book, with a bid at price 0 (read by the book, refused)."""
    data = {"e": "depthUpdate", "E": 1, "U": update_id + 1, "u": update_id + 1}
    data |= {"b": [["0", "1"]], "a": []}
    return json.dumps({"stream": "btcusdt@depth@100ms", "data": data})


@pytest.mark.parametrize("store", STORES)
@pytest.mark.parametrize("make_frame", [unreadable, not_a_level])
async def test_malformed_depth_frame_resyncs_only_that_book(
    emulator: BinanceEmulator,
    fast_spot: BinanceClient,
    store: str,
    make_frame: Callable[[int], str],
) -> None:
    with using_store(store):  # the text path of the compiled store, and the typed one
        await malformed_depth_frame_resyncs_only_that_book(emulator, fast_spot, make_frame)


async def malformed_depth_frame_resyncs_only_that_book(
    emulator: BinanceEmulator, client: BinanceClient, make_frame: Callable[[int], str]
) -> None:
    for symbol in (SYMBOL, OTHER):
        await client.watch_order_book(symbol, callback=lambda book: None)
    btc, eth = client.synced_book(SYMBOL), client.synced_book(OTHER)
    assert btc is not None and eth is not None
    await step_until(emulator, lambda: btc.state is eth.state is BookState.LIVE, "both LIVE")
    assert (btc.stats.snapshots, eth.stats.snapshots) == (1, 1)

    with pytest.raises(MalformedMessage, match=r"depth|bid level"):
        client.public_streams.feed(make_frame(btc.update_id))
    assert client.public_streams.malformed == 1
    assert btc.state is BookState.RESYNCING
    assert eth.state is BookState.LIVE

    await step_until(emulator, lambda: btc.state is BookState.LIVE, "the BTC book to resync")
    assert btc.stats.snapshots == 2  # a fresh snapshot, not a guess
    assert (eth.stats.snapshots, eth.stats.gaps) == (1, 0)  # untouched
    live = btc.view(5)
    assert live.bids[0][0] < live.asks[0][0]


# -- refused before anything is sent --------------------------------------------------
async def test_refused_watches_subscribe_nothing(fast_spot: BinanceClient) -> None:
    client = fast_spot
    with pytest.raises(UnknownSymbol, match="NOPE-USDT"):
        await client.watch_order_book("NOPE-USDT", 5).start()
    with pytest.raises(BadParameter, match="kline period '7m'"):
        await client.watch_klines(SYMBOL, "7m").start()
    with pytest.raises(NotSupported, match="mark"):
        await client.watch_mark_price(SYMBOL).start()
    assert client.streams.channels() == []
    assert client.synced_book("NOPE-USDT") is None
    assert client.stream_stats() == {}  # no connection was opened
    # the client still works: a valid watch after the refusals
    book: OrderBook = await asyncio.wait_for(anext(client.watch_order_book(SYMBOL, 5)), 10)
    assert book.symbol == SYMBOL and len(book.bids) == 5
