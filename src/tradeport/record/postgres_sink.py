"""PostgreSQL sink (psycopg 3, asyncio): one table per channel, `COPY` in batches,
tables created on first use, and a resent batch stored once.

Tables `<schema>.book`, `<schema>.trades`, `<schema>.quotes` and `<schema>.raw`
(frames `bytea`; schema `tradeport`
by default, or `?schema=` in the URL; created when missing) hold the columns of rows.py
after `venue`, `symbol` and `run`: prices and sizes `double precision` (book levels as
`double precision[]`), ids and counts `bigint`, trade ids `text` (venues such as OKX
and Bybit name trades with non-numeric ids), times `bigint` epoch nanoseconds. `run` is
the epoch millisecond the sink was created (the recorder's `seq` restarts with each
run), and (venue, symbol, run, seq) is each table's primary key.

A batch is one transaction: its rows are `COPY`ed (binary) into a temporary table and
moved with `INSERT … ON CONFLICT DO NOTHING`, so rows that a batch resent after a lost
connection (when it is unknown whether the commit reached the server) already wrote are
skipped and counted as duplicates, not stored twice. A lost connection is replaced and
the batch resent, `retries` times.
"""

from __future__ import annotations

import re
import struct
import sys
import time
from array import array
from collections.abc import AsyncIterator, Sequence
from typing import Any

import psycopg
from psycopg import sql

from tradeport.model.errors import BadParameter, Disconnected
from tradeport.record.events import Channel, Event
from tradeport.record.rows import BOOK_LEVELS, COLUMNS, packed_row, row_event
from tradeport.record.sink import ServerSinkStats, resend_on_loss
from tradeport.record.urls import take_params

DEFAULT_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"
_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_KEY = ("venue", "symbol", "run")
# column → (SQL type, binary COPY type)
_TYPES: dict[str, tuple[str, str]] = {
    "venue": ("text NOT NULL", "text"),
    "symbol": ("text NOT NULL", "text"),
    "run": ("bigint NOT NULL", "int8"),
    "seq": ("bigint NOT NULL", "int8"),
    "kind": ("text NOT NULL", "text"),
    "prev_id": ("bigint NOT NULL", "int8"),
    "update_id": ("bigint NOT NULL", "int8"),
    "ts": ("bigint NOT NULL", "int8"),
    "local_ts": ("bigint NOT NULL", "int8"),
    # sent as the server's binary float8[] already (_level_arrays): no dumping here
    "bid_px": ("double precision[] NOT NULL", "bytea"),
    "bid_qty": ("double precision[] NOT NULL", "bytea"),
    "ask_px": ("double precision[] NOT NULL", "bytea"),
    "ask_qty": ("double precision[] NOT NULL", "bytea"),
    "trade_id": ("text", "text"),
    "price": ("double precision", "float8"),
    "qty": ("double precision", "float8"),
    "side": ("text", "text"),
    "bid": ("double precision", "float8"),
    "ask": ("double precision", "float8"),
    "topic": ("text", "text"),
    "frame": ("bytea", "bytea"),
    "reason": ("text NOT NULL", "text"),
    "count": ("bigint NOT NULL", "int8"),
}


# a quote's sizes are one number each, a book's are its levels
_QUOTE_TYPES = {
    "bid_qty": ("double precision", "float8"),
    "ask_qty": ("double precision", "float8"),
}


_FLOAT8 = 701  # the element type oid of float8[]
_ARRAY_HEAD = struct.Struct(">iiiii")  # dimensions, has nulls, element type, length, lower bound
_EMPTY_ARRAY = struct.pack(">iii", 0, 0, _FLOAT8)


def _float8_array(doubles: bytes, offset: int, count: int) -> bytes:
    """`count` big-endian doubles, every other one of `doubles` from the `offset`th,
    as PostgreSQL's binary float8[] (what its array_recv reads): a header, then each
    element as its length (8) and its bytes. Slice copies, no call per element."""
    if not count:
        return _EMPTY_ARRAY
    body = bytearray(12 * count)
    body[3::12] = b"\x08" * count
    for byte in range(8):
        body[4 + byte :: 12] = doubles[8 * offset + byte :: 16]
    return _ARRAY_HEAD.pack(1, 0, _FLOAT8, count, 1) + body


def _level_arrays(levels: bytes) -> tuple[bytes, bytes]:
    """(prices, sizes) of flat levels (rows.flat_levels) as two binary float8[]."""
    count = len(levels) // 16
    if sys.byteorder == "little":  # the server's doubles are big-endian
        doubles = array("d", levels)
        doubles.byteswap()
        levels = doubles.tobytes()
    return _float8_array(levels, 0, count), _float8_array(levels, 1, count)


def _copy_row(event: Event, run: int) -> tuple[Any, ...]:
    """`event` as a row of its table: the key, then its channel's columns."""
    row = packed_row(event)
    if event.channel is not Channel.BOOK:
        return (event.venue, event.symbol, run, *row)
    bids, asks = BOOK_LEVELS
    return (
        event.venue,
        event.symbol,
        run,
        *row[:bids],
        *_level_arrays(row[bids]),
        *_level_arrays(row[asks]),
        *row[asks + 1 :],
    )


def _type(channel: Channel, column: str) -> tuple[str, str]:
    if channel is Channel.QUOTES and column in _QUOTE_TYPES:
        return _QUOTE_TYPES[column]
    return _TYPES[column]


def table_columns(channel: Channel) -> tuple[str, ...]:
    return (*_KEY, *COLUMNS[channel])


def _table(schema: str, channel: Channel) -> sql.Composed:
    return sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(str(channel)))


def _staging(channel: Channel) -> sql.Identifier:
    return sql.Identifier(f"tradeport_in_{channel}")


def _create_table(schema: str, channel: Channel) -> sql.Composed:
    columns = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(_type(channel, name)[0]))
        for name in table_columns(channel)
    )
    create = "CREATE TABLE IF NOT EXISTS {} ({}, PRIMARY KEY (venue, symbol, run, seq))"
    return sql.SQL(create).format(_table(schema, channel), columns)


class PostgresSink:
    def __init__(
        self,
        dsn: str = DEFAULT_DSN,
        *,
        schema: str = "tradeport",
        retries: int = 3,
        connect_timeout: float = 5.0,
        name: str = "postgres",
    ) -> None:
        if not _NAME.fullmatch(schema):
            raise BadParameter(
                f"schema {schema!r}: expected a lower-case name of letters, digits and _"
            )
        self.dsn = dsn
        self.schema = schema
        self.retries = retries
        self.connect_timeout = connect_timeout
        self.name = name
        self.run = time.time_ns() // 1_000_000
        self.stats = ServerSinkStats()
        # named, so an operator (or a test) can tell the recorder's connection apart
        self.application_name = f"tradeport-record-{self.run}-{id(self):x}"
        self._conn: psycopg.AsyncConnection[Any] | None = None

    async def connect(self) -> psycopg.AsyncConnection[Any]:
        """The open connection, or a new one with the tables and staging tables made."""
        if self._conn is not None and not self._conn.closed:
            return self._conn
        try:
            conn = await psycopg.AsyncConnection.connect(
                self.dsn,
                application_name=self.application_name,
                connect_timeout=max(1, round(self.connect_timeout)),
            )
        except psycopg.OperationalError as exc:
            raise Disconnected(f"{self.name}: {_where(self.dsn)} unreachable: {exc}") from exc
        try:
            async with conn.transaction():
                # recorders starting together must not race to create the same tables
                await conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self.schema,))
                await conn.execute(
                    sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.schema))
                )
                for channel in Channel:
                    await conn.execute(_create_table(self.schema, channel))
            for channel in Channel:
                await conn.execute(
                    sql.SQL("CREATE TEMP TABLE {} (LIKE {}) ON COMMIT DELETE ROWS").format(
                        _staging(channel), _table(self.schema, channel)
                    )
                )
            await conn.commit()
        except BaseException:
            await conn.close()
            raise
        self._conn = conn
        return conn

    async def write(self, events: Sequence[Event]) -> None:
        by_channel: dict[Channel, list[tuple[Any, ...]]] = {c: [] for c in Channel}
        run = self.run
        for event in events:
            by_channel[event.channel].append(_copy_row(event, run))
        # the primary key keeps the tables from storing a resent row twice
        await resend_on_loss(
            lambda: self._send(by_channel),
            name=self.name,
            retries=self.retries,
            lost=(psycopg.OperationalError, Disconnected),
            reconnect=self._discard,
            unreachable=self._unreachable,
            stats=self.stats,
        )

    def _unreachable(self, exc: Exception) -> Disconnected:
        if isinstance(exc, Disconnected):  # connect() names the server already
            return exc
        return Disconnected(f"{self.name}: {_where(self.dsn)} unreachable: {exc}")

    async def _send(self, by_channel: dict[Channel, list[tuple[Any, ...]]]) -> None:
        conn = await self.connect()
        inserted = total = 0
        async with conn.transaction(), conn.cursor() as cur:
            for channel, rows in by_channel.items():
                if not rows:
                    continue
                total += len(rows)
                columns = table_columns(channel)
                names = sql.SQL(", ").join(map(sql.Identifier, columns))
                copy_sql = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
                    _staging(channel), names
                )
                async with cur.copy(copy_sql) as copy:
                    copy.set_types([_type(channel, name)[1] for name in columns])
                    for row in rows:
                        await copy.write_row(row)
                await cur.execute(
                    sql.SQL("INSERT INTO {} SELECT * FROM {} ON CONFLICT DO NOTHING").format(
                        _table(self.schema, channel), _staging(channel)
                    )
                )
                inserted += cur.rowcount
        self.stats.written += inserted
        self.stats.duplicates += total - inserted
        self.stats.batches += 1

    async def _discard(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await conn.close()

    async def flush(self) -> None:
        """Every batch is committed once `write` returns."""

    async def close(self) -> None:
        await self._discard()


def split_schema(url: str, default: str = "tradeport") -> tuple[str, str]:
    """(connection URL, schema) of `postgresql://…/db?schema=name`."""
    dsn, taken = take_params(url, ("schema",))
    return dsn, taken.get("schema", default)


def _where(dsn: str) -> str:
    """The server a DSN names, without its password."""
    info = psycopg.conninfo.conninfo_to_dict(dsn)
    return f"{info.get('host', 'localhost')}:{info.get('port', 5432)}/{info.get('dbname', '')}"


async def connect_reader(dsn: str) -> psycopg.AsyncConnection[Any]:
    """A connection to read a recording with (Disconnected naming the server if none)."""
    try:
        return await psycopg.AsyncConnection.connect(dsn, autocommit=True)
    except psycopg.OperationalError as exc:
        raise Disconnected(f"{_where(dsn)} unreachable: {exc}") from exc


async def read_table(
    conn: psycopg.AsyncConnection[Any],
    schema: str,
    channel: Channel,
    *,
    venue: str | None = None,
    symbol: str | None = None,
    batch: int = 10_000,
) -> list[Event]:
    """The recorded events of `channel` (of one venue and symbol, if given), stream by
    stream in recording order: runs oldest first, then `seq`."""
    events = iter_table(conn, schema, channel, venue=venue, symbol=symbol, batch=batch)
    return [event async for event in events]


async def iter_table(
    conn: psycopg.AsyncConnection[Any],
    schema: str,
    channel: Channel,
    *,
    venue: str | None = None,
    symbol: str | None = None,
    batch: int = 10_000,
) -> AsyncIterator[Event]:
    """`read_table`, one event at a time (a server-side cursor: memory stays flat)."""
    columns = table_columns(channel)
    where, params = _filters(venue=venue, symbol=symbol)
    query = sql.SQL("SELECT {} FROM {}{} ORDER BY venue, symbol, run, seq").format(
        sql.SQL(", ").join(map(sql.Identifier, columns)), _table(schema, channel), where
    )
    # a server-side cursor lives in a transaction (a savepoint if one is open)
    async with conn.transaction(), conn.cursor(name=f"tradeport_read_{channel}") as cur:
        cur.itersize = batch
        await cur.execute(query, params)
        async for values in cur:
            row = dict(zip(columns, values, strict=True))
            yield row_event(row["venue"], channel, row["symbol"], row)


def _filters(**wanted: str | None) -> tuple[sql.Composable, list[str]]:
    parts = [sql.SQL("{} = %s").format(sql.Identifier(k)) for k, v in wanted.items() if v]
    params = [v for v in wanted.values() if v]
    if not parts:
        return sql.SQL(""), params
    return sql.SQL(" WHERE ") + sql.SQL(" AND ").join(parts), params
