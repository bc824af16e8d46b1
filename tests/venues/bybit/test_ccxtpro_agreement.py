"""ccxt.pro's `bybit` and tradeport, two independent clients of the same emulator
streams, agree: the same book at the same update id, the same ticker after a move, the
same trade ids in the same order for the same market steps."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import ccxt.pro as ccxtpro
import pytest

import tradeport as tp
from tradeport.model import AssetType, OrderBook, Ticker, Trade
from tradeport.venues.base import VenueClient
from tradeport.venues.bybit.ccxt_peer import ccxt_config, ccxt_urls
from tradeport.venues.bybit.emulator import BybitEmulator
from tradeport.venues.bybit.emulator.ids import Category, public_trade_id_text

WAIT = 15.0  # an upper bound on each test's waiting, not a measure of speed
MAX_READS = 200  # pushes a client may read while waiting for one state
LEVELS = 20  # every level the synthetic book holds a side; the topic is orderbook.50
SYMBOL, VENUE_SYMBOL = "BTC-USDT", "BTCUSDT"
Levels = list[tuple[float, float]]


class Case:
    """One category, as tradeport (`key`) and ccxt (`category`, `ccxt_symbol`) name it."""

    def __init__(self, key: str, category: str, ccxt_symbol: str) -> None:
        self.key = key
        self.category = category
        self.ccxt_symbol = ccxt_symbol
        self.asset_type = AssetType.SPOT if category == "spot" else AssetType.SWAP

    def __repr__(self) -> str:
        return self.key


CASES = [
    Case("BYBIT___SPOT", "spot", "BTC/USDT"),
    Case("BYBIT___SWAP", "linear", "BTC/USDT:USDT"),
]


class NoncedBybit(ccxtpro.bybit):
    """ccxt.pro's bybit as it is, except that each book also carries the `u` of the last
    frame applied to it as its `nonce` (ccxt drops it for Bybit), so its books can be
    matched with tradeport's by update id. How ccxt builds the book is untouched."""

    def handle_order_book(self, client: Any, message: dict[str, Any]) -> None:
        super().handle_order_book(client, message)
        # the waiter ccxt resolved above runs only after this returns
        market = self.safe_market(message["data"]["s"], None, None, self._book_type(client))
        self.orderbooks[market["symbol"]]["nonce"] = message["data"]["u"]

    @staticmethod
    def _book_type(client: Any) -> str:
        return "spot" if "spot" in client.url else "contract"


@pytest.fixture
async def emu() -> AsyncIterator[BybitEmulator]:
    # timed streams push 5 times as often: the tests wait less
    emulator = BybitEmulator(step_interval=None, seed=5, stream_time_scale=0.2)
    await emulator.start()
    try:
        yield emulator
    finally:
        await emulator.stop()


@pytest.fixture(params=CASES, ids=repr)
def case(request: pytest.FixtureRequest) -> Case:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
async def ours(emu: BybitEmulator, case: Case) -> AsyncIterator[VenueClient]:
    key, secret = emu.credentials(0)
    client = await tp.create_client(
        case.key,
        environment="emulator",
        base_url=emu.base_url,
        ws_url=emu.stream_url(case.asset_type),
        api_key=key,
        secret=secret,
    )
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
async def theirs(emu: BybitEmulator, case: Case) -> AsyncIterator[Any]:
    key, secret = emu.credentials(0)
    client = NoncedBybit(ccxt_config(key, secret, case.category))
    ccxt_urls(client, emu.base_url, emu.stream_url(case.asset_type))
    try:
        yield client
    finally:
        await client.close()


def move(emu: BybitEmulator, case: Case, factor: str) -> None:
    engine = emu.engine(case.category)
    emu.move_to(case.category, VENUE_SYMBOL, engine.mark_price(VENUE_SYMBOL) * Decimal(factor))


def top(levels: Any) -> Levels:
    return [(float(p), float(q)) for p, q in list(levels)[:LEVELS]]


def engine_top(emu: BybitEmulator, case: Case) -> tuple[Levels, Levels]:
    view = emu.engine(case.category).depth(VENUE_SYMBOL, LEVELS)
    return top(view.bids), top(view.asks)


async def test_books_agree_at_every_common_update_id(
    emu: BybitEmulator, case: Case, ours: VenueClient, theirs: Any
) -> None:
    our_books: dict[int, tuple[Levels, Levels]] = {}

    def keep(book: OrderBook) -> None:
        our_books[book.update_id] = (top(book.bids), top(book.asks))

    their_books: dict[int, tuple[Levels, Levels]] = {}
    async with asyncio.timeout(WAIT):
        # both on orderbook.50 (tradeport picks the shallowest topic holding LEVELS)
        await ours.watch_order_book(SYMBOL, LEVELS, callback=keep)
        book = await theirs.watch_order_book(case.ccxt_symbol)
        their_books[book["nonce"]] = (top(book["bids"]), top(book["asks"]))
        for factor in ("1.0005", "0.999", "1.0002", "0.9995"):
            emu.step(2)
            move(emu, case, factor)
            # pushes are timed: moves made at once would reach both as one change
            want = engine_top(emu, case)
            for _ in range(MAX_READS):
                book = await theirs.watch_order_book(case.ccxt_symbol)
                their_books[book["nonce"]] = (top(book["bids"]), top(book["asks"]))
                if their_books[book["nonce"]] == want:
                    break
            assert their_books[book["nonce"]] == want
        target = book["nonce"]
        while target not in our_books:
            await asyncio.sleep(0.02)
    assert max(our_books) == target
    common = sorted(set(our_books) & set(their_books))
    assert target in common and len(common) >= 5, common
    for update_id in common:
        assert our_books[update_id] == their_books[update_id], update_id
    bids, asks = their_books[target]
    assert len(bids) == len(asks) == LEVELS and bids[0][0] < asks[0][0]


async def test_tickers_agree_after_the_market_moves(
    emu: BybitEmulator, case: Case, ours: VenueClient, theirs: Any
) -> None:
    our_tickers: dict[int, Ticker] = {}

    def keep(ticker: Ticker) -> None:
        our_tickers[ticker.ts] = ticker

    engine = emu.engine(case.category)
    async with asyncio.timeout(WAIT):
        await ours.watch_ticker(SYMBOL, callback=keep)
        await theirs.watch_ticker(case.ccxt_symbol)
        for factor in ("1.002", "0.997"):
            move(emu, case, factor)
            last = float(engine.recent_trades(VENUE_SYMBOL, 1)[0].price)
            for _ in range(MAX_READS):
                # each push carries the frame's `ts`: the two views of one push share it
                ticker = await theirs.watch_ticker(case.ccxt_symbol)
                if ticker["last"] == last:
                    break
            assert ticker["last"] == last
            while ticker["timestamp"] not in our_tickers:
                await asyncio.sleep(0.02)
            mine = our_tickers[ticker["timestamp"]]
            assert (ticker["last"], ticker["bid"], ticker["ask"]) == (mine.last, mine.bid, mine.ask)
            assert (ticker["high"], ticker["low"]) == (mine.high, mine.low)
            assert (ticker["baseVolume"], ticker["quoteVolume"]) == (mine.volume, mine.quote_volume)
            if case.category == "linear":
                # spot tickers carry no best bid / ask (websocket/public/ticker)
                assert ticker["bid"] is not None and ticker["bid"] < ticker["ask"]


async def test_trades_agree_on_ids_for_the_same_steps(
    emu: BybitEmulator, case: Case, ours: VenueClient, theirs: Any
) -> None:
    our_ids: list[str] = []
    their_ids: list[str] = []

    def keep(trade: Trade) -> None:
        assert trade.symbol == SYMBOL
        our_ids.append(trade.trade_id)

    async def read_theirs() -> None:
        while True:
            trades = await theirs.watch_trades(case.ccxt_symbol)
            their_ids.extend(t["id"] for t in trades if t["symbol"] == case.ccxt_symbol)

    def common() -> list[str]:
        """The ids both saw, in the order tradeport saw them."""
        seen = set(their_ids)
        return [i for i in our_ids if i in seen]

    await ours.watch_trades(SYMBOL, callback=keep)
    reader = asyncio.create_task(read_theirs())
    try:
        async with asyncio.timeout(WAIT):
            factor = "1.002"
            while len(common()) < 10:
                move(emu, case, factor)
                factor = "0.998" if factor == "1.002" else "1.002"
                await asyncio.sleep(0.05)
        assert not reader.done()
    finally:
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
    both = common()
    # each stream is ordered and lossless: between the first and last id both saw, each
    # saw the same ids in the same order, with no hole in either
    first, last = both[0], both[-1]
    ours_span = our_ids[our_ids.index(first) : our_ids.index(last) + 1]
    theirs_span = their_ids[their_ids.index(first) : their_ids.index(last) + 1]
    assert ours_span == theirs_span == both
    assert len(set(both)) == len(both)
    # and they are the engine's trades, in the order it made them
    category: Category = "spot" if case.category == "spot" else "linear"
    tape = emu.engine(case.category).recent_trades(VENUE_SYMBOL, 1000)
    made = [public_trade_id_text(category, t.trade_id) for t in tape]
    start = made.index(first)
    assert made[start : start + len(both)] == both
