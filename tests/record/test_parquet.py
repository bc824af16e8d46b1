"""The Parquet sink: schema, partitions, row groups, temporary names and recovery."""

from __future__ import annotations

import time
from pathlib import Path

import msgspec
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tradeport.model.errors import BadParameter
from tradeport.record import BookEvent, Marker, ParquetSink, TradeEvent, read_events
from tradeport.record.events import BookKind, Channel, Event, MarkerKind, QuoteEvent, RawEvent
from tradeport.record.parquet import BOOK_SCHEMA, TRADES_SCHEMA, _Columns, day_of
from tradeport.record.rows import packed_row


def _events(now: int) -> list[Event]:
    return [
        Marker(
            venue="V",
            symbol="BTC-USDT",
            channel=Channel.BOOK,
            seq=1,
            kind=MarkerKind.START,
            reason="recording started",
            local_ts=now,
        ),
        BookEvent(
            venue="V",
            symbol="BTC-USDT",
            seq=2,
            kind=BookKind.SNAPSHOT,
            prev_id=-1,
            update_id=10,
            ts=now - 5,
            local_ts=now,
            bids=[(100.5, 2.0), (100.0, 1.0)],
            asks=[(101.0, 3.0)],
        ),
        BookEvent(
            venue="V",
            symbol="BTC-USDT",
            seq=3,
            kind=BookKind.DELTA,
            prev_id=10,
            update_id=12,
            ts=now - 4,
            local_ts=now + 1,
            bids=[(100.5, 0.0)],
            asks=[(101.5, 1.25)],
        ),
        TradeEvent(
            venue="V",
            symbol="BTC-USDT",
            seq=1,
            trade_id="77",
            price=100.75,
            qty=0.5,
            side="buy",
            ts=now - 3,
            local_ts=now + 2,
        ),
        Marker(
            venue="V",
            symbol="BTC-USDT",
            channel=Channel.TRADES,
            seq=2,
            kind=MarkerKind.DROPPED,
            reason="queue full",
            count=3,
            local_ts=now + 3,
        ),
    ]


def _files(root: Path, pattern: str = "*.parquet") -> list[Path]:
    return sorted(root.rglob(pattern))


def test_events_round_trip_through_partitioned_files_with_the_documented_types(
    tmp_path: Path,
) -> None:
    now = time.time_ns()
    sink = ParquetSink(tmp_path)
    sink.write_now(_events(now))
    assert _files(tmp_path) == []  # open files carry the temporary name
    assert len(_files(tmp_path, "*.parquet.tmp")) == 2
    sink.close_now()
    files = _files(tmp_path)
    assert _files(tmp_path, "*.tmp") == []
    day = day_of(now)
    assert [f.relative_to(tmp_path).parent.as_posix() for f in files] == [
        f"venue=V/channel=book/date={day}/symbol=BTC-USDT",
        f"venue=V/channel=trades/date={day}/symbol=BTC-USDT",
    ]
    assert pq.read_schema(files[0]).equals(BOOK_SCHEMA)
    assert pq.read_schema(files[1]).equals(TRADES_SCHEMA)
    assert pq.read_schema(files[0]).field("bid_px").type == pa.list_(pa.float64())
    assert list(read_events(tmp_path)) == _events(now)
    assert next(iter(read_events(tmp_path, channel="trades"))).channel is Channel.TRADES


def test_rows_go_out_as_row_groups_by_size_and_on_flush(tmp_path: Path) -> None:
    now = time.time_ns()
    sink = ParquetSink(tmp_path, row_group_rows=2)
    book = [e for e in _events(now) if e.channel is Channel.BOOK]
    sink.write_now(book)  # 3 rows: one full group of 2, one row waiting
    sink.flush_now()  # the waiting row becomes a group of its own
    sink.close_now()
    (path,) = _files(tmp_path / "venue=V" / "channel=book")
    meta = pq.ParquetFile(path).metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [2, 1]


async def test_the_periodic_flush_leaves_rows_waiting_until_too_many_wait(tmp_path: Path) -> None:
    # a row group in a file without its footer is no safer than a row in memory: the
    # sink queue's flush does not cut each file into tiny groups, the row limit does
    now = time.time_ns()
    sink = ParquetSink(tmp_path, max_buffered_rows=4)
    book, trades = _events(now)[:3], _events(now)[3:]
    await sink.write(book)
    await sink.flush()
    assert sink.stats.row_groups == 0
    await sink.write(trades)  # 3 + 2 rows wait: the book's (the most) go out
    assert sink.stats.rows_written == 3
    await sink.close()
    assert list(read_events(tmp_path)) == _events(now)


def test_a_file_is_closed_and_renamed_when_its_time_is_up(tmp_path: Path) -> None:
    sink = ParquetSink(tmp_path, max_file_seconds=1e-9)
    sink.write_now(_events(time.time_ns())[:2])
    sink.flush_now()
    assert len(_files(tmp_path)) == 1
    assert _files(tmp_path, "*.tmp") == []
    assert sink.stats.files_closed == 1


def test_leftover_temporary_files_are_finished_or_removed_on_open(tmp_path: Path) -> None:
    folder = tmp_path / "venue=V" / "channel=book" / "date=2026-01-01" / "symbol=X"
    folder.mkdir(parents=True)
    complete = folder / "part-1.parquet.tmp"  # the writer closed it, then crashed
    pq.write_table(BOOK_SCHEMA.empty_table(), complete)
    torn = folder / "part-2.parquet.tmp"  # crashed mid-file: no footer
    torn.write_bytes(b"PAR1" + b"\x00" * 64)
    sink = ParquetSink(tmp_path)
    assert (sink.stats.recovered, sink.stats.removed) == (1, 1)
    assert _files(tmp_path, "*.tmp") == []
    assert [f.name for f in _files(tmp_path)] == ["part-1.parquet"]
    assert pq.read_table(folder / "part-1.parquet").num_rows == 0


def test_bad_settings_are_refused(tmp_path: Path) -> None:
    with pytest.raises(BadParameter, match="row_group_rows"):
        ParquetSink(tmp_path, row_group_rows=0)
    with pytest.raises(BadParameter, match="max_buffered_rows"):
        ParquetSink(tmp_path, max_buffered_rows=0)
    with pytest.raises(BadParameter, match="max_file_seconds"):
        ParquetSink(tmp_path, max_file_seconds=0)


async def test_paced_replay_keeps_order_and_refuses_a_bad_speed(tmp_path: Path) -> None:
    from tradeport.record.replay import replay_paced

    sink = ParquetSink(tmp_path)
    sink.write_now(_events(time.time_ns()))
    sink.close_now()
    paced = [e async for e in replay_paced(read_events(tmp_path), speed=1e9)]
    assert paced == list(read_events(tmp_path))
    with pytest.raises(BadParameter, match="speed"):
        [e async for e in replay_paced(read_events(tmp_path), speed=0)]


def test_events_either_side_of_midnight_utc_go_to_their_days(tmp_path: Path) -> None:
    midnight = 1_767_225_600 * 1_000_000_000  # 2026-01-01T00:00:00Z
    sink = ParquetSink(tmp_path)
    sink.write_now([_events(midnight - 1)[0], _events(midnight)[1]])
    sink.close_now()
    days = sorted(p.parent.parent.name for p in _files(tmp_path))
    assert days == ["date=2025-12-31", "date=2026-01-01"]


def _every_channel(now: int) -> list[Event]:
    quote = QuoteEvent(
        venue="V",
        symbol="BTC-USDT",
        seq=1,
        bid=100.0,
        bid_qty=1.0,
        ask=100.5,
        ask_qty=2.0,
        update_id=9,
        ts=now - 1,
        local_ts=now,
    )
    raw = RawEvent(venue="V", symbol="BTC-USDT", seq=1, topic="t", frame=b"{}", local_ts=now)
    markers = [
        Marker(venue="V", symbol="BTC-USDT", channel=c, seq=2, kind=MarkerKind.STOP, local_ts=now)
        for c in (Channel.QUOTES, Channel.RAW)
    ]
    deep = BookEvent(
        venue="V",
        symbol="BTC-USDT",
        seq=4,
        kind=BookKind.SNAPSHOT,
        prev_id=-1,
        update_id=20,
        ts=now,
        local_ts=now,
        bids=[(100.0 - i / 10, float(i)) for i in range(1000)],  # past the small packers
        asks=[],
    )
    return [*_events(now), quote, raw, *markers, deep]


def test_events_go_into_the_columns_as_their_packed_rows() -> None:
    for event in _every_channel(time.time_ns()):
        columns = _Columns(event.channel)
        columns.add(event)
        assert columns.rows == 1
        assert tuple(column[0] for column in columns.columns) == packed_row(event), event


def test_a_value_a_column_cannot_hold_leaves_no_half_row() -> None:
    now = time.time_ns()
    good, bad = _events(now)[1], _events(now)[2]
    bad = msgspec.structs.replace(bad, local_ts=2**63)  # beyond int64
    columns = _Columns(Channel.BOOK)
    columns.add(good)
    with pytest.raises(OverflowError):
        columns.add(bad)
    assert columns.rows == 1
    assert [len(column) for column in columns.columns] == [1] * len(columns.columns)
    assert columns.table().num_rows == 1
