"""Market-data load: deep books that move at real rates for hundreds of made-up contracts.

The matching `SyntheticMarket` places and cancels real orders on every step, which costs
a large part of a core for a few hundred symbols. A benchmark of clients and recorders
needs the opposite: many contracts, books of ~1000 levels a side, a depth diff every
100 ms and trades, at a small cost to the emulator. `LoadMarket` gives that for the
symbols it is handed (the extra made-up ones, see `VenueEmulator`):

- each book is a contiguous grid of `levels` price levels a side around a mid;
- each step (every `LOAD_INTERVAL` s by default) moves the mid by one tick with
  probability `MOVE_PROBABILITY` (the best level of one side goes, a new one appears on
  the other and the far ends follow), changes the size of `changes` levels (biased
  towards the touch) and, with probability `trade_probability`, prints a trade at the
  touch that takes part of that level;
- everything goes through `Engine.load_step`, the same flush as an order's effects:
  the trade reaches the tape (klines, tickers, trade streams) and the book changes
  become one `BookDelta` with the next update ids, so every venue's depth streams and
  REST snapshots serve the same book, and a client's verified book follows it.

No order rests on these books and the engine refuses orders on them (nothing would
match them). Deterministic for a seed and a sequence of steps.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterable
from decimal import Decimal

from tradeport.emulator.engine import Engine

LOAD_INTERVAL = 0.1  # seconds between steps: Binance's fastest diff-depth period
MOVE_PROBABILITY = 0.3  # chance per step that the mid moves one tick
_MAX_LOTS = 500  # level sizes are 1.._MAX_LOTS lots (a lot: the symbol's step size)
_TOUCH_BIAS = 20.0  # mean depth (in levels) of a size change: most happen near the top
_SLICE = 50  # symbols stepped between two yields to the event loop (a few ms of work)


class _LoadBook:
    """One symbol's grid, in integer ticks and lots: bids best_bid-levels+1..best_bid,
    asks best_bid+spread..best_bid+spread+levels-1."""

    __slots__ = ("_prices", "asks", "best_bid", "bids", "lot", "tick")

    def __init__(self, best_bid: int, tick: Decimal, lot: Decimal) -> None:
        self.best_bid = best_bid
        self.tick = tick
        self.lot = lot
        self.bids: dict[int, int] = {}
        self.asks: dict[int, int] = {}
        # the Decimal of each tick, made once: the engine keys its levels by these, and a
        # Decimal that is reused hashes once
        self._prices: dict[int, Decimal] = {}

    def price(self, tick: int) -> Decimal:
        price = self._prices.get(tick)
        if price is None:
            if len(self._prices) > 4 * (len(self.bids) + len(self.asks)):
                # the grid wandered off: keep the prices it still holds
                held = self.bids.keys() | self.asks.keys()
                self._prices = {t: p for t, p in self._prices.items() if t in held}
            price = self._prices[tick] = self.tick * tick
        return price


class _Sizes:
    """Level sizes as Decimals, shared by every symbol with the same lot."""

    def __init__(self) -> None:
        self._made: dict[tuple[Decimal, int], Decimal] = {}

    def of(self, lot: Decimal, lots: int) -> Decimal:
        key = (lot, lots)
        size = self._made.get(key)
        if size is None:
            size = self._made[key] = lot * lots
        return size


class LoadMarket:
    def __init__(
        self,
        engine: Engine,
        symbols: Iterable[str],
        *,
        seed: int = 7,
        levels: int = 1000,
        spread_ticks: int = 1,
        changes: int = 3,
        trade_probability: float = 0.5,
    ) -> None:
        if levels < 1 or spread_ticks < 1 or changes < 0:
            raise ValueError("levels and spread_ticks must be at least 1, changes at least 0")
        self.engine = engine
        self.levels = levels
        self.spread_ticks = spread_ticks
        self.changes = changes
        self.trade_probability = trade_probability
        self._rng = random.Random(seed)
        self._sizes = _Sizes()
        self.symbols = sorted(symbols)
        engine.set_load_only(self.symbols)
        self._books: dict[str, _LoadBook] = {}
        for symbol in self.symbols:
            instrument = engine.instruments[symbol]
            lot = instrument.min_qty if instrument.min_qty > 0 else instrument.step_size
            start = int(instrument.start_price / instrument.tick_size)
            # the lowest bid stays at one tick or above
            book = _LoadBook(max(start, levels), instrument.tick_size, lot)
            self._books[symbol] = book
            ask0 = book.best_bid + spread_ticks
            for k in range(levels):
                book.bids[book.best_bid - k] = self._size()
                book.asks[ask0 + k] = self._size()
            engine.load_step(symbol, self._levels(book, book.bids), self._levels(book, book.asks))

    def step(self) -> None:
        """One step of every symbol: maybe a one-tick move, `changes` size changes,
        maybe a trade; one engine operation (one delta) per symbol."""
        for symbol in self.symbols:
            self._step(symbol, self._books[symbol])

    async def run(self, interval: float = LOAD_INTERVAL) -> None:
        """Step forever, `interval` seconds apart (the time a step takes included),
        until cancelled. A step yields to the event loop every `_SLICE` symbols, so the
        stream clocks and sockets are served while hundreds of books move."""
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while True:
            for start in range(0, len(self.symbols), _SLICE):
                for symbol in self.symbols[start : start + _SLICE]:
                    self._step(symbol, self._books[symbol])
                await asyncio.sleep(0)
            next_at += interval
            now = loop.time()
            if next_at < now:  # fell behind: skip the missed steps, do not burst
                next_at = now
            await asyncio.sleep(next_at - now)

    # -- internals ---------------------------------------------------------------------
    def _size(self) -> int:
        return self._rng.randint(1, _MAX_LOTS)

    def _step(self, symbol: str, book: _LoadBook) -> None:
        rng = self._rng
        bids: dict[int, int] = {}  # tick -> new lots (0: removed), this step's changes
        asks: dict[int, int] = {}
        trades: list[tuple[Decimal, Decimal, bool]] = []
        if rng.random() < self.trade_probability:
            # a taker takes part of the touch (or all of a one-lot level, refilled)
            sell = rng.random() < 0.5
            side, changed = (book.bids, bids) if sell else (book.asks, asks)
            touch = book.best_bid if sell else book.best_bid + self.spread_ticks
            have = side[touch]
            taken = rng.randint(1, max(1, have - 1))
            left = have - taken if have > taken else self._size()
            side[touch] = changed[touch] = left
            trades.append((book.price(touch), self._sizes.of(book.lot, taken), sell))
        if rng.random() < MOVE_PROBABILITY:
            self._move(book, 1 if rng.random() < 0.5 else -1, bids, asks)
        for _ in range(self.changes):
            depth = min(self.levels - 1, int(rng.expovariate(1.0 / _TOUCH_BIAS)))
            if rng.random() < 0.5:
                tick = book.best_bid - depth
                book.bids[tick] = bids[tick] = self._size()
            else:
                tick = book.best_bid + self.spread_ticks + depth
                book.asks[tick] = asks[tick] = self._size()
        self.engine.load_step(symbol, self._levels(book, bids), self._levels(book, asks), trades)

    def _levels(self, book: _LoadBook, lots: dict[int, int]) -> list[tuple[Decimal, Decimal]]:
        sizes, lot = self._sizes, book.lot
        return [(book.price(t), sizes.of(lot, n)) for t, n in lots.items()]

    def _move(
        self, book: _LoadBook, direction: int, bids: dict[int, int], asks: dict[int, int]
    ) -> None:
        """Shift the grid one tick: the side moved into loses its best level, the other
        side gains one, and both far ends follow so each side keeps `levels` levels."""
        levels, spread = self.levels, self.spread_ticks
        if direction < 0 and book.best_bid - levels < 1:
            return  # the grid would reach a price of zero
        old_bid, old_ask = book.best_bid, book.best_bid + spread
        if direction > 0:
            del book.asks[old_ask]
            asks[old_ask] = 0
            far_ask = old_ask + levels
            book.asks[far_ask] = asks[far_ask] = self._size()
            new_bid = old_bid + 1
            book.bids[new_bid] = bids[new_bid] = self._size()
            far_bid = old_bid - levels + 1
            del book.bids[far_bid]
            bids[far_bid] = 0
        else:
            del book.bids[old_bid]
            bids[old_bid] = 0
            far_bid = old_bid - levels
            book.bids[far_bid] = bids[far_bid] = self._size()
            new_ask = old_ask - 1
            book.asks[new_ask] = asks[new_ask] = self._size()
            far_ask = old_ask + levels - 1
            del book.asks[far_ask]
            asks[far_ask] = 0
        book.best_bid = old_bid + direction
