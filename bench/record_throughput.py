"""Recording throughput: events/s through each sink, CPU, bytes per event and memory.

Two parts, each run per sink (Parquet, Redis Streams, NATS JetStream, PostgreSQL; the
servers on 127.0.0.1 as the tests use them):

- **sink**: made-up events of `--symbols` contracts (book deltas of 10 levels a side,
  a 100-level snapshot per contract every 50 deltas, trades) pushed through the sink's
  bounded queue as fast as the sink takes them: events/s, this process's CPU µs per
  event, bytes per event as stored. No venue, no sockets: the ceiling of each sink.
- **record**: `--symbols` USDⓈ-M contracts from a Binance emulator in a separate
  process (its CPU is not counted here), diff-depth (depth@100ms) and trades of every
  contract recorded into the sink for `--seconds`: events/s written, CPU % of one core
  of this process (socket reading, book sync, recording and the sink together), bytes
  per event, dropped events, RSS at the start and end of the window. The emulator steps
  its market every `--step-interval` s; with hundreds of contracts one step costs it
  most of a core, so it, not the recorder, sets the event rate on a small machine.

With `--realistic` only the record part runs, at real rates: 500 made-up contracts
whose emulator books hold 1000 levels a side and move every 100 ms with trades (the
emulator's market-data load, `tradeport emulate --load-depth`), for `--minutes` per
sink, RSS and CPU (this process's and the emulator's) sampled every
`--sample-seconds`.

    python bench/record_throughput.py [--symbols 500] [--seconds 30] [--step-interval 1]
                                      [--sinks parquet,redis,nats,postgres]
                                      [--parts sink,record]
    python bench/record_throughput.py --realistic [--minutes 30] [--sinks parquet]
                                      [--loop asyncio|uvloop]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import nats
import psycopg
import redis.asyncio as aioredis
from psycopg import sql

import tradeport as tp
from tradeport import event_loop
from tradeport.heap import freeze_startup_objects
from tradeport.model import BookState
from tradeport.record import ParquetSink, Recorder
from tradeport.record.events import BookEvent, BookKind, Event, TradeEvent
from tradeport.record.nats_sink import JetStreamSink
from tradeport.record.postgres_sink import PostgresSink
from tradeport.record.redis_sink import RedisStreamSink
from tradeport.record.sink import Sink, SinkQueue

try:  # run as a script (python bench/…) or as a module (python -m bench.…)
    from procstat import Sampler
    from stream_throughput import (
        BUILTIN_SYMBOLS,
        MADE_UP_PREFIX,
        REALISTIC_DEPTH,
        REALISTIC_SYMBOLS,
        Emulator,
        start_emulator,
        stop_emulator,
    )
except ImportError:
    from bench.procstat import Sampler
    from bench.stream_throughput import (
        BUILTIN_SYMBOLS,
        MADE_UP_PREFIX,
        REALISTIC_DEPTH,
        REALISTIC_SYMBOLS,
        Emulator,
        start_emulator,
        stop_emulator,
    )

REDIS = "redis://127.0.0.1:6379/0"
NATS = "nats://127.0.0.1:4222"
POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
VENUE = "BINANCE___SWAP"


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


# -- sinks, each with a way to measure what it stored and to clean up -------------------
@dataclass
class Target:
    name: str
    sink: Sink
    stored_bytes: Callable[[], Awaitable[int]]
    cleanup: Callable[[], Awaitable[None]]


async def make_target(name: str) -> Target:
    tag = uuid.uuid4().hex[:10]
    if name == "parquet":
        root = Path(tempfile.mkdtemp(prefix="tp-bench-"))

        async def parquet_bytes() -> int:
            return sum(p.stat().st_size for p in root.rglob("*.parquet"))

        async def parquet_cleanup() -> None:
            shutil.rmtree(root, ignore_errors=True)

        return Target(name, ParquetSink(root), parquet_bytes, parquet_cleanup)
    if name == "redis":
        prefix = f"tpbench{tag}"
        admin = aioredis.Redis.from_url(REDIS)

        async def redis_bytes() -> int:
            keys = [k async for k in admin.scan_iter(f"{prefix}:*")]
            return sum([int(await admin.memory_usage(k) or 0) for k in keys])

        async def redis_cleanup() -> None:
            keys = [k async for k in admin.scan_iter(f"{prefix}:*")]
            if keys:
                await admin.delete(*keys)
            await admin.aclose()

        return Target(name, RedisStreamSink(REDIS, prefix=prefix), redis_bytes, redis_cleanup)
    if name == "nats":
        stream, prefix = f"TPBENCH_{tag}", f"tpbench{tag}"
        nc = await nats.connect(NATS)
        js = nc.jetstream()

        async def nats_bytes() -> int:
            return int((await js.stream_info(stream)).state.bytes)

        async def nats_cleanup() -> None:
            await js.delete_stream(stream)
            await nc.close()

        sink = JetStreamSink(NATS, stream=stream, prefix=prefix)
        return Target(name, sink, nats_bytes, nats_cleanup)
    if name == "postgres":
        schema = f"tpbench_{tag}"
        admin_pg = await psycopg.AsyncConnection.connect(POSTGRES, autocommit=True)

        async def pg_bytes() -> int:
            cur = await admin_pg.execute(
                "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = %s AND c.relkind = 'r'",
                (schema,),
            )
            row = await cur.fetchone()
            return int(row[0]) if row else 0

        async def pg_cleanup() -> None:
            drop = sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
            await admin_pg.execute(drop)
            await admin_pg.close()

        return Target(name, PostgresSink(POSTGRES, schema=schema), pg_bytes, pg_cleanup)
    raise SystemExit(f"unknown sink {name!r}")


@dataclass
class Result:
    sink: str
    events: int
    wall: float
    cpu: float
    stored: int
    dropped: int = 0
    rss: tuple[float, float] = (0.0, 0.0)
    note: str = ""
    sampler: Sampler | None = None

    def cells(self) -> list[str]:
        per_event = self.stored / self.events if self.events else float("nan")
        return [
            self.sink,
            f"{self.events / self.wall:,.0f}",
            f"{self.cpu / self.wall * 100:.1f}",
            f"{self.cpu / self.events * 1e6:,.1f}" if self.events else "-",
            f"{per_event:,.1f}",
            f"{self.dropped}",
            f"{self.rss[0]:.0f} → {self.rss[1]:.0f}",
            self.note,
        ]


HEADER = ["sink", "events/s", "CPU %", "CPU µs/event", "bytes/event", "dropped", "RSS MB", ""]


def print_table(title: str, results: list[Result]) -> None:
    print(f"\n{title}")
    rows = [HEADER] + [r.cells() for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    for row in rows:
        print("  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)))


# -- part 1: the sinks alone -----------------------------------------------------------
def made_up_events(symbols: int, count: int) -> list[Event]:
    """Book deltas (10 levels a side), a 100-level snapshot every 50 deltas and one trade
    every 4 book events, spread over `symbols` contracts, numbered per stream."""
    rng = random.Random(7)
    now = time.time_ns()
    book_seq = [0] * symbols
    trade_seq = [0] * symbols
    out: list[Event] = []
    for n in range(count):
        i = n % symbols
        symbol = f"S{i:03d}-USDT"
        ts = now + n * 1000
        if n % 5 == 4:
            trade_seq[i] += 1
            out.append(
                TradeEvent(
                    venue=VENUE,
                    symbol=symbol,
                    seq=trade_seq[i],
                    trade_id=str(10_000_000 + n),
                    price=100 + rng.random(),
                    qty=rng.uniform(0.001, 5),
                    side="buy" if n % 2 else "sell",
                    ts=ts,
                    local_ts=ts + 2_000_000,
                )
            )
            continue
        book_seq[i] += 1
        snapshot = book_seq[i] % 50 == 1
        levels = 100 if snapshot else 10
        out.append(
            BookEvent(
                venue=VENUE,
                symbol=symbol,
                seq=book_seq[i],
                kind=BookKind.SNAPSHOT if snapshot else BookKind.DELTA,
                prev_id=-1 if snapshot else book_seq[i] - 1,
                update_id=book_seq[i],
                ts=ts,
                local_ts=ts + 2_000_000,
                bids=[(100 - 0.01 * k, rng.uniform(0.1, 9)) for k in range(levels)],
                asks=[(100.01 + 0.01 * k, rng.uniform(0.1, 9)) for k in range(levels)],
            )
        )
    return out


async def sink_part(name: str, events: list[Event]) -> Result:
    target = await make_target(name)
    queue = SinkQueue(target.sink, maxsize=len(events) + 10)
    rss0 = rss_mb()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    queue.start()
    for event in events:
        queue.put(event)
    await queue.close()  # drains everything, then closes (Parquet: files finished)
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    result = Result(
        name, queue.stats.written, wall, cpu, await target.stored_bytes(), queue.stats.dropped
    )
    result.rss = (rss0, rss_mb())
    await target.cleanup()
    return result


# -- part 2: recording from the emulator -----------------------------------------------
async def record_part(name: str, emulator: Emulator, args: argparse.Namespace) -> Result:
    symbols, seconds, sync_timeout = args.symbols, args.seconds, args.sync_timeout
    client = await tp.create_client(
        VENUE, environment="emulator", base_url=emulator.base_url, ws_url=emulator.ws_url
    )
    target = await make_target(name)
    try:
        instruments = await client.get_exchange_info()
        names = [i.symbol for i in instruments]
        if args.load_depth:  # the made-up symbols carry the load; BTC, ETH, DOGE do not
            names = [n for n in names if n.startswith(MADE_UP_PREFIX)]
        names = names[:symbols]
        recorder = Recorder(client, names, [target.sink], snapshot_interval=60.0)
        await recorder.start()
        freeze_startup_objects()  # as `tradeport record` does once its streams are made
        start = time.perf_counter()
        live = 0
        while time.perf_counter() - start < sync_timeout:
            books = (client.synced_book(s) for s in names)
            live = sum(1 for b in books if b is not None and b.state is BookState.LIVE)
            if live == len(names):
                break
            await asyncio.sleep(0.2)
        queue = recorder.queues[0]
        written0, dropped0 = queue.stats.written, queue.stats.dropped
        rss0 = rss_mb()
        sampler = Sampler(args.sample_seconds, emulator.proc.pid)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        sampler.start()
        await asyncio.sleep(seconds)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        await sampler.stop()
        written, dropped = queue.stats.written - written0, queue.stats.dropped - dropped0
        rss1 = rss_mb()
        total_written = queue.stats.written
        await recorder.stop()
        stored = await target.stored_bytes()
        result = Result(name, written, wall, cpu, 0, dropped, (rss0, rss1), sampler=sampler)
        # bytes per event over the whole recording (stored size is known only in total)
        result.stored = round(stored / max(1, queue.stats.written) * written)
        result.note = f"{live}/{len(names)} books live; {total_written:,} events in all"
        return result
    finally:
        await client.close()
        await target.cleanup()


async def run(args: argparse.Namespace) -> None:
    sinks = [s for s in args.sinks.split(",") if s]
    if "sink" in args.parts:
        events = made_up_events(args.symbols, args.events)
        results = [await sink_part(name, events) for name in sinks]
        print_table(
            f"sinks alone: {args.events:,} made-up events of {args.symbols} contracts "
            "(book deltas 10 levels a side, snapshots 100, trades)",
            results,
        )
    if "record" in args.parts:
        # hundreds of made-up symbols take the emulator a while to set up
        extra = args.symbols if args.load_depth else max(0, args.symbols - BUILTIN_SYMBOLS)
        emulator = start_emulator(
            extra, args.step_interval, timeout=300.0, load_depth=args.load_depth
        )
        try:
            results = []
            for name in sinks:
                results.append(await record_part(name, emulator, args))
                print(f"{name}: done", flush=True)
        finally:
            stop_emulator(emulator)
        market = (
            f"load books of {args.load_depth} levels a side, a step every 100 ms"
            if args.load_depth
            else f"market step {args.step_interval:g} s"
        )
        print_table(
            f"recording {args.symbols} contracts from the emulator (depth@100ms + trades, "
            f"{market}), {args.seconds:g} s window",
            results,
        )
        for result in results:
            if result.sampler is not None:
                print(f"\n{result.sink}: RSS and CPU over the window")
                print(result.sampler.table())
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of this process: {peak:.0f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--symbols", type=int, default=500)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--events", type=int, default=200_000, help="events for the sink part")
    ap.add_argument("--step-interval", type=float, default=1.0)
    ap.add_argument("--sync-timeout", type=float, default=120.0)
    ap.add_argument("--sinks", default="parquet,redis,nats,postgres")
    ap.add_argument("--parts", default="sink,record")
    ap.add_argument(
        "--realistic",
        action="store_true",
        help=f"record part only, {REALISTIC_SYMBOLS} contracts with emulator books of "
        f"{REALISTIC_DEPTH} levels a side moving every 100 ms with trades",
    )
    ap.add_argument("--load-depth", type=int, default=None, help="emulator load book depth")
    ap.add_argument("--minutes", type=float, default=None, help="window per sink, minutes")
    ap.add_argument("--sample-seconds", type=float, default=None, help="RSS / CPU sample period")
    ap.add_argument("--loop", choices=event_loop.LOOPS, default="asyncio", help="event loop")
    args = ap.parse_args()
    args.parts = set(args.parts.split(","))
    if args.realistic:
        args.parts = {"record"}
        if "--symbols" not in sys.argv:
            args.symbols = REALISTIC_SYMBOLS
        if "--sync-timeout" not in sys.argv:
            args.sync_timeout = 300.0
        if args.load_depth is None:
            args.load_depth = REALISTIC_DEPTH
    args.load_depth = args.load_depth or 0
    if args.minutes is not None:
        args.seconds = args.minutes * 60
    if args.sample_seconds is None:
        args.sample_seconds = 60.0 if args.seconds >= 600 else max(1.0, args.seconds / 10)
    event_loop.run(run(args), args.loop)


if __name__ == "__main__":
    main()
