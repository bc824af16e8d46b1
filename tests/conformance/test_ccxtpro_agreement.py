"""ccxt.pro and tradeport, two independent clients of the same emulator streams, agree
on every venue with a ccxt peer: the same book at the same update id, each the engine's
book; the same ticker once the market holds still; the same trade ids in the same order
for the same market steps, each one of the engine's trades. ccxt keeps a contract
market's sizes in contracts (its `contractSize`), tradeport in base units."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import ccxt.pro as ccxtpro
import pytest

from tradeport.emulator.engine import Engine
from tradeport.model import OrderBook, Ticker, Trade
from tradeport.venues.capability import Capability

from .ccxt_peers import Peer, keys_with_peer, peer, per_unit
from .conftest import SYMBOL, Venue, running

WAIT = 30.0  # only a guard against a hang: every wait below is a bounded number of reads
READS = 300  # ccxt pushes read before a wait gives up
LEVELS = 20  # every level the synthetic book holds a side
Levels = list[tuple[float, float]]


@dataclass
class Streams:
    """tradeport (`venue`) and ccxt.pro (`theirs`, markets loaded) on one emulator whose
    timed pushes come every 20 ms instead of 100 ms."""

    venue: Venue
    peer: Peer
    theirs: Any
    venue_symbol: str  # the engine's name of SYMBOL

    @property
    def symbol(self) -> str:
        return self.peer.symbol(SYMBOL)

    @property
    def engine(self) -> Engine:
        return self.venue.emulator.engine_for(self.venue.spec.asset_type)

    def move(self, factor: str) -> None:
        self.venue.move(self.engine.mark_price(self.venue_symbol) * Decimal(factor))

    def their_top(self, levels: list[Any]) -> Levels:
        """ccxt's levels in base units (a contract's size × contractSize, exactly)."""
        unit = per_unit(self.theirs.market(self.symbol))
        return [(float(p), float(Decimal(str(q)) * unit)) for p, q in levels[:LEVELS]]

    def engine_top(self) -> tuple[Levels, Levels]:
        """The engine's levels (in base units)."""
        view = self.engine.depth(self.venue_symbol, LEVELS)
        return top(view.bids), top(view.asks)

    def engine_trade_ids(self) -> list[str]:
        """The engine's recent trades, oldest first, by the ids the venue shows."""
        tape = self.engine.recent_trades(self.venue_symbol, 1000)
        return [self.peer.trade_id(t) for t in tape]


def top(levels: Any) -> Levels:
    return [(float(p), float(q)) for p, q in list(levels)[:LEVELS]]


@pytest.fixture
async def streams(request: pytest.FixtureRequest) -> AsyncIterator[Streams]:
    """The venue a test names (indirect), its timed pushes 5 times as often."""
    async with running(request.param, seed=5, stream_time_scale=0.2) as venue:
        their_peer = peer(venue.spec.key)
        theirs = their_peer.client(ccxtpro, venue.emulator)
        try:
            await theirs.load_markets()
            inst = await venue.inst()
            yield Streams(venue, their_peer, theirs, inst.venue_symbol)
        finally:
            await theirs.close()


def over(capability: Capability) -> pytest.MarkDecorator:
    """Run over every venue with a ccxt peer that lists `capability`."""
    return pytest.mark.parametrize("streams", keys_with_peer(capability), indirect=True)


class Arrivals:
    """Wakes a waiter at each tradeport callback: a wait for what the callbacks saw
    waits on their events, never on a polling clock that a loaded machine outruns."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def notify(self) -> None:
        self._event.set()

    async def until(self, done: Callable[[], bool], what: str) -> None:
        try:
            async with asyncio.timeout(WAIT):
                while not done():
                    self._event.clear()
                    await self._event.wait()
        except TimeoutError:
            pytest.fail(f"tradeport never saw {what}")


async def read_book_until_the_engines(
    s: Streams, seen: Callable[[dict[str, Any]], None] = lambda book: None
) -> dict[str, Any]:
    """Read ccxt's book until it is the engine's: at the engine's update id where the
    venue numbers its pushes so, else with the engine's levels. `seen` gets every book
    read on the way."""
    engine_id = s.engine.depth(s.venue_symbol, 1).update_id
    want = s.engine_top()
    for _ in range(READS):
        book: dict[str, Any] = await s.theirs.watch_order_book(s.symbol)
        seen(book)
        if s.peer.book_nonce_is_engine_update_id:
            assert book["nonce"] <= engine_id
            if book["nonce"] == engine_id:
                return book
        elif (s.their_top(book["bids"]), s.their_top(book["asks"])) == want:
            return book
    pytest.fail("ccxt.pro never reached the engine's book")


@pytest.mark.parametrize(
    "streams",
    [k for k in keys_with_peer(Capability.WATCH_ORDER_BOOK) if peer(k).book_update_ids],
    indirect=True,
)
async def test_books_agree_at_every_common_update_id(streams: Streams) -> None:
    s = streams
    our_books: dict[int, tuple[Levels, Levels]] = {}
    arrivals = Arrivals()

    def keep(book: OrderBook) -> None:
        our_books[book.update_id] = (top(book.bids), top(book.asks))
        arrivals.notify()

    their_books: dict[int, tuple[Levels, Levels]] = {}

    def keep_theirs(book: dict[str, Any]) -> None:
        their_books[book["nonce"]] = (s.their_top(book["bids"]), s.their_top(book["asks"]))

    async with asyncio.timeout(WAIT):
        await s.venue.client.watch_order_book(SYMBOL, LEVELS, callback=keep)
        keep_theirs(await s.theirs.watch_order_book(s.symbol))
        for factor in ("1.0005", "0.999", "1.0002", "0.9995"):
            s.venue.emulator.step(2)
            s.move(factor)
            # pushes are timed: moves made at once would reach both as one change
            book = await read_book_until_the_engines(s, keep_theirs)
            assert their_books[book["nonce"]] == s.engine_top()
        target = book["nonce"]
        await arrivals.until(lambda: target in our_books, f"update id {target}")
    if s.peer.book_nonce_is_engine_update_id:
        assert target == s.engine.depth(s.venue_symbol, 1).update_id
    assert max(our_books) == target
    common = sorted(set(our_books) & set(their_books))
    assert target in common and len(common) >= 5, common
    for update_id in common:
        assert our_books[update_id] == their_books[update_id], update_id
    bids, asks = our_books[target]
    assert len(bids) == len(asks) == LEVELS and bids[0][0] < asks[0][0]
    view = s.engine.depth(s.venue_symbol, 1)
    assert (bids[0][0], asks[0][0]) == (float(view.bids[0][0]), float(view.asks[0][0]))


@over(Capability.WATCH_ORDER_BOOK)
async def test_watch_order_book_equals_the_engine_book(streams: Streams) -> None:
    s = streams
    async with asyncio.timeout(WAIT):
        await s.theirs.watch_order_book(s.symbol)
        for factor in ("1.0005", "0.999", "1.0002"):
            s.venue.emulator.step(2)
            s.move(factor)
        book = await read_book_until_the_engines(s)
    bids, asks = s.engine_top()
    assert s.their_top(book["bids"]) == bids and s.their_top(book["asks"]) == asks
    assert len(bids) == len(asks) == LEVELS


@over(Capability.WATCH_TICKER)
async def test_tickers_agree_once_the_market_holds_still(streams: Streams) -> None:
    s = streams
    our_tickers: list[Ticker] = []
    by_time: dict[int, Ticker] = {}
    arrivals = Arrivals()

    def keep(ticker: Ticker) -> None:
        our_tickers.append(ticker)
        by_time[ticker.ts] = ticker
        arrivals.notify()

    def latest_top() -> tuple[float, float | None, float | None] | None:
        if not our_tickers:
            return None
        latest = our_tickers[-1]
        return latest.last, latest.bid, latest.ask

    market = s.theirs.market(s.symbol)
    async with asyncio.timeout(WAIT):
        await s.venue.client.watch_ticker(SYMBOL, callback=keep)
        params = s.peer.watch_ticker_params
        await s.theirs.watch_ticker(s.symbol, params)
        for factor in ("1.003", "0.997"):
            s.move(factor)
            # REST: what both streams must come to (a venue's stream may carry no top)
            rest = await s.venue.client.get_tick(SYMBOL)
            has_top = s.peer.stream_ticker_has_top
            want = (rest.last, rest.bid, rest.ask) if has_top else (rest.last, None, None)
            for _ in range(READS):
                # each push carries the frame's time: the two views of one push share it
                ticker = await s.theirs.watch_ticker(s.symbol, params)
                if (ticker["last"], ticker["bid"], ticker["ask"]) == want:
                    break
            assert (ticker["last"], ticker["bid"], ticker["ask"]) == want
            if s.peer.stream_ticker_time_is_event_time:
                # the two views of one push
                stamp = ticker["timestamp"]
                await arrivals.until(lambda at=stamp: at in by_time, f"the ticker {want}")
                mine = by_time[stamp]
            else:
                # the market holds still: every push is the same
                await arrivals.until(lambda w=want: latest_top() == w, f"the ticker {want}")
                mine = our_tickers[-1]
            assert ticker["symbol"] == s.symbol and mine.symbol == SYMBOL
            assert (mine.last, mine.bid, mine.ask) == want
            assert (ticker["high"], ticker["low"], ticker["open"]) == (
                mine.high,
                mine.low,
                mine.open,
            )
            base_volume = float(Decimal(str(ticker["baseVolume"])) * per_unit(market))
            assert (base_volume, ticker["quoteVolume"]) == (mine.volume, mine.quote_volume)
            if has_top:
                assert ticker["bid"] is not None and ticker["bid"] < ticker["ask"]


@over(Capability.WATCH_TRADES)
async def test_trades_agree_on_ids_for_the_same_steps(streams: Streams) -> None:
    s = streams
    our_ids: list[str] = []
    their_ids: list[str] = []

    def keep(trade: Trade) -> None:
        assert trade.symbol == SYMBOL
        our_ids.append(trade.trade_id)

    async def read_theirs() -> None:
        params = s.peer.watch_trades_params
        while True:
            pushed = await s.theirs.watch_trades(s.symbol, params=params)
            their_ids.extend(s.peer.their_trade_id(t) for t in pushed if t["symbol"] == s.symbol)

    def common() -> list[str]:
        """The ids both saw, in the order tradeport saw them."""
        seen = set(their_ids)
        return [i for i in our_ids if i in seen]

    await s.venue.client.watch_trades(SYMBOL, callback=keep)
    reader = asyncio.create_task(read_theirs())
    try:
        async with asyncio.timeout(WAIT):
            factor = "1.002"
            for _ in range(READS):
                if len(common()) >= 10:
                    break
                s.move(factor)
                factor = "0.998" if factor == "1.002" else "1.002"
                await asyncio.sleep(0.05)
        assert not reader.done()
    finally:
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
    both = common()
    assert len(both) >= 10, (our_ids, their_ids)
    # each stream is ordered and lossless: between the first and last id both saw, each
    # saw the same ids in the same order, with no hole in either
    first, last = both[0], both[-1]
    ours_span = our_ids[our_ids.index(first) : our_ids.index(last) + 1]
    theirs_span = their_ids[their_ids.index(first) : their_ids.index(last) + 1]
    assert ours_span == theirs_span == both
    assert len(set(both)) == len(both)
    if not s.peer.watched_trade_ids_are_the_engines:
        return
    # and they are the engine's trades, in the order it made them
    made = s.engine_trade_ids()
    start = made.index(first)
    assert made[start : start + len(both)] == both


@over(Capability.WATCH_TRADES)
async def test_watch_trades_sees_the_engine_trades(streams: Streams) -> None:
    s = streams
    async with asyncio.timeout(WAIT):
        # ccxt.pro's own default trade stream
        watching = asyncio.ensure_future(s.theirs.watch_trades(s.symbol))
        factor = "1.002"
        while not watching.done():
            # trade until the subscription is in place and a push reaches ccxt
            s.move(factor)
            factor = "0.998" if factor == "1.002" else "1.002"
            await asyncio.wait({watching}, timeout=0.05)
        pushed = watching.result()
    assert pushed, "no trades were pushed"
    assert all(t["symbol"] == s.symbol for t in pushed)
    made = s.engine_trade_ids()
    ids = [s.peer.their_trade_id(t) for t in pushed]
    assert set(ids) <= set(made)
    # in the engine's order
    assert [made.index(i) for i in ids] == sorted(made.index(i) for i in ids)
