"""The PostgreSQL sink against the server on 127.0.0.1:5432 (database `test`): events
round-trip with the documented column types, a resent batch is not stored twice, a
connection the server terminates is replaced without losing or duplicating rows, and a
recording from the emulator reads back as its Parquet copy."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from tests.record.conftest import Market, record_until_books, sample_events

from tradeport.model.errors import BadParameter, Disconnected
from tradeport.record import ParquetSink, Recorder, TradeEvent, read_events
from tradeport.record.events import Channel, Marker, MarkerKind
from tradeport.record.postgres_sink import PostgresSink, read_table

DSN = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture
async def admin() -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    conn = await psycopg.AsyncConnection.connect(DSN, autocommit=True)
    yield conn
    await conn.close()


@pytest.fixture
async def schema(admin: psycopg.AsyncConnection[Any]) -> AsyncIterator[str]:
    """A schema of this test's own, dropped at the end."""
    name = f"tptest_{uuid.uuid4().hex[:12]}"
    yield name
    await admin.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(name)))


def _trade(seq: int, trade_id: str) -> TradeEvent:
    return TradeEvent(
        venue="V",
        symbol="BTC-USDT",
        seq=seq,
        trade_id=trade_id,
        price=64_000.5,
        qty=0.25,
        side="sell",
        ts=1_700_000_000_000_000_000,
        local_ts=1_700_000_000_000_000_123,
    )


async def test_events_round_trip_and_a_resent_batch_is_not_duplicated(
    admin: psycopg.AsyncConnection[Any], schema: str
) -> None:
    sink = PostgresSink(DSN, schema=schema)
    batch = sample_events(1, 30)
    await sink.write(batch)
    await sink.write(batch[10:])  # the tail resent, as after an unknown outcome
    assert (sink.stats.written, sink.stats.duplicates) == (30, 20)
    assert await read_table(admin, schema, Channel.BOOK) == batch

    # trade ids are text: OKX-style numeric strings and non-numeric ids alike
    gone = Marker(
        venue="V",
        symbol="BTC-USDT",
        channel=Channel.TRADES,
        seq=3,
        kind=MarkerKind.DISCONNECT,
        reason="lost",
        local_ts=5,
    )
    trades = [_trade(1, "1234567890123"), _trade(2, "a1b2-c3d4"), gone]
    await sink.write(trades)
    assert await read_table(admin, schema, Channel.TRADES, symbol="BTC-USDT") == trades
    await sink.close()

    cur = await admin.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = %s",
        (schema,),
    )
    types = {(t, c): d for t, c, d in await cur.fetchall()}
    assert types[("trades", "trade_id")] == "text"
    assert types[("trades", "price")] == types[("trades", "qty")] == "double precision"
    assert types[("book", "bid_px")] == "ARRAY"
    for table in ("book", "trades"):
        for column in ("seq", "ts", "local_ts", "run", "count"):
            assert types[(table, column)] == "bigint", (table, column)


async def test_a_connection_the_server_terminates_is_replaced_without_losing_or_duplicating(
    admin: psycopg.AsyncConnection[Any], schema: str
) -> None:
    sink = PostgresSink(DSN, schema=schema)
    first, second = sample_events(1, 10), sample_events(11, 10)
    await sink.write(first)
    cur = await admin.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = %s",
        (sink.application_name,),
    )
    assert [row[0] for row in await cur.fetchall()] == [True]  # only the sink's connection
    await sink.write(second)
    assert sink.stats.reconnects == 1
    assert await read_table(admin, schema, Channel.BOOK) == first + second
    await sink.close()


async def test_two_runs_keep_their_rows_apart(
    admin: psycopg.AsyncConnection[Any], schema: str
) -> None:
    first, second = PostgresSink(DSN, schema=schema), PostgresSink(DSN, schema=schema)
    second.run = first.run + 1  # the next recording run: seq starts again at 1
    await first.write(sample_events(1, 4))
    await second.write(sample_events(1, 4))
    assert (first.stats.written, second.stats.written, second.stats.duplicates) == (4, 4, 0)
    assert len(await read_table(admin, schema, Channel.BOOK)) == 8
    await first.close()
    await second.close()


async def test_an_unreachable_server_and_a_bad_schema_are_named() -> None:
    sink = PostgresSink("postgresql://postgres@127.0.0.1:1/test", retries=1, connect_timeout=1)
    with pytest.raises(Disconnected, match=r"127\.0\.0\.1:1/test"):
        await sink.write(sample_events(1, 1))
    assert sink.stats.reconnects == 1
    await sink.close()
    with pytest.raises(BadParameter, match="schema"):
        PostgresSink(DSN, schema="a; DROP TABLE x")


@pytest.mark.parametrize("market", ["BINANCE___SWAP"], indirect=True)
async def test_a_recording_reads_back_from_postgres_as_from_parquet(
    market: Market, admin: psycopg.AsyncConnection[Any], schema: str, tmp_path: Path
) -> None:
    sink = PostgresSink(DSN, schema=schema)
    recorder = Recorder(
        market.client, ["BTC-USDT"], [ParquetSink(tmp_path), sink], flush_interval=0.05, raw=True
    )
    await record_until_books(market, recorder, 10)
    # the raw frames too: bytes survive every sink as they came
    for channel in (Channel.BOOK, Channel.TRADES, Channel.RAW):
        from_parquet = list(read_events(tmp_path, channel=channel))
        assert await read_table(admin, schema, channel, venue=market.key) == from_parquet
    assert len(list(read_events(tmp_path, channel=Channel.BOOK))) >= 10
