"""The JetStream sink against the NATS server on 127.0.0.1:4222: events round-trip, a
resent batch is stored once, a dropped connection is replaced without losing events,
and a recording from the emulator reads back as its Parquet copy."""

from __future__ import annotations

from pathlib import Path

import pytest
from nats.js import JetStreamContext
from tests.record.conftest import NATS_URL as URL
from tests.record.conftest import Market, record_until_books, sample_events
from tests.record.tcpproxy import CutProxy

from tradeport.model.errors import BadParameter, Disconnected
from tradeport.record import ParquetSink, Recorder, read_events
from tradeport.record.events import Channel
from tradeport.record.nats_sink import JetStreamSink, read_subject, subject_of


def _sink(url: str, names: tuple[str, str], **options: object) -> JetStreamSink:
    stream, prefix = names
    return JetStreamSink(url, stream=stream, prefix=prefix, **options)  # type: ignore[arg-type]


async def test_events_round_trip_and_a_resent_batch_is_stored_once(
    js: JetStreamContext, names: tuple[str, str]
) -> None:
    sink = _sink(URL, names, ack_batch=7)
    batch = sample_events(1, 30)
    await sink.write(batch)
    await sink.write(batch[10:])  # resent, as after an unknown outcome
    assert (sink.stats.written, sink.stats.duplicates) == (30, 20)
    subject = subject_of(names[1], batch[0])
    assert await read_subject(js, names[0], subject) == batch
    info = await js.stream_info(names[0])
    assert info.config.duplicate_window == 120.0 and info.config.max_age == 7 * 86_400.0
    await sink.close()


async def test_a_dropped_connection_is_replaced_without_losing_or_duplicating(
    js: JetStreamContext, names: tuple[str, str]
) -> None:
    proxy = CutProxy("127.0.0.1", 4222)
    sink = _sink(f"nats://127.0.0.1:{await proxy.start()}", names, ack_timeout=1.0)
    first, second = sample_events(1, 10), sample_events(11, 10)
    try:
        await sink.write(first)
        assert await proxy.cut() >= 1
        await sink.write(second)
    finally:
        await sink.close()
        await proxy.stop()
    subject = subject_of(names[1], first[0])
    assert await read_subject(js, names[0], subject) == first + second


async def test_an_unreachable_server_and_a_bad_prefix_are_named() -> None:
    with pytest.raises(Disconnected, match=r"127\.0\.0\.1:1"):
        await JetStreamSink("nats://127.0.0.1:1", ack_timeout=0.5).connect()
    with pytest.raises(BadParameter, match="prefix"):
        JetStreamSink(URL, prefix="a.b")


@pytest.mark.parametrize("market", ["BINANCE___SWAP"], indirect=True)
async def test_a_recording_reads_back_from_jetstream_as_from_parquet(
    market: Market, js: JetStreamContext, names: tuple[str, str], tmp_path: Path
) -> None:
    sink = _sink(URL, names)
    recorder = Recorder(market.client, ["BTC-USDT"], [ParquetSink(tmp_path), sink], raw=True)
    await record_until_books(market, recorder, 10)
    # the raw frames too: bytes survive every sink as they came
    for channel in (Channel.BOOK, Channel.TRADES, Channel.RAW):
        from_parquet = list(read_events(tmp_path, channel=channel))
        subject = subject_of(names[1], from_parquet[0])
        assert await read_subject(js, names[0], subject) == from_parquet
