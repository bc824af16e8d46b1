"""The venue's clock as seen from here: the offset to add to local time when signing.

Signed requests carry a timestamp the venue checks against its own clock (Binance -1021
outside recvWindow, §1.2/§1.7), so a local clock that runs behind or ahead must be
corrected. Each sample is read the NTP way: the server stamped its time somewhere
during the round trip, taken to be the midpoint, so the error of a sample is at most
half its round-trip time, and the sample with the shortest round trip is trusted most.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from tradeport.model.errors import BadParameter


@dataclass(frozen=True, slots=True)
class ClockSample:
    offset_ms: float  # server time - local time at the round trip's midpoint
    rtt_ms: float


class ServerClock:
    def __init__(
        self, *, wall_clock: Callable[[], float] = time.time, max_samples: int = 8
    ) -> None:
        self._wall_clock = wall_clock
        self._samples: deque[ClockSample] = deque(maxlen=max_samples)
        self.offset_ms: float = 0.0
        self.rtt_ms: float | None = None  # of the sample the offset comes from

    @property
    def samples(self) -> list[ClockSample]:
        return list(self._samples)

    def local_ms(self) -> float:
        return self._wall_clock() * 1000.0

    def now_ms(self) -> int:
        """The venue's time now, in epoch milliseconds: the timestamp to sign with."""
        return math.floor(self.local_ms() + self.offset_ms)

    def add_sample(self, server_ms: int, sent_local_ms: float, received_local_ms: float) -> None:
        rtt = received_local_ms - sent_local_ms
        if rtt < 0:
            raise BadParameter(
                f"clock sample received ({received_local_ms}) before it was sent ({sent_local_ms})"
            )
        midpoint = sent_local_ms + rtt / 2
        self._samples.append(ClockSample(offset_ms=server_ms - midpoint, rtt_ms=rtt))
        best = min(self._samples, key=lambda s: s.rtt_ms)
        self.offset_ms, self.rtt_ms = best.offset_ms, best.rtt_ms

    def reset(self) -> None:
        """Forget the samples (the offset stays until a new sample arrives)."""
        self._samples.clear()

    async def sync(self, fetch_server_ms: Callable[[], Awaitable[int]], samples: int = 3) -> float:
        """Take `samples` fresh samples and return the new offset in ms.

        Older samples are dropped first: a resync is asked for when the venue rejected
        a timestamp, and then the old low-latency samples are exactly what went stale.
        """
        if samples < 1:
            raise BadParameter(f"samples must be at least 1, got {samples}")
        self.reset()
        for _ in range(samples):
            sent = self.local_ms()
            server_ms = await fetch_server_ms()
            self.add_sample(server_ms, sent, self.local_ms())
        return self.offset_ms
