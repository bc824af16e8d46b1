"""Read a Parquet recording back into the typed events, and rebuild books from them.

`read_events` yields each stream's events in recording order (files by name, rows in
file order), optionally paced by the recorded receipt times. `BookReplayer` applies
snapshots and deltas: a delta applies only on top of the book at its `prev_id`; after a
marker or a delta that does not connect the book is not trusted until the next
snapshot, exactly as the recorder's markers say.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from pathlib import Path

import pyarrow.parquet as pq

from tradeport.model import OrderBook
from tradeport.model.errors import BadParameter
from tradeport.record.events import (
    BookEvent,
    BookKind,
    Channel,
    Event,
    Marker,
)
from tradeport.record.parquet import TMP_SUFFIX
from tradeport.record.rows import row_event


def _partition(path: Path, root: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in path.relative_to(root).parts[:-1]:
        key, sep, value = part.partition("=")
        if sep:
            found[key] = value
    return found


def recorded_files(
    root: str | Path,
    *,
    venue: str | None = None,
    channel: Channel | str | None = None,
    symbol: str | None = None,
) -> list[Path]:
    """The finished files under `root` of the streams asked for, in recording order per
    stream (temporary files of a writer still at work are never read)."""
    base = Path(root)
    if not base.is_dir():
        raise BadParameter(f"recording {str(base)!r} is not a directory")
    chosen = []
    for path in base.rglob("*.parquet"):
        if path.name.endswith(TMP_SUFFIX):
            continue
        keys = _partition(path, base)
        if venue is not None and keys.get("venue") != venue:
            continue
        if channel is not None and keys.get("channel") != str(channel):
            continue
        if symbol is not None and keys.get("symbol") != symbol:
            continue
        chosen.append(path)

    def order(path: Path) -> tuple[str, str, str, str, str]:
        # streams grouped together; within one, files by day and then by opening time
        keys = _partition(path, base)
        return (
            keys.get("venue", ""),
            keys.get("channel", ""),
            keys.get("symbol", ""),
            keys.get("date", ""),
            path.name,
        )

    return sorted(chosen, key=order)


def read_file(path: Path, root: Path) -> Iterator[Event]:
    keys = _partition(path, root)
    channel = Channel(keys["channel"])
    venue, symbol = keys["venue"], keys["symbol"]
    for batch in pq.ParquetFile(path).iter_batches():
        for row in batch.to_pylist():
            yield row_event(venue, channel, symbol, row)


def read_events(
    root: str | Path,
    *,
    venue: str | None = None,
    channel: Channel | str | None = None,
    symbol: str | None = None,
) -> Iterator[Event]:
    """Every recorded event of the streams asked for, stream by stream, in order."""
    base = Path(root)
    for path in recorded_files(base, venue=venue, channel=channel, symbol=symbol):
        yield from read_file(path, base)


async def _each(events: Iterable[Event] | AsyncIterable[Event]) -> AsyncIterator[Event]:
    if isinstance(events, AsyncIterable):
        async for event in events:
            yield event
    else:
        for event in events:
            yield event


async def replay_paced(
    events: Iterable[Event] | AsyncIterable[Event], speed: float = 1.0
) -> AsyncIterator[Event]:
    """`events` (read from Parquet, or streamed from JetStream or PostgreSQL) spaced as
    they were received (receipt times), `speed` times faster."""
    if speed <= 0:
        raise BadParameter(f"speed {speed}: expected > 0")
    start_wall: float | None = None
    start_ts = 0
    async for event in _each(events):
        if start_wall is None:
            start_wall, start_ts = time.monotonic(), event.local_ts
        due = start_wall + (event.local_ts - start_ts) / 1e9 / speed
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        yield event


class BookReplayer:
    """One symbol's book rebuilt from its recorded events."""

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self.bids: dict[float, float] = {}
        self.asks: dict[float, float] = {}
        self.update_id = -1
        self.valid = False  # True from a snapshot until a marker or a broken chain
        self.broken = 0  # deltas that did not connect (each one is a recording defect)

    def apply(self, event: Event) -> bool:
        """Feed the next event of the stream; True when the book is valid after it."""
        if isinstance(event, Marker):
            # every marker means the recorded chain may be broken here (a gap, a resync,
            # dropped events, a restart): only the next snapshot is trusted
            self.valid = False
            return False
        if not isinstance(event, BookEvent):
            raise BadParameter(f"{type(event).__name__} is not a book event")
        if event.kind is BookKind.SNAPSHOT:
            self.bids = dict(event.bids)
            self.asks = dict(event.asks)
            self.update_id = event.update_id
            self.valid = True
            return True
        if not self.valid:
            return False
        if event.prev_id != self.update_id:
            self.broken += 1
            self.valid = False
            return False
        for side, levels in ((self.bids, event.bids), (self.asks, event.asks)):
            for price, qty in levels:
                if qty == 0:
                    side.pop(price, None)
                else:
                    side[price] = qty
        self.update_id = event.update_id
        return True

    def view(self, depth: int | None = None) -> OrderBook:
        bids = sorted(self.bids.items(), key=lambda level: -level[0])[:depth]
        asks = sorted(self.asks.items())[:depth]
        return OrderBook(symbol=self.symbol, bids=bids, asks=asks, update_id=self.update_id)
