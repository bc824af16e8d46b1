"""The `books` channel's state for one instrument (PROTOCOLS.md §3.5; docs-v5 "WS / Order
book channel", sections "Sequence ID" and "Checksum").

The state is the instrument's, shared by every subscriber on every connection ("the set
of sequence IDs per channel is the same across websocket connections for the same
instrument"): the top 400 levels as last pushed, as the exact strings sent, and the
`seqId` of that push. A push that changes the top 400 carries only the levels that
changed (size "0" for a level that left, whether deleted or pushed below level 400) with
`prevSeqId` = the previous push's `seqId`. The `seqId` moves with the engine's book
update id, so it grows by the number of book changes the push covers; after
`reset_sequence` the next update starts a lower sequence (OKX: "Sequence may reset after
maintenance … incremental message with smaller seqId than prevSeqId"). With nothing
changed for 60 s an empty update with `prevSeqId == seqId` keeps the channel alive.

The checksum is CRC32 (signed) of the top 25 levels of each side of the merged book,
built from the strings the client received, so a client that merges correctly recomputes
the same value.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from tradeport.book.checksum import crc32_interleaved

DEPTH = 400
HEARTBEAT_MS = 60_000  # "If there are no updates to the depth for an extended period (~60 s)"


@dataclass(frozen=True, slots=True)
class TextLevel:
    """One level as written: price and size strings and the number of resting orders."""

    price: Decimal
    px: str
    sz: str
    orders: int

    def row(self) -> list[str]:
        # the third entry is OKX's deprecated liquidated-orders field, always "0"
        return [self.px, self.sz, "0", str(self.orders)]


@dataclass(frozen=True, slots=True)
class BookPush:
    action: Literal["snapshot", "update"]
    bids: list[list[str]]
    asks: list[list[str]]
    ts: int
    checksum: int
    prev_seq: int
    seq: int


class BookState:
    def __init__(self) -> None:
        self.bids: dict[Decimal, TextLevel] = {}
        self.asks: dict[Decimal, TextLevel] = {}
        self.seq = -1  # -1: nothing taken yet
        self.update_id = -1  # the engine's book update id the state was taken at
        self.ts = 0
        self.pushed_ms = 0  # stream time of the last update pushed (heartbeat clock)
        self._reset = False
        self._corrupt = False
        self._corrupt_snapshot = False

    @property
    def started(self) -> bool:
        return self.seq >= 0

    # -- maintenance and faults ----------------------------------------------------------
    def reset_sequence(self) -> None:
        """The next update starts a new, lower sequence."""
        if self.started and self.seq == 0:
            raise ValueError("seqId is already 0, the lowest a sequence can start from")
        self._reset = True

    def corrupt_checksum(self, *, snapshot: bool = False) -> None:
        """The next frame built from this state carries a wrong, non-zero checksum; with
        `snapshot`, the next snapshot (heartbeats and updates before it stay right)."""
        if snapshot:
            self._corrupt_snapshot = True
        else:
            self._corrupt = True

    # -- taking the engine's book --------------------------------------------------------
    def take(
        self, bids: list[TextLevel], asks: list[TextLevel], update_id: int, ts: int
    ) -> tuple[list[TextLevel], list[TextLevel]] | None:
        """Make `bids` / `asks` (the engine's top levels, best first) the state; returns
        the levels that changed (a departed level with size "0"), or None (state
        untouched) when the top levels are what was last taken."""
        new_bids = {level.price: level for level in bids}
        new_asks = {level.price: level for level in asks}
        changed_bids = _changed(self.bids, new_bids, reverse=True)
        changed_asks = _changed(self.asks, new_asks, reverse=False)
        if self.started and not changed_bids and not changed_asks:
            return None
        self.seq = self._next_seq(update_id)
        self.update_id = update_id
        self.bids, self.asks = new_bids, new_asks
        self.ts = ts
        return changed_bids, changed_asks

    def _next_seq(self, update_id: int) -> int:
        if not self.started:
            return max(update_id, 0)
        steps = max(update_id - self.update_id, 1)
        if self._reset:
            self._reset = False
            return min(steps - 1, self.seq - 1)
        return self.seq + steps

    # -- frames ----------------------------------------------------------------------
    def snapshot(self, *, checksums: bool) -> BookPush:
        """The whole state, as a new subscriber receives it (`prevSeqId` -1)."""
        bids = [level.row() for level in self._side(self.bids, reverse=True)]
        asks = [level.row() for level in self._side(self.asks, reverse=False)]
        checksum = self._checksum(checksums, snapshot=True)
        return BookPush("snapshot", bids, asks, self.ts, checksum, -1, self.seq)

    def update(
        self, prev_seq: int, changes: tuple[list[TextLevel], list[TextLevel]], *, checksums: bool
    ) -> BookPush:
        bids = [level.row() for level in changes[0]]
        asks = [level.row() for level in changes[1]]
        return BookPush(
            "update", bids, asks, self.ts, self._checksum(checksums), prev_seq, self.seq
        )

    def heartbeat(self, ts: int, *, checksums: bool) -> BookPush:
        """An empty update whose `prevSeqId` equals its `seqId`."""
        return BookPush("update", [], [], ts, self._checksum(checksums), self.seq, self.seq)

    def checksum(self) -> int:
        bids = [(level.px, level.sz) for level in self._side(self.bids, reverse=True)[:25]]
        asks = [(level.px, level.sz) for level in self._side(self.asks, reverse=False)[:25]]
        return crc32_interleaved(bids, asks)

    def _checksum(self, enabled: bool, *, snapshot: bool = False) -> int:
        value = self.checksum() if enabled else 0
        if self._corrupt:
            self._corrupt = False
            return _wrong(value, self.checksum())
        if snapshot and self._corrupt_snapshot:
            self._corrupt_snapshot = False
            return _wrong(value, self.checksum())
        return value

    @staticmethod
    def _side(levels: dict[Decimal, TextLevel], *, reverse: bool) -> list[TextLevel]:
        return [levels[price] for price in sorted(levels, reverse=reverse)]


def _changed(
    before: dict[Decimal, TextLevel], after: dict[Decimal, TextLevel], *, reverse: bool
) -> list[TextLevel]:
    out = [TextLevel(p, level.px, "0", 0) for p, level in before.items() if p not in after]
    out += [level for p, level in after.items() if before.get(p) != level]
    out.sort(key=lambda level: level.price, reverse=reverse)
    return out


def _wrong(sent: int, right: int) -> int:
    """A signed int32 that is neither 0 nor the right checksum (nor what was due)."""
    candidate = right ^ 0x5A5A5A5A  # stays a signed int32: the mask spares the sign bit
    if candidate in (0, right, sent):
        candidate = 1 if right != 1 else 2
    return candidate
