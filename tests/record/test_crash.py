"""Kill a recorder mid-file: every finished file is readable, the leftovers are
finished or removed on the next start, and recording continues in the same tree."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from tests.record.conftest import Market

from tradeport.record import ParquetSink, Recorder, read_events
from tradeport.record.events import Marker, MarkerKind

CHILD = Path(__file__).with_name("record_child.py")
CLOSED_BEFORE_KILL = 4


async def _record_then_kill(root: Path) -> None:
    child = await asyncio.create_subprocess_exec(
        sys.executable, str(CHILD), str(root), stdout=asyncio.subprocess.PIPE
    )
    assert child.stdout is not None
    closed = 0
    try:
        while closed < CLOSED_BEFORE_KILL:
            line = await asyncio.wait_for(child.stdout.readline(), 30)
            assert line, "the recorder exited before it was killed"
            closed += line.strip() == b"closed"
    finally:
        child.send_signal(signal.SIGKILL)
        await child.wait()
    assert child.returncode == -signal.SIGKILL


@pytest.mark.parametrize("market", ["BINANCE___SWAP"], indirect=True)
async def test_a_killed_recorder_leaves_only_readable_files_and_a_restart_continues(
    market: Market, tmp_path: Path
) -> None:
    await _record_then_kill(tmp_path)
    finished = sorted(tmp_path.rglob("*.parquet"))
    assert len(finished) >= CLOSED_BEFORE_KILL
    for path in finished:
        pq.read_table(path)  # raises on a corrupt file
    leftovers = list(tmp_path.rglob("*.tmp"))

    sink = ParquetSink(tmp_path)  # the restart
    assert sink.stats.recovered + sink.stats.removed == len(leftovers)
    assert list(tmp_path.rglob("*.tmp")) == []
    before = list(read_events(tmp_path, channel="book"))

    recorder = Recorder(market.client, ["BTC-USDT"], [sink], trades=False)
    seen = asyncio.Event()
    watch = await market.client.watch_order_book("BTC-USDT", callback=lambda _: seen.set())
    await recorder.start()
    await seen.wait()
    await recorder.stop()
    await watch.close()

    after = list(read_events(tmp_path, channel="book"))
    assert after[: len(before)] == before  # what was there stays, in order
    starts = [e for e in after if isinstance(e, Marker) and e.kind is MarkerKind.START]
    assert len(starts) == 2  # one per run: a reader knows where the restart is
    assert len(after) > len(before) + 1
