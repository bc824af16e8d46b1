"""Keeping one L2 book verified: snapshot + buffered diffs, checked by a continuity rule.

A `BookSync` is fed diff updates as they arrive and REST snapshots when they come back;
it never does I/O. It asks for a snapshot through the `request_snapshot` callback
(normally `SnapshotQueue.request`) and is `LIVE` only while every applied update passed
the venue's continuity rule (DESIGN.md principle 6). Before its first snapshot it is
`SYNCING`; after a gap, a crossed book or an unreadable diff it is `RESYNCING`; in both
it buffers updates, to be replayed on top of the next snapshot as the venue documents
(Binance §1.5 steps 1-5, §2.5 steps 1-5).

Garbage never makes a LIVE book. An update or snapshot carrying a level that is not a
real one (levels.py), or ids that cannot be the venue's (first id above last, below
zero or beyond the 64-bit integers every venue numbers with), raises MalformedMessage
after the book has left LIVE and asked for a snapshot; a venue's handler publishes that
state and lets the error be counted like an unreadable frame. An update that overlaps
the last applied one without being it is impossible too: venues number their book
changes so that two updates either cover the same ids or none in common. It shows
that an applied update was not the venue's (say u = 2**62 in one diff, after which
every real diff would look stale and be skipped while the book stayed LIVE), so the
book resyncs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

from tradeport.book.levels import JsonText, L2Book, check_levels
from tradeport.book.sequence import APPLY, GAP, ContinuityRule
from tradeport.book.types import DepthUpdate
from tradeport.book.view import BookView
from tradeport.model.enums import BookState
from tradeport.model.errors import MalformedMessage
from tradeport.model.market import OrderBook

log = logging.getLogger("tradeport.book")

LIVE = BookState.LIVE
RESYNCING = BookState.RESYNCING
DEFAULT_MAX_BUFFER = 10_000
MAX_ID = 2**63 - 1  # venues' update ids are signed 64-bit integers


@dataclass(slots=True)
class BookStats:
    applied: int = 0  # updates applied to the book (live or replayed)
    skipped: int = 0  # stale or duplicate updates ignored
    gaps: int = 0  # continuity breaks, including a snapshot older than the buffer
    resyncs: int = 0  # snapshots this book asked for (the first one is the caller's)
    crossed: int = 0  # updates that left best bid >= best ask
    checksum_mismatches: int = 0  # pushes whose venue checksum the merged book failed
    overflows: int = 0  # buffers dropped because a snapshot took too long
    snapshots: int = 0  # snapshots loaded
    late_snapshots: int = 0  # snapshots ignored because the book was already LIVE
    buffered_max: int = 0  # most updates buffered at once
    malformed: int = 0  # updates and snapshots refused: levels or ids that cannot be real


class BookSync:
    def __init__(
        self,
        symbol: str,
        rule: ContinuityRule,
        request_snapshot: Callable[[str], None],
        *,
        max_buffer: int = DEFAULT_MAX_BUFFER,
        book: L2Book | None = None,
    ) -> None:
        self.symbol = symbol
        self.rule = rule
        self.request_snapshot = request_snapshot
        self.max_buffer = max_buffer
        # a venue may bring a store that keeps more per level (text_levels.py)
        self.book = L2Book(symbol) if book is None else book
        self.state = BookState.SYNCING
        self.stats = BookStats()
        self.ts = 0  # venue time of the last applied update (or of the snapshot)
        self.local_ts = 0  # receipt time of the same
        self._first = True  # the next applied update is the first after a snapshot
        self._applied_from = 0  # first id of the last applied update
        self._buffer: list[DepthUpdate] = []

    @property
    def update_id(self) -> int:
        return self.book.update_id

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    def on_update(self, update: DepthUpdate) -> bool:
        """Feed one diff. True when what `view()` shows changed: the levels of a LIVE
        book, or the book leaving LIVE. MalformedMessage (the book no longer LIVE) for
        an update whose levels or ids cannot be real."""
        if not 0 <= update.first_id <= update.last_id <= MAX_ID:
            self._refuse(f"update ids {update.first_id}..{update.last_id} cannot be real")
        if self.state is not LIVE:
            try:
                check_levels("bid", update.bids)
                check_levels("ask", update.asks)
            except MalformedMessage as exc:
                self._refuse(str(exc))
            self._buffer_update(update)
            return False
        local_id = self.book.update_id
        verdict = self.rule.check(update, local_id, self._first)
        if verdict is APPLY:
            try:
                crossed = not self._apply(update)
            except MalformedMessage as exc:
                self._refuse(str(exc))
            if crossed:
                self._resync(None, "crossed book")
            return True
        if verdict is GAP:
            self.stats.gaps += 1
            self._resync(update, "gap")
            return True
        if (
            not self._first
            and update.last_id >= self._applied_from
            and (update.first_id != self._applied_from or update.last_id != local_id)
        ):
            # overlaps the last applied update without being it: that one was no update
            # of the venue's. This one may be, so it is kept for the replay.
            self.stats.malformed += 1
            self._resync(update, f"update {update.first_id}..{update.last_id} overlaps the book")
            return True
        self.stats.skipped += 1
        return False

    def on_snapshot(self, snapshot: OrderBook) -> bool:
        """Load a REST snapshot (its `update_id` is the venue's id) and replay the buffer
        over it. True when the book became LIVE. A snapshot arriving while LIVE answers a
        request that is no longer needed and is ignored."""
        if self.state is LIVE:
            self.stats.late_snapshots += 1
            return False
        book = self.book
        if not 0 <= snapshot.update_id <= MAX_ID:
            self._refuse(f"snapshot id {snapshot.update_id} cannot be real", snapshot=True)
        try:
            book.load(snapshot.bids, snapshot.asks, snapshot.update_id)
        except MalformedMessage as exc:
            self._refuse(f"snapshot: {exc}", snapshot=True)
        self.stats.snapshots += 1
        self.ts = snapshot.ts
        self.local_ts = snapshot.local_ts
        self._first = True
        self.state = LIVE
        buffer, self._buffer = self._buffer, []
        check = self.rule.check
        for index, update in enumerate(buffer):
            verdict = check(update, book.update_id, self._first)
            if verdict is APPLY:
                if not self._apply(update):
                    self._buffer = buffer[index + 1 :]
                    self._resync(None, "crossed book")
                    return False
            elif verdict is GAP:
                # the snapshot is older than the buffer's first update, or the buffer
                # itself has a hole: either way only a newer snapshot can bridge it
                self.stats.gaps += 1
                self._buffer = buffer[index:]
                self._resync(None, "snapshot does not connect to the buffered updates")
                return False
            else:
                self.stats.skipped += 1
        if book.crossed:
            self.stats.crossed += 1
            self._resync(None, "crossed snapshot")
            return False
        return True

    def invalidate(self, reason: str = "invalidated") -> None:
        """Stop trusting the book (e.g. a diff could not be parsed) and resync it. A book
        already RESYNCING has asked for its snapshot: it is not asked again."""
        if self.state is not RESYNCING:
            self._resync(None, reason)

    def reset(self) -> None:
        """Forget everything, back to SYNCING (e.g. after unsubscribing); the caller asks
        for the next first snapshot, as it did for the first one."""
        self.book.clear()
        self.state = BookState.SYNCING
        self.ts = 0
        self.local_ts = 0
        self._first = True
        self._buffer = []

    def view(self, depth: int | None = None) -> BookView:
        """The best `depth` levels per side (all when None), with the book's state: a
        view that copies levels only when they are read (view.py)."""
        return BookView(self.book, depth, ts=self.ts, local_ts=self.local_ts, state=self.state)

    # -- the fused hot path of a venue ---------------------------------------------------
    def continues(self, first_id: int, last_id: int, prev_id: int) -> bool:
        """True when the book is LIVE and an update with these ids is to be applied now.
        A venue's hot path then applies the update's levels to `book` itself (handing a
        MalformedMessage from that to `refuse`) and calls `applied`; on False it builds
        the `DepthUpdate` for `on_update`, which buffers, skips, resyncs or refuses it.
        The same verdict as `on_update`, with no per-frame object."""
        return (
            self.state is LIVE
            and 0 <= first_id <= last_id <= MAX_ID
            and self.rule.check_ids(first_id, last_id, prev_id, self.book.update_id, self._first)
            is APPLY
        )

    def apply_text(
        self,
        first_id: int,
        last_id: int,
        prev_id: int,
        bids: JsonText,
        asks: JsonText,
        ts: int,
        local_ts: int,
    ) -> bool:
        """`continues`, `L2Book.apply_json` and `applied` in one call, for an update
        whose levels are the JSON text the venue sent: True once applied (a crossed
        book then resyncs, as in `applied`); MalformedMessage as from `refuse`. False,
        with nothing done, when the update does not continue the LIVE book now or its
        text is not in the plain form: the caller decodes it and takes the ordinary
        path, which reaches the same verdict."""
        if not (
            self.state is LIVE
            and 0 <= first_id <= last_id <= MAX_ID
            and self.rule.check_ids(first_id, last_id, prev_id, self.book.update_id, self._first)
            is APPLY
        ):
            return False
        try:
            if not self.book.apply_json(bids, asks):
                return False
        except MalformedMessage as exc:
            self._refuse(str(exc))
        if not self._record(first_id, last_id, ts, local_ts):
            self._resync(None, "crossed book")
        return True

    def applied(self, first_id: int, last_id: int, ts: int, local_ts: int) -> bool:
        """Record an update `continues` let through and the caller applied. False, and
        the book resyncs, when it left the book crossed."""
        if self._record(first_id, last_id, ts, local_ts):
            return True
        self._resync(None, "crossed book")
        return False

    def refuse(self, reason: str) -> NoReturn:
        """The levels the caller was applying cannot be real: the book leaves LIVE and
        asks for a snapshot; raises MalformedMessage."""
        self._refuse(reason)

    # -- internals -------------------------------------------------------------------
    def _apply(self, update: DepthUpdate) -> bool:
        """Apply one update; False when it left the book crossed."""
        self.book.apply(update.bids, update.asks)
        return self._record(update.first_id, update.last_id, update.ts, update.local_ts)

    def _record(self, first_id: int, last_id: int, ts: int, local_ts: int) -> bool:
        """The book's ids and times after an applied update; False when crossed."""
        book = self.book
        book.update_id = last_id
        self._applied_from = first_id
        self.ts = ts
        self.local_ts = local_ts
        self._first = False
        self.stats.applied += 1
        if book.crossed:
            # a crossed book cannot be the venue's: an update was lost or misread. The
            # crossing update is not kept for the replay: if it is the bad one, keeping
            # it would cross the next book too; a snapshot older than it shows as a gap.
            self.stats.crossed += 1
            return False
        return True

    def _buffer_update(self, update: DepthUpdate) -> None:
        buffer = self._buffer
        if len(buffer) >= self.max_buffer:
            # the snapshot is not coming fast enough for the stream: start over from
            # this update rather than grow without bound
            self.stats.overflows += 1
            log.warning(
                "%s: %d updates buffered without a usable snapshot; dropping them",
                self.symbol,
                len(buffer),
            )
            buffer.clear()
            buffer.append(update)
            self.request_snapshot(self.symbol)
            return
        buffer.append(update)
        if len(buffer) > self.stats.buffered_max:
            self.stats.buffered_max = len(buffer)

    def _refuse(self, reason: str, *, snapshot: bool = False) -> NoReturn:
        """Garbage from the venue: the caller hears of it, and the book leaves LIVE. A
        snapshot is asked for when the book was LIVE or the refused thing was the
        snapshot it waited for; a book waiting already drops the update (a hole it
        leaves shows as a gap on replay)."""
        self.stats.malformed += 1
        log.warning("%s: refused: %s", self.symbol, reason)
        if snapshot or self.state is LIVE:
            self._resync(None, reason)
        raise MalformedMessage(f"{self.symbol}: {reason}")

    def _resync(self, update: DepthUpdate | None, reason: str) -> None:
        log.info("%s: resync at update id %d: %s", self.symbol, self.book.update_id, reason)
        self.state = BookState.RESYNCING
        self.stats.resyncs += 1
        if update is not None:
            # the update that revealed the problem may be needed on top of the next
            # snapshot; anything buffered before it is kept for the same reason
            self._buffer.append(update)
        self.request_snapshot(self.symbol)
