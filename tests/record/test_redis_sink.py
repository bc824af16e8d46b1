"""The Redis Streams sink against the Redis server on 127.0.0.1:6379: events round-trip,
a resent batch is not written twice, a connection the server drops is replaced, and a
recording from the emulator reads back the same as its Parquet copy."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from tests.record.conftest import Market, record_until_books, sample_events

from tradeport.model.errors import BadParameter, Disconnected
from tradeport.record import ParquetSink, Recorder, TradeEvent, read_events
from tradeport.record.events import Channel
from tradeport.record.redis_sink import RedisStreamSink, read_stream, stream_key

URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
async def admin() -> AsyncIterator[aioredis.Redis]:
    redis = aioredis.Redis.from_url(URL)
    yield redis
    await redis.aclose()


@pytest.fixture
async def prefix(admin: aioredis.Redis) -> AsyncIterator[str]:
    name = f"tptest{uuid.uuid4().hex[:12]}"
    yield name
    keys = [key async for key in admin.scan_iter(f"{name}:*")]
    if keys:
        await admin.delete(*keys)


async def test_events_round_trip_and_a_resent_batch_is_not_duplicated(
    admin: aioredis.Redis, prefix: str
) -> None:
    sink = RedisStreamSink(URL, prefix=prefix)
    batch = sample_events(1, 30)
    await sink.write(batch)
    await sink.write(batch[10:])  # the tail resent, as after an unknown outcome
    key = stream_key(prefix, batch[0])
    assert await admin.xlen(key) == 30
    assert await read_stream(admin, key, count=7) == batch
    assert (sink.stats.written, sink.stats.duplicates) == (30, 20)
    trade = TradeEvent(
        venue="V",
        symbol="BTC-USDT",
        seq=1,
        trade_id="9",
        price=1.0,
        qty=2.0,
        side="sell",
        ts=1,
        local_ts=2,
    )
    await sink.write([trade])
    assert await read_stream(admin, stream_key(prefix, trade)) == [trade]
    await sink.close()


async def test_a_connection_the_server_drops_is_replaced_without_losing_or_duplicating(
    admin: aioredis.Redis, prefix: str
) -> None:
    sink = RedisStreamSink(URL, prefix=prefix)
    first, second = sample_events(1, 10), sample_events(11, 10)
    await sink.write(first)
    clients = await admin.client_list()
    ours = [c["id"] for c in clients if c.get("name") == sink.client_name]
    assert ours
    for client_id in ours:  # only the sink's connections: the server is shared
        assert await admin.client_kill_filter(_id=client_id)
    await sink.write(second)
    assert await read_stream(admin, stream_key(prefix, first[0])) == first + second
    await sink.close()


async def test_a_stream_holding_a_later_run_is_refused(admin: aioredis.Redis, prefix: str) -> None:
    later = RedisStreamSink(URL, prefix=prefix)
    earlier = RedisStreamSink(URL, prefix=prefix)
    earlier.run = later.run - 1000  # a clock that went back between two runs
    await later.write(sample_events(1, 3))
    with pytest.raises(BadParameter, match="refusing to interleave"):
        await earlier.write(sample_events(1, 3))
    assert await admin.xlen(stream_key(prefix, sample_events(1, 1)[0])) == 3
    await later.close()
    await earlier.close()
    with pytest.raises(BadParameter, match="prefix"):
        RedisStreamSink(URL, prefix="a:b")


@pytest.mark.parametrize("market", ["BINANCE___SWAP"], indirect=True)
async def test_a_recording_reads_back_from_redis_as_from_parquet(
    market: Market, admin: aioredis.Redis, prefix: str, tmp_path: Path
) -> None:
    redis_sink = RedisStreamSink(URL, prefix=prefix)
    recorder = Recorder(
        market.client,
        ["BTC-USDT"],
        [ParquetSink(tmp_path), redis_sink],
        flush_interval=0.05,
        raw=True,
    )
    await record_until_books(market, recorder, 10)
    # the raw frames too: bytes survive every sink as they came
    for channel in (Channel.BOOK, Channel.TRADES, Channel.RAW):
        from_parquet = list(read_events(tmp_path, channel=channel))
        key = f"{prefix}:{market.key}:{channel}:BTC-USDT"
        assert await read_stream(admin, key) == from_parquet
    assert len(list(read_events(tmp_path, channel=Channel.BOOK))) >= 10


async def test_an_unreachable_server_is_a_disconnected_error_naming_it() -> None:
    sink = RedisStreamSink("redis://127.0.0.1:1/0", prefix="tp", retries=1)
    with pytest.raises(Disconnected, match=r"127\.0\.0\.1:1"):
        await sink.write(sample_events(1, 1))
    assert sink.stats.reconnects == 1
    await sink.close()
