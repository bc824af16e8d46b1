"""Trade ids are kept as the venue spells them in every sink: BingX's trades carry no id
(ours is time-price-qty), OKX and Bybit send strings, and a numeric id may not fit a
64-bit integer. Each sink stores text and gives back the same string."""

from __future__ import annotations

import uuid
from pathlib import Path

import nats
import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import redis.asyncio as aioredis
from psycopg import sql

from tradeport.record import ParquetSink, TradeEvent, read_events
from tradeport.record.events import Channel
from tradeport.record.nats_sink import JetStreamSink, read_subject, subject_of
from tradeport.record.postgres_sink import PostgresSink, read_table
from tradeport.record.redis_sink import RedisStreamSink, read_stream, stream_key

IDS = ["1700000000123-64000.5-0.25", "a1b2c3d4-e5f6", "18446744073709551617", "0042"]


def _trades() -> list[TradeEvent]:
    return [
        TradeEvent(
            venue="V",
            symbol="BTC-USDT",
            seq=seq,
            trade_id=trade_id,
            price=64_000.5,
            qty=0.25,
            side="buy",
            ts=1_700_000_000_000_000_000 + seq,
            local_ts=1_700_000_000_000_000_100 + seq,
        )
        for seq, trade_id in enumerate(IDS, start=1)
    ]


async def test_parquet_keeps_trade_ids_as_strings(tmp_path: Path) -> None:
    sink = ParquetSink(tmp_path)
    await sink.write(_trades())
    await sink.close()
    assert list(read_events(tmp_path)) == _trades()
    (path,) = tmp_path.rglob("*.parquet")
    assert pq.read_schema(path).field("trade_id").type == pa.string()


async def test_redis_keeps_trade_ids_as_strings() -> None:
    prefix = f"tptest{uuid.uuid4().hex[:12]}"
    sink = RedisStreamSink(prefix=prefix)
    admin = aioredis.Redis.from_url(sink.url)
    try:
        await sink.write(_trades())
        assert await read_stream(admin, stream_key(prefix, _trades()[0])) == _trades()
    finally:
        await sink.close()
        await admin.delete(stream_key(prefix, _trades()[0]))
        await admin.aclose()


async def test_jetstream_keeps_trade_ids_as_strings() -> None:
    tag = uuid.uuid4().hex[:10]
    sink = JetStreamSink(stream=f"TPTEST_{tag}", prefix=f"tptest{tag}")
    nc = await nats.connect(sink.url)
    js = nc.jetstream()
    try:
        await sink.write(_trades())
        subject = subject_of(sink.prefix, _trades()[0])
        assert await read_subject(js, sink.stream, subject) == _trades()
    finally:
        await sink.close()
        await js.delete_stream(sink.stream)
        await nc.close()


async def test_postgres_keeps_trade_ids_as_text() -> None:
    dsn = "postgresql://postgres@127.0.0.1:5432/test"
    schema = f"tptest_{uuid.uuid4().hex[:12]}"
    sink = PostgresSink(dsn, schema=schema)
    admin = await psycopg.AsyncConnection.connect(dsn, autocommit=True)
    try:
        await sink.write(_trades())
        assert await read_table(admin, schema, Channel.TRADES) == _trades()
    finally:
        await sink.close()
        drop = sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
        await admin.execute(drop)
        await admin.close()
