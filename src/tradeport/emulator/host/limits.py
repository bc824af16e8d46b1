"""Rolling request windows behind the venues' rate limits (Bybit's per-IP and per-UID
budgets, OKX's per-IP, per-user and per-instrument ones): the times of the requests
counted in the last `window_ms`, per budget key."""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
INTERVAL_MS = {"SECOND": 1000, "MINUTE": 60_000}


def interval_ms(interval: tuple[int, str]) -> int:
    """A `weight_interval` option, `(5, "SECOND")` -> 5000."""
    num, unit = interval
    if unit not in INTERVAL_MS or num < 1:
        raise ValueError(f"weight_interval must be (n >= 1, 'SECOND' | 'MINUTE'), not {interval}")
    return num * INTERVAL_MS[unit]


class RollingWindows(Generic[K]):
    def __init__(self) -> None:
        self._hits: dict[K, deque[int]] = {}

    def window(self, key: K, now_ms: int, window_ms: int) -> deque[int]:
        """The request times of `key` within `window_ms` before `now_ms`, oldest first;
        the caller appends the requests it counts."""
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now_ms - window_ms:
            hits.popleft()
        return hits
