"""Redis Streams sink: one stream per venue/channel/symbol, `XADD … MAXLEN ~`,
pipelined per batch.

Keys are `<prefix>:<venue>:<channel>:<symbol>`; each entry holds one field, `event`,
the event as JSON (tagged `book`, `trade` or `marker`; `read_stream` decodes it back).
Entry ids are `<run>-<seq>`: `run` is the epoch millisecond the sink was created (one
per recording run; the recorder's `seq` restarts with each run) and `seq` the event's
place in its stream. Redis refuses an id not above the stream's last one, which makes a
resent batch (after a lost connection, when it is unknown what reached the server)
harmless: what was already written is refused and counted as a duplicate, not written
twice. Connection failures are retried `retries` times on a new connection.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import msgspec
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from tradeport.model.errors import BadParameter, Disconnected
from tradeport.record.events import Event
from tradeport.record.sink import ServerSinkStats, resend_on_loss

DEFAULT_MAXLEN = 1_000_000
_SMALLER = "equal or smaller than the target stream top item"
_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(Event).decode


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def stream_key(prefix: str, event: Event) -> str:
    return f"{prefix}:{event.venue}:{event.channel}:{event.symbol}"


class RedisStreamSink:
    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        prefix: str = "tradeport",
        maxlen: int = DEFAULT_MAXLEN,
        retries: int = 3,
        name: str = "redis",
    ) -> None:
        if maxlen < 1:
            raise BadParameter(f"maxlen {maxlen}: expected at least 1")
        if not prefix or ":" in prefix:
            raise BadParameter(f"prefix {prefix!r}: expected a non-empty name without ':'")
        self.url = url
        self.prefix = prefix
        self.maxlen = maxlen
        self.retries = retries
        self.name = name
        self.run = time.time_ns() // 1_000_000
        self.stats = ServerSinkStats()
        # named, so an operator (or a test) can tell the recorder's connections apart
        self.client_name = f"tradeport-record-{self.run}-{id(self):x}"
        self.redis: aioredis.Redis = aioredis.Redis.from_url(url, client_name=self.client_name)
        self._keys: dict[tuple[str, str, str], str] = {}  # (venue, channel, symbol) → key

    async def write(self, events: Sequence[Event]) -> None:
        await resend_on_loss(
            lambda: self._send(events),
            name=self.name,
            retries=self.retries,
            lost=(RedisConnectionError, RedisTimeoutError, OSError),
            reconnect=self.redis.connection_pool.disconnect,
            unreachable=lambda exc: Disconnected(f"{self.name}: {self.url} unreachable: {exc}"),
            stats=self.stats,
        )

    async def _send(self, events: Sequence[Event]) -> None:
        pipe = self.redis.pipeline(transaction=False)
        keys = self._keys
        # XADD <key> MAXLEN ~ <maxlen> <run>-<seq> event <json>, written out: the
        # client's xadd() builds the same arguments with more work per entry
        maxlen, run = str(self.maxlen), self.run
        for event in events:
            names = (event.venue, event.channel, event.symbol)
            key = keys.get(names)
            if key is None:
                key = keys[names] = stream_key(self.prefix, event)
            pipe.execute_command(
                "XADD", key, "MAXLEN", "~", maxlen, f"{run}-{event.seq}", "event", _encode(event)
            )
        results: list[Any] = await pipe.execute(raise_on_error=False)
        written = 0
        for event, result in zip(events, results, strict=True):
            if isinstance(result, ResponseError):
                if _SMALLER not in str(result):
                    raise result
                await self._check_duplicate(event)
                self.stats.duplicates += 1
            elif isinstance(result, Exception):
                raise result
            else:
                written += 1
        self.stats.written += written
        self.stats.batches += 1

    async def _check_duplicate(self, event: Event) -> None:
        """A refused id is a duplicate only when the stream's last entry is of this
        run; a stream holding a later run means this machine's clock went back."""
        key = stream_key(self.prefix, event)
        last: Any = await self.redis.xrevrange(key, count=1)
        top = _text(last[0][0]) if last else "0-0"
        if int(top.split("-")[0]) != self.run:
            raise BadParameter(
                f"{self.name}: {key} already holds entries up to {top}, after this run "
                f"({self.run}): the clock went back or another recorder uses prefix "
                f"{self.prefix!r}; refusing to interleave runs"
            )

    async def flush(self) -> None:
        """Every batch is on the server once `write` returns."""

    async def close(self) -> None:
        await self.redis.aclose()


async def read_stream(
    redis: aioredis.Redis, key: str, *, start: str = "-", count: int = 10_000
) -> list[Event]:
    """The events of one stream, oldest first."""
    events: list[Event] = []
    while True:
        rows: Any = await redis.xrange(key, min=start, count=count)
        events.extend(_decode(fields[b"event"]) for _, fields in rows)
        if len(rows) < count:
            return events
        start = "(" + _text(rows[-1][0])
