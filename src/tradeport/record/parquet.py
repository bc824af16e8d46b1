"""The embedded sink: Parquet files, partitioned Hive-style so that
`pyarrow.dataset` and query engines read the tree directly:

    <root>/venue=<V>/channel=<book|trades>/date=<YYYY-MM-DD>/symbol=<S>/part-<ns>.parquet

`date` is the UTC day of the receipt time; `<ns>` is when the file was opened, so file
names sort in recording order. A file is written under `<name>.tmp` and renamed when
closed, after `max_file_seconds` or at the day's end or on `close()`: a reader globbing
`*.parquet` never sees a half-written file. A crash leaves `.tmp` files; `recover()`
(run when the sink opens) finishes those whose footer was written and removes the rest,
so at most the rows of the files open at the crash are lost (bounded by
`max_file_seconds`).

Rows wait in memory column by column (`_Columns`: integers in C arrays, a book's levels as
bytes) and go out as one row group when `row_group_rows` of a file wait, when the file closes,
and whenever more than `max_buffered_rows` wait in all (the files holding the most
first, until half remain): a row group in a file without its footer is no more durable
than a row in memory, so the periodic `flush` closes the files that are due and keeps
memory bounded, but does not cut every file's rows into a tiny row group (with hundreds
of contracts open, each such group cost more than its rows). `flush_now()` writes every
waiting row at once.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import time
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import accumulate
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from tradeport.model.errors import BadParameter
from tradeport.record.events import Channel, Event
from tradeport.record.rows import BOOK_LEVELS, PACKED_COLUMNS, column_adder

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
# about 250 bytes a book row with a few levels a side: some 120 MB. With hundreds of
# contracts open, the rows of each file go out in groups of about this over the number
# of files; groups of a few hundred rows cost twice the CPU a row of groups of thousands
DEFAULT_MAX_BUFFERED_ROWS = 500_000
# dictionary-encoded: the few distinct words. Prices, sizes and ids are not: a
# dictionary of them costs several times the CPU of zstd over the plain values, and
# measured on book rows it left files larger.
_DICTIONARY = ("kind", "side", "reason", "topic")


def _floats(data: memoryview[float]) -> pa.Array:
    return pa.Array.from_buffers(pa.float64(), len(data), [None, pa.py_buffer(data.tobytes())])


def _level_arrays(column: Sequence[bytes]) -> tuple[pa.Array, pa.Array]:
    """A column of flat levels (rows.flat_levels) as two list<float64> arrays (prices,
    sizes), split for the whole column at once: the rows' doubles joined into one
    buffer, every other one a price (no Python object per level)."""
    ends = array("i", [0, *accumulate(len(levels) // 16 for levels in column)])
    offsets = pa.Array.from_buffers(pa.int32(), len(ends), [None, pa.py_buffer(ends)])
    pairs = memoryview(b"".join(column)).cast("d")
    return (
        pa.ListArray.from_arrays(offsets, _floats(pairs[0::2])),
        pa.ListArray.from_arrays(offsets, _floats(pairs[1::2])),
    )


def _int_columns(channel: Channel) -> frozenset[int]:
    """Where the int64 columns of `channel` sit in its packed rows (rows.py): never
    null, marker rows included, so they are kept in C arrays."""
    schema = SCHEMAS[channel]
    return frozenset(
        index
        for index, name in enumerate(PACKED_COLUMNS[channel])
        if name in schema.names and schema.field(name).type == pa.int64()
    )


_INT_COLUMNS = {channel: _int_columns(channel) for channel in SCHEMAS}


class _Columns:
    """Rows of one channel, column by column in packed-row order (rows.py): the int64
    columns in C arrays, the others (text, bytes, floats that are null on a marker row,
    a book's flat levels) in lists. A row waiting here costs its values and no object
    of its own, and the table of a row group is made from the arrays without a
    conversion per value."""

    __slots__ = ("_add", "channel", "columns", "rows")

    def __init__(self, channel: Channel) -> None:
        ints = _INT_COLUMNS[channel]
        self.channel = channel
        self.columns: list[array[int] | list[Any]] = [
            array("q") if index in ints else [] for index in range(len(PACKED_COLUMNS[channel]))
        ]
        self._add = column_adder(channel, [column.append for column in self.columns])
        self.rows = 0

    def add(self, event: Event) -> None:
        try:
            self._add(event)
        except (TypeError, ValueError, OverflowError):
            for column in self.columns:  # a value a column cannot hold: no half row
                del column[self.rows :]
            raise
        self.rows += 1

    def table(self) -> pa.Table:
        schema = SCHEMAS[self.channel]
        levels = BOOK_LEVELS if self.channel is Channel.BOOK else ()
        arrays: list[pa.Array] = []
        for index, column in enumerate(self.columns):
            if index in levels:
                arrays.extend(_level_arrays(column))  # type: ignore[arg-type]  # bytes
            elif isinstance(column, array):
                buffer = pa.py_buffer(column)  # the array's memory, not a copy
                arrays.append(pa.Array.from_buffers(pa.int64(), len(column), [None, buffer]))
            else:
                arrays.append(pa.array(column, schema.field(len(arrays)).type))
        return pa.Table.from_arrays(arrays, schema=schema)


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
    """One open file of one partition. The file itself is made with its first row
    group (in the worker thread): taking rows does no I/O."""

    opened_ns: int  # epoch ns: the file's name
    opened: float  # monotonic: when the file is due
    columns: _Columns  # the rows waiting
    final: Path | None = None
    writer: pq.ParquetWriter | None = None
    written: int = 0

    @property
    def tmp(self) -> Path | None:
        return None if self.final is None else self.final.with_name(self.final.name + TMP_SUFFIX)


@dataclass(slots=True)
class _Due:
    """File work a batch made due (ParquetSink._take)."""

    new: list[tuple[PartKey, _Part]] = field(default_factory=list)  # files to make
    full: list[tuple[PartKey, _Part]] = field(default_factory=list)  # row_group_rows wait
    shed: bool = False  # more than max_buffered_rows wait in all

    def __bool__(self) -> bool:
        return bool(self.new or self.full or self.shed)


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
        max_buffered_rows: int = DEFAULT_MAX_BUFFERED_ROWS,
        name: str = "parquet",
    ) -> None:
        if row_group_rows < 1:
            raise BadParameter(f"row_group_rows {row_group_rows}: expected at least 1")
        if max_file_seconds <= 0:
            raise BadParameter(f"max_file_seconds {max_file_seconds}: expected > 0")
        if max_buffered_rows < 1:
            raise BadParameter(f"max_buffered_rows {max_buffered_rows}: expected at least 1")
        self.root = Path(root)
        self.name = name
        self.row_group_rows = row_group_rows
        self.max_file_seconds = max_file_seconds
        self.compression = compression
        self.max_buffered_rows = max_buffered_rows
        self.stats = ParquetStats()
        self._buffered = 0  # rows waiting in every open file
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
        # rows are taken on the event loop (cheaper than a hop to the worker thread for
        # every batch); only row groups due are written in the thread
        due = self._take(events)
        if due:
            await asyncio.to_thread(self._write_groups, due)

    async def flush(self) -> None:
        await asyncio.to_thread(self.flush_due)

    async def close(self) -> None:
        await asyncio.to_thread(self.close_now)

    async def finish_files(self) -> None:
        """Finish (and rename) every open file now; the sink stays open and the next
        event of a stream opens a new file."""
        await asyncio.to_thread(self.close_now)

    # -- the same, blocking --------------------------------------------------------------
    def write_now(self, events: Sequence[Event]) -> None:
        self._write_groups(self._take(events))

    def _take(self, events: Sequence[Event]) -> _Due:
        """Buffer the rows of `events`; returns the work that is due: files to make,
        row groups to write."""
        parts = self._parts
        group = self.row_group_rows
        due = _Due()
        for event in events:
            key = (event.venue, event.channel, day_of(event.local_ts), event.symbol)
            part = parts.get(key)
            if part is None:
                part = parts[key] = _Part(
                    opened_ns=time.time_ns(),
                    opened=time.monotonic(),
                    columns=_Columns(event.channel),
                )
                due.new.append((key, part))
            columns = part.columns
            columns.add(event)
            if columns.rows == group:
                due.full.append((key, part))
        self._buffered += len(events)
        due.shed = self._buffered > self.max_buffered_rows
        return due

    def _write_groups(self, due: _Due) -> None:
        for key, part in due.new:
            self._writer(key, part)  # a file exists from a stream's first row on
        for key, part in due.full:
            if part.columns.rows:
                self._write_group(key, part)
        if due.shed:
            # too many rows wait: the biggest files' go out until half the limit wait
            for key, part in sorted(self._parts.items(), key=lambda item: -item[1].columns.rows):
                if self._buffered <= self.max_buffered_rows // 2 or not part.columns.rows:
                    break
                self._write_group(key, part)

    def flush_due(self) -> None:
        """Close the files that are due (their time is up, or their day is over); the
        other files' rows wait (see the module docstring)."""
        self._close_due(write_all=False)

    def flush_now(self) -> None:
        """Write every buffered row as a row group; close files that are due."""
        self._close_due(write_all=True)

    def _close_due(self, *, write_all: bool) -> None:
        now = time.monotonic()
        today = day_of(time.time_ns())
        for key, part in list(self._parts.items()):
            if now - part.opened >= self.max_file_seconds or key[2] < today:
                self._close(key)
            elif write_all and part.columns.rows:
                self._write_group(key, part)

    def close_now(self) -> None:
        for key in list(self._parts):
            self._close(key)

    def _writer(self, key: PartKey, part: _Part) -> pq.ParquetWriter:
        """The part's writer, its temporary file made now if it was not yet."""
        if part.writer is not None:
            return part.writer
        venue, channel, date, symbol = key
        folder = (
            self.root
            / f"venue={_safe(venue)}"
            / f"channel={channel}"
            / f"date={date}"
            / f"symbol={_safe(symbol)}"
        )
        folder.mkdir(parents=True, exist_ok=True)
        opened_ns = part.opened_ns
        final = folder / f"part-{opened_ns:020d}.parquet"
        while final.exists() or final.with_name(final.name + TMP_SUFFIX).exists():
            opened_ns += 1
            final = folder / f"part-{opened_ns:020d}.parquet"
        tmp = final.with_name(final.name + TMP_SUFFIX)
        schema = SCHEMAS[channel]
        writer = pq.ParquetWriter(
            tmp,
            schema,
            compression=self.compression,
            use_dictionary=[name for name in _DICTIONARY if name in schema.names],
        )
        part.final, part.writer = final, writer
        return writer

    def _write_group(self, key: PartKey, part: _Part) -> None:
        columns = part.columns
        part.columns = _Columns(columns.channel)
        rows = columns.rows
        self._buffered -= rows
        writer = self._writer(key, part)
        # row groups of `row_group_rows` at most (a batch may carry a file past it)
        writer.write_table(columns.table(), row_group_size=self.row_group_rows)
        part.written += rows
        self.stats.rows_written += rows
        self.stats.row_groups += -(-rows // self.row_group_rows)

    def _close(self, key: PartKey) -> None:
        part = self._parts.pop(key)
        if part.columns.rows:
            self._write_group(key, part)
        if part.writer is None or part.tmp is None or part.final is None:
            return  # no row ever came: no file was made
        part.writer.close()
        os.replace(part.tmp, part.final)
        self.stats.files_closed += 1
        self.stats.bytes_closed += part.final.stat().st_size
