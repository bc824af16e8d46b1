"""NATS JetStream sink: one subject per venue/channel/symbol, publish acknowledgements
awaited in batches, the stream created with limits when missing, and de-duplication by
message id so a batch resent after a lost connection is stored once.

A batch's messages are all published before any acknowledgement is awaited, each with
the batch's own reply subject; the acknowledgements are counted as they arrive (one
subscription per connection) and the batch is done when all have come, or is resent
when one is an error or they have not all come within `ack_timeout`.

Subjects are `<prefix>.<venue>.<channel>.<symbol>` (a `.`, `*`, `>` or space inside a
name becomes `_`); each message is the event as JSON (`read_subject` decodes it back)
with header `Nats-Msg-Id: <venue>/<channel>/<symbol>/<run>/<seq>`, `run` the epoch ms the
sink was created. JetStream drops a message whose id it saw within the stream's
duplicate window, and says so in its acknowledgement (counted as a duplicate).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
import nats
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import NotFoundError

from tradeport.model.errors import BadParameter, Disconnected
from tradeport.record.events import Event
from tradeport.record.urls import take_params

log = logging.getLogger("tradeport.record")

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(Event).decode
_TOKEN = str.maketrans({".": "_", "*": "_", ">": "_", " ": "_"})
DAY = 86_400.0
DEFAULT_STREAM = "TRADEPORT"
DEFAULT_PREFIX = "tradeport"


def subject_of(prefix: str, event: Event) -> str:
    names = (event.venue, str(event.channel), event.symbol)
    return ".".join((prefix, *(n.translate(_TOKEN) for n in names)))


class _PubAck(msgspec.Struct):
    """JetStream's answer to a publish: where it stored the message, or an error."""

    stream: str = ""
    seq: int = 0
    duplicate: bool = False
    error: dict[str, Any] | None = None


_decode_ack = msgspec.json.Decoder(_PubAck).decode
_EXPECTED_STREAM = "Nats-Expected-Stream"  # JetStream refuses the message elsewhere


class _Batch:
    """Acknowledgements counted for one batch of publishes."""

    __slots__ = ("acked", "done", "duplicates", "expected")

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.acked = 0
        self.duplicates = 0
        self.done: asyncio.Future[None] = asyncio.get_running_loop().create_future()


@dataclass(slots=True)
class NatsStats:
    written: int = 0
    duplicates: int = 0  # messages JetStream already had (a resent batch)
    batches: int = 0
    retries: int = 0


class JetStreamSink:
    """Call `await sink.connect()` (or let the first write do it)."""

    def __init__(
        self,
        url: str = "nats://127.0.0.1:4222",
        *,
        stream: str = DEFAULT_STREAM,
        prefix: str = DEFAULT_PREFIX,
        max_age: float = 7 * DAY,
        max_bytes: int = -1,
        duplicate_window: float = 120.0,
        ack_batch: int = 500,
        ack_timeout: float = 5.0,
        retries: int = 5,
        name: str = "nats",
    ) -> None:
        if not prefix or prefix.translate(_TOKEN) != prefix:
            raise BadParameter(f"prefix {prefix!r}: expected one subject token (no . * > space)")
        if ack_batch < 1:
            raise BadParameter(f"ack_batch {ack_batch}: expected at least 1")
        self.url = url
        self.stream = stream
        self.prefix = prefix
        self.max_age = max_age
        self.max_bytes = max_bytes
        self.duplicate_window = duplicate_window
        self.ack_batch = ack_batch
        self.ack_timeout = ack_timeout
        self.retries = retries
        self.name = name
        self.run = time.time_ns() // 1_000_000
        self.stats = NatsStats()
        self._nc: NatsClient | None = None
        self._js: JetStreamContext | None = None
        # (subject, message id before the seq) of each (venue, channel, symbol)
        self._names: dict[tuple[str, str, str], tuple[str, str]] = {}
        # batches awaiting acknowledgements, by number (the last token of their reply)
        self._batches: dict[int, _Batch] = {}
        self._batch_no = 0
        self._acks_on: NatsClient | None = None  # the connection acks are subscribed on
        self._inbox = ""

    async def connect(self, *, create_stream: bool = True) -> JetStreamContext:
        """The JetStream context; the stream is made (or checked) unless a reader that
        must not create one says `create_stream=False`."""
        if self._js is not None:
            return self._js
        try:
            # a few quick reconnects; if they fail the client closes and the next batch
            # connects anew (see _publish_batch), so a long outage costs no lost state
            self._nc = await nats.connect(
                self.url,
                connect_timeout=self.ack_timeout,
                reconnect_time_wait=0.1,
                max_reconnect_attempts=10,
            )
        except (NatsError, OSError) as exc:
            raise Disconnected(f"{self.name}: {self.url} unreachable: {exc}") from exc
        js = self._nc.jetstream(timeout=self.ack_timeout)
        if create_stream:
            await self._ensure_stream(js)
        self._js = js
        return js

    async def _ensure_stream(self, js: JetStreamContext) -> None:
        try:
            info = await js.stream_info(self.stream)
        except NotFoundError:
            await js.add_stream(
                StreamConfig(
                    name=self.stream,
                    subjects=[f"{self.prefix}.>"],
                    storage=StorageType.FILE,
                    max_age=self.max_age,
                    max_bytes=self.max_bytes,
                    duplicate_window=self.duplicate_window,
                )
            )
            return
        subjects = info.config.subjects or []
        if f"{self.prefix}.>" not in subjects:
            raise BadParameter(
                f"{self.name}: stream {self.stream} exists without subjects {self.prefix}.>"
            )

    async def write(self, events: Sequence[Event]) -> None:
        js = await self.connect()
        for start in range(0, len(events), self.ack_batch):
            await self._publish_batch(js, events[start : start + self.ack_batch])
        self.stats.batches += 1

    async def _publish_batch(self, js: JetStreamContext, events: Sequence[Event]) -> None:
        for attempt in range(self.retries + 1):
            self._batch_no += 1
            number = self._batch_no
            batch = self._batches[number] = _Batch(len(events))
            try:
                if self._nc is None or self._nc.is_closed:
                    self._nc = self._js = None
                    await self.connect()
                nc = self._nc
                assert nc is not None  # connect() made it
                reply = f"{await self._ack_inbox(nc)}.{number}"
                # pipelined: every message goes out before the first acknowledgement is
                # awaited; they all come back to one reply subject of this batch
                for event in events:
                    subject, headers = self._headers(event)
                    await nc.publish(subject, _encode(event), reply=reply, headers=headers)
                await asyncio.wait_for(asyncio.shield(batch.done), self.ack_timeout)
            except (NatsError, OSError, Disconnected) as exc:
                # (a timeout is an OSError) what reached the stream is unknown: resend it
                # all, the message ids keep the stream from storing anything twice
                if attempt == self.retries:
                    raise Disconnected(f"{self.name}: publishing to {self.url}: {exc}") from exc
                self.stats.retries += 1
                log.warning("%s: batch not acknowledged (%s); resending", self.name, exc)
                await asyncio.sleep(min(0.1 * 2**attempt, 2.0))
                continue
            finally:
                # acknowledgements of an attempt given up on arrive to no one
                del self._batches[number]
            self.stats.duplicates += batch.duplicates
            self.stats.written += batch.acked - batch.duplicates
            return

    def _headers(self, event: Event) -> tuple[str, dict[str, str]]:
        """(subject, headers) of `event`: its message id, and the stream it must reach."""
        key = (event.venue, event.channel, event.symbol)
        names = self._names.get(key)
        if names is None:
            names = self._names[key] = (
                subject_of(self.prefix, event),
                f"{event.venue}/{event.channel}/{event.symbol}/{self.run}/",
            )
        subject, msg_id = names
        return subject, {"Nats-Msg-Id": f"{msg_id}{event.seq}", _EXPECTED_STREAM: self.stream}

    async def _ack_inbox(self, nc: NatsClient) -> str:
        """The reply subject prefix the acknowledgements of `nc`'s batches come to."""
        if self._acks_on is not nc:
            self._inbox = nc.new_inbox()
            await nc.subscribe(f"{self._inbox}.*", cb=self._on_ack)
            self._acks_on = nc
        return self._inbox

    async def _on_ack(self, msg: Msg) -> None:
        batch = self._batches.get(int(msg.subject.rpartition(".")[2]))
        if batch is None or batch.done.done():
            return
        if not msg.data:  # a status instead of an answer: no stream took the subject
            status = (msg.headers or {}).get("Status", "")
            batch.done.set_exception(NatsError(f"no acknowledgement (status {status})"))
            return
        ack = _decode_ack(msg.data)
        if ack.error is not None:
            batch.done.set_exception(NatsError(f"JetStream refused a message: {ack.error}"))
            return
        batch.acked += 1
        batch.duplicates += ack.duplicate
        if batch.acked == batch.expected:
            batch.done.set_result(None)

    async def flush(self) -> None:
        """Every batch is acknowledged (stored) once `write` returns."""

    async def close(self) -> None:
        if self._nc is not None:
            await self._nc.close()
        self._nc = self._js = None


def nats_target(url: str) -> tuple[str, str, str]:
    """(server URL, stream, subject prefix) of `nats://host:port[?stream=S&prefix=p]`
    (stream `TRADEPORT` and prefix `tradeport` unless named)."""
    server, taken = take_params(url, ("stream", "prefix"))
    return server, taken.get("stream", DEFAULT_STREAM), taken.get("prefix", DEFAULT_PREFIX)


async def iter_stream(
    js: JetStreamContext, stream: str, prefix: str = DEFAULT_PREFIX, *, batch: int = 1000
) -> AsyncIterator[Event]:
    """Every stored event under `prefix` in `stream`, in the order stored (each
    venue/channel/symbol stream in its own order), through a consumer of this read's own
    that acknowledges nothing."""
    subjects = f"{prefix}.>"
    try:
        info = await js.stream_info(stream, subjects_filter=subjects)
    except NotFoundError as exc:
        raise BadParameter(f"no JetStream stream {stream!r}") from exc
    if not sum((info.state.subjects or {}).values()):
        return
    sub = await js.pull_subscribe(
        subjects,
        stream=stream,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE),
    )
    try:
        while True:
            msgs = await sub.fetch(batch)
            for msg in msgs:
                yield _decode(msg.data)
            if msgs[-1].metadata.num_pending == 0:
                return
    finally:
        await sub.unsubscribe()


async def read_subject(js: JetStreamContext, stream: str, subject: str) -> list[Event]:
    """Every stored event of `subject`, oldest first."""
    info = await js.stream_info(stream, subjects_filter=subject)
    total = (info.state.subjects or {}).get(subject, 0)
    events: list[Event] = []
    if not total:
        return events
    sub = await js.pull_subscribe(
        subject,
        stream=stream,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE),
    )
    try:
        while len(events) < total:
            for msg in await sub.fetch(min(1000, total - len(events))):
                events.append(_decode(msg.data))
    finally:
        await sub.unsubscribe()
    return events
