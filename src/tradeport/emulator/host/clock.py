"""The emulator's server clock: real time shifted by a skew tests set."""

from __future__ import annotations

import time


class ServerClock:
    """`skew_ms` moves the server's clock against the caller's (a clock-skew fault)."""

    def __init__(self, skew_ms: int = 0) -> None:
        self.skew_ms = skew_ms

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000 + self.skew_ms

    def now_us(self) -> int:
        return time.time_ns() // 1000 + self.skew_ms * 1000
