"""One OKX `books` order book, verified by sequence and checksum (PROTOCOLS.md §3.5).

The float book and its continuity are the engine's `BookSync` with the seqId/prevSeqId
rule: a snapshot resets it, each update must link to the last applied push (a heartbeat
and a maintenance reset link too). Next to it we keep, per price level, the price and
size text exactly as the venue sent them: after every applied push whose checksum is
not 0, the CRC32 of the top 25 levels built from that text must equal it. A gap, a
crossed book, an unreadable push or a checksum mismatch leaves the book RESYNCING and
asks `resync` for a fresh snapshot (the caller resubscribes that channel alone).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from tradeport.book.checksum import DEPTH, crc32_interleaved
from tradeport.book.sequence import SeqLinkRule
from tradeport.book.sync import BookSync
from tradeport.model import BookState
from tradeport.venues.okx.stream_parse import BookPush, Level, TextLevel

log = logging.getLogger("tradeport.venues.okx")

LIVE = BookState.LIVE


class CheckedBook:
    """A `BookSync` plus the level text its checksums need."""

    __slots__ = ("_asks", "_bids", "sync")

    def __init__(self, symbol: str, resync: Callable[[str], None]) -> None:
        self.sync = BookSync(symbol, SeqLinkRule(), resync)
        self._bids: dict[float, TextLevel] = {}  # price → (price, size) as received
        self._asks: dict[float, TextLevel] = {}

    def on_push(self, push: BookPush) -> bool:
        """Feed one parsed push. True when what the book shows changed (its levels, or
        its state)."""
        sync = self.sync
        snapshot = push.snapshot
        if snapshot is not None:
            # every snapshot starts the book over: a (re)subscription or a reconnect
            sync.reset()
            sync.on_snapshot(snapshot)
            self._bids = _texts(snapshot.bids, push.bids_text)
            self._asks = _texts(snapshot.asks, push.asks_text)
            if sync.state is LIVE:
                self._verify(push.checksum)
            return True
        update = push.update
        assert update is not None
        applied = sync.stats.applied
        changed = sync.on_update(update)
        if sync.stats.applied != applied and sync.state is LIVE:
            _merge(self._bids, update.bids, push.bids_text)
            _merge(self._asks, update.asks, push.asks_text)
            self._verify(push.checksum)
        return changed

    def invalidate(self, reason: str) -> None:
        self.sync.invalidate(reason)

    def reset(self) -> None:
        self.sync.reset()
        self._bids = {}
        self._asks = {}

    def checksum(self) -> int:
        """The checksum of the book as it stands (what the venue's must equal)."""
        book = self.sync.book
        bids, asks = self._bids, self._asks
        return crc32_interleaved(
            list(map(bids.__getitem__, book.bid_prices(DEPTH))),
            list(map(asks.__getitem__, book.ask_prices(DEPTH))),
        )

    def _verify(self, expected: int) -> None:
        # 0: the venue computed none (OKX stops sending checksums in June 2026)
        if expected == 0:
            return
        actual = self.checksum()
        if actual != expected:
            sync = self.sync
            sync.stats.checksum_mismatches += 1
            log.warning(
                "%s: checksum mismatch at seqId %d (venue %d, book %d)",
                sync.symbol,
                sync.update_id,
                expected,
                actual,
            )
            sync.invalidate("checksum mismatch")


def _texts(levels: list[Level], texts: Sequence[TextLevel]) -> dict[float, TextLevel]:
    return {price: text for (price, qty), text in zip(levels, texts, strict=True) if qty}


def _merge(side: dict[float, TextLevel], levels: list[Level], texts: Sequence[TextLevel]) -> None:
    # dict.update over zip runs in C; the rare removals ("0") are taken out after
    side.update(zip([price for price, _ in levels], texts, strict=True))
    for price, qty in levels:
        if not qty:
            del side[price]
