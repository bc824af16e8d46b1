"""The embedded sink: Parquet files, partitioned Hive-style so that
`pyarrow.dataset` and query engines read the tree directly:

    <root>/venue=<V>/channel=<book|trades>/date=<YYYY-MM-DD>/symbol=<S>/part-<ns>.parquet

`date` is the UTC day of the receipt time; `<ns>` is when the file was opened, so file
names sort in recording order. Rows are buffered and written as one row group when
`row_group_rows` are waiting or `flush` is called (the sink queue does every flush
interval). A file is written under `<name>.tmp` and renamed when closed, after
`max_file_seconds` or at the day's end or on `close()`: a reader globbing `*.parquet`
never sees a half-written file. A crash leaves `.tmp` files; `recover()` (run when the
sink opens) finishes those whose footer was written and removes the rest, so at most
the rows of the files open at the crash are lost (bounded by `max_file_seconds`).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from tradeport.model.errors import BadParameter
from tradeport.record.events import Channel, Event
from tradeport.record.rows import event_row

log = logging.getLogger("tradeport.record")

TMP_SUFFIX = ".tmp"
_levels = pa.list_(pa.float64())

BOOK_SCHEMA = pa.schema(
    [
        ("seq", pa.int64()),
        ("kind", pa.string()),  # snapshot, delta, or a marker kind
        ("prev_id", pa.int64()),
        ("update_id", pa.int64()),
        ("ts", pa.int64()),  # venue time, epoch ns
        ("local_ts", pa.int64()),  # receipt time, epoch ns
        ("bid_px", _levels),
        ("bid_qty", _levels),
        ("ask_px", _levels),
        ("ask_qty", _levels),
        ("reason", pa.string()),
        ("count", pa.int64()),
    ]
)
TRADES_SCHEMA = pa.schema(
    [
        ("seq", pa.int64()),
        ("kind", pa.string()),  # trade, or a marker kind
        ("trade_id", pa.string()),
        ("price", pa.float64()),  # null on marker rows
        ("qty", pa.float64()),
        ("side", pa.string()),
        ("ts", pa.int64()),
        ("local_ts", pa.int64()),
        ("reason", pa.string()),
        ("count", pa.int64()),
    ]
)
QUOTES_SCHEMA = pa.schema(
    [
        ("seq", pa.int64()),
        ("kind", pa.string()),  # quote, or a marker kind
        ("bid", pa.float64()),  # null on marker rows
        ("bid_qty", pa.float64()),
        ("ask", pa.float64()),
        ("ask_qty", pa.float64()),
        ("update_id", pa.int64()),
        ("ts", pa.int64()),
        ("local_ts", pa.int64()),
        ("reason", pa.string()),
        ("count", pa.int64()),
    ]
)
RAW_SCHEMA = pa.schema(
    [
        ("seq", pa.int64()),
        ("kind", pa.string()),  # raw, or a marker kind
        ("topic", pa.string()),  # the venue's topic; null on marker rows
        ("frame", pa.binary()),  # the frame as received; null on marker rows
        ("ts", pa.int64()),  # 0: the frame is not parsed
        ("local_ts", pa.int64()),
        ("reason", pa.string()),
        ("count", pa.int64()),
    ]
)
SCHEMAS = {
    Channel.BOOK: BOOK_SCHEMA,
    Channel.TRADES: TRADES_SCHEMA,
    Channel.QUOTES: QUOTES_SCHEMA,
    Channel.RAW: RAW_SCHEMA,
}


def _safe(part: str) -> str:
    """A path component that cannot climb out of the tree."""
    return part.replace("/", "_").replace("\\", "_").replace("..", "_")


DAY_NS = 86_400 * 1_000_000_000


def day_of(local_ts: int) -> str:
    """The UTC day of an epoch-ns time, as YYYY-MM-DD (the `date` partition)."""
    return _day_text(local_ts // DAY_NS)


@functools.lru_cache(maxsize=64)
def _day_text(day: int) -> str:
    # called for every event written: the formatting is done once per day
    return datetime.fromtimestamp(day * 86_400, UTC).strftime("%Y-%m-%d")


PartKey = tuple[str, Channel, str, str]  # venue, channel, date, symbol


@dataclass
class _Part:
    """One open file of one partition."""

    final: Path
    writer: pq.ParquetWriter
    opened: float
    rows: list[dict[str, Any]] = field(default_factory=list)
    written: int = 0

    @property
    def tmp(self) -> Path:
        return self.final.with_name(self.final.name + TMP_SUFFIX)


@dataclass(slots=True)
class ParquetStats:
    files_closed: int = 0
    rows_written: int = 0
    row_groups: int = 0
    bytes_closed: int = 0
    recovered: int = 0  # leftover temporary files finished on open
    removed: int = 0  # leftover temporary files that were unreadable and removed


class ParquetSink:
    """See the module docstring. File work runs in a worker thread so the event loop
    (and the socket readers on it) never waits on the disk."""

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        row_group_rows: int = 50_000,
        max_file_seconds: float = 300.0,
        compression: str = "zstd",
        name: str = "parquet",
    ) -> None:
        if row_group_rows < 1:
            raise BadParameter(f"row_group_rows {row_group_rows}: expected at least 1")
        if max_file_seconds <= 0:
            raise BadParameter(f"max_file_seconds {max_file_seconds}: expected > 0")
        self.root = Path(root)
        self.name = name
        self.row_group_rows = row_group_rows
        self.max_file_seconds = max_file_seconds
        self.compression = compression
        self.stats = ParquetStats()
        self._parts: dict[PartKey, _Part] = {}
        self.root.mkdir(parents=True, exist_ok=True)
        self.recover()

    # -- crash recovery ------------------------------------------------------------------
    def recover(self) -> tuple[int, int]:
        """Finish or remove the temporary files a crashed writer left; returns (finished,
        removed). A file whose footer was written is complete and is renamed; any other
        is unreadable by construction and is removed."""
        finished = removed = 0
        for tmp in sorted(self.root.rglob(f"*.parquet{TMP_SUFFIX}")):
            if any(part.tmp == tmp for part in self._parts.values()):
                continue
            try:
                pq.ParquetFile(tmp).close()
            except (pa.ArrowException, OSError) as exc:
                log.warning("removing unfinished %s: %s", tmp, exc)
                tmp.unlink()
                removed += 1
                continue
            os.replace(tmp, tmp.with_name(tmp.name.removesuffix(TMP_SUFFIX)))
            finished += 1
        self.stats.recovered += finished
        self.stats.removed += removed
        return finished, removed

    # -- the Sink protocol ---------------------------------------------------------------
    async def write(self, events: Sequence[Event]) -> None:
        await asyncio.to_thread(self.write_now, events)

    async def flush(self) -> None:
        await asyncio.to_thread(self.flush_now)

    async def close(self) -> None:
        await asyncio.to_thread(self.close_now)

    async def finish_files(self) -> None:
        """Finish (and rename) every open file now; the sink stays open and the next
        event of a stream opens a new file."""
        await asyncio.to_thread(self.close_now)

    # -- the same, blocking --------------------------------------------------------------
    def write_now(self, events: Sequence[Event]) -> None:
        for event in events:
            key = (event.venue, event.channel, day_of(event.local_ts), event.symbol)
            part = self._parts.get(key) or self._open(key)
            part.rows.append(event_row(event))
            if len(part.rows) >= self.row_group_rows:
                self._write_group(key, part)

    def flush_now(self) -> None:
        """Write every buffered row as a row group; close files that are due (their
        time is up, or their day is over)."""
        now = time.monotonic()
        today = day_of(time.time_ns())
        for key, part in list(self._parts.items()):
            if now - part.opened >= self.max_file_seconds or key[2] < today:
                self._close(key)
            elif part.rows:
                self._write_group(key, part)

    def close_now(self) -> None:
        for key in list(self._parts):
            self._close(key)

    def _open(self, key: PartKey) -> _Part:
        venue, channel, date, symbol = key
        folder = (
            self.root
            / f"venue={_safe(venue)}"
            / f"channel={channel}"
            / f"date={date}"
            / f"symbol={_safe(symbol)}"
        )
        folder.mkdir(parents=True, exist_ok=True)
        opened_ns = time.time_ns()
        final = folder / f"part-{opened_ns:020d}.parquet"
        while final.exists() or final.with_name(final.name + TMP_SUFFIX).exists():
            opened_ns += 1
            final = folder / f"part-{opened_ns:020d}.parquet"
        tmp = final.with_name(final.name + TMP_SUFFIX)
        writer = pq.ParquetWriter(tmp, SCHEMAS[channel], compression=self.compression)
        part = _Part(final=final, writer=writer, opened=time.monotonic())
        self._parts[key] = part
        return part

    def _write_group(self, key: PartKey, part: _Part) -> None:
        table = pa.Table.from_pylist(part.rows, schema=SCHEMAS[key[1]])
        part.writer.write_table(table, row_group_size=len(part.rows))
        part.written += len(part.rows)
        self.stats.rows_written += len(part.rows)
        self.stats.row_groups += 1
        part.rows = []

    def _close(self, key: PartKey) -> None:
        part = self._parts.pop(key)
        if part.rows:
            self._write_group(key, part)
        part.writer.close()
        os.replace(part.tmp, part.final)
        self.stats.files_closed += 1
        self.stats.bytes_closed += part.final.stat().st_size
