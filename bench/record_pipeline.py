"""Per-event CPU of the recording path in one process, without sockets or an emulator
producing the market: frames of one Binance USDⓈ-M contract (diffs of `--levels` (20) bid
and ask levels over a 1000-level book, and aggTrades; bench/frames.py, four diffs to a
trade; `--levels 3` is about what the realistic load of bench/record_throughput.py sends)
fed to a client's stream router exactly as off its socket, once with a plain consumer
on the book and the trades, once with a Recorder writing both into a Parquet sink as
well (the recorder stopped at the end, so every row is written and every file closed).
Frames are fed 20 at a time, the event loop running between bursts as it does between
socket reads.
The difference is what recording costs per event, at any rate: what the
emulator-driven part of bench/record_throughput.py cannot show on a small machine.

    python bench/record_pipeline.py [--frames 20000] [--rounds 3] [--levels 20]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import tempfile
import time

import msgspec

import tradeport as tp
from tradeport.model import AssetType, BookState
from tradeport.record import ParquetSink, Recorder
from tradeport.venues.binance.messages import Depth
from tradeport.venues.binance.parse import parse_depth

try:  # run as a script (python bench/…) or as a module (python -m bench.…)
    from frames import depth_frames, snapshot, trade_frames
except ImportError:
    from bench.frames import depth_frames, snapshot, trade_frames

VENUE = "BINANCE___SWAP"
SYMBOL = "BTC-USDT"
BURST = 20  # frames fed between two turns of the event loop


def interleaved(count: int, levels: int) -> list[str]:
    depth = depth_frames(count, levels)
    trades = trade_frames(count // 4)
    out: list[str] = []
    for index, frame in enumerate(depth):
        out.append(frame)
        if index % 4 == 3 and index // 4 < len(trades):
            out.append(trades[index // 4])
    return out


async def one_run(frames: list[str], record: bool) -> tuple[float, int]:
    """(CPU seconds, events recorded) of feeding `frames` (and stopping the recorder)."""
    emulator = tp.get_venue(VENUE).emulator_factory(step_interval=None)  # type: ignore[misc]
    base_url = await emulator.start()
    client = await tp.create_client(
        VENUE,
        environment="emulator",
        base_url=base_url,
        ws_url=emulator.stream_url(AssetType.SWAP),
    )
    root = tempfile.mkdtemp(prefix="tp-bench-")
    try:
        watches = [
            await client.watch_order_book(SYMBOL, None, callback=lambda book: None).start(),
            await client.watch_trades(SYMBOL, callback=lambda trade: None).start(),
        ]
        synced = client.synced_book(SYMBOL)
        assert synced is not None
        while synced.state is not BookState.LIVE:
            await asyncio.sleep(0.05)
        # the book the frames continue: the snapshot they were made from
        synced.reset()
        synced.on_snapshot(parse_depth(msgspec.convert(snapshot(), Depth, strict=False), SYMBOL))
        recorder = None
        if record:
            recorder = Recorder(client, [SYMBOL], [ParquetSink(root)], stale_after=None)
            await recorder.start()
        feed = client.public_streams.feed  # type: ignore[attr-defined]
        cpu0 = time.process_time()
        for start in range(0, len(frames), BURST):
            for frame in frames[start : start + BURST]:
                feed(frame)
            # as off a socket, frames come in bursts between which the loop runs the
            # sink's task; never yielding would pile every event up in the queue (and
            # make the garbage collector scan them all, again and again)
            await asyncio.sleep(0)
        if recorder is not None:
            await recorder.stop()
        cpu = time.process_time() - cpu0
        events = 0 if recorder is None else recorder.stats.book_events + recorder.stats.trades
        for watch in watches:
            await watch.close()
        return cpu, events
    finally:
        await client.close()
        await emulator.stop()
        shutil.rmtree(root, ignore_errors=True)


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, default=20_000, help="depth frames per run")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--levels", type=int, default=20, help="levels a side per diff")
    args = ap.parse_args()
    frames = interleaved(args.frames, args.levels)
    plain, recorded, events = [], [], 0
    for _ in range(args.rounds):
        plain.append((await one_run(frames, False))[0] / len(frames) * 1e6)
        cpu, events = await one_run(frames, True)
        recorded.append(cpu / len(frames) * 1e6)
    base, total = statistics.median(plain), statistics.median(recorded)
    print(f"{len(frames):,} frames ({events:,} events recorded), medians of {args.rounds} rounds")
    print(f"  stream + book + consumers:       {base:6.1f} µs CPU per frame")
    print(f"  the same, recorded into Parquet: {total:6.1f} µs CPU per frame")
    print(f"  recording (recorder and sink):   {total - base:6.1f} µs CPU per frame")


if __name__ == "__main__":
    asyncio.run(main())
