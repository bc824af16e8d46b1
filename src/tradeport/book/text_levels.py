"""An L2 book that keeps each level as the text the venue sent, for venues that checksum
the text.

A checksum computed over the price and size strings exactly as received (checksum.py)
needs, per level, the text the venue last sent for it. `TextL2Book` keeps every level
as that text and reads numbers out of it only when it must. Its levels are held by a
`Sides` of the text store (both sides, and the methods that apply and read them):

- the compiled one (_text_levels.c, built by the package's build where a C compiler
  was found) holds each level as a C struct, found by its price text in a hash table,
  ordered by price in an array; no Python object per level;
- the Python one below (`PySides`), the reference, used where it was not built, holds
  per side a dict `keys` (price text → entry) and a list `levels` (the entries in price
  order, best last: bids ascending, asks descending), an entry being the list `[price,
  price text, size]`, the size the text as sent (a level loaded from numbers holds the
  quantity instead).

A level already held is found by its price text and updated by replacing its size
text: no float is parsed for the price, none is stored for the size, and the
checksum's text is the level's own. Only a new price is parsed, checked and placed by
bisection. Sizes are checked on every update all the same (a zero size removes the
level and a size that is not a real quantity must be refused), and read into
quantities, for the levels read, when the book is read.

`apply_json` takes a push's levels as the JSON text the venue sent (`[["px","sz",…],
…]`, a `msgspec.Raw` of it) and reads them there, with no object per row; text in any
other form than plain strings is left to the caller's typed decoder, book untouched.
`apply_push` takes a whole push linked by its previous id (OKX `books`) the same way.

Both stores have the same data and the same results; `text_store()` says which is
active (`tradeport doctor` prints it), and a book keeps the store it was made with.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from importlib import import_module
from math import inf
from types import ModuleType, SimpleNamespace
from typing import Any, Protocol
from zlib import crc32

import msgspec

from tradeport.book.checksum import crc32_joined
from tradeport.book.levels import JsonText, L2Book, Level, bad_level, check_levels

# a size as sent → the quantity the book holds: a function, or, read inline, an
# exponent suffix the text is read with ("" as it is, "e-2" for hundredths)
Sizes = Callable[[str], float] | str

# a side's rows as JSON text, each row two or more strings (`_json_rows`)
_text_rows = msgspec.json.Decoder(list[list[str]])

# [price, price text (None for a level loaded from numbers), size text or quantity]
Entry = list[Any]


class TextRow(Protocol):
    """A level as received: its price and size text (anything after them unread)."""

    @property
    def px(self) -> str: ...

    @property
    def sz(self) -> str: ...


def _read(size: Sizes) -> Callable[[str | float], float]:
    """The reader of one size held: the quantity it stands for."""
    if isinstance(size, str):
        suffix = size
        return lambda sz: sz if sz.__class__ is float else float(sz + suffix)  # type: ignore[operator]
    convert = size
    return lambda sz: sz if sz.__class__ is float else convert(sz)  # type: ignore[arg-type]


def _bid_key(entry: Entry) -> float:
    return entry[0]


def _ask_key(entry: Entry) -> float:
    return -entry[0]


def _apply_side(
    rows: Iterable[TextRow],
    keys: dict[str, Entry],
    levels: list[Entry],
    negate: bool,
    size: Sizes,
    side: str,
    bad: Callable[[str, float, float], Exception],
) -> None:
    # lazily: the rows before one that cannot be read are applied, as in the C store
    _apply_texts(((row.px, row.sz) for row in rows), keys, levels, negate, size, side, bad)


def _apply_texts(
    rows: Iterable[tuple[str, str]],
    keys: dict[str, Entry],
    levels: list[Entry],
    negate: bool,
    size: Sizes,
    side: str,
    bad: Callable[[str, float, float], Exception],
) -> None:
    top = inf  # a local is cheaper than the global for every level
    sign, order = (-1.0, _ask_key) if negate else (1.0, _bid_key)
    suffix, convert = (size, None) if isinstance(size, str) else ("", size)
    for px, sz in rows:
        qty = float(sz + suffix) if convert is None else convert(sz)
        entry = keys.get(px)
        if entry is not None:  # a level held: its price was checked when it entered
            if 0.0 < qty < top:
                entry[2] = sz
            elif qty == 0.0:
                del keys[px]
                del levels[bisect_left(levels, sign * entry[0], key=order)]
            else:
                raise bad(side, entry[0], qty)
            continue
        price = float(px)
        if not (0.0 < price < top and 0.0 <= qty < top):
            raise bad(side, price, qty)
        at = bisect_left(levels, sign * price, key=order)
        if at < len(levels) and levels[at][0] == price:
            # held under another text of the same number ("1" / "1.0")
            held = levels[at]
            if held[1] is not None:
                del keys[held[1]]
            if qty == 0.0:
                del levels[at]
            else:
                held[1] = px
                held[2] = sz
                keys[px] = held
        elif qty != 0.0:  # removing a level the book does not hold is normal
            entry = [price, px, sz]
            keys[px] = entry
            levels.insert(at, entry)


def _json_rows(text: JsonText) -> list[tuple[str, str]] | None:
    """The (price, size) text of a side sent as `[["px","sz",…],…]`, each row two or
    more plain strings (ASCII, no control character, no escape); None when not in that
    form, the form the compiled reader (_text_levels.c `read_spans`) reads."""
    data = bytes(memoryview(text))
    if not data.isascii() or b"\\" in data:
        return None
    try:
        rows = _text_rows.decode(data)  # refuses control characters in strings
    except msgspec.DecodeError:
        return None
    if any(len(row) < 2 for row in rows):
        return None
    return [(row[0], row[1]) for row in rows]


def _apply_json(
    bids: JsonText,
    asks: JsonText,
    bid_keys: dict[str, Entry],
    bid_levels: list[Entry],
    ask_keys: dict[str, Entry],
    ask_levels: list[Entry],
    size: Sizes,
    bad: Callable[[str, float, float], Exception],
) -> bool | None:
    bid_rows = _json_rows(bids)
    ask_rows = None if bid_rows is None else _json_rows(asks)
    if bid_rows is None or ask_rows is None:
        return None
    _apply_texts(bid_rows, bid_keys, bid_levels, False, size, "bid", bad)
    _apply_texts(ask_rows, ask_keys, ask_levels, True, size, "ask", bad)
    return True


def _top(levels: list[Entry], n: int | None, size: Sizes) -> list[Level]:
    best = levels[::-1] if n is None else levels[: -n - 1 : -1] if n > 0 else []
    read = _read(size)
    return [(e[0], read(e[2])) for e in best]


def _texts(levels: list[Entry], depth: int) -> list[str]:
    best = levels[: -depth - 1 : -1] if depth > 0 else []
    if any(e[1] is None or e[2].__class__ is not str for e in best):
        raise ValueError("a level loaded from numbers has no text to hash")
    return [f"{e[1]}:{e[2]}" for e in best]


def _crc32(data: bytes) -> int:
    return crc32(data)


class _Entry(msgspec.Struct, gc=False):
    """The one entry of a linked push, its levels as the JSON text sent."""

    asks: msgspec.Raw
    bids: msgspec.Raw
    ts: str = "0"
    seqId: int = 0
    prevSeqId: int = -1
    checksum: int = 0


class _Push(msgspec.Struct, gc=False):
    data: list[_Entry]
    action: str = "snapshot"


_decode_push = msgspec.json.Decoder(_Push, strict=False).decode
_MAX_ID = 2**63 - 1

# apply_push's answer: (seqId, ts, checksum sent, the book's checksum or None)
Pushed = tuple[int, int, int, int | None]


class PySides:
    """Both sides of a `TextL2Book` in Python: the reference the compiled `Sides`
    (_text_levels.c) must agree with, same methods, same results, same errors."""

    __slots__ = ("ask_keys", "ask_levels", "bad", "bid_keys", "bid_levels", "size")

    def __init__(self, size: Sizes, bad: Callable[[str, float, float], Exception]) -> None:
        self.size = size
        self.bad = bad
        self.bid_keys: dict[str, Entry] = {}
        self.ask_keys: dict[str, Entry] = {}
        self.bid_levels: list[Entry] = []  # best last
        self.ask_levels: list[Entry] = []

    def load(self, bids: Sequence[Level], asks: Sequence[Level]) -> None:
        """Every level replaced by these, sorted best last and unique; no text."""
        self.bid_levels = [[p, None, q] for p, q in bids]
        self.ask_levels = [[p, None, q] for p, q in asks]
        self.bid_keys, self.ask_keys = {}, {}

    def load_texts(self, bids: Sequence[TextRow], asks: Sequence[TextRow]) -> None:
        _attach_texts(bids, self.bid_levels, self.bid_keys)
        _attach_texts(asks, self.ask_levels, self.ask_keys)

    def apply_rows(self, bids: Iterable[TextRow], asks: Iterable[TextRow]) -> None:
        size, bad = self.size, self.bad
        _apply_side(bids, self.bid_keys, self.bid_levels, False, size, "bid", bad)
        _apply_side(asks, self.ask_keys, self.ask_levels, True, size, "ask", bad)

    def apply_json(self, bids: JsonText, asks: JsonText) -> bool | None:
        return _apply_json(
            bids,
            asks,
            self.bid_keys,
            self.bid_levels,
            self.ask_keys,
            self.ask_levels,
            self.size,
            self.bad,
        )

    def apply_push(self, frame: str | bytes, local_id: int, depth: int) -> Pushed | None:
        try:
            push = _decode_push(frame)
        except msgspec.DecodeError:
            return None
        if push.action != "update" or len(push.data) != 1:
            return None
        entry = push.data[0]
        seq = entry.seqId
        if entry.prevSeqId != local_id or not 0 <= seq <= _MAX_ID:
            return None
        if self.apply_json(entry.bids, entry.asks) is None:
            return None
        ts = int(entry.ts) if entry.ts.isdigit() else 0
        mine = None
        if entry.checksum and not self.crossed():
            try:
                mine = self.checksum(depth)
            except ValueError:  # a level loaded from numbers: the caller's checksum says
                mine = None
        return seq, ts, entry.checksum, mine

    def checksum(self, depth: int) -> int:
        return crc32_joined(_texts(self.bid_levels, depth), _texts(self.ask_levels, depth))

    def texts(self, ask: bool, depth: int) -> list[str]:
        return _texts(self.ask_levels if ask else self.bid_levels, depth)

    def top(self, ask: bool, n: int | None) -> list[Level]:
        return _top(self.ask_levels if ask else self.bid_levels, n, self.size)

    def level_at(self, ask: bool, index: int) -> Level | None:
        return _level_at(self.ask_levels if ask else self.bid_levels, index, self.size)

    def prices(self, ask: bool, n: int) -> list[float]:
        levels = self.ask_levels if ask else self.bid_levels
        return [e[0] for e in levels[: -n - 1 : -1]] if n > 0 else []

    def depth(self) -> tuple[int, int]:
        return len(self.bid_levels), len(self.ask_levels)

    def crossed(self) -> bool:
        bids, asks = self.bid_levels, self.ask_levels
        return bool(bids and asks) and not bids[-1][0] < asks[-1][0]


_python_store = SimpleNamespace(Sides=PySides, crc32=_crc32)
_compiled_store: ModuleType | None
try:  # built from _text_levels.c by the package's build where a C compiler was found
    _compiled_store = import_module("tradeport.book._text_levels")
except ImportError:  # none: the Python store above, the same results more slowly
    _compiled_store = None

# the store new text books use: the compiled one when it is built
_store: Any = _python_store if _compiled_store is None else _compiled_store


def text_store() -> str:
    """Which text level store is active: "compiled" (C, _text_levels.c) or "python"."""
    return "python" if _store is _python_store else "compiled"


def use_text_store(name: str) -> None:
    """Switch the text level store ("compiled" or "python") for the books made from
    now on (a book keeps the store it was made with); ValueError for "compiled" when it
    was not built."""
    global _store
    if name == "python":
        _store = _python_store
    elif name == "compiled" and _compiled_store is not None:
        _store = _compiled_store
    else:
        raise ValueError(f"text level store {name!r}: expected one of {available_text_stores()}")


def available_text_stores() -> tuple[str, ...]:
    return ("python",) if _compiled_store is None else ("compiled", "python")


class TextL2Book(L2Book):
    """Levels as text; `size` reads a size text as a quantity (see `Sizes`). The float
    store of `L2Book` is not used: every read of the levels is overridden here. The
    levels are held by the text store active when the book was made (`Sides`)."""

    __slots__ = ("_sides", "size")

    def __init__(self, symbol: str, size: Sizes = "") -> None:
        super().__init__(symbol)
        self.size = size
        self._sides = _store.Sides(size, bad_level)

    def load(self, bids: Iterable[Level], asks: Iterable[Level], update_id: int) -> None:
        """As `L2Book.load`, from numbers: the levels hold no text until `load_texts`
        gives it from the rows they were read from."""
        bids, asks = list(bids), list(asks)
        check_levels("bid", bids)
        check_levels("ask", asks)
        if self._views:
            self._freeze_views()
        # a later level of the same price wins, zero quantities are left out; best last
        self._sides.load(
            [(p, q) for p, q in sorted(dict(bids).items()) if q],
            [(p, q) for p, q in sorted(dict(asks).items(), reverse=True) if q],
        )
        self.update_id = update_id

    def load_texts(self, bids: Sequence[TextRow], asks: Sequence[TextRow]) -> None:
        """The text of a snapshot just loaded (`load`) from the same rows."""
        self._sides.load_texts(bids, asks)

    def apply(self, bids: Iterable[Level], asks: Iterable[Level]) -> None:
        raise TypeError("a text book is updated with the text received: apply_text")

    def follow_changes(self, follower: object) -> bool:
        """Never: the levels a text book is given are text rows, not the (price,
        quantity) pairs a follower reads, so a follower compares whole books."""
        return False

    def apply_text(self, bids: Iterable[TextRow], asks: Iterable[TextRow]) -> None:
        """Apply absolute sizes as text ("0" removes the level). MalformedMessage for a
        level that is not a real one, ValueError for text that is no number; the levels
        before it are applied, so the caller must stop trusting the book (as with
        `L2Book.apply`)."""
        if self._views:
            self._freeze_views()
        self._sides.apply_rows(bids, asks)

    def apply_json(self, bids: JsonText, asks: JsonText) -> bool:
        """`apply_text` with each side given as the JSON text the venue sent,
        `[["px","sz",…],…]` (a `msgspec.Raw` of it), read without an object per row.
        False, with the book untouched, when either side is not in the plain form (a row
        of fewer than two strings or with anything but strings, an escape, a control
        character or one outside ASCII…): the caller then decodes it typed, which
        reads it or names what is wrong. Otherwise True, with the results and errors of
        `apply_text` (both sides are read before either is applied)."""
        if self._views:
            self._freeze_views()
        return self._sides.apply_json(bids, asks) is not None

    def apply_push(self, frame: str | bytes, depth: int) -> Pushed | None:
        """A whole push linked by its previous id, `{"action":"update","data":[{"bids":
        …,"asks":…,"ts":…,"seqId":…,"prevSeqId":…,"checksum":…}],…}`, read and applied
        in one call when it is an update in the plain form (as `apply_json`'s levels;
        its ids integers, every key once) whose prevSeqId is this book's `update_id`
        and whose seqId is not negative: then (seqId, ts (0 unless digits), the checksum
        sent, the book's `checksum(depth)` after it, or None when none was sent, the
        book is crossed or a level there has no text). None, with the book untouched,
        for any other push: the caller decodes it and takes the general path. The
        caller records the update (the book's `update_id` is not changed here). Level
        errors as `apply_text`'s."""
        if self._views:
            self._freeze_views()
        pushed: Pushed | None = self._sides.apply_push(frame, self.update_id, depth)
        return pushed

    def checksum(self, depth: int) -> int:
        """The interleaved CRC32 of the text of the best `depth` levels a side
        (checksum.py `crc32_interleaved`)."""
        return int(self._sides.checksum(depth))

    def top_texts(self, depth: int) -> tuple[list[str], list[str]]:
        """The `"price:size"` text of the best `depth` bids and asks, best first."""
        return self._sides.texts(False, depth), self._sides.texts(True, depth)

    # -- reads: sizes become quantities here, for the levels read ----------------------
    @property
    def crossed(self) -> bool:
        """As `L2Book.crossed`: best bid not below best ask (NaN counts as crossed)."""
        crossed: bool = self._sides.crossed()
        return crossed

    def best_bid(self) -> Level | None:
        return self.bid_at(0)

    def best_ask(self) -> Level | None:
        return self.ask_at(0)

    def bid_at(self, index: int) -> Level | None:
        level: Level | None = self._sides.level_at(False, index)
        return level

    def ask_at(self, index: int) -> Level | None:
        level: Level | None = self._sides.level_at(True, index)
        return level

    def bids_top(self, n: int | None = None) -> list[Level]:
        return list(self._sides.top(False, n))

    def asks_top(self, n: int | None = None) -> list[Level]:
        return list(self._sides.top(True, n))

    def bid_prices(self, n: int) -> list[float]:
        return list(self._sides.prices(False, n))

    def ask_prices(self, n: int) -> list[float]:
        return list(self._sides.prices(True, n))

    def depth(self) -> tuple[int, int]:
        bids, asks = self._sides.depth()
        return bids, asks


def _level_at(levels: list[Entry], index: int, size: Sizes) -> Level | None:
    if index >= len(levels):
        return None
    entry = levels[-1 - index]
    return entry[0], _read(size)(entry[2])


def _attach_texts(rows: Sequence[TextRow], levels: list[Entry], keys: dict[str, Entry]) -> None:
    by_price = {entry[0]: entry for entry in levels}
    for row in rows:
        entry = by_price.get(float(row.px))
        if entry is not None:  # a later row of the same price wins, as in `load`
            if entry[1] is not None:
                del keys[entry[1]]
            entry[1] = row.px
            entry[2] = row.sz
            keys[row.px] = entry
