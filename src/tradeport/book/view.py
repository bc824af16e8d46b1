"""What a consumer of a streamed book receives: a view that copies levels only when read.

Building a full-depth `OrderBook` for every delivered update costs ~180 µs at 1000
levels a side, whether or not anyone reads past the best level. A `BookView` holds the
book's ids, times and state as they were when it was made, and reads levels from the
live `L2Book` on demand: the best bid/ask in O(1), the top `n` levels for `n` levels'
worth of work, an iterator one level at a time.

A view must keep showing the book it was made from, even when kept past the next
update (a callback that stores every book, an iterator consumer that awaits between
reads). The book keeps a weak reference to each view it handed out; just before its
levels change it copies the still-unread levels (up to the view's depth) into the views
that are still alive, and forgets them. A view dropped before the next update — the
usual case — costs nothing more; one kept alive pays its depth once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from tradeport.model.enums import BookState
from tradeport.model.market import OrderBook

if TYPE_CHECKING:
    from tradeport.book.levels import L2Book, Level

# the levels per side `watch_order_book` delivers when no depth is given (None: all)
DEFAULT_DEPTH = 100


class BookView:
    """The best `depth` levels per side of a book (all when `depth` is None), with the
    update id, venue time, receipt time and state of the update that made it. Reads
    like an `OrderBook` (`bids`, `asks`, `best_bid`, `best_ask`, …); `order_book()`
    copies it into one."""

    __slots__ = (
        "__weakref__",
        "_asks",
        "_bids",
        "_book",
        "depth",
        "local_ts",
        "state",
        "symbol",
        "ts",
        "update_id",
    )

    def __init__(
        self,
        book: L2Book,
        depth: int | None,
        *,
        ts: int,
        local_ts: int,
        state: BookState,
    ) -> None:
        self._book = book
        self.symbol = book.symbol
        self.update_id = book.update_id
        self.depth = depth
        self.ts = ts
        self.local_ts = local_ts
        self.state = state
        # copied levels: None until read, or until the book changes under the view
        self._bids: list[Level] | None = None
        self._asks: list[Level] | None = None
        book.watch(self)

    @property
    def bids(self) -> list[Level]:
        """The best `depth` bids, best first."""
        bids = self._bids
        if bids is None:
            bids = self._bids = self._book.bids_top(self.depth)
        return bids

    @property
    def asks(self) -> list[Level]:
        """The best `depth` asks, best first."""
        asks = self._asks
        if asks is None:
            asks = self._asks = self._book.asks_top(self.depth)
        return asks

    @property
    def best_bid(self) -> Level | None:
        bids = self._bids
        if bids is not None:
            return bids[0] if bids else None
        return self._book.best_bid() if self.depth != 0 else None

    @property
    def best_ask(self) -> Level | None:
        asks = self._asks
        if asks is not None:
            return asks[0] if asks else None
        return self._book.best_ask() if self.depth != 0 else None

    def top_bids(self, n: int) -> list[Level]:
        """The best `n` bids (no more than the view's depth): `n` levels of work."""
        bids = self._bids
        n = self._bounded(n)
        return bids[:n] if bids is not None else self._book.bids_top(n)

    def top_asks(self, n: int) -> list[Level]:
        """The best `n` asks (no more than the view's depth): `n` levels of work."""
        asks = self._asks
        n = self._bounded(n)
        return asks[:n] if asks is not None else self._book.asks_top(n)

    def iter_bids(self) -> Iterator[Level]:
        """The bids, best first, one level at a time (the view's depth at most)."""
        return self._iterate(False)

    def iter_asks(self) -> Iterator[Level]:
        """The asks, best first, one level at a time (the view's depth at most)."""
        return self._iterate(True)

    def order_book(self) -> OrderBook:
        """The view as an `OrderBook` (every level of its depth copied)."""
        return OrderBook(
            symbol=self.symbol,
            bids=list(self.bids),
            asks=list(self.asks),
            update_id=self.update_id,
            ts=self.ts,
            local_ts=self.local_ts,
            state=self.state,
        )

    def freeze(self) -> None:
        """Copy the levels not read yet: the book is about to change (L2Book calls it)."""
        book = self._book
        if self._bids is None:
            self._bids = book.bids_top(self.depth)
        if self._asks is None:
            self._asks = book.asks_top(self.depth)

    def __repr__(self) -> str:
        return (
            f"BookView({self.symbol!r}, update_id={self.update_id}, state={self.state}, "
            f"bid={self.best_bid}, ask={self.best_ask}, depth={self.depth})"
        )

    def _bounded(self, n: int) -> int:
        depth = self.depth
        return n if depth is None or n < depth else depth

    def _iterate(self, asks: bool) -> Iterator[Level]:
        book = self._book
        limit = self.depth
        index = 0
        while limit is None or index < limit:
            copied = self._asks if asks else self._bids
            if copied is not None:  # read already, or the book moved on: the copy
                yield from copied[index:]
                return
            level = book.ask_at(index) if asks else book.bid_at(index)
            if level is None:
                return
            yield level
            index += 1
