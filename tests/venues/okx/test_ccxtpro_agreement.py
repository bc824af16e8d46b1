"""ccxt.pro's `okx` class and tradeport, two independent clients of the same emulator
streams, agree: the same `books` book at the same seqId, the same trade ids for the
same market steps, the same ticker once the market holds still. ccxt keeps a swap's
sizes in contracts (`contractSize` is OKX's ctVal), tradeport in base units."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from typing import Any

import ccxt.pro as ccxtpro
import pytest

import tradeport as tp
from tradeport.emulator.engine import Engine
from tradeport.model import AssetType, OrderBook, Ticker, Trade
from tradeport.venues.base import VenueClient
from tradeport.venues.okx.ccxt_peer import ccxt_config, ccxt_urls
from tradeport.venues.okx.emulator import OkxEmulator

WAIT = 30.0  # only a guard against a hang: every wait below is a bounded number of reads
READS = 300  # ccxt pushes read, or 20 ms looks at tradeport's, before a wait gives up
LEVELS = 20
SYMBOL = "BTC-USDT"
Levels = list[tuple[float, float]]


class Case:
    """One market seen by both clients."""

    def __init__(self, key: str, market: str, ccxt_symbol: str, inst_id: str) -> None:
        self.key = key
        self.market = market  # ccxt_config's and `move_to`'s "spot" or "swap"
        self.ccxt_symbol = ccxt_symbol
        self.inst_id = inst_id
        self.asset_type = AssetType.SPOT if market == "spot" else AssetType.SWAP

    def __repr__(self) -> str:
        return self.key


CASES = [
    Case("OKX___SPOT", "spot", "BTC/USDT", "BTC-USDT"),
    Case("OKX___SWAP", "swap", "BTC/USDT:USDT", "BTC-USDT-SWAP"),
]


@pytest.fixture
async def emu() -> AsyncIterator[OkxEmulator]:
    # timed pushes every 20 ms instead of 100 ms: the tests wait less
    emulator = OkxEmulator(step_interval=None, seed=5, stream_time_scale=0.2)
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


@pytest.fixture(params=CASES, ids=repr)
def case(request: pytest.FixtureRequest) -> Case:
    return request.param


@pytest.fixture
async def ours(emu: OkxEmulator, case: Case) -> AsyncIterator[VenueClient]:
    api_key, secret = emu.credentials(0)
    client = await tp.create_client(
        case.key,
        environment="emulator",
        base_url=emu.base_url,
        ws_url=emu.stream_url(case.asset_type),
        api_key=api_key,
        secret=secret,
        passphrase=emu.passphrase(0),
    )
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
async def theirs(emu: OkxEmulator, case: Case) -> AsyncIterator[Any]:
    api_key, secret = emu.credentials(0)
    client = ccxtpro.okx(ccxt_config(api_key, secret, emu.passphrase(0), case.market))
    ccxt_urls(client, emu.base_url, emu.stream_url(case.asset_type))
    try:
        await client.load_markets()
        yield client
    finally:
        await client.close()


async def until(done: Callable[[], bool], what: str) -> None:
    """Look at tradeport's callbacks' state until `done`, at most READS times."""
    for _ in range(READS):
        if done():
            return
        await asyncio.sleep(0.02)
    pytest.fail(f"tradeport never saw {what}")


def engine(emu: OkxEmulator, case: Case) -> Engine:
    return emu.engine_for(case.asset_type)


def move(emu: OkxEmulator, case: Case, factor: str) -> None:
    target = engine(emu, case).mark_price(case.inst_id) * Decimal(factor)
    emu.move_to(case.market, case.inst_id, target)


def their_top(theirs: Any, case: Case, levels: list[Any]) -> Levels:
    """ccxt's levels in base units: a swap's contracts × ctVal, exactly, then as floats."""
    market = theirs.market(case.ccxt_symbol)
    unit = Decimal(str(market["contractSize"])) if market["contract"] else Decimal(1)
    return [(float(p), float(Decimal(str(q)) * unit)) for p, q in levels[:LEVELS]]


def top_of(ticker: Ticker) -> tuple[float, float | None, float | None]:
    return ticker.last, ticker.bid, ticker.ask


def our_top(levels: list[tuple[float, float]]) -> Levels:
    return [(float(p), float(q)) for p, q in levels[:LEVELS]]


def test_ccxt_pro_builds_okx_stream_urls_under_the_emulator_host(
    emu: OkxEmulator, theirs: Any, case: Case
) -> None:
    host = emu.stream_url(case.asset_type)
    assert theirs.get_url("books") == f"{host}/ws/v5/public"
    assert theirs.get_url("orders", "private") == f"{host}/ws/v5/private"
    assert theirs.get_url("candle1m") == f"{host}/ws/v5/business"
    # ccxt.pro okx reads `books` and keeps no checksum of its own: the agreement below
    # is of two independent merges of the same pushes
    assert theirs.options["watchOrderBook"]["depth"] == "books"


async def test_books_agree_at_every_common_seq_id(
    emu: OkxEmulator, case: Case, ours: VenueClient, theirs: Any
) -> None:
    our_books: dict[int, tuple[Levels, Levels]] = {}

    def keep(book: OrderBook) -> None:
        our_books[book.update_id] = (our_top(book.bids), our_top(book.asks))

    their_books: dict[int, tuple[Levels, Levels]] = {}
    async with asyncio.timeout(WAIT):
        await ours.watch_order_book(SYMBOL, LEVELS, callback=keep)
        book = await theirs.watch_order_book(case.ccxt_symbol)
        for factor in ("1.0005", "0.999", "1.0002", "0.9995"):
            emu.step(2)
            move(emu, case, factor)
        target = engine(emu, case).depth(case.inst_id, 1).update_id
        for _ in range(READS):
            their_books[book["nonce"]] = (
                their_top(theirs, case, book["bids"]),
                their_top(theirs, case, book["asks"]),
            )
            if book["nonce"] >= target:
                break
            book = await theirs.watch_order_book(case.ccxt_symbol)
        await until(lambda: target in our_books, f"seqId {target}")
    assert book["nonce"] == target
    common = sorted(set(our_books) & set(their_books))
    assert target in common and len(common) >= 2
    for seq_id in common:
        assert our_books[seq_id] == their_books[seq_id], seq_id
    bids, asks = our_books[target]
    assert len(bids) == len(asks) == LEVELS and bids[0][0] < asks[0][0]
    view = engine(emu, case).depth(case.inst_id, 1)
    assert (bids[0][0], asks[0][0]) == (float(view.bids[0][0]), float(view.asks[0][0]))


async def test_trades_agree_on_ids_for_the_same_steps(
    emu: OkxEmulator, case: Case, ours: VenueClient, theirs: Any
) -> None:
    our_ids: list[int] = []
    their_ids: list[int] = []

    def keep(trade: Trade) -> None:
        assert trade.symbol == SYMBOL
        our_ids.append(int(trade.trade_id))

    async def read_theirs() -> None:
        while True:
            trades = await theirs.watch_trades(case.ccxt_symbol)
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
            for _ in range(READS):
                if len(window()) >= 10:
                    break
                move(emu, case, factor)
                factor = "0.998" if factor == "1.002" else "1.002"
                await asyncio.sleep(0.05)
        assert not reader.done()
    finally:
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
    both = window()
    assert len(both) >= 10, (our_ids, their_ids)
    low, high = min(both), max(both)
    assert [i for i in our_ids if low <= i <= high] == sorted(both)
    assert [i for i in their_ids if low <= i <= high] == sorted(both)


async def test_tickers_agree_once_the_market_holds_still(
    emu: OkxEmulator, case: Case, ours: VenueClient, theirs: Any
) -> None:
    our_tickers: list[Ticker] = []
    await ours.watch_ticker(SYMBOL, callback=our_tickers.append)
    async with asyncio.timeout(WAIT):
        await theirs.watch_ticker(case.ccxt_symbol)
        move(emu, case, "1.003")
        # REST: what both streams must come to
        want = top_of(await ours.get_tick(SYMBOL))
        for _ in range(READS):
            ticker = await theirs.watch_ticker(case.ccxt_symbol)
            if (ticker["last"], ticker["bid"], ticker["ask"]) == want:
                break
        await until(
            lambda: bool(our_tickers) and top_of(our_tickers[-1]) == want, f"the ticker {want}"
        )
    assert (ticker["last"], ticker["bid"], ticker["ask"]) == want
    mine = our_tickers[-1]
    assert ticker["symbol"] == case.ccxt_symbol and mine.symbol == SYMBOL
    assert (ticker["high"], ticker["low"], ticker["open"]) == (mine.high, mine.low, mine.open)
    assert ticker["timestamp"] == mine.ts
