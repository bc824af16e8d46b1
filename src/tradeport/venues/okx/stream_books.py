"""One OKX `books` order book, verified by sequence and checksum (PROTOCOLS.md §3.5).

The float book and its continuity are the engine's `BookSync` with the seqId/prevSeqId
rule: a snapshot resets it, each update must link to the last applied push (a heartbeat
and a maintenance reset link too). Its levels are a `TextL2Book`, which keeps, per
price level, the `"price:size"` text exactly as the venue sent it: after every applied
push whose checksum is not 0, the CRC32 of the top 25 levels built from that text must
equal it. A gap, a crossed book, an unreadable push or a checksum mismatch leaves the
book RESYNCING and asks `resync` for a fresh snapshot (the caller resubscribes that
channel alone).

`on_frame` is the hot path: a LIVE book's next update in the plain form is read,
linked (its prevSeqId is the book's id), applied and checksummed by the text store in
one call (`TextL2Book.apply_push`, no object per level), then recorded with the
crossed check. Any other push is decoded with its levels left as their JSON text
(`_on_text`), and one in any other form (an escape, a number where text was expected,
a short row…) into typed rows (`_on_typed`), which reads it or names what is wrong. A
push the book cannot apply right away (not LIVE, a gap, a duplicate, ids that cannot
be real) goes the engine's general way (`BookSync.on_update`), which buffers, skips,
resyncs or refuses it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from msgspec import DecodeError

from tradeport.book.checksum import DEPTH
from tradeport.book.sequence import SeqLinkRule
from tradeport.book.sync import BookSync
from tradeport.book.text_levels import Sizes as TextSizes
from tradeport.book.text_levels import TextL2Book
from tradeport.book.types import DepthUpdate
from tradeport.model import BookState, OrderBook
from tradeport.model.errors import MalformedMessage
from tradeport.venues.okx import stream_messages as sm
from tradeport.venues.okx.contracts import Sizes, TenPower
from tradeport.venues.okx.stream_parse import BookPush, Level

log = logging.getLogger("tradeport.venues.okx")

LIVE = BookState.LIVE
_decode_rows = sm.decoder(sm.BookRowsFrame).decode
_decode_text = sm.decoder(sm.BookTextFrame).decode


class CheckedBook:
    """A `BookSync` over a `TextL2Book`: the levels and the text their checksums need."""

    __slots__ = ("book", "size", "sync")

    def __init__(self, symbol: str, resync: Callable[[str], None], size: Sizes = float) -> None:
        self.size = size  # venue size text → base units
        # the common converters as a suffix the store reads sizes with, inline
        sizes: TextSizes = (
            "" if size is float else size.suffix if isinstance(size, TenPower) else size
        )
        self.book = TextL2Book(symbol, sizes)
        self.sync = BookSync(symbol, SeqLinkRule(), resync, book=self.book)

    def on_frame(self, frame: str | bytes, local_ts: int) -> bool:
        """Feed one `books` push off the socket. True when what the book shows changed
        (its levels, or its state). MalformedMessage for a push that cannot be read,
        or whose levels or ids cannot be real (the book resyncs).

        The hot path: a LIVE book's next update in the plain form is read, linked,
        applied and checksummed by the text store in one call (`apply_push`); the
        continuity bookkeeping and the crossed check follow (`applied`), then the
        checksum's comparison. Any other push goes the decoded way (`_on_text`)."""
        sync = self.sync
        if sync.state is LIVE:
            book = self.book
            try:
                pushed = book.apply_push(frame, DEPTH)
            except (MalformedMessage, ValueError) as exc:
                sync.refuse(f"books level: {exc}")
            if pushed is not None:
                seq, ts, expected, mine = pushed
                # 0: the venue computed none (OKX stops sending checksums in June 2026);
                # None: the store computed none (a level with no text: checksum raises)
                if (
                    sync.applied(seq, seq, ts, local_ts)
                    and expected
                    and (book.checksum(DEPTH) if mine is None else mine) != expected
                ):
                    self._mismatch(expected)
                return True
        return self._on_text(frame, local_ts)

    def _on_text(self, frame: str | bytes, local_ts: int) -> bool:
        """`on_frame` for a push the text store did not take whole: decoded with its
        levels left as their JSON text, continuity, apply (the text store reads the
        levels from that text), crossed check and checksum. Anything but a LIVE book's
        next update in the plain form goes the typed way (`_on_typed`), which reaches
        the same verdict."""
        try:
            msg: sm.BookTextFrame = _decode_text(frame)
        except DecodeError:
            return self._on_typed(frame, local_ts)  # the typed decoder names what is wrong
        entries = msg.data
        if msg.action == "update" and len(entries) == 1:
            data = entries[0]
            seq = data.seqId
            sync = self.sync
            if sync.continues(seq, seq, data.prevSeqId):
                book = self.book
                try:
                    read = book.apply_json(data.bids, data.asks)
                except (MalformedMessage, ValueError) as exc:
                    sync.refuse(f"books level: {exc}")
                if read:
                    ts_text = data.ts
                    ts = int(ts_text) if ts_text.isdigit() else 0
                    if sync.applied(seq, seq, ts, local_ts):
                        # 0: the venue computed none (OKX stops sending checksums in June 2026)
                        expected = data.checksum
                        if expected and book.checksum(DEPTH) != expected:
                            self._mismatch(expected)
                    return True
        return self._on_typed(frame, local_ts)

    def _on_typed(self, frame: str | bytes, local_ts: int) -> bool:
        """`on_frame` for any push, its levels decoded as typed rows."""
        try:
            msg: sm.BookRowsFrame = _decode_rows(frame)
        except DecodeError as exc:
            raise MalformedMessage(f"books push: {exc}") from None
        entries = msg.data
        if len(entries) != 1:
            raise MalformedMessage(f"books push with {len(entries)} entries, expected 1")
        data = entries[0]
        ts_text = data.ts
        ts = int(ts_text) if ts_text.isdigit() else 0
        if msg.action == "update":
            seq = data.seqId
            sync = self.sync
            if not sync.continues(seq, seq, data.prevSeqId):
                return self._update(
                    seq, data.prevSeqId, data.bids, data.asks, ts, local_ts, data.checksum
                )
            book = self.book
            try:
                book.apply_text(data.bids, data.asks)
            except (MalformedMessage, ValueError) as exc:
                sync.refuse(f"books level: {exc}")
            if sync.applied(seq, seq, ts, local_ts):
                # 0: the venue computed none (OKX stops sending checksums in June 2026)
                expected = data.checksum
                if expected and book.checksum(DEPTH) != expected:
                    self._mismatch(expected)
            return True
        if msg.action != "snapshot":
            raise MalformedMessage(f"books push action {msg.action!r}")
        snapshot = OrderBook(
            symbol=self.sync.symbol,
            bids=self._floats(data.bids),
            asks=self._floats(data.asks),
            update_id=data.seqId,
            ts=ts,
            local_ts=local_ts,
        )
        return self._snapshot(snapshot, data.bids, data.asks, data.checksum)

    def on_push(self, push: BookPush) -> bool:
        """Feed one push parsed by `stream_parse.parse_books` (as `on_frame` does)."""
        bids = [sm.BookRow(row[0], row[1]) for row in push.bids_text]
        asks = [sm.BookRow(row[0], row[1]) for row in push.asks_text]
        if push.snapshot is not None:
            return self._snapshot(push.snapshot, bids, asks, push.checksum)
        update = push.update
        assert update is not None
        return self._update(
            update.last_id, update.prev_id, bids, asks, update.ts, update.local_ts, push.checksum
        )

    def invalidate(self, reason: str) -> None:
        self.sync.invalidate(reason)

    def reset(self) -> None:
        self.sync.reset()

    def checksum(self) -> int:
        """The checksum of the book as it stands (what the venue's must equal)."""
        return self.book.checksum(DEPTH)

    def _snapshot(
        self,
        snapshot: OrderBook,
        bids: Sequence[sm.BookRow],
        asks: Sequence[sm.BookRow],
        checksum: int,
    ) -> bool:
        sync = self.sync
        # every snapshot starts the book over: a (re)subscription or a reconnect
        sync.reset()
        sync.on_snapshot(snapshot)
        self.book.load_texts(bids, asks)
        if sync.state is LIVE:
            self._verify(checksum)
        return True

    def _update(
        self,
        seq: int,
        prev: int,
        bids: Sequence[sm.BookRow],
        asks: Sequence[sm.BookRow],
        ts: int,
        local_ts: int,
        checksum: int,
    ) -> bool:
        sync = self.sync
        if not sync.continues(seq, seq, prev):
            update = DepthUpdate(
                sync.symbol, seq, seq, prev, self._floats(bids), self._floats(asks), ts, local_ts
            )
            return sync.on_update(update)  # buffered, skipped, a gap: nothing applied
        try:
            self.book.apply_text(bids, asks)
        except (MalformedMessage, ValueError) as exc:
            sync.refuse(f"books level: {exc}")
        if sync.applied(seq, seq, ts, local_ts):
            self._verify(checksum)
        return True

    def _floats(self, rows: Sequence[sm.BookRow]) -> list[Level]:
        size = self.size
        try:
            return [(float(row.px), size(row.sz)) for row in rows]
        except ValueError as exc:
            raise MalformedMessage(f"books level: {exc}") from None

    def _verify(self, expected: int) -> None:
        # 0: the venue computed none (OKX stops sending checksums in June 2026)
        if expected and self.book.checksum(DEPTH) != expected:
            self._mismatch(expected)

    def _mismatch(self, expected: int) -> None:
        sync = self.sync
        sync.stats.checksum_mismatches += 1
        log.warning(
            "%s: checksum mismatch at seqId %d (venue %d, book %d)",
            sync.symbol,
            sync.update_id,
            expected,
            self.book.checksum(DEPTH),
        )
        sync.invalidate("checksum mismatch")
