"""The Parquet writer as a JetStream consumer: the scale-out topology, where recorders
(one per shard, on any machine) publish into one JetStream stream and a single process
writes the Parquet tree from it.

The writer reads through a durable pull consumer (`durable`, so a restart continues
where the last run committed) that acknowledges everything up to a message at once.
Every `commit_interval` seconds, and when it stops, it finishes the Parquet files it
has open (written, footer, renamed) and only then acknowledges the last message they
hold. A writer that dies before a commit leaves only temporary files, which the next
start removes (parquet.py `recover`), and JetStream redelivers those messages once
their acknowledgement wait (`ack_wait`, by default twice the commit interval and 30 s)
is over: nothing is lost. A writer that dies
between finishing its files and acknowledging writes those events again (at most one
commit interval of them); `tradeport replay` reports the repeated `seq`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import msgspec
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from tradeport.model.errors import BadParameter
from tradeport.record.events import Event
from tradeport.record.nats_sink import DEFAULT_PREFIX, DEFAULT_STREAM, JetStreamSink
from tradeport.record.parquet import ParquetSink

log = logging.getLogger("tradeport.record")

_decode = msgspec.json.Decoder(Event).decode
DEFAULT_DURABLE = "tradeport-parquet"


@dataclass(slots=True)
class WriterStats:
    received: int = 0
    commits: int = 0
    committed: int = 0  # events in finished files whose messages were acknowledged
    redelivered: int = 0  # messages JetStream delivered more than once


class JetStreamWriter:
    """`await writer.run(stop)` consumes until `stop` is set (or `max_events` were
    received), committing as it goes and once more at the end."""

    def __init__(
        self,
        sink: ParquetSink,
        url: str = "nats://127.0.0.1:4222",
        *,
        stream: str = DEFAULT_STREAM,
        prefix: str = DEFAULT_PREFIX,
        durable: str = DEFAULT_DURABLE,
        batch: int = 1000,
        commit_interval: float = 30.0,
        ack_wait: float | None = None,
        fetch_timeout: float = 1.0,
        progress: Callable[[WriterStats], None] | None = None,
    ) -> None:
        if commit_interval <= 0:
            raise BadParameter(f"commit_interval {commit_interval}: expected > 0")
        if batch < 1:
            raise BadParameter(f"batch {batch}: expected at least 1")
        if not durable or any(c in durable for c in ". *>"):
            raise BadParameter(f"durable {durable!r}: expected a name without . * > or space")
        self.sink = sink
        self.durable = durable
        self.batch = batch
        self.commit_interval = commit_interval
        # how long JetStream waits for an acknowledgement before delivering again: more
        # than a commit interval, or messages come twice while their files are open
        self.ack_wait = commit_interval * 2 + 30.0 if ack_wait is None else ack_wait
        if self.ack_wait <= 0:
            raise BadParameter(f"ack_wait {ack_wait}: expected > 0")
        self.fetch_timeout = fetch_timeout
        self.progress = progress  # told after every batch written
        # the sink's connection and stream set-up serve the writer too: the stream is
        # made with the recorders' limits if the writer starts first
        self._source = JetStreamSink(url, stream=stream, prefix=prefix, name="jetstream writer")
        self.stats = WriterStats()

    async def run(self, stop: asyncio.Event | None = None, max_events: int | None = None) -> None:
        stop = stop or asyncio.Event()
        source = self._source
        last: Msg | None = None
        pending = 0
        try:
            js = await source.connect()
            sub = await js.pull_subscribe(
                f"{source.prefix}.>",
                durable=self.durable,
                stream=source.stream,
                config=ConsumerConfig(
                    deliver_policy=DeliverPolicy.ALL,
                    ack_policy=AckPolicy.ALL,
                    # unacknowledged until the files holding them are finished
                    ack_wait=self.ack_wait,
                    max_ack_pending=-1,
                ),
            )
            next_commit = time.monotonic() + self.commit_interval
            while not stop.is_set():
                if max_events is not None and self.stats.received >= max_events:
                    break
                wanted = self.batch
                if max_events is not None:
                    wanted = min(wanted, max_events - self.stats.received)
                try:
                    msgs = await sub.fetch(wanted, timeout=self.fetch_timeout)
                except NatsTimeoutError:
                    msgs = []
                if msgs:
                    await self.sink.write([_decode(m.data) for m in msgs])
                    self.stats.received += len(msgs)
                    self.stats.redelivered += sum(m.metadata.num_delivered > 1 for m in msgs)
                    last, pending = msgs[-1], pending + len(msgs)
                    if self.progress is not None:
                        self.progress(self.stats)
                if time.monotonic() >= next_commit:
                    await self._commit(last, pending)
                    last, pending = None, 0
                    next_commit = time.monotonic() + self.commit_interval
            await self._commit(last, pending)
            await self.sink.close()
        finally:
            # after an error the open files stay unfinished on purpose: their messages
            # were not acknowledged and come again, and the next start removes them
            await source.close()

    async def _commit(self, last: Msg | None, pending: int) -> None:
        """Finish every open file, then acknowledge everything up to `last`."""
        if last is None:
            return
        await self.sink.finish_files()
        await last.ack_sync()
        self.stats.commits += 1
        self.stats.committed += pending
        log.info("jetstream writer: committed %d events", pending)
