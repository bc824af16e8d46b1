"""What `tradeport record` and `tradeport replay` run: sinks named on the command line,
a recording until Ctrl-C (or a bound), a live status table, and a recording's summary."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

from tradeport.api import connect_async
from tradeport.heap import freeze_startup_objects
from tradeport.model.errors import BadParameter
from tradeport.record.discovery import ContractSet, discover, shard
from tradeport.record.events import (
    BookEvent,
    Channel,
    Event,
    Marker,
    MarkerKind,
    QuoteEvent,
    RawEvent,
)
from tradeport.record.follow import ContractFollower
from tradeport.record.parquet import ParquetSink
from tradeport.record.recorder import Recorder
from tradeport.record.replay import BookReplayer, read_events
from tradeport.record.sink import Sink

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
NATS_SCHEMES = ("nats://", "tls://")


def open_sink(spec: str) -> Sink:
    """`parquet:<dir>`, `redis://host:port/db`, `nats://host:port[?stream=S&prefix=p]`
    (JetStream) or `postgresql://user@host:port/db[?schema=name]`."""
    if spec.startswith("parquet:"):
        path = spec.removeprefix("parquet:")
        if not path:
            raise BadParameter("sink parquet: needs a directory, e.g. parquet:./data")
        return ParquetSink(path)
    if spec.startswith(("redis://", "rediss://")):
        from tradeport.record.redis_sink import RedisStreamSink

        return RedisStreamSink(spec)
    if spec.startswith(NATS_SCHEMES):
        from tradeport.record.nats_sink import JetStreamSink, nats_target

        url, stream, prefix = nats_target(spec)
        return JetStreamSink(url, stream=stream, prefix=prefix)
    if spec.startswith(POSTGRES_SCHEMES):
        from tradeport.record.postgres_sink import PostgresSink, split_schema

        dsn, schema = split_schema(spec)
        return PostgresSink(dsn, schema=schema)
    raise BadParameter(
        f"sink {spec!r}: expected parquet:<dir>, redis://host:port/db, nats://host:port "
        "or postgresql://user@host:port/db[?schema=name]"
    )


@dataclass
class RecordPlan:
    venue: str
    symbols: list[str] = field(default_factory=list)
    all_perps: bool = False
    quote: str | None = None
    top: int | None = None
    sinks: list[str] = field(default_factory=list)
    environment: str = "live"
    max_events: int | None = None
    snapshot_interval: float = 60.0
    depth: int | None = None
    shard: tuple[int, int] | None = None  # (i, n): record only shard i of n
    recheck_interval: float | None = 3600.0  # seconds between contract re-checks; None: never
    add_new: bool = False  # a re-check adds new listings (with all_perps)
    quotes: bool = False  # record the venue's top-of-book stream too
    raw: bool = False  # record the venue's frames as received too


def status_table(recorder: Recorder, follower: ContractFollower | None = None) -> Table:
    states: Counter[str] = Counter()
    for symbol in recorder.symbols:
        book = recorder.client.synced_book(symbol)
        states[str(book.state) if book is not None else "stopped"] += 1
    title = f"recording {recorder.venue}: {len(recorder.symbols)} contracts"
    if follower is not None:
        f = follower.stats
        title += (
            f"; re-checks: {f.checks} ({f.failures} failed), {f.added} added, {f.stopped} stopped"
        )
    table = Table(title=title)
    table.add_column("books")
    table.add_column("events")
    table.add_column("sink")
    table.add_column("written", justify="right")
    table.add_column("dropped", justify="right")
    table.add_column("queued", justify="right")
    books = ", ".join(f"{n} {state}" for state, n in sorted(states.items()))
    s = recorder.stats
    events = f"{s.book_events} book, {s.trades} trades, {s.quotes} quotes, {s.markers} markers"
    if recorder.raw:
        events += f", {s.raw} raw frames"
    for index, queue in enumerate(recorder.queues):
        table.add_row(
            books if index == 0 else "",
            events if index == 0 else "",
            queue.sink.name,
            str(queue.stats.written),
            str(queue.stats.dropped),
            str(queue.depth),
        )
    return table


async def record(plan: RecordPlan, console: Console) -> Recorder:
    """Record until Ctrl-C / SIGTERM, or until `max_events` events were recorded; every
    sink is closed (files finished) before this returns."""
    if not plan.sinks:
        raise BadParameter("no sink: pass --sink parquet:<dir> (or redis://…)")
    if not plan.symbols and not plan.all_perps:
        raise BadParameter("nothing to record: pass --symbol or --all-perps")
    if plan.add_new and not plan.all_perps:
        raise BadParameter("--add-new follows new listings: it needs --all-perps")
    if plan.recheck_interval is not None and plan.recheck_interval <= 0:
        raise BadParameter(f"re-check interval {plan.recheck_interval}: expected > 0 seconds")
    sinks = [open_sink(spec) for spec in plan.sinks]
    async with connect_async(plan.venue, environment=plan.environment) as client:
        symbols = list(plan.symbols)
        quote = plan.quote if plan.all_perps else None
        if plan.all_perps:
            found = await discover(plan.venue, client=client, quote=plan.quote, top=plan.top)
            symbols.extend(s for s in found.symbols if s not in symbols)
        if plan.shard is not None:
            everything = await discover(plan.venue, client=client, include=symbols)
            symbols = shard(everything, *plan.shard).symbols
            if not symbols:
                raise BadParameter(f"shard {plan.shard[0]}/{plan.shard[1]} holds no contract")
        recorder = Recorder(
            client,
            symbols,
            sinks,
            depth=plan.depth,
            snapshot_interval=plan.snapshot_interval,
            quotes=plan.quotes,
            raw=plan.raw,
        )
        follower = None
        if plan.recheck_interval is not None:
            trading = await discover(plan.venue, client=client, quote=quote)

            def fresh() -> Awaitable[ContractSet]:
                return discover(plan.venue, client=client, quote=quote, refresh=True)

            follower = ContractFollower(
                recorder,
                fresh,
                interval=plan.recheck_interval,
                known=trading.symbols,
                add_new=plan.add_new,
                shard=plan.shard,
            )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await recorder.start()
            if follower is not None:
                follower.start()
            # the streams and books are made: the collector need not walk them again
            freeze_startup_objects()
            console.print(f"recording {len(symbols)} contracts of {plan.venue}", highlight=False)
            table = status_table(recorder, follower)
            with Live(table, console=console, auto_refresh=False) as live:
                try:
                    while not stop.is_set():
                        await _tick(stop, 1.0)
                        live.update(status_table(recorder, follower), refresh=True)
                        st = recorder.stats
                        total = st.book_events + st.trades + st.quotes
                        if plan.max_events is not None and total >= plan.max_events:
                            stop.set()
                finally:
                    if follower is not None:
                        await follower.stop()
                    await recorder.stop()
                    live.update(status_table(recorder, follower), refresh=True)
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
            if follower is not None:
                await follower.stop()
            await recorder.stop()  # when start failed half-way; a no-op after a stop
        console.print("stopped; every file is finished", highlight=False)
        return recorder


async def write_from_jetstream(
    source: str,
    directory: str,
    console: Console,
    *,
    durable: str,
    commit_interval: float,
    max_events: int | None = None,
) -> None:
    """Run the Parquet writer as a JetStream consumer until Ctrl-C / SIGTERM (or
    `max_events`); it commits (files finished, messages acknowledged) before returning."""
    if not source.startswith(NATS_SCHEMES):
        raise BadParameter(f"source {source!r}: expected nats://host:port[?stream=S&prefix=p]")
    from tradeport.record.jetstream_writer import JetStreamWriter
    from tradeport.record.nats_sink import nats_target

    url, stream, prefix = nats_target(source)
    writer = JetStreamWriter(
        ParquetSink(directory),
        url,
        stream=stream,
        prefix=prefix,
        durable=durable,
        commit_interval=commit_interval,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    console.print(f"writing {stream} ({prefix}.>) to {directory} as {durable}", highlight=False)
    try:
        await writer.run(stop, max_events=max_events)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    s = writer.stats
    console.print(
        f"stopped: {s.committed} events committed in {s.commits} commits "
        f"({s.redelivered} redelivered); every file is finished",
        highlight=False,
    )


async def _tick(stop: asyncio.Event, seconds: float) -> None:
    """Wait for `seconds` or until `stop` is set, whichever comes first."""
    waiter = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait({waiter}, timeout=seconds)
    if not done:
        waiter.cancel()


@dataclass
class StreamSummary:
    venue: str
    channel: str
    symbol: str
    events: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    seq_problems: int = 0  # sequence numbers repeated or missing without a marker
    broken: int = 0  # deltas that did not connect to the rebuilt book
    last_update_id: int = -1
    valid_at_end: bool = False


def _kind_of(event: Event) -> str:
    if isinstance(event, BookEvent | Marker):
        return str(event.kind)
    if isinstance(event, RawEvent):
        return "raw"
    return "quote" if isinstance(event, QuoteEvent) else "trade"


class Summarizer:
    """Stream summaries built event by event, so a recording of any size is read once
    with flat memory."""

    def __init__(self) -> None:
        self._summaries: dict[tuple[str, str, str], StreamSummary] = {}
        self._replayers: dict[tuple[str, str, str], BookReplayer] = {}
        self._expected: dict[tuple[str, str, str], int] = {}

    def add(self, event: Event) -> None:
        key = (event.venue, str(event.channel), event.symbol)
        summary = self._summaries.get(key)
        if summary is None:
            summary = self._summaries[key] = StreamSummary(*key)
        summary.events += 1
        summary.kinds[_kind_of(event)] += 1
        start = isinstance(event, Marker) and event.kind is MarkerKind.START
        if not start and event.seq != self._expected.get(key, 1):
            summary.seq_problems += 1
        dropped = isinstance(event, Marker) and event.kind is MarkerKind.DROPPED
        covers = event.count if isinstance(event, Marker) and dropped else 1
        self._expected[key] = event.seq + covers
        if event.channel is Channel.BOOK:
            replayer = self._replayers.setdefault(key, BookReplayer(event.symbol))
            replayer.apply(event)
            summary.broken = replayer.broken
            summary.valid_at_end = replayer.valid
            if isinstance(event, BookEvent):
                summary.last_update_id = event.update_id

    def result(self) -> list[StreamSummary]:
        return sorted(self._summaries.values(), key=lambda s: (s.venue, s.channel, s.symbol))


def summarize(root: str | Path, *, symbol: str | None = None) -> list[StreamSummary]:
    """One line per stream of a Parquet recording: what it holds, whether its sequence
    numbers are whole, and (for books) whether the book rebuilds from it."""
    summarizer = Summarizer()
    for event in read_events(root, symbol=symbol):
        summarizer.add(event)
    return summarizer.result()


async def summarize_source(source: str, *, symbol: str | None = None) -> list[StreamSummary]:
    """`summarize` for a recording in a Parquet tree (a path), in PostgreSQL
    (`postgresql://…/db[?schema=name]`) or in JetStream (`nats://host:port[?stream=S&
    prefix=p]`)."""
    summarizer = Summarizer()
    if source.startswith(POSTGRES_SCHEMES):
        from tradeport.record.postgres_sink import connect_reader, iter_table, split_schema

        dsn, schema = split_schema(source)
        async with await connect_reader(dsn) as conn:
            for channel in Channel:
                async for event in iter_table(conn, schema, channel, symbol=symbol):
                    summarizer.add(event)
    elif source.startswith(NATS_SCHEMES):
        from tradeport.record.nats_sink import JetStreamSink, iter_stream, nats_target

        url, stream, prefix = nats_target(source)
        reader = JetStreamSink(url, stream=stream, prefix=prefix, name="jetstream reader")
        try:
            js = await reader.connect(create_stream=False)
            async for event in iter_stream(js, stream, prefix):
                if symbol is None or event.symbol == symbol:
                    summarizer.add(event)
        finally:
            await reader.close()
    else:
        return await asyncio.to_thread(summarize, source, symbol=symbol)
    return summarizer.result()


def summary_table(summaries: Sequence[StreamSummary]) -> Table:
    table = Table(title="recording")
    for column in ("venue", "channel", "symbol", "events", "kinds", "seq", "book"):
        table.add_column(column)
    for s in summaries:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(s.kinds.items()))
        seq = "whole" if not s.seq_problems else f"{s.seq_problems} problems"
        book: Any = ""
        if s.channel == Channel.BOOK:
            book = f"{'valid' if s.valid_at_end else 'invalid'} at {s.last_update_id}"
            if s.broken:
                book += f", {s.broken} broken"
        table.add_row(s.venue, s.channel, s.symbol, str(s.events), kinds, seq, book)
    return table
