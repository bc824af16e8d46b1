"""The scale-out path against the NATS server on 127.0.0.1:4222: a recorder publishes
into JetStream, the Parquet writer consumes the stream into a Parquet tree equal to what
was published, a restarted writer continues where it committed, and a recording replays
straight from JetStream."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from nats.js import JetStreamContext
from tests.cli.cli_process import run_cli
from tests.record.conftest import NATS_URL as URL
from tests.record.conftest import Market, record_until_books, sample_events

from tradeport.model.errors import BadParameter
from tradeport.record import ParquetSink, Recorder, read_events
from tradeport.record.events import Channel, Event
from tradeport.record.jetstream_writer import JetStreamWriter, WriterStats
from tradeport.record.nats_sink import JetStreamSink, iter_stream, read_subject, subject_of
from tradeport.record.replay import replay_paced
from tradeport.record.session import summarize, summarize_source


def _writer(root: Path, names: tuple[str, str], durable: str = "w") -> JetStreamWriter:
    stream, prefix = names
    return JetStreamWriter(
        ParquetSink(root), URL, stream=stream, prefix=prefix, durable=durable, commit_interval=0.2
    )


async def _published(names: tuple[str, str], events: list[Event]) -> list[Event]:
    """`events`, once published into the test's stream."""
    stream, prefix = names
    sink = JetStreamSink(URL, stream=stream, prefix=prefix)
    await sink.write(events)
    await sink.close()
    return events


@pytest.mark.parametrize("market", ["BINANCE___SWAP"], indirect=True)
async def test_the_writer_turns_a_published_recording_into_the_same_parquet_tree(
    market: Market, js: JetStreamContext, names: tuple[str, str], tmp_path: Path
) -> None:
    stream, prefix = names
    sink = JetStreamSink(URL, stream=stream, prefix=prefix)
    recorder = Recorder(market.client, ["BTC-USDT", "ETH-USDT"], [sink], flush_interval=0.05)
    await record_until_books(market, recorder, 10)
    published = sink.stats.written

    writer = _writer(tmp_path, names)
    await asyncio.wait_for(writer.run(max_events=published), 60)
    assert writer.stats.committed == published
    assert list(tmp_path.rglob("*.tmp")) == []
    for symbol in ("BTC-USDT", "ETH-USDT"):
        for channel in (Channel.BOOK, Channel.TRADES):
            written = list(read_events(tmp_path, channel=channel, symbol=symbol))
            subject = f"{prefix}.{market.key}.{channel}.{symbol}"
            assert written == await read_subject(js, stream, subject), (symbol, channel)

    # the same recording replayed from JetStream summarizes as its Parquet copy
    from_js = await summarize_source(f"{URL}?stream={stream}&prefix={prefix}")
    from_parquet = summarize(tmp_path)
    assert from_js == from_parquet
    assert all(not s.seq_problems and not s.broken for s in from_js)
    assert {s.symbol for s in from_js} == {"BTC-USDT", "ETH-USDT"}


async def test_a_restarted_writer_continues_where_it_committed(
    js: JetStreamContext, names: tuple[str, str], tmp_path: Path
) -> None:
    stream, prefix = names
    sink = JetStreamSink(URL, stream=stream, prefix=prefix)
    first, second = sample_events(1, 10), sample_events(11, 10)
    await sink.write(first)
    await asyncio.wait_for(_writer(tmp_path, names).run(max_events=10), 30)
    await sink.write(second)
    again = _writer(tmp_path, names)
    await asyncio.wait_for(again.run(max_events=10), 30)
    await sink.close()
    assert again.stats.redelivered == 0
    assert list(read_events(tmp_path)) == first + second  # each event once, in order
    assert len(list(tmp_path.rglob("*.parquet"))) == 2  # one file per run


async def test_a_writer_that_dies_before_committing_loses_nothing_and_writes_nothing_twice(
    names: tuple[str, str], tmp_path: Path
) -> None:
    stream, prefix = names
    events = await _published(names, sample_events(1, 10))
    received = asyncio.Event()

    def progress(stats: WriterStats) -> None:
        if stats.received >= 10:
            received.set()

    # a commit interval it never reaches: it dies holding unfinished files
    doomed = JetStreamWriter(
        ParquetSink(tmp_path),
        URL,
        stream=stream,
        prefix=prefix,
        durable="w",
        commit_interval=3600,
        ack_wait=1.0,
        progress=progress,
    )
    task = asyncio.create_task(doomed.run())
    await asyncio.wait_for(received.wait(), 30)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert list(tmp_path.rglob("*.parquet")) == []  # nothing finished, nothing acked

    restarted = ParquetSink(tmp_path)  # removes the unfinished file
    assert restarted.stats.removed == 1
    again = JetStreamWriter(
        restarted, URL, stream=stream, prefix=prefix, durable="w", commit_interval=0.2, ack_wait=1.0
    )
    await asyncio.wait_for(again.run(max_events=10), 60)
    assert again.stats.redelivered == 10  # after the acknowledgement wait
    assert list(read_events(tmp_path)) == events


async def test_replay_reads_every_subject_of_the_stream(
    js: JetStreamContext, names: tuple[str, str]
) -> None:
    stream, prefix = names
    events = await _published(names, sample_events(1, 25))
    assert [e async for e in iter_stream(js, stream, prefix, batch=7)] == events
    paced = replay_paced(iter_stream(js, stream, prefix), speed=1e9)
    assert [e async for e in paced] == events
    assert subject_of(prefix, events[0]).startswith(f"{prefix}.V.book.")
    with pytest.raises(BadParameter, match="no JetStream stream"):
        await anext(aiter(iter_stream(js, f"{stream}_MISSING", prefix)))


async def test_write_parquet_command_writes_the_stream(
    names: tuple[str, str], tmp_path: Path
) -> None:
    stream, prefix = names
    await _published(names, sample_events(1, 12))
    source = f"{URL}?stream={stream}&prefix={prefix}"
    result = run_cli(
        "write-parquet", source, str(tmp_path), "--max-events", "12", "--commit-interval", "0.2"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "12 events committed" in result.stdout
    assert [e.seq for e in read_events(tmp_path)] == list(range(1, 13))
