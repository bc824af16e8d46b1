"""Top-of-book recording (`quotes=True`, `--top-of-book`): the venue's best bid/ask
pushes are written as their own stream on every venue, whole and in order, and read
back the same from Parquet and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import psycopg
from psycopg import sql
from tests.record.conftest import Market

from tradeport.model import Quote
from tradeport.record import ParquetSink, QuoteEvent, Recorder, read_events
from tradeport.record.events import Channel, Marker, MarkerKind
from tradeport.record.postgres_sink import PostgresSink, read_table

DSN = "postgresql://postgres@127.0.0.1:5432/test"
WANTED = 8


async def test_quotes_are_recorded_whole_and_read_back(market: Market, tmp_path: Path) -> None:
    seen: list[Quote] = []
    enough = asyncio.Event()

    def on_quote(quote: Quote) -> None:
        seen.append(quote)
        if len(seen) >= WANTED:
            enough.set()

    schema = f"tptest_{uuid.uuid4().hex[:12]}"
    sinks = [ParquetSink(tmp_path), PostgresSink(DSN, schema=schema)]
    recorder = Recorder(market.client, ["BTC-USDT"], sinks, quotes=True, flush_interval=0.05)
    await recorder.start()
    watch = await market.client.watch_quotes("BTC-USDT", callback=on_quote)
    admin = await psycopg.AsyncConnection.connect(DSN, autocommit=True)
    try:
        await asyncio.wait_for(enough.wait(), 30)
        await recorder.stop()
        await watch.close()
        stream = list(read_events(tmp_path, channel=Channel.QUOTES))
        assert await read_table(admin, schema, Channel.QUOTES) == stream
    finally:
        drop = sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema))
        await admin.execute(drop)
        await admin.close()

    assert [e.seq for e in stream] == list(range(1, len(stream) + 1))
    assert isinstance(stream[0], Marker) and stream[0].kind is MarkerKind.START
    quotes = [e for e in stream if isinstance(e, QuoteEvent)]
    assert len(quotes) >= WANTED - 1
    assert all(q.bid < q.ask and q.bid_qty > 0 and q.ask_qty > 0 for q in quotes)
    # the recorder subscribed first: what the second consumer saw is a run of its quotes
    recorded = [(q.bid, q.bid_qty, q.ask, q.ask_qty, q.update_id) for q in quotes]
    observed = [(q.bid, q.bid_qty, q.ask, q.ask_qty, q.update_id) for q in seen]
    start = recorded.index(observed[0])
    assert recorded[start : start + len(observed)] == observed[: len(recorded) - start]
