"""One symbol's L2 price levels: the hot path of every streamed book.

Each side is a dict price → quantity plus an ascending list of its prices, kept so that
the best level is the *last* element: bid prices as they are, ask prices negated. Levels
come and go mostly near the top of the book, and at the end of a list an insert or a
delete moves only a few pointers (at the front it would move the whole list). Most
diffs only change the quantity of a level that already exists, which costs one dict
store (one float hash: the size of the dict tells whether the price was new); the list
is touched, by bisection, only when a price appears or disappears. Measured on CPython
3.11: a 20+20-level diff on a 1000-level book, crossed check included, takes about
4 µs. Prices and quantities are floats: streamed market data trades exactness for speed
(DESIGN.md principle 2).

A venue whose diffs carry levels as `[["price","qty"],...]` text can hand that text to
`apply_json` (the frame decoded with those fields left as `msgspec.Raw`): the compiled
store reads the numbers itself, which spares a tuple and two floats decoded per level
before the book even looks at them; text it does not read is left to the venue's typed
decoder, with the book untouched.

Only real levels enter: a price is finite and above zero, a quantity finite and not
negative (zero removes the level). "NaN", "inf" and "-1" all read as floats, and a NaN
key could never be found or removed again, so a level that breaks the rule raises
MalformedMessage. In `apply` the check costs one chained comparison per level: a price
already in the book was checked when it entered, so only a new price is looked at.
"""

from __future__ import annotations

import re
from bisect import bisect_left, insort
from collections.abc import Iterable, Sequence
from importlib import import_module
from itertools import islice
from math import inf
from operator import neg
from types import ModuleType
from typing import Protocol
from weakref import ref

import msgspec

from tradeport.model.errors import MalformedMessage

_compiled_store: ModuleType | None
try:  # built from _levels.c by the package's build where a C compiler was found
    _compiled_store = import_module("tradeport.book._levels")
except ImportError:  # none: the Python loops below, the same results more slowly
    _compiled_store = None

# the store `apply` and the top-N reads use: the compiled one when it is built
_store: ModuleType | None = _compiled_store


def level_store() -> str:
    """Which level store is active: "compiled" (C, _levels.c) or "python"."""
    return "python" if _store is None else "compiled"


def use_level_store(name: str) -> None:
    """Switch the level store ("compiled" or "python"); ValueError for "compiled" when
    it was not built. Books change store between updates only (the data is the same)."""
    global _store
    if name == "python":
        _store = None
    elif name == "compiled" and _compiled_store is not None:
        _store = _compiled_store
    else:
        raise ValueError(f"level store {name!r}: expected one of {available_level_stores()}")


def reads_json_fast() -> bool:
    """Whether `L2Book.apply_json` is the fast way in (the compiled store reads the text
    itself); with the Python store a venue's typed decoder is faster."""
    return _store is not None


def available_level_stores() -> tuple[str, ...]:
    return ("python",) if _compiled_store is None else ("compiled", "python")


Level = tuple[float, float]
Changes = list[tuple[Sequence[Level], Sequence[Level]]]
PRUNE_VIEWS = 64  # views handed out between two changes before dead ones are dropped
MAX_CHANGES = 10_000  # applies kept for a follower that does not take them: then unknown


class BookView(Protocol):
    """A view handed out over a book (view.py): it copies what it shows before the
    levels change."""

    def freeze(self) -> None: ...


def bad_level(side: str, price: float, qty: float) -> MalformedMessage:
    return MalformedMessage(f"{side} level ({price!r}, {qty!r}): not a price and a quantity")


def check_levels(side: str, levels: Iterable[Level]) -> None:
    """MalformedMessage unless every level has a finite price above zero and a finite
    quantity not below zero (chained comparisons are False for NaN)."""
    for price, qty in levels:
        if not (0.0 < price < inf and 0.0 <= qty < inf):
            raise bad_level(side, price, qty)


# Levels as JSON text (`apply_json`): only the plain form is read, the form venues send
# and one whose value is exact to compute (the compiled reader's fast path, _levels.c):
# a string of the JSON number grammar without exponent, of at most 18 digits (a lone
# leading 0 not counted) whose integer is 2**53 at most. msgspec decodes the same value
# from the same text ("-0", an integer to it, is +0.0 as from int("-0")).
_PLAIN_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")
_MAX_EXACT = 2**53
_MAX_DIGITS = 18
_text_rows = msgspec.json.Decoder(list[tuple[str, str]])
JsonText = bytes | bytearray | memoryview | msgspec.Raw


def _plain_number(text: str) -> float | None:
    """The value of `text` when it is a plain number, else None."""
    if _PLAIN_NUMBER.fullmatch(text) is None:
        return None
    whole, _, fraction = text.lstrip("-").partition(".")
    digits = fraction if whole == "0" else whole + fraction
    if len(digits) > _MAX_DIGITS or int(digits or "0") > _MAX_EXACT:
        return None
    return float(text) if fraction else float(int(text))


def json_levels(text: JsonText) -> list[Level] | None:
    """The levels of a side sent as `[["price","qty"],...]` in the plain form, read as
    the compiled store reads them; None when the text is not that form."""
    if b"\\" in memoryview(text).tobytes():
        return None  # an escape: the typed decoder reads it (the compiled reader does not)
    try:
        rows = _text_rows.decode(text)
    except msgspec.DecodeError:
        return None
    levels = []
    for price_text, qty_text in rows:
        price, qty = _plain_number(price_text), _plain_number(qty_text)
        if price is None or qty is None:
            return None
        levels.append((price, qty))
    return levels


def _best(prices: list[float], n: int | None) -> list[float]:
    """The last `n` of `prices` (all when None), last first."""
    if n is None:
        return prices[::-1]
    return prices[: -n - 1 : -1] if n > 0 else []


class L2Book:
    __slots__ = (
        "_ask_cache",
        "_ask_prices",
        "_asks",
        "_bid_cache",
        "_bid_prices",
        "_bids",
        "_changes",
        "_changes_known",
        "_follower",
        "_views",
        "_views_alive",
        "symbol",
        "update_id",
    )

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.update_id = 0
        self._bids: dict[float, float] = {}
        self._asks: dict[float, float] = {}
        self._bid_prices: list[float] = []  # ascending: best bid last
        self._ask_prices: list[float] = []  # negated, ascending: best ask last
        # with the compiled store: each side's levels best first, built by a deep read
        # and then kept in step by `apply`, so that the next deep read is a list slice
        self._bid_cache: list[Level] | None = None
        self._ask_cache: list[Level] | None = None
        # views handed out since the levels last changed (view.py): copied before a change
        self._views: list[ref[BookView]] = []
        self._views_alive = 0  # views alive at the last pruning of `_views`
        # the levels given to `apply` since the follower last took them (follow_changes)
        self._follower: object | None = None
        self._changes: Changes | None = None
        self._changes_known = False

    # -- following the changes ----------------------------------------------------------
    def follow_changes(self, follower: object) -> bool:
        """Keep the levels every `apply` is given until `follower` takes them: a
        consumer that writes each update's levels (the recorder) then looks only at
        them instead of comparing whole books. One follower at a
        time: False when another one follows the book."""
        if self._follower is not None:
            return self._follower is follower
        self._follower = follower
        self._changes = []
        self._changes_known = False  # the follower starts from a full read
        return True

    def unfollow_changes(self, follower: object) -> None:
        if self._follower is follower:
            self._follower = self._changes = None

    def take_changes(self, follower: object) -> Changes | None:
        """The (bids, asks) given to `apply` since the last take, in order, or None when
        they are not all known: the book was loaded or cleared, given levels as text
        or as a one-pass iterator, or not taken from for `MAX_CHANGES` applies (or
        `follower` does not follow the book). Known again from this call on."""
        if self._follower is not follower:
            return None
        changes, self._changes = self._changes, []
        known, self._changes_known = self._changes_known, True
        return changes if known else None

    def _keep_changes(self, bids: Iterable[Level], asks: Iterable[Level]) -> None:
        changes = self._changes
        if changes is None:
            return
        if (
            type(bids) in (list, tuple)
            and type(asks) in (list, tuple)
            and len(changes) < MAX_CHANGES
        ):
            changes.append((bids, asks))  # type: ignore[arg-type]  # checked just above
        else:
            self._lose_changes()

    def _lose_changes(self) -> None:
        if self._changes is not None:
            self._changes = []
            self._changes_known = False

    def watch(self, view: BookView) -> None:
        """Keep `view` showing the levels as they are now: before they next change,
        `view.freeze()` is called if the view is still alive."""
        views = self._views
        if len(views) >= PRUNE_VIEWS and len(views) >= 2 * self._views_alive:
            # views read off a book that does not change (polled, say) die unfrozen:
            # forget them here, or the list would grow until the next update (pruned
            # when it doubled, so many views kept alive do not make this quadratic)
            views[:] = [view_ref for view_ref in views if view_ref() is not None]
            self._views_alive = len(views)
        views.append(ref(view))

    def _freeze_views(self) -> None:
        views, self._views = self._views, []
        self._views_alive = 0
        for view_ref in views:
            view = view_ref()
            if view is not None:
                view.freeze()

    def load(self, bids: Iterable[Level], asks: Iterable[Level], update_id: int) -> None:
        """Replace the whole book (a snapshot); as in `apply`, a later level of the same
        price wins and zero quantities are left out. MalformedMessage, with the book
        unchanged, if a level is not a real one."""
        bids, asks = list(bids), list(asks)
        check_levels("bid", bids)
        check_levels("ask", asks)
        if self._views:
            self._freeze_views()
        self._lose_changes()
        self._bids = {p: q for p, q in dict(bids).items() if q}
        self._asks = {p: q for p, q in dict(asks).items() if q}
        self._bid_prices = sorted(self._bids)
        self._ask_prices = sorted(-p for p in self._asks)
        self._bid_cache = self._ask_cache = None
        self.update_id = update_id

    def apply(self, bids: Iterable[Level], asks: Iterable[Level]) -> None:
        """Apply absolute quantities; 0 removes the level, and removing a level the book
        does not hold is normal (Binance §1.5/§2.5: "removing a level you don't have").
        A level that is not a real one raises MalformedMessage; the levels before it
        are applied, so the caller must stop trusting the book (BookSync resyncs it)."""
        # The two loops are written out: a shared helper costs a call and a sign
        # multiplication per level on the hottest path. (Bulk dict/set operations in C
        # were measured too: their fixed costs make them slower for 20-level diffs.)
        if self._views:
            self._freeze_views()
        if self._changes is not None:
            self._keep_changes(bids, asks)
        compiled = _store
        if compiled is not None:
            compiled.apply_side(
                bids, self._bids, self._bid_prices, False, "bid", bad_level, self._bid_cache
            )
            compiled.apply_side(
                asks, self._asks, self._ask_prices, True, "ask", bad_level, self._ask_cache
            )
            return
        self._bid_cache = self._ask_cache = None  # only the compiled loop keeps them
        top = inf  # a local is cheaper than the global for every level
        levels = self._bids
        prices = self._bid_prices
        size = len(levels)
        for p, q in bids:
            if 0.0 < q < top:
                levels[p] = q
                if len(levels) != size:
                    if not 0.0 < p < top:  # a new price: the only one not yet checked
                        del levels[p]
                        raise bad_level("bid", p, q)
                    size += 1
                    insort(prices, p)
            elif q == 0.0:
                if p in levels:
                    del levels[p]
                    size -= 1
                    del prices[bisect_left(prices, p)]
                elif not 0.0 < p < top:
                    raise bad_level("bid", p, q)
            else:
                raise bad_level("bid", p, q)
        levels = self._asks
        prices = self._ask_prices
        size = len(levels)
        for p, q in asks:
            if 0.0 < q < top:
                levels[p] = q
                if len(levels) != size:
                    if not 0.0 < p < top:
                        del levels[p]
                        raise bad_level("ask", p, q)
                    size += 1
                    insort(prices, -p)
            elif q == 0.0:
                if p in levels:
                    del levels[p]
                    size -= 1
                    del prices[bisect_left(prices, -p)]
                elif not 0.0 < p < top:
                    raise bad_level("ask", p, q)
            else:
                raise bad_level("ask", p, q)

    def apply_json(self, bids: JsonText, asks: JsonText) -> bool:
        """`apply` with each side given as the JSON text the venue sent,
        `[["price","qty"],...]` (a `msgspec.Raw` of it, say), read without building a
        tuple per level. False, with the book untouched, when the text is not in the
        plain form `json_levels` reads (an exponent, "NaN", a number outside quotes, a
        row of three…): the caller then decodes it as before, and its typed decoder
        reads it or names what is wrong. Otherwise True, with the result and errors of
        `apply` (both sides are read before either is applied)."""
        compiled = _store
        if compiled is not None:
            if self._views:
                self._freeze_views()
            changes = self._changes  # a follower's: the levels read are kept for it
            if changes is not None and len(changes) >= MAX_CHANGES:
                self._lose_changes()
                changes = None
            done = compiled.apply_json(
                bids,
                asks,
                self._bids,
                self._bid_prices,
                self._bid_cache,
                self._asks,
                self._ask_prices,
                self._ask_cache,
                bad_level,
                changes,
            )
            return done is not None
        bid_levels = json_levels(bids)
        ask_levels = None if bid_levels is None else json_levels(asks)
        if bid_levels is None or ask_levels is None:
            return False
        self.apply(bid_levels, ask_levels)
        return True

    def clear(self) -> None:
        self.load((), (), 0)

    @property
    def crossed(self) -> bool:
        """Best bid not below best ask: the book cannot be right. Written as "not
        bid < ask" so that a NaN on either side counts as crossed, not as fine."""
        bid_prices = self._bid_prices
        ask_prices = self._ask_prices
        return bool(bid_prices and ask_prices) and not bid_prices[-1] < -ask_prices[-1]

    def best_bid(self) -> Level | None:
        if not self._bid_prices:
            return None
        price = self._bid_prices[-1]
        return price, self._bids[price]

    def best_ask(self) -> Level | None:
        if not self._ask_prices:
            return None
        price = -self._ask_prices[-1]
        return price, self._asks[price]

    def bid_at(self, index: int) -> Level | None:
        """The bid `index` levels below the best (0: the best), or None past the last."""
        prices = self._bid_prices
        if index >= len(prices):
            return None
        price = prices[-1 - index]
        return price, self._bids[price]

    def ask_at(self, index: int) -> Level | None:
        """The ask `index` levels above the best (0: the best), or None past the last."""
        prices = self._ask_prices
        if index >= len(prices):
            return None
        price = -prices[-1 - index]
        return price, self._asks[price]

    def bids_top(self, n: int | None = None) -> list[Level]:
        """The best `n` bids (all when None), best first."""
        if _store is not None:
            cache = self._bid_cache
            if cache is None:
                if n is not None:
                    return _store.top(self._bids, self._bid_prices, n, False)
                cache = self._bid_cache = _store.top(self._bids, self._bid_prices, None, False)
            return cache[:n] if n is None or n > 0 else []
        # a reversed slice, zip and map run in C: a deep read costs a fraction of a loop
        prices = _best(self._bid_prices, n)
        return list(zip(prices, map(self._bids.__getitem__, prices), strict=False))

    def asks_top(self, n: int | None = None) -> list[Level]:
        """The best `n` asks (all when None), best first."""
        if _store is not None:
            cache = self._ask_cache
            if cache is None:
                if n is not None:
                    return _store.top(self._asks, self._ask_prices, n, True)
                cache = self._ask_cache = _store.top(self._asks, self._ask_prices, None, True)
            return cache[:n] if n is None or n > 0 else []
        prices = [*map(neg, _best(self._ask_prices, n))]
        return list(zip(prices, map(self._asks.__getitem__, prices), strict=False))

    def bid_prices(self, n: int) -> list[float]:
        """The best `n` bid prices, best first."""
        return list(islice(reversed(self._bid_prices), n))

    def ask_prices(self, n: int) -> list[float]:
        """The best `n` ask prices, best first."""
        return [-p for p in islice(reversed(self._ask_prices), n)]

    def depth(self) -> tuple[int, int]:
        """(number of bid levels, number of ask levels)."""
        return len(self._bids), len(self._asks)

    def __repr__(self) -> str:
        return (
            f"L2Book({self.symbol!r}, update_id={self.update_id}, bid={self.best_bid()}, "
            f"ask={self.best_ask()}, depth={self.depth()})"
        )
