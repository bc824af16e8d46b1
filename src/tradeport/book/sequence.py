"""Continuity rules: may this depth update be applied to a book at a given update id?

Each rule is named for its id scheme, not for a venue (the book engine never imports a
venue); its docstring cites the venue documentation it implements. A rule is pure: it
reads the update's ids and the local id and answers APPLY, SKIP or GAP. `BookSync`
owns the state (the local id, whether this is the first update after a snapshot).
"""

from __future__ import annotations

from enum import IntEnum
from typing import Protocol

from tradeport.book.types import DepthUpdate


class Verdict(IntEnum):
    APPLY = 0  # continues the book: apply it, the local id becomes its last id
    SKIP = 1  # already contained in the book (stale or duplicate): ignore it
    GAP = 2  # something is missing between the book and this update: resync


# bound once: the hot path compares identities instead of looking up enum members
APPLY = Verdict.APPLY
SKIP = Verdict.SKIP
GAP = Verdict.GAP


class ContinuityRule(Protocol):
    def check(self, update: DepthUpdate, local_id: int, first: bool) -> Verdict:
        """Verdict on `update` for a book at `local_id`; `first` is True for the first
        update applied after a snapshot whose id is `local_id`."""
        ...

    def check_ids(
        self, first_id: int, last_id: int, prev_id: int, local_id: int, first: bool
    ) -> Verdict:
        """The same verdict from the update's ids alone (a venue's fused hot path reads
        them off its message, with no `DepthUpdate` built)."""
        ...


class FirstLastRule:
    """First/last update ids (U/u) only, each event continuing the previous one.

    Binance spot diff depth, "How to manage a local order book correctly"
    (PROTOCOLS.md §1.5): drop buffered events with u <= lastUpdateId; the first applied
    event must have lastUpdateId + 1 inside [U; u]; afterwards an event with u below the
    local id is ignored and one with U > local id + 1 is a gap. An event with u equal
    to the local id is a duplicate of the last applied one and is ignored as well.
    """

    __slots__ = ()

    def check(self, update: DepthUpdate, local_id: int, first: bool) -> Verdict:
        return self.check_ids(update.first_id, update.last_id, update.prev_id, local_id, first)

    def check_ids(
        self, first_id: int, last_id: int, prev_id: int, local_id: int, first: bool
    ) -> Verdict:
        # the documented first-event condition (U <= S + 1 <= u once u <= S is dropped)
        # and the later one (U <= local + 1, u > local) are the same test
        if last_id <= local_id:
            return SKIP
        if first_id > local_id + 1:
            return GAP
        return APPLY


class PrevLinkRule:
    """First/last ids plus the previous event's last id (U/u/pu).

    Binance USDⓈ-M diff depth (PROTOCOLS.md §2.5): drop events with u < lastUpdateId;
    the first processed event must satisfy U <= lastUpdateId <= u; every later event
    must have pu equal to the previous event's u, otherwise restart. An event whose u
    is not above the local id was already applied (a duplicate or a late copy) and is
    ignored rather than treated as a broken link. A first event with pu equal to the
    snapshot id is accepted too: it continues the snapshot exactly, as every later event
    continues its predecessor (the documented U <= S <= u alone would resync needlessly
    when the event ending at S itself was never received).
    """

    __slots__ = ()

    def check(self, update: DepthUpdate, local_id: int, first: bool) -> Verdict:
        return self.check_ids(update.first_id, update.last_id, update.prev_id, local_id, first)

    def check_ids(
        self, first_id: int, last_id: int, prev_id: int, local_id: int, first: bool
    ) -> Verdict:
        if first:
            if last_id < local_id:
                return SKIP
            if first_id <= local_id or prev_id == local_id:
                return APPLY
            return GAP
        if last_id <= local_id:
            return SKIP
        return APPLY if prev_id == local_id else GAP


class SeqLinkRule:
    """One sequence id per push and the previous push's id (seqId/prevSeqId).

    OKX v5 `books` (PROTOCOLS.md §3.5; docs "Sequence ID"): every update's prevSeqId
    equals the seqId of the push before it. Usually seqId > prevSeqId; a push with
    prevSeqId == seqId and no levels is a heartbeat (no change for ~60 s); after
    maintenance the sequence may restart (seqId < prevSeqId), and that push is a valid
    continuation too. So an update continues the book exactly when its prevSeqId is the
    local id, whatever its own id. The last applied push seen again (its seqId is the
    local id, linking up from an older one) is a duplicate and ignored; any other break
    is a gap. The snapshot carries prevSeqId -1 and sets the local id to its seqId.
    """

    __slots__ = ()

    def check(self, update: DepthUpdate, local_id: int, first: bool) -> Verdict:
        return self.check_ids(update.first_id, update.last_id, update.prev_id, local_id, first)

    def check_ids(
        self, first_id: int, last_id: int, prev_id: int, local_id: int, first: bool
    ) -> Verdict:
        if prev_id == local_id:
            return APPLY
        if last_id == local_id and prev_id < local_id:
            return SKIP
        return GAP
