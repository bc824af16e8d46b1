"""ccxt.pro and tradeport, two independent clients of the same emulator streams, agree:
the same book at the same update id, the same trade ids for the same market steps."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import ccxt.pro as ccxtpro
import pytest

import tradeport as tp
from tradeport.model import OrderBook, Trade
from tradeport.venues.base import VenueClient
from tradeport.venues.binance.ccxt_peer import ccxt_config, ccxt_urls
from tradeport.venues.binance.emulator import DEFAULT_ACCOUNTS, BinanceEmulator
from tradeport.venues.binance.emulator.calls import Market

WAIT = 15.0
LEVELS = 20
Levels = list[tuple[float, float]]


class Case:
    """One market seen by both clients."""

    def __init__(self, key: str, ccxt_id: str, ccxt_market: str, ccxt_symbol: str) -> None:
        self.key = key
        self.ccxt_id = ccxt_id
        self.ccxt_market = ccxt_market  # ccxt_config's "spot" or "linear"
        self.ccxt_symbol = ccxt_symbol
        self.market: Market = "spot" if ccxt_market == "spot" else "futures"
        # the stream tradeport reads trades from (venue.yaml wss_paths): spot `@trade`,
        # USDⓈ-M `@aggTrade`; ccxt is told to read the same one
        self.trade_stream = "trade" if self.market == "spot" else "aggTrade"

    def __repr__(self) -> str:
        return self.key


CASES = [
    Case("BINANCE___SPOT", "binance", "spot", "BTC/USDT"),
    Case("BINANCE___SWAP", "binanceusdm", "linear", "BTC/USDT:USDT"),
]
SYMBOL, VENUE_SYMBOL = "BTC-USDT", "BTCUSDT"


@pytest.fixture
async def emu() -> AsyncIterator[BinanceEmulator]:
    # a timed stream pushes every 20 ms instead of 100 ms: the tests wait less
    emulator = BinanceEmulator(step_interval=None, seed=5, stream_time_scale=0.2)
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


@pytest.fixture(params=CASES, ids=repr)
def case(request: pytest.FixtureRequest) -> Case:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
async def ours(emu: BinanceEmulator, case: Case) -> AsyncIterator[VenueClient]:
    client = await tp.create_client(
        case.key, environment="emulator", base_url=emu.base_url, ws_url=emu.ws_url(case.market)
    )
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
async def theirs(emu: BinanceEmulator, case: Case) -> AsyncIterator[Any]:
    account = DEFAULT_ACCOUNTS[0]
    client = getattr(ccxtpro, case.ccxt_id)(
        ccxt_config(account.api_key, account.secret, case.ccxt_market)
    )
    ccxt_urls(client, emu.base_url)
    client.urls["api"]["ws"][case.ccxt_market] = emu.ws_url(case.market) + "/ws"
    try:
        yield client
    finally:
        await client.close()


def move(emu: BinanceEmulator, case: Case, factor: str) -> None:
    engine = emu.spot if case.market == "spot" else emu.futures
    emu.move_to(case.market, VENUE_SYMBOL, engine.mark_price(VENUE_SYMBOL) * Decimal(factor))


def top(levels: list[Any]) -> Levels:
    return [(float(p), float(q)) for p, q in levels[:LEVELS]]


async def test_books_agree_at_every_common_update_id(
    emu: BinanceEmulator, case: Case, ours: VenueClient, theirs: Any
) -> None:
    our_books: dict[int, tuple[Levels, Levels]] = {}

    def keep(book: OrderBook) -> None:
        our_books[book.update_id] = (top(book.bids), top(book.asks))

    their_books: dict[int, tuple[Levels, Levels]] = {}
    async with asyncio.timeout(WAIT):
        await ours.watch_order_book(SYMBOL, LEVELS, callback=keep)
        book = await theirs.watch_order_book(case.ccxt_symbol)
        for factor in ("1.0005", "0.999", "1.0002", "0.9995"):
            emu.step(2)
            move(emu, case, factor)
        target = (emu.spot if case.market == "spot" else emu.futures).depth(VENUE_SYMBOL, 1)
        while True:
            their_books[book["nonce"]] = (top(book["bids"]), top(book["asks"]))
            if book["nonce"] >= target.update_id:
                break
            book = await theirs.watch_order_book(case.ccxt_symbol)
        while target.update_id not in our_books:
            await asyncio.sleep(0.02)
    assert book["nonce"] == target.update_id
    common = sorted(set(our_books) & set(their_books))
    assert target.update_id in common and len(common) >= 2
    for update_id in common:
        assert our_books[update_id] == their_books[update_id], update_id
    bids, asks = our_books[target.update_id]
    assert len(bids) == len(asks) == LEVELS and bids[0][0] < asks[0][0]


async def test_trades_agree_on_ids_for_the_same_steps(
    emu: BinanceEmulator, case: Case, ours: VenueClient, theirs: Any
) -> None:
    our_ids: list[int] = []
    their_ids: list[int] = []

    def keep(trade: Trade) -> None:
        assert trade.symbol == SYMBOL
        our_ids.append(int(trade.trade_id))

    async def read_theirs() -> None:
        while True:
            trades = await theirs.watch_trades(case.ccxt_symbol, params={"name": case.trade_stream})
            their_ids.extend(int(t["id"]) for t in trades if t["symbol"] == case.ccxt_symbol)

    await ours.watch_trades(SYMBOL, callback=keep)
    reader = asyncio.create_task(read_theirs())

    def window() -> set[int]:
        """The ids both must have seen: from the later first sight to the earlier last
        (each stream is ordered and lossless, so neither has a hole inside it)."""
        if not our_ids or not their_ids:
            return set()
        low, high = max(our_ids[0], their_ids[0]), min(our_ids[-1], their_ids[-1])
        return {i for i in (*our_ids, *their_ids) if low <= i <= high}

    try:
        async with asyncio.timeout(WAIT):
            factor = "1.002"
            while len(window()) < 10:
                move(emu, case, factor)
                factor = "0.998" if factor == "1.002" else "1.002"
                await asyncio.sleep(0.05)
        assert not reader.done()
    finally:
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
    both = window()
    low, high = min(both), max(both)
    assert [i for i in our_ids if low <= i <= high] == sorted(both)
    assert [i for i in their_ids if low <= i <= high] == sorted(both)
