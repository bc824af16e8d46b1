"""The verified book an algorithm decides on, and what wakes it up.

A decision (maker or taker, which price, which venue) is taken on a LIVE book only:
`LiveBook.current()` is None while the venue's book is SYNCING or RESYNCING, and
`wait_live` waits for it to come back rather than read a book that may be wrong
(DESIGN.md principle 6)."""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from typing import Any

from tradeport.book.view import BookView
from tradeport.execution.quantize import quantize_price
from tradeport.model import BookState, Instrument, Order, OrderBook, Side
from tradeport.model.errors import NotReady, NotSupported
from tradeport.streams.watch import Watch
from tradeport.venues.base import VenueClient

log = logging.getLogger("tradeport.execution.router")

# a streamed book as delivered (a view of the verified book), or a copied one
Book = BookView | OrderBook


class Wake:
    """Set by book updates and order events; an algorithm's loop waits on it. `orders`
    says whether an order event came since the last `clear`, so the loop asks the venue
    for its children's truth only when something may have happened to them."""

    def __init__(self) -> None:
        self.event = asyncio.Event()
        self.orders = False

    def on_book(self, _book: Book) -> None:
        self.event.set()

    def on_order(self, _order: Order) -> None:
        self.orders = True
        self.event.set()

    def clear(self) -> None:
        self.event.clear()
        self.orders = False


class LiveBook:
    """The streamed, verified book of one symbol on one venue."""

    def __init__(self, client: VenueClient, symbol: str, wake: Wake, depth: int = 50) -> None:
        self.client = client
        self.symbol = symbol
        self.depth = depth
        self._wake = wake
        self._latest: Book | None = None
        self._changed = asyncio.Event()
        self._watches: list[Watch[Any]] = []

    async def start(self) -> None:
        # every state is delivered, so that a book leaving LIVE is seen at once
        book = self.client.watch_order_book(
            self.symbol, self.depth, all_states=True, callback=self._on_book
        )
        self._watches.append(await book.start())
        orders = self.client.watch_orders(self.symbol, callback=self._wake.on_order)
        try:
            self._watches.append(await orders.start())
        except NotSupported as exc:
            # without an order stream the loop still reads each child's truth at its
            # poll interval: only slower to notice a fill
            log.info("%s: no order stream (%s); polling order state", self.client.key, exc)

    def _on_book(self, book: Book) -> None:
        self._latest = book
        self._changed.set()
        self._wake.on_book(book)

    def current(self) -> Book | None:
        """The book while it is LIVE, else None."""
        book = self._latest
        if book is None or book.state is not BookState.LIVE:
            return None
        synced = self.client.synced_book(self.symbol)
        if synced is not None and synced.state is not BookState.LIVE:
            return None
        return book

    async def wait_live(self, timeout: float) -> Book:
        """The LIVE book, waiting up to `timeout` seconds for one; NotReady after."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (book := self.current()) is None:
            left = deadline - loop.time()
            if left <= 0:
                raise NotReady(
                    f"{self.client.key}: no LIVE book of {self.symbol} within {timeout} s",
                    down=["book"],
                )
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), left)
            except TimeoutError:
                continue
        return book

    async def close(self) -> None:
        for watch in self._watches:
            await watch.close()
        self._watches.clear()


def price_of(level: float) -> Decimal:
    """A streamed (float) price as the Decimal it was on the wire."""
    return Decimal(repr(level))


def touch(book: Book) -> tuple[Decimal, Decimal]:
    """Best bid and best ask; NotReady when a side is empty (no touch to price from)."""
    if not book.bids or not book.asks:
        raise NotReady(f"{book.symbol}: the book has an empty side", down=["book"])
    return price_of(book.bids[0][0]), price_of(book.asks[0][0])


def maker_price(book: Book, side: Side, inst: Instrument) -> Decimal:
    """One tick inside the spread on our side (best bid + 1 tick for a buy, best ask
    - 1 tick for a sell); when that would cross (a one-tick spread), the touch itself."""
    bid, ask = touch(book)
    if side is Side.BUY:
        inside = quantize_price(inst, bid + inst.tick_size, Side.BUY)
        return inside if inside < ask else quantize_price(inst, bid, Side.BUY)
    inside = quantize_price(inst, ask - inst.tick_size, Side.SELL)
    return inside if inside > bid else quantize_price(inst, ask, Side.SELL)


def moved_away(book: Book, side: Side, price: Decimal) -> bool:
    """The market left a resting order behind: someone bids above our buy, or offers
    below our sell, so it no longer stands first in the queue."""
    bid, ask = touch(book)
    return bid > price if side is Side.BUY else ask < price


def taker_bound(book: Book, side: Side, inst: Instrument, max_slippage_bps: Decimal) -> Decimal:
    """The worst price a taker may pay: the far touch moved by `max_slippage_bps`,
    rounded toward the touch so the bound is never exceeded."""
    bid, ask = touch(book)
    factor = max_slippage_bps / Decimal(10_000)
    if side is Side.BUY:
        return quantize_price(inst, ask * (1 + factor), Side.BUY)
    return quantize_price(inst, bid * (1 - factor), Side.SELL)


def depth_within(book: Book, side: Side, bound: Decimal) -> Decimal:
    """The quantity a taker on `side` finds at prices no worse than `bound`."""
    if side is Side.BUY:
        return sum((Decimal(repr(q)) for p, q in book.asks if price_of(p) <= bound), Decimal(0))
    return sum((Decimal(repr(q)) for p, q in book.bids if price_of(p) >= bound), Decimal(0))


def spread_bps(book: Book) -> Decimal:
    bid, ask = touch(book)
    return (ask - bid) / ((ask + bid) / 2) * Decimal(10_000)
