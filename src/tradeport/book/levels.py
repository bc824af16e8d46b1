"""One symbol's L2 price levels: the hot path of every streamed book.

Each side is a level store: the compiled one keeps a side as a sorted C array of
(price, quantity) doubles, best last (_levels.c `Side`), so that applying a level costs
a bisection and a store with no Python object made, and levels become tuples only when
read; the pure-Python one (sides.py `PySide`), the reference, keeps a dict price →
quantity plus a sorted list of prices. A book takes the store active when it is made or
loaded (`use_level_store`). Prices and quantities are floats: streamed market data
trades exactness for speed (DESIGN.md principle 2).

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
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from importlib import import_module
from math import inf
from types import ModuleType
from typing import Any, Protocol, Self, cast
from weakref import ref

import msgspec

from tradeport.book.sides import BadLevel, Level, PySide
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
    it was not built. A book keeps the store it was made or last loaded in."""
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


def sorted_json_levels(text: JsonText, descending: bool) -> list[Level] | None:
    """A whole side sent as `[["price","qty"],...]` (a partial book's) as the list
    `sorted(levels, reverse=descending)` of its levels; None when the text is not the
    plain form `json_levels` reads, or a level is not a price above zero and a quantity
    not below zero: the caller's typed decoder then reads it or names what is wrong.
    Read in C by the compiled store (`reads_json_fast`), which spares the tuple and two
    floats msgspec would make per level before they are sorted."""
    if _store is not None:
        levels: list[Level] | None = _store.sorted_levels(text, descending)
        return levels
    return py_sorted_json_levels(text, descending)


def py_sorted_json_levels(text: JsonText, descending: bool) -> list[Level] | None:
    """`sorted_json_levels` in Python: the reference the compiled reader matches."""
    levels = json_levels(text)
    if levels is None or not all(price > 0.0 and qty >= 0.0 for price, qty in levels):
        return None
    return sorted(levels, reverse=descending)


class Side(Protocol):
    """One side's levels, in either store: sides.py `PySide` or _levels.c `Side`."""

    def __len__(self) -> int: ...
    def apply(self, rows: Iterable[Level], name: str, bad_level: BadLevel) -> None: ...
    def load(self, levels: dict[float, float]) -> None: ...
    def top(self, n: int | None) -> list[Level]: ...
    def at(self, index: int) -> Level | None: ...
    def prices(self, n: int) -> list[float]: ...
    def crosses(self, asks: Self) -> bool: ...


def _new_side(negate: bool) -> Side:
    """An empty side in the active store (asks: `negate`)."""
    if _store is None:
        return PySide(negate)
    return cast(Side, _store.Side(negate))


class L2Book:
    __slots__ = (
        "_asks",
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
        self._bids = _new_side(False)
        self._asks = _new_side(True)
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
        """Replace the whole book (a snapshot), in the level store active now; as in
        `apply`, a later level of the same price wins and zero quantities are left out.
        MalformedMessage, with the book unchanged, if a level is not a real one."""
        bids, asks = list(bids), list(asks)
        check_levels("bid", bids)
        check_levels("ask", asks)
        if self._views:
            self._freeze_views()
        self._lose_changes()
        bid_side, ask_side = _new_side(False), _new_side(True)
        bid_side.load({p: q for p, q in dict(bids).items() if q})
        ask_side.load({p: q for p, q in dict(asks).items() if q})
        self._bids, self._asks = bid_side, ask_side
        self.update_id = update_id

    def apply(self, bids: Iterable[Level], asks: Iterable[Level]) -> None:
        """Apply absolute quantities; 0 removes the level, and removing a level the book
        does not hold is normal (Binance §1.5/§2.5: "removing a level you don't have").
        A level that is not a real one raises MalformedMessage; the levels before it
        are applied, so the caller must stop trusting the book (BookSync resyncs it)."""
        if self._views:
            self._freeze_views()
        if self._changes is not None:
            self._keep_changes(bids, asks)
        self._bids.apply(bids, "bid", bad_level)
        self._asks.apply(asks, "ask", bad_level)

    def apply_json(self, bids: JsonText, asks: JsonText) -> bool:
        """`apply` with each side given as the JSON text the venue sent,
        `[["price","qty"],...]` (a `msgspec.Raw` of it, say), read without building a
        tuple per level. False, with the book untouched, when the text is not in the
        plain form `json_levels` reads (an exponent, "NaN", a number outside quotes, a
        row of three…): the caller then decodes it as before, and its typed decoder
        reads it or names what is wrong. Otherwise True, with the result and errors of
        `apply` (both sides are read before either is applied)."""
        if type(self._bids) is PySide:
            bid_levels = json_levels(bids)
            ask_levels = None if bid_levels is None else json_levels(asks)
            if bid_levels is None or ask_levels is None:
                return False
            self.apply(bid_levels, ask_levels)
            return True
        if self._views:
            self._freeze_views()
        changes = self._changes  # a follower's: the levels read are kept for it
        if changes is not None and len(changes) >= MAX_CHANGES:
            self._lose_changes()
            changes = None
        assert _compiled_store is not None  # a compiled side comes from it
        done = _compiled_store.apply_json(bids, asks, self._bids, self._asks, bad_level, changes)
        return done is not None

    def clear(self) -> None:
        self.load((), (), 0)

    @property
    def crossed(self) -> bool:
        """Best bid not below best ask: the book cannot be right. Written as "not
        bid < ask" so that a NaN on either side counts as crossed, not as fine."""
        return self._bids.crosses(self._asks)

    def best_bid(self) -> Level | None:
        return self._bids.at(0)

    def best_ask(self) -> Level | None:
        return self._asks.at(0)

    def bid_at(self, index: int) -> Level | None:
        """The bid `index` levels below the best (0: the best), or None past the last."""
        return self._bids.at(index)

    def ask_at(self, index: int) -> Level | None:
        """The ask `index` levels above the best (0: the best), or None past the last."""
        return self._asks.at(index)

    def bids_top(self, n: int | None = None) -> list[Level]:
        """The best `n` bids (all when None), best first."""
        return self._bids.top(n)

    def asks_top(self, n: int | None = None) -> list[Level]:
        """The best `n` asks (all when None), best first."""
        return self._asks.top(n)

    def bid_prices(self, n: int) -> list[float]:
        """The best `n` bid prices, best first."""
        return self._bids.prices(n)

    def ask_prices(self, n: int) -> list[float]:
        """The best `n` ask prices, best first."""
        return self._asks.prices(n)

    def depth(self) -> tuple[int, int]:
        """(number of bid levels, number of ask levels)."""
        return len(self._bids), len(self._asks)

    def __repr__(self) -> str:
        return (
            f"L2Book({self.symbol!r}, update_id={self.update_id}, bid={self.best_bid()}, "
            f"ask={self.best_ask()}, depth={self.depth()})"
        )


# -- a frame of one known shape (`read_shape`) -----------------------------------------
# A venue's frame of one trade comes with its keys in the same order every time. A
# shape is that frame's text as a tuple of the bytes that must be there as they are and
# value codes; the compiled store reads a frame written so without a decoder's general
# walk (_levels.c `read_shape`), and any other frame is left to the venue's typed
# decoder. Here for the plain numbers it reads as the level reader does.
SKIP_STR, STR, INT, SKIP_INT, ID, NUMBER, BOOL, SKIP_BOOL = range(8)
Shape = tuple[bytes | int, ...]
ShapeReader = Callable[[str | bytes, Shape, int], tuple[Any, ...] | None]
_MAX_INT_DIGITS = 17  # after the first: 18 digits in all, as the compiled reader reads
_SHAPE_VALUES = {
    SKIP_STR: r'"[\x20\x21\x23-\x5b\x5d-\x7f]*"',  # printable ASCII, no escape
    STR: r'"([\x20\x21\x23-\x5b\x5d-\x7f]*)"',
    INT: f"(-?(?:0|[1-9][0-9]{{0,{_MAX_INT_DIGITS}}}))",
    SKIP_INT: f"-?(?:0|[1-9][0-9]{{0,{_MAX_INT_DIGITS}}})",
    ID: f"(0|[1-9][0-9]{{0,{_MAX_INT_DIGITS}}})",
    NUMBER: r'"(-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?)"',
    BOOL: "(true|false)",
    SKIP_BOOL: "(?:true|false)",
}


def shape_reader() -> ShapeReader | None:
    """The compiled `read_shape` when the compiled store is active, else None: then a
    venue's typed decoder is the faster way (`py_read_shape` is the reference only)."""
    if _store is None:
        return None
    reader: ShapeReader = _store.read_shape
    return reader


def shape_values(shape: Shape) -> int:
    """How many values a frame of `shape` gives (`captured` of `read_shape`)."""
    return sum(1 for token in shape if token in (STR, INT, ID, NUMBER, BOOL))


@cache
def _shape_pattern(shape: Shape) -> tuple[re.Pattern[str], tuple[int, ...]]:
    parts, kinds = [], []
    for token in shape:
        if isinstance(token, bytes):
            parts.append(re.escape(token.decode("ascii")))
        else:
            parts.append(_SHAPE_VALUES[token])
            if token in (STR, INT, ID, NUMBER, BOOL):
                kinds.append(token)
    return re.compile("".join(parts)), tuple(kinds)


def py_read_shape(text: str | bytes, shape: Shape, captured: int) -> tuple[Any, ...] | None:
    """`read_shape` in Python: the values of a frame written exactly as `shape` says, in
    order (a str, an int, a trade id's str, a float, a bool by code), or None."""
    if isinstance(text, bytes):
        try:
            text = text.decode("ascii")
        except UnicodeDecodeError:
            return None  # only ASCII is read as a shape's
    pattern, kinds = _shape_pattern(shape)
    found = pattern.fullmatch(text)
    if found is None or len(kinds) != captured:
        return None
    values: list[Any] = []
    for kind, value in zip(kinds, found.groups(), strict=True):
        if kind == NUMBER:
            number = _plain_number(value)
            if number is None:
                return None
            values.append(number)
        elif kind == INT:
            values.append(int(value))
        elif kind == BOOL:
            values.append(value == "true")
        else:
            values.append(value)
    return tuple(values)
