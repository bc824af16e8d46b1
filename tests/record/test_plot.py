"""`tradeport plot`: the series drawn are the rebuilt book's top of book, broken where a
marker says data is missing, and the command writes a PNG of them."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pytest

from tradeport.model.errors import BadParameter
from tradeport.record import BookEvent, Marker, ParquetSink
from tradeport.record.events import BookKind, Channel, Event, MarkerKind
from tradeport.record.plot import book_series

T0 = 1_700_000_000_000_000_000
SECOND = 1_000_000_000


Levels = list[tuple[float, float]]


def _book(seq: int, kind: BookKind, prev: int, bids: Levels, asks: Levels) -> BookEvent:
    return BookEvent(
        venue="V",
        symbol="BTC-USDT",
        seq=seq,
        kind=kind,
        prev_id=prev,
        update_id=seq * 10,
        ts=T0 + seq * SECOND,
        local_ts=T0 + seq * SECOND,
        bids=bids,
        asks=asks,
    )


def _recording() -> list[Event]:
    gap = Marker(
        venue="V",
        symbol="BTC-USDT",
        channel=Channel.BOOK,
        seq=3,
        kind=MarkerKind.GAP,
        update_id=20,
        local_ts=T0 + 3 * SECOND,
    )
    return [
        _book(1, BookKind.SNAPSHOT, -1, [(99.0, 2.0), (98.0, 1.0)], [(101.0, 3.0)]),
        # best bid moves up to 100 (size 4)
        _book(2, BookKind.DELTA, 10, [(100.0, 4.0)], []),
        gap,
        # a delta after the gap cannot be trusted: no point until the next snapshot
        _book(4, BookKind.DELTA, 20, [(100.5, 1.0)], []),
        _book(5, BookKind.SNAPSHOT, -1, [(102.0, 1.0)], [(104.0, 5.0)]),
    ]


async def _write(root: Path) -> None:
    sink = ParquetSink(root)
    await sink.write(_recording())
    await sink.close()


async def test_the_series_follow_the_rebuilt_book_and_break_at_markers(tmp_path: Path) -> None:
    await _write(tmp_path)
    series = book_series(tmp_path, "BTC-USDT")
    assert series.venue == "V"
    assert [ts - T0 for ts in series.times] == [s * SECOND for s in (1, 2, 3, 5)]
    assert series.mid[:2] == [100.0, 100.5]
    assert series.spread[:2] == [2.0, 1.0]
    assert series.bid_qty[:2] == [2.0, 4.0] and series.ask_qty[:2] == [3.0, 3.0]
    assert math.isnan(series.mid[2])  # the line breaks at the gap
    assert (series.mid[3], series.spread[3], series.ask_qty[3]) == (103.0, 2.0, 5.0)
    assert [m.kind for m in series.markers] == [MarkerKind.GAP]
    with pytest.raises(BadParameter, match="ETH-USDT"):
        book_series(tmp_path, "ETH-USDT")


async def test_plot_command_writes_a_png(tmp_path: Path) -> None:
    await _write(tmp_path / "data")
    out = tmp_path / "btc.png"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tradeport.cli",
            "plot",
            str(tmp_path / "data"),
            "--symbol",
            "BTC-USDT",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 points, 1 markers" in " ".join(result.stdout.split())  # rich may wrap
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
